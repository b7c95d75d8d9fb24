"""The issue's story as far as the UI goes: a shopper submits; a reviewer edits two answers
with reasons, returns the shop from the Review page (Ctrl+R), the shopper fixes and resubmits,
the reviewer releases it (Ctrl+Enter); a trainer opens a dispute on an item in the "Open
dispute…" dialog; the reviewer accepts it on the Disputes page; the timeline widget lists
every step in order with people and reasons. Model testers pass on every model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialog, QWidget

from shopper.services import disputes, evaluations, people, review
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database
from tests.shopper.test_review import make_setup
from tests.ui.test_review_page import answer_dialog, press, submitted_shop, wait_for_step
from ui import profile
from ui.dialogs.dispute import OpenDisputeDialog
from ui.form.timeline import local_time, timeline_widget
from ui.pages.disputes import DisputesPage, ResolveDialog


@pytest.fixture
def disputes_page(ctx, qtbot):  # type: ignore[no-untyped-def]
    ctx.tasks.synchronous = True
    widget = DisputesPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    return widget


def when_shown(kind: type[QDialog], parent: QWidget, act: Callable[[Any], None]) -> None:
    """Run `act(dialog)` once a `kind` dialog of `parent` is open (and close it if `act`
    left it open, so that a failed check never hangs the test)."""

    def attempt() -> None:
        dialog = parent.findChild(kind)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, attempt)
            return
        try:
            act(dialog)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QTimer.singleShot(0, attempt)


def test_the_story_through_the_pages(
    ctx: Any, db: Database, qtbot: Any, qtmodeltester: Any, disputes_page: Any
) -> None:
    from ui.pages.review import ReviewPage

    _db, rubric_id, agent_id = make_setup(db)
    rita = people.add(db, "Rita Ortiz", ["reviewer"])
    people.add(db, "Tom Baker", ["trainer"])
    shop = submitted_shop(db, rubric_id, agent_id)

    # the evaluation window embeds the timeline: it shows the submission
    timeline = timeline_widget(ctx, shop.id)
    qtbot.addWidget(timeline)
    timeline.show()
    qtbot.waitUntil(lambda: timeline.model.rowCount() == 1)
    qtmodeltester.check(timeline.model)

    # the reviewer edits two answers with reasons (the evaluation window's save(reason=…))
    review.edit_answers(
        db, shop.id, {"greeting.prompt": "no"}, actor=rita.id, reason="Greeted after 2 minutes"
    )
    review.edit_answers(
        db, shop.id, {"greeting.rapport": 3}, actor=rita.id, reason="Rapport was brief"
    )

    # ... returns it from the Review page with Ctrl+R
    profile.set_your_name("Rita Ortiz")
    page = ReviewPage(ctx)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: [e.id for e in page.model.rows] == [shop.id])
    answer_dialog_fill = answer_dialog(qtbot, page, "Check the booking answer")
    QTimer.singleShot(0, answer_dialog_fill)
    wait_for_step(qtbot, page, lambda: press(qtbot, page, Qt.Key.Key_R, ctrl=True))
    assert evaluations.get(db, shop.id).status == "returned"
    qtbot.waitUntil(lambda: timeline.model.rowCount() == 4)  # reloaded by the change

    # the shopper fixes it and submits again; the reviewer releases it with Ctrl+Enter
    returned = evaluations.get(db, shop.id)
    fixed = dict(returned.answers)
    fixed["greeting.booking"] = AnswerData("Agent offered", "They offered 3 pm")
    saved = evaluations.save(db, shop.id, returned.row_version, answers=fixed, actor="Sam Lee")
    evaluations.set_status(db, shop.id, "submitted", saved.row_version, actor="Sam Lee")
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    wait_for_step(qtbot, page, lambda: press(qtbot, page, Qt.Key.Key_Return, ctrl=True))
    assert evaluations.get(db, shop.id).status == "released"

    # a trainer disputes one item in the Open dispute dialog
    profile.set_your_name("Tom Baker")

    def dispute(dialog: OpenDisputeDialog) -> None:
        assert "disputes close" in dialog.intro.text()
        assert not dialog.ok.isEnabled()  # nothing ticked yet
        row = dialog.row("greeting.prompt")
        assert row.answer.text() == "no"
        row.check.setChecked(True)
        assert not dialog.ok.isEnabled() and "proposed answer" in dialog.error.text()
        assert row.proposed.set_value("yes")
        assert not dialog.ok.isEnabled() and "say why" in dialog.error.text().lower()
        qtbot.keyClicks(row.reason, "The recording shows a prompt greeting")
        assert dialog.ok.isEnabled()
        dialog.ok.click()

    when_shown(OpenDisputeDialog, disputes_page, dispute)
    raised = disputes_page.open_dispute_for(shop.id)
    assert raised is not None and raised.is_open
    assert [(i.item, i.original, i.proposed) for i in raised.items] == [
        ("greeting.prompt", "no", "yes")
    ]

    # the Disputes page lists it with its age; the reviewer accepts it (Enter)
    qtbot.waitUntil(lambda: disputes_page.model.rowCount() == 1)
    qtmodeltester.check(disputes_page.model)
    cells = [disputes_page.model.index(0, c).data() for c in range(8)]
    assert cells == [
        "today",
        "Tom Baker",
        "José Núñez · Maple Court · 2026-11-20",
        "Greeted promptly",
        "no",
        "yes",
        "The recording shows a prompt greeting",
        "open",
    ]
    assert disputes_page.summary.text().startswith("1 open dispute")
    profile.set_your_name("Rita Ortiz")

    def accept(dialog: ResolveDialog) -> None:
        dialog.choose("accepted")
        assert not dialog.ok.isEnabled()  # a reason is needed
        qtbot.keyClicks(dialog.reason, "Recording agrees")
        assert dialog.ok.isEnabled()
        dialog.ok.click()

    when_shown(ResolveDialog, disputes_page, accept)
    disputes_page.table.setFocus()
    qtbot.keyClick(disputes_page.table, Qt.Key.Key_Return)
    closed = disputes.list_disputes(db)[0]
    assert not closed.is_open and closed.items[0].resolution == "accepted"
    final = evaluations.get(db, shop.id)
    assert final.status == "released" and final.values()["greeting.prompt"] == "yes"
    assert final.overall_pct == 56.0  # as the core's own story test works it out
    qtbot.waitUntil(lambda: disputes_page.model.rowCount() == 0)
    assert disputes_page.summary.text().startswith("No disputes are open.")
    assert "100.0 disputes per 100 released shops · 1 of 1 disputed items changed" in (
        disputes_page.summary.text()
    )

    # the timeline: every step, in order, with people and reasons
    qtbot.waitUntil(lambda: timeline.model.rowCount() == 11)
    qtmodeltester.check(timeline.model)
    entries = timeline.model.entries
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert [line.split(" | ", 1)[1] for line in timeline.model.lines()] == [
        "Sam Lee | Submitted |  | draft → submitted | ",
        "Rita Ortiz | Changed | greeting.prompt | yes → no | Greeted after 2 minutes",
        "Rita Ortiz | Changed | greeting.rapport | 4 → 3 | Rapport was brief",
        "Rita Ortiz | Returned to the shopper |  | submitted → returned | Check the booking answer",
        "Sam Lee | Submitted again |  | returned → submitted | ",
        "Sam Lee | Changed | greeting.booking | Shopper asked → Agent offered | ",
        "Sam Lee | Changed | greeting.booking.comment | — → They offered 3 pm | ",
        "Rita Ortiz | Released |  | submitted → released | ",
        "Tom Baker | Disputed | greeting.prompt | no → yes | The recording shows a prompt greeting",
        "Rita Ortiz | Dispute: accepted | greeting.prompt | no → yes | Recording agrees",
        "Rita Ortiz | Dispute closed |  |  | ",
    ]
    assert timeline.model.lines()[0].startswith(local_time(entries[0].at) + " | ")


def test_amend_needs_an_answer_and_a_refused_dispute_stays_open(
    ctx: Any, db: Database, qtbot: Any, disputes_page: Any
) -> None:
    _db, rubric_id, agent_id = make_setup(db)
    shop = submitted_shop(db, rubric_id, agent_id)
    profile.set_your_name("Tom Baker")

    # not released yet: the core refuses, the dialog says so and stays open until cancelled
    seen: list[str] = []

    def refused(dialog: OpenDisputeDialog) -> None:
        assert "Only a released shop can be disputed" in dialog.intro.text()
        row = dialog.row("greeting.rapport")
        row.check.setChecked(True)
        row.proposed.set_value(5)
        qtbot.keyClicks(row.reason, "Warm and personal")
        dialog.ok.click()
        seen.append(dialog.error.text())
        assert dialog.isVisible()

    when_shown(OpenDisputeDialog, disputes_page, refused)
    assert disputes_page.open_dispute_for(shop.id) is None
    assert seen and seen[0].startswith("Not opened: only a released shop can be disputed")
    assert disputes.list_disputes(db) == []

    review.release(db, shop.id, actor="Rita Ortiz")
    disputes.open_dispute(
        db,
        shop.id,
        [
            disputes.ProposedItem("greeting.rapport", 5, "Warm and personal"),
            disputes.ProposedItem("greeting.booking", "Agent offered", "They offered"),
        ],
        actor="Tom Baker",
    )
    with qtbot.waitSignal(disputes_page.loaded):
        disputes_page.refresh()
    assert disputes_page.model.rowCount() == 2
    profile.set_your_name("Rita Ortiz")

    def amend(dialog: ResolveDialog) -> None:
        dialog.choose("amended")
        qtbot.keyClicks(dialog.reason, "Friendly, not personal")
        assert not dialog.ok.isEnabled()  # amended needs its answer
        assert dialog.answer is not None and dialog.answer.set_value(3)
        assert dialog.ok.isEnabled()
        dialog.ok.click()

    when_shown(ResolveDialog, disputes_page, amend)
    disputes_page.table.setCurrentIndex(disputes_page.model.index(0, 0))
    result = disputes_page.resolve_current()
    assert result is not None and result.is_open  # one item still open
    assert evaluations.get(db, shop.id).values()["greeting.rapport"] == 3
    qtbot.waitUntil(
        lambda: (
            disputes_page.model.index(0, 7).data() == "amended → 3"
            and disputes_page.model.rowCount() == 2
        )
    )
    # the resolved item cannot be resolved again; the open one is current
    assert disputes_page.current_row().entry.item == "greeting.booking"
    disputes_page.table.setCurrentIndex(disputes_page.model.index(0, 0))
    assert not disputes_page.resolve_button.isEnabled()
    assert disputes_page.resolve_current() is None


def test_open_dispute_button_picks_a_released_shop(
    ctx: Any, db: Database, qtbot: Any, disputes_page: Any
) -> None:
    from PySide6.QtWidgets import QInputDialog

    _db, rubric_id, agent_id = make_setup(db)
    shop = submitted_shop(db, rubric_id, agent_id)
    profile.set_your_name("Tom Baker")
    assert disputes_page.choose_and_open_dispute() is None  # nothing released yet
    assert disputes_page.summary.text().startswith("No shop is released yet")

    review.release(db, shop.id, actor="Rita Ortiz")
    offered: list[list[str]] = []
    shown: list[str] = []

    def pick(dialog: QInputDialog) -> None:
        offered.append(dialog.comboBoxItems())
        dialog.accept()

    def see(dialog: OpenDisputeDialog) -> None:
        shown.append(dialog.shop.id)
        dialog.reject()

    when_shown(QInputDialog, disputes_page, pick)
    when_shown(OpenDisputeDialog, disputes_page, see)
    assert disputes_page.choose_and_open_dispute() is None  # cancelled in the second dialog
    assert offered == [["2026-11-20 · José Núñez · Maple Court · Sam Lee"]]
    assert shown == [shop.id]
    assert disputes.list_disputes(db) == []
