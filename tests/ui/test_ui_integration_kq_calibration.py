"""Key questions and calibration in the UI: the editor's checkbox, the form's badge, the
evaluation window's key-question score, and calibration windows (marked, and refused to a
blind rater)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtWidgets import QCheckBox, QLabel
from pytestqt.qtbot import QtBot

from shopper.rubric_edit import ItemDraft, RubricDraft, SectionDraft, to_rubric
from tests.ui.keyboard import show_and_focus
from ui.context import AppContext
from ui.form.rubric_form import RubricForm
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
