"""Key questions and calibration in the UI: the editor's checkbox, the form's badge, the
evaluation window's key-question score, and calibration windows (marked, and refused to a
blind rater)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import pytest
from PySide6.QtWidgets import QCheckBox, QLabel
from pytestqt.qtbot import QtBot

from shopper.rubric_edit import ItemDraft, RubricDraft, SectionDraft, to_rubric
from shopper.services import calibration, evaluations, rubrics
from shopper.storage.db import Database
from tests.ui.keyboard import show_and_focus
from ui import profile
from ui.context import AppContext
from ui.form.evaluation_window import EvaluationWindow
from ui.form.rubric_form import RubricForm
from ui.form.windows import EvaluationWindows
from ui.rubric_editor import RubricEditor


@pytest.fixture(autouse=True)
def never_ask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(RubricEditor, "ask_unsaved", lambda self: "discard")


def kq_draft() -> RubricDraft:
    return RubricDraft(
        key="kq-shop",
        name="Key-question shop",
        sections=[
            SectionDraft(
                key="call",
                title="The call",
                items=[
                    ItemDraft(key="greeted", prompt="Greeted warmly", points=Fraction(2)),
                    ItemDraft(key="notes", prompt="Anything else?", type="text"),
                ],
            )
        ],
    )


def test_the_key_question_checkbox_sets_the_draft_and_undo_reverts_it(
    qtbot: QtBot, ctx: AppContext
) -> None:
    draft = kq_draft()
    editor = RubricEditor(ctx, draft, None, frozenset())
    qtbot.addWidget(editor)
    show_and_focus(qtbot, editor)
    editor.show_node((0, 0))
    box = editor.item_panel.bindings["key_question"].widget
    assert isinstance(box, QCheckBox)
    assert box.isVisibleTo(editor) and box.isEnabled() and not box.isChecked()
    box.click()
    assert editor.model.draft.sections[0].items[0].key_question is True
    assert "key question" in editor.item_panel.worth.text()
    editor.stack.undo()
    assert editor.model.draft.sections[0].items[0].key_question is False
    assert not box.isChecked()
    editor.stack.redo()
    assert editor.model.draft.sections[0].items[0].key_question is True
    editor.show_node((0, 1))  # a text item is not scored: no key question there
    assert not (box.isVisibleTo(editor) and box.isEnabled())


def test_the_form_marks_key_questions_with_a_badge(qtbot: QtBot) -> None:
    draft = kq_draft()
    draft.sections[0].items[0].key_question = True
    form = RubricForm(to_rubric(draft))
    qtbot.addWidget(form)
    badges = {
        row.item.key: [b.text() for b in row.findChildren(QLabel, "keyQuestionBadge")]
        for row in form.rows
    }
    assert badges == {"greeted": ["Key question"], "notes": []}


def kq_rubric_id(db: Database) -> int:
    draft = kq_draft()
    draft.sections[0].items.insert(
        0, ItemDraft(key="named", prompt="Said their name", points=Fraction(2), key_question=True)
    )
    return rubrics.save_rubric(db, to_rubric(draft)).info.id


@pytest.fixture
def windows(ctx: AppContext) -> Iterator[EvaluationWindows]:
    profile.YOUR_NAME.set("Sam Lee")
    registry = EvaluationWindows(ctx)
    yield registry
    assert registry.close_all()


def open_window(windows: EvaluationWindows, qtbot: QtBot, evaluation_id: str) -> EvaluationWindow:
    window = windows.open(evaluation_id)
    assert window is not None
    qtbot.waitUntil(window.isActiveWindow)
    return window


def test_the_header_shows_the_key_question_score_live(
    db: Database, agent: Any, windows: EvaluationWindows, qtbot: QtBot
) -> None:
    shop = evaluations.create(
        db,
        rubric_id=kq_rubric_id(db),
        agent_id=agent.id,
        visited_on=dt.date(2024, 5, 2),
        shopper="Sam",
    )
    window = open_window(windows, qtbot, shop.id)
    label = window.header.key_question_score
    assert label.isVisibleTo(window)
    assert label.text() == "Key questions N/A"
    assert window.header.calibration_badge.isHidden()
    assert not window.windowTitle().startswith("Calibration")
    rows = {row.item.key: row for row in window.form.rows}
    assert [b.text() for b in rows["named"].findChildren(QLabel, "keyQuestionBadge")] == [
        "Key question"
    ]
    rows["greeted"]._apply("no", advance=False)  # not a key question: no change
    assert label.text() == "Key questions N/A"
    rows["named"]._apply("yes", advance=False)
    assert label.text() == "Key questions 100.0%"
    rows["named"]._apply("no", advance=False)
    assert label.text() == "Key questions 0.0%"
    assert "Overall" in window.form.overall_label.text()


def calibration_setup(db: Database, agent: Any) -> str:
    """A session with raters Ann and Ben; Ann has started (not submitted) hers."""
    info = calibration.create_session(
        db, title="Tour of 3 November", rubric_id=kq_rubric_id(db), agent_id=agent.id
    )
    calibration.invite(db, info.id, ["Ann", "Ben"])
    return calibration.start_evaluation(db, info.id, "Ann", agent_id=agent.id)


def test_a_calibration_window_says_so(
    db: Database, agent: Any, windows: EvaluationWindows, qtbot: QtBot
) -> None:
    evaluation_id = calibration_setup(db, agent)
    profile.YOUR_NAME.set("Ann")
    window = open_window(windows, qtbot, evaluation_id)
    assert window.windowTitle().startswith("Calibration · ")
    badge = window.header.calibration_badge
    assert badge.isVisibleTo(window) and badge.text() == "CALIBRATION"


def test_a_blind_rater_is_refused_someone_elses_calibration_answers(
    db: Database,
    agent: Any,
    windows: EvaluationWindows,
    qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    evaluation_id = calibration_setup(db, agent)
    profile.YOUR_NAME.set("Ben")  # invited, has not submitted his own
    shown: list[str] = []
    monkeypatch.setattr(
        "ui.errors.QMessageBox.warning",
        lambda _parent, _title, text, *args, **kwargs: shown.append(text),
    )
    assert windows.open(evaluation_id) is None
    assert shown and calibration.BLIND_MESSAGE in shown[0]
    assert evaluation_id not in windows.windows
    profile.YOUR_NAME.set("Ann")  # her own opens
    assert open_window(windows, qtbot, evaluation_id).evaluation_id == evaluation_id
