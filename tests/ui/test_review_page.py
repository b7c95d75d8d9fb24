"""The Review queue page as a reviewer uses it, keyboard first: a shopper's submitted shop
appears; Ctrl+R returns it with a reason typed in a small dialog; after the shopper
resubmits, Ctrl+Enter releases it; bulk release, mark reviewed, exclude and include again;
Enter opens the shop. The core is asked what happened, never the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication

from shopper.services import evaluations, history, people, review
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database
from tests.shopper.test_review import DAY, full_answers, make_setup
from ui import profile
from ui.dialogs.review_reason import ReasonDialog


@pytest.fixture
def page(ctx, qtbot):  # type: ignore[no-untyped-def]
    from ui.pages.review import ReviewPage

    ctx.tasks.synchronous = True
    profile.set_your_name("Rita Ortiz")
    widget = ReviewPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    return widget


def submitted_shop(db: Database, rubric_id: int, agent_id: str, shopper: str = "Sam Lee") -> Any:
    sam = people.find(db, shopper) or people.add(db, shopper, ["shopper"])
    draft = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        shopper=shopper,
        answers=full_answers(),
        actor=sam.id,
        shopper_id=sam.id,
    )
    return evaluations.set_status(db, draft.id, "submitted", draft.row_version, actor=sam.id)


def answer_dialog(qtbot: Any, page: Any, reason: str | None) -> Callable[[], None]:
    """Type `reason` into the reason dialog when it opens (None: cancel it)."""

    def fill() -> None:
        dialog = page.findChild(ReasonDialog)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, fill)
            return
        try:
            if reason is None:
                return
            assert not dialog.ok.isEnabled()  # no reason, no OK
            qtbot.keyClicks(dialog.text, reason)
            assert dialog.ok.isEnabled()
            qtbot.keyClick(dialog.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        finally:
            if dialog.isVisible():  # cancelled, or a check above failed: never hang
                dialog.reject()

    return fill


def press(qtbot: Any, page: Any, key: Qt.Key, ctrl: bool = False) -> None:
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    page.table.setFocus()
    qtbot.keyClick(page.table, key, modifier)


def wait_for_step(qtbot: Any, page: Any, do: Callable[[], None]) -> str:
    """Do a step, wait for the writer and for the queue to reload; the message shown."""
    with qtbot.waitSignal(page.acted, timeout=10000) as acted:
        do()
    qtbot.waitUntil(lambda: not page.ctx.writer.busy, timeout=10000)
    QApplication.processEvents()
    return str(acted.args[0])


def ids(page: Any) -> list[str]:
    return [entry.id for entry in page.model.rows]


def test_return_then_release_with_the_keyboard(
    page: Any, ctx: Any, db: Database, qtbot: Any, qtmodeltester: Any
) -> None:
    _db, rubric_id, agent_id = make_setup(db)
    shop = submitted_shop(db, rubric_id, agent_id)
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    assert ids(page) == [shop.id]
    row = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert row[1:] == [
        "2026-11-20",
        "Sam Lee",
        "José Núñez",
        "Maple Court",
        f"{shop.overall_pct:.1f}%",
        "",
        "1",  # one comment ("Warm")
        "Submitted",
    ]
    assert "1 shop waiting for review" in page.summary.text()
    qtmodeltester.check(page.model)

    # Ctrl+R, cancelled: nothing happens
    QTimer.singleShot(0, answer_dialog(qtbot, page, None))
    press(qtbot, page, Qt.Key.Key_R, ctrl=True)
    assert evaluations.get(db, shop.id).status == "submitted"

    # Ctrl+R with a reason: the core shows it returned, by the profile's person, and why
    QTimer.singleShot(0, answer_dialog(qtbot, page, "Check the booking answer"))
    message = wait_for_step(qtbot, page, lambda: press(qtbot, page, Qt.Key.Key_R, ctrl=True))
    assert message.startswith("Returned the shop")
    assert evaluations.get(db, shop.id).status == "returned"
    last = history.timeline(db, shop.id)[-1]
    assert (last.action, last.by_name, last.reason) == (
        "return",
        "Rita Ortiz",
        "Check the booking answer",
    )
    qtbot.waitUntil(lambda: ids(page) == [])
    assert page.summary.text() == "No shops are waiting for review."

    # the shopper fixes and resubmits; the queue shows it again
    returned = evaluations.get(db, shop.id)
    fixed = dict(returned.answers)
    fixed["greeting.booking"] = AnswerData("Agent offered", "They offered 3 pm")
    saved = evaluations.save(db, shop.id, returned.row_version, answers=fixed, actor="Sam Lee")
    evaluations.set_status(db, shop.id, "submitted", saved.row_version, actor="Sam Lee")
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    assert ids(page) == [shop.id]

    # Ctrl+Enter releases it
    message = wait_for_step(qtbot, page, lambda: press(qtbot, page, Qt.Key.Key_Return, ctrl=True))
    assert message.startswith("Released")
    released = evaluations.get(db, shop.id)
    assert released.status == "released" and released.released_at is not None
    qtbot.waitUntil(lambda: ids(page) == [])
    assert [(e.action, e.by_name, e.reason) for e in history.timeline(db, shop.id)] == [
        ("submit", "Sam Lee", None),
        ("return", "Rita Ortiz", "Check the booking answer"),
        ("resubmit", "Sam Lee", None),
        ("edit", "Sam Lee", None),
        ("edit", "Sam Lee", None),
        ("release", "Rita Ortiz", None),
    ]


def test_oldest_first_bulk_release_and_enter_opens(
    page: Any, ctx: Any, db: Database, qtbot: Any, qtmodeltester: Any
) -> None:
    _db, rubric_id, agent_id = make_setup(db)
    shops = [submitted_shop(db, rubric_id, agent_id, name) for name in ("Ann", "Ben", "Cleo")]
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    assert ids(page) == [s.id for s in shops]  # oldest submission first
    qtmodeltester.check(page.model)

    opened: list[tuple[str, str]] = []
    ctx.open_evaluation_requested.connect(lambda e, s: opened.append((e, s)))
    page.table.setCurrentIndex(page.model.index(1, 0))
    press(qtbot, page, Qt.Key.Key_Return)
    assert opened == [(shops[1].id, "")]

    # Ctrl+M marks Ben's shop reviewed: it stays in the queue, marked
    wait_for_step(qtbot, page, lambda: press(qtbot, page, Qt.Key.Key_M, ctrl=True))
    assert evaluations.get(db, shops[1].id).status == "reviewed"
    qtbot.waitUntil(lambda: page.model.index(1, 8).data() == "Reviewed")

    # select Ann and Ben, Ctrl+Enter: both released, Cleo waits
    selection = page.table.selectionModel()
    selection.clear()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 1):
        selection.select(page.model.index(row, 0), flags)
    assert page.release_button.text() == "Release 2 shops"
    message = wait_for_step(qtbot, page, lambda: press(qtbot, page, Qt.Key.Key_Enter, ctrl=True))
    assert message == "Released 2 shops."
    assert [evaluations.get(db, s.id).status for s in shops] == [
        "released",
        "released",
        "submitted",
    ]
    qtbot.waitUntil(lambda: ids(page) == [shops[2].id])
    assert review.queue_count(db) == 1


def test_exclude_and_include_again_with_reasons(
    page: Any, ctx: Any, db: Database, qtbot: Any
) -> None:
    _db, rubric_id, agent_id = make_setup(db)
    shop = submitted_shop(db, rubric_id, agent_id)
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    assert not page.include_button.isEnabled()
    QTimer.singleShot(0, answer_dialog(qtbot, page, "Wrong property"))
    wait_for_step(qtbot, page, lambda: press(qtbot, page, Qt.Key.Key_E, ctrl=True))
    assert evaluations.get(db, shop.id).excluded is not None
    qtbot.waitUntil(lambda: ids(page) == [])  # excluded shops leave the queue

    assert page.include_button.isEnabled()
    QTimer.singleShot(0, answer_dialog(qtbot, page, "It was the right property"))
    wait_for_step(qtbot, page, page.include_button.click)
    assert evaluations.get(db, shop.id).excluded is None
    qtbot.waitUntil(lambda: ids(page) == [shop.id])
    assert [(e.action, e.by_name, e.reason) for e in history.timeline(db, shop.id)][1:] == [
        ("exclude", "Rita Ortiz", "Wrong property"),
        ("include", "Rita Ortiz", "It was the right property"),
    ]


def test_a_refused_step_is_said_in_plain_words(
    page: Any, ctx: Any, db: Database, qtbot: Any
) -> None:
    _db, rubric_id, agent_id = make_setup(db)
    shop = submitted_shop(db, rubric_id, agent_id)
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    # someone else releases it meanwhile; this page still shows it
    review.release(db, shop.id, actor="Other Reviewer")
    message = wait_for_step(qtbot, page, lambda: press(qtbot, page, Qt.Key.Key_Return, ctrl=True))
    assert message.startswith("Not done:")
    assert page.status.text() == message
    assert evaluations.get(db, shop.id).status == "released"
    qtbot.waitUntil(lambda: ids(page) == [])  # the queue reloaded: the shop has left it


def test_a_long_queue_loads_page_by_page(
    page: Any, ctx: Any, db: Database, qtbot: Any, qtmodeltester: Any, monkeypatch: Any
) -> None:
    from ui.pages import review as review_page

    monkeypatch.setattr(review_page, "PAGE_SIZE", 2)
    _db, rubric_id, agent_id = make_setup(db)
    shops = [submitted_shop(db, rubric_id, agent_id, f"Shopper {n}") for n in range(5)]
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    assert ids(page) == [s.id for s in shops[:2]]
    assert page.summary.text().startswith("5 shops waiting for review")
    assert page.model.canFetchMore(QModelIndex())
    page.table.scrollToBottom()
    qtbot.waitUntil(lambda: len(ids(page)) == 5)  # the view asked for more as it scrolled
    assert ids(page) == [s.id for s in shops]
    assert not page.model.canFetchMore(QModelIndex())
    qtmodeltester.check(page.model)

    # a reload keeps what was scrolled into view
    review.release(db, shops[0].id, actor="Rita Ortiz")
    with qtbot.waitSignal(page.loaded):
        page.refresh()
    assert ids(page) == [s.id for s in shops[1:]]
