"""The rubric editor driven like a trainer would: keyboard, drag and drop, undo, preview, save."""

from __future__ import annotations

import datetime as dt
import time
from fractions import Fraction
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from shopper import rubric_edit as edit
from shopper import scoring
from shopper.rubric_edit import ItemDraft, OptionDraft, RubricDraft, SectionDraft
from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluations import AnswerData
from tests.ui.keyboard import focused, press, show_and_focus, type_text
from ui.context import AppContext
from ui.form.windows import EvaluationWindows
from ui.rubric_editor import RubricEditor
from ui.rubric_editor.model import DraftModel
from ui.rubric_editor.panels import NodePanel, RubricFields
from ui.rubric_editor.preview import PreviewDialog

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(autouse=True)
def never_ask(monkeypatch):  # type: ignore[no-untyped-def]
    """Closing at teardown must not wait for an answer to 'Save changes?'."""
    monkeypatch.setattr(RubricEditor, "ask_unsaved", lambda self: "discard")


def open_editor(qtbot, ctx, draft, origin=None, taken=frozenset()) -> RubricEditor:  # type: ignore[no-untyped-def]
    editor = RubricEditor(ctx, draft, origin, taken)
    qtbot.addWidget(editor)
    show_and_focus(qtbot, editor)
    return editor


def small_draft() -> RubricDraft:
    return RubricDraft(
        key="phone-shop",
        name="Phone shop",
        sections=[
            SectionDraft(
                key="call",
                title="The call",
                items=[
                    ItemDraft(key="greeted", prompt="Greeted warmly", points=Fraction(2)),
                    ItemDraft(key="tone", prompt="Tone", type="scale", points=Fraction(4)),
                    ItemDraft(
                        key="booked",
                        prompt="Booked a visit?",
                        type="choice",
                        options=[OptionDraft("Yes", Fraction(3)), OptionDraft("No", Fraction(0))],
                    ),
                ],
            ),
            SectionDraft(
                key="after",
                title="Afterwards",
                deferred=True,
                items=[ItemDraft(key="called_back", prompt="Called back", points=Fraction(1))],
            ),
        ],
    )


def tree_titles(editor: RubricEditor) -> list[str]:
    model, out = editor.model, []
    for row in range(model.rowCount()):
        section = model.index(row, 0)
        out.append(section.data())
        out += [f"  {model.index(r, 0, section).data()}" for r in range(model.rowCount(section))]
    return out


def field(editor: RubricEditor, name: str) -> QWidget:
    page = editor.pages.currentWidget()
    assert isinstance(page, NodePanel | RubricFields)
    return page.bindings[name].widget


def problem_text(editor: RubricEditor, name: str) -> str:
    page = editor.pages.currentWidget()
    assert isinstance(page, NodePanel | RubricFields)
    label = page.bindings[name].problem
    return label.text() if label.isVisibleTo(editor) else ""


def replace_text(widget: QWidget, text: str) -> None:
    """Select all in a field and type over it, as a user does, then pause."""
    widget.setFocus()
    press(Qt.Key.Key_A, CTRL)
    if text:
        type_text(text)
    else:
        press(Qt.Key.Key_Delete)
    pause(widget)


def pause(widget: QWidget) -> None:
    """Stop typing until the editor has checked what was typed (it waits for a pause)."""
    editor = widget.window()
    assert isinstance(editor, RubricEditor)
    deadline = time.monotonic() + 5
    while editor.model.validation_pending and time.monotonic() < deadline:
        QTest.qWait(20)
    assert not editor.model.validation_pending


def choose_type(editor: RubricEditor, label: str) -> None:
    combo = field(editor, "type")
    assert isinstance(combo, QComboBox)
    combo.setFocus()
    while combo.currentText() != label:
        press(Qt.Key.Key_Down if combo.findText(label) > combo.currentIndex() else Qt.Key.Key_Up)


def make_agent(db) -> str:  # type: ignore[no-untyped-def]
    prop = properties.create_property(db, "Maple Court")
    return agents.create_agent(db, "Jordan Lee", prop.id).id


# ------------------------------------------------------------------------------------------


def test_the_tree_model_passes_the_model_tester_while_it_changes(
    qtbot: QtBot, ctx: AppContext, qtmodeltester: Any
) -> None:
    info = rubrics.find(ctx.db, "leasing-tour")
    editor = open_editor(qtbot, ctx, edit.from_rubric(rubrics.get_rubric(ctx.db, info.id)), info)
    qtmodeltester.check(editor.model)
    editor.request_move((0,), (3,))
    editor.request_move((1, 0), (4, 1))
    editor.request_remove((2, 1))
    editor.add_section()
    editor.add_item()
    while editor.stack.canUndo():
        editor.stack.undo()
    assert editor.model.draft == edit.from_rubric(rubrics.get_rubric(ctx.db, info.id))
    qtmodeltester.check(editor.model)


def test_build_a_rubric_from_scratch_use_it_and_edit_it_into_version_2(
    qtbot: QtBot, ctx: AppContext
) -> None:
    editor = open_editor(qtbot, ctx, RubricDraft(), taken=frozenset({"leasing-tour"}))
    assert not editor.save_button.isEnabled()
    assert "add at least one section" in editor.rubric_fields.sections_problem.text()

    replace_text(editor.rubric_fields.bindings["name"].widget, "Phone shop")
    replace_text(editor.rubric_fields.bindings["key"].widget, "leasing-tour")
    key_problem = editor.rubric_fields.bindings["key"].problem.text()
    assert "a rubric with key 'leasing-tour' already exists" in key_problem
    replace_text(editor.rubric_fields.bindings["key"].widget, "phone-shop")
    assert not editor.rubric_fields.bindings["key"].problem.isVisibleTo(editor)

    press(Qt.Key.Key_N, CTRL_SHIFT)  # add a section; the cursor lands in its title
    assert focused() is field(editor, "title")
    type_text("The call")
    replace_text(field(editor, "key"), "call")
    assert "add at least one item" in editor.section_panel.items_problem.text()
    press(Qt.Key.Key_N, CTRL)  # add an item; the cursor lands in its prompt
    assert focused() is field(editor, "prompt")
    type_text("Greeted warmly")
    replace_text(field(editor, "key"), "greeted")
    replace_text(field(editor, "points"), "1")
    pause(editor)
    assert editor.item_panel.worth.text() == "1 point"
    replace_text(field(editor, "points"), "2")
    pause(editor)
    assert editor.item_panel.worth.text() == "2 points"

    press(Qt.Key.Key_N, CTRL)
    type_text("Tone of voice")
    replace_text(field(editor, "key"), "tone")
    choose_type(editor, "Scale")
    replace_text(field(editor, "points"), "4")
    replace_text(field(editor, "max"), "4")

    press(Qt.Key.Key_N, CTRL)
    type_text("Booked a visit?")
    replace_text(field(editor, "key"), "booked")
    choose_type(editor, "Choice")
    options = editor.item_panel.options
    options.add_button.click()
    type_text("Agent offered a time")
    replace_text(options.rows[0].points.widget, "3")
    options.add_button.click()
    type_text("Had to ask")
    pause(editor)
    assert [o.label for o in editor.model.draft.sections[0].items[2].options] == [
        "Agent offered a time",
        "Had to ask",
    ]
    assert editor.model.problems == []
    assert editor.save_button.isEnabled()
    assert "out of 9 points" in editor.totals_label.text()
    assert tree_titles(editor) == [
        "The call",
        "  Greeted warmly",
        "  Tone of voice",
        "  Booked a visit?",
    ]

    # Reorder with the keyboard: the choice item goes first.
    editor.tree.setFocus()
    press(Qt.Key.Key_Up, CTRL)
    press(Qt.Key.Key_Up, CTRL)
    assert tree_titles(editor)[1:] == ["  Booked a visit?", "  Greeted warmly", "  Tone of voice"]

    press(Qt.Key.Key_S, CTRL)
    assert editor.save_message.text() == "Saved Phone shop (phone-shop v1)."
    assert editor.stack.isClean()
    stored = rubrics.find(ctx.db, "phone-shop")
    assert (stored.version, stored.evaluation_count) == (1, 0)
    rubric_v1 = rubrics.get_rubric(ctx.db, stored.id)
    assert [i.key for i in rubric_v1.sections[0].items] == ["booked", "greeted", "tone"]
    assert rubric_v1.sections[0].items[2].max == 4
    assert editor.rubric_fields.bindings["key"].widget.isReadOnly()  # type: ignore[attr-defined]

    # A shopper scores a tour with version 1.
    first = evaluations.create(
        ctx.db,
        rubric_id=stored.id,
        agent_id=make_agent(ctx.db),
        visited_on=dt.date(2026, 11, 20),
        answers={
            "call.booked": AnswerData("Had to ask"),
            "call.greeted": AnswerData("yes"),
            "call.tone": AnswerData(3),
        },
        status="submitted",
    )
    expected_v1 = scoring.score(rubric_v1, first.values())
    assert first.overall_pct == pytest.approx(float(expected_v1.overall or 0))
    editor.close()

    # The trainer edits it again: the used version stays, the change becomes version 2.
    used = rubrics.find(ctx.db, "phone-shop")
    again = open_editor(qtbot, ctx, edit.from_rubric(rubrics.get_rubric(ctx.db, used.id)), used)
    assert "used by 1 evaluation, so it stays as it is: saving creates version 2" in (
        again.banner_label.text()
    )
    assert again.save_button.text() == "&Save as version 2"
    again.show_node((0, 1))
    replace_text(field(again, "points"), "5")
    again.save_button.click()
    assert "Saved as version 2 of phone-shop" in again.save_message.text()
    assert [
        (r.version, r.evaluation_count) for r in rubrics.list_rubrics(ctx.db, "phone-shop")
    ] == [
        (1, 1),
        (2, 0),
    ]
    kept = evaluations.get(ctx.db, first.id)
    assert (kept.rubric_version, kept.overall_pct) == (1, first.overall_pct)
    assert rubrics.get_rubric(ctx.db, kept.rubric_id).sections[0].items[1].points == 2
    # The evaluation view shows the version it was scored with, and its score.
    view = EvaluationWindows(ctx).open(first.id)
    assert view is not None  # the window deletes itself once closed
    assert view.form.rubric_label.text() == "Phone shop · version 1"
    assert view.form.overall_label.text() == f"Overall {scoring.format_pct(expected_v1.overall)}"
    view.close()

    # Version 2 has no evaluation yet: further edits change it in place.
    assert "No evaluation uses version 2" in again.banner_label.text()
    replace_text(field(again, "prompt"), "Greeted warmly by name")
    again.save_button.click()
    assert "changed in place" in again.save_message.text()
    assert [r.version for r in rubrics.list_rubrics(ctx.db, "phone-shop")] == [1, 2]


def test_each_invalid_state_shows_next_to_its_field_and_blocks_saving(
    qtbot: QtBot, ctx: AppContext
) -> None:
    editor = open_editor(qtbot, ctx, small_draft(), taken=frozenset())
    assert editor.save_button.isEnabled()

    def check(name: str, expected: str) -> None:
        assert expected in problem_text(editor, name)
        assert field(editor, name).property("invalid") is True
        assert not editor.save_button.isEnabled()
        assert not editor.preview_button.isEnabled()
        assert expected in editor.problem_summary.text()
        editor.stack.undo()
        assert problem_text(editor, name) == ""
        assert editor.save_button.isEnabled()

    editor.show_node((0, 1))
    replace_text(field(editor, "key"), "greeted")
    check("key", "item key 'greeted' is used twice")
    replace_text(field(editor, "key"), "Tone!")
    check("key", "use lowercase letters, digits, '_' or '-'")
    replace_text(field(editor, "prompt"), "")
    check("prompt", "a prompt is required")
    replace_text(field(editor, "max"), "12")
    check("max", "the scale maximum must be from 2 to 10")
    replace_text(field(editor, "max"), "1")
    check("max", "the scale maximum must be from 2 to 10")

    editor.show_node((0, 0))
    critical = field(editor, "critical")
    assert isinstance(critical, QCheckBox)
    critical.click()
    assert editor.model.problems == []
    choose_type(editor, "Scale")
    assert critical.isVisible() and critical.isEnabled(), "so it can be unticked"
    assert "only yes/no items can be critical" in problem_text(editor, "critical")
    assert not editor.save_button.isEnabled()
    critical.click()
    assert editor.model.problems == []

    choose_type(editor, "Choice")
    assert "a choice item needs at least one option" in editor.item_panel.options.problem.text()
    assert not editor.save_button.isEnabled()
    editor.item_panel.options.add_button.click()
    assert "an option needs a label" in editor.item_panel.options.rows[0].label.problem.text()
    type_text("Yes")
    pause(editor)
    assert editor.save_button.isEnabled()

    editor.show_node((1,))
    replace_text(field(editor, "key"), "call")
    check("key", "section key 'call' is used twice")
    replace_text(field(editor, "title"), "")
    check("title", "a title is required")

    # The summary's Show button takes the cursor to the first problem.
    editor.show_node((0, 2))
    replace_text(editor.item_panel.options.rows[1].label.widget, "Yes")
    editor.tree.setFocus()
    editor.go_to_problem_button.click()
    assert focused() is editor.item_panel.options.rows[0].label.widget
    assert "option 'Yes' is listed twice" in editor.problem_summary.text()
    press(Qt.Key.Key_S, CTRL)
    assert rubrics.list_rubrics(ctx.db, "phone-shop") == [], "nothing saved while invalid"


def test_drag_and_drop_and_keyboard_reorder_are_undoable(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx, small_draft())
    model = editor.model
    start = tree_titles(editor)

    # Drop "Called back" between "Greeted warmly" and "Tone" (row 1 of the first section).
    dragged = model.index(0, 0, model.index(1, 0))
    data = model.mimeData([dragged])
    assert model.canDropMimeData(data, Qt.DropAction.MoveAction, 1, 0, model.index(0, 0))
    assert not model.canDropMimeData(data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    model.dropMimeData(data, Qt.DropAction.MoveAction, 1, 0, model.index(0, 0))
    assert tree_titles(editor) == [
        "The call",
        "  Greeted warmly",
        "  Called back",
        "  Tone",
        "  Booked a visit?",
        "Afterwards",
    ]
    assert editor.tree.currentIndex().data() == "Called back"
    assert "add at least one item" in editor.problem_summary.text()

    # Sections drop between sections: "Afterwards" to the top.
    section_data = model.mimeData([model.index(1, 0)])
    assert not model.canDropMimeData(
        section_data, Qt.DropAction.MoveAction, 0, 0, model.index(0, 0)
    )
    model.dropMimeData(section_data, Qt.DropAction.MoveAction, 0, 0, QModelIndex())
    assert tree_titles(editor)[:2] == ["Afterwards", "The call"]

    # Dropping an item below itself is no move at all.
    item_data = model.mimeData([model.index(0, 0, model.index(1, 0))])
    assert not model.canDropMimeData(item_data, Qt.DropAction.MoveAction, 1, 0, model.index(1, 0))

    editor.tree.setFocus()
    press(Qt.Key.Key_Z, CTRL)
    press(Qt.Key.Key_Z, CTRL)
    assert tree_titles(editor) == start
    press(Qt.Key.Key_Z, CTRL_SHIFT)
    assert tree_titles(editor)[2] == "  Called back"
    press(Qt.Key.Key_Z, CTRL)

    # Keyboard: the last item of a section steps into the next one, and back.
    editor.show_node((0, 2))
    editor.tree.setFocus()
    press(Qt.Key.Key_Down, CTRL)
    assert tree_titles(editor)[3:] == ["Afterwards", "  Booked a visit?", "  Called back"]
    assert editor.tree.currentIndex().data() == "Booked a visit?"
    press(Qt.Key.Key_Up, CTRL)
    assert tree_titles(editor) == start
    press(Qt.Key.Key_Up, CTRL)
    press(Qt.Key.Key_Delete)
    assert tree_titles(editor) == [
        "The call",
        "  Greeted warmly",
        "  Tone",
        "Afterwards",
        "  Called back",
    ]
    press(Qt.Key.Key_Z, CTRL)
    press(Qt.Key.Key_Z, CTRL)
    assert tree_titles(editor) == start


def test_ctrl_z_in_a_text_field_undoes_through_the_editor_history(
    qtbot: QtBot, ctx: AppContext
) -> None:
    editor = open_editor(qtbot, ctx, small_draft())
    editor.show_node((0, 0))
    prompt = field(editor, "prompt")
    assert isinstance(prompt, QLineEdit)
    prompt.setFocus()
    press(Qt.Key.Key_End)
    type_text(" and by name")
    assert editor.model.draft.sections[0].items[0].prompt == "Greeted warmly and by name"
    assert editor.tree.currentIndex().data() == "Greeted warmly and by name"
    assert editor.stack.count() == 1, "typing in one field is one undo step"
    press(Qt.Key.Key_Z, CTRL)
    assert prompt.text() == "Greeted warmly"
    assert editor.model.draft.sections[0].items[0].prompt == "Greeted warmly"
    press(Qt.Key.Key_Z, CTRL_SHIFT)
    assert prompt.text() == "Greeted warmly and by name"
    assert "unsaved changes" in editor.windowTitle()

    # Undoing a change made on another item brings that item back into view first.
    editor.show_node((1, 0))
    press(Qt.Key.Key_Z, CTRL)
    assert editor.tree.currentIndex().data() == "Greeted warmly"
    assert editor.stack.isClean() and "unsaved" not in editor.windowTitle()


def test_totals_follow_every_change(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx, small_draft())
    model = editor.model
    assert "out of 10 points" in editor.totals_label.text()
    editor.show_node((0,))
    assert editor.section_panel.total.text() == "9 points from 3 items"
    assert model.index(0, 2).data() == "9"
    editor.show_node((0, 1))
    replace_text(field(editor, "points"), "6.5")
    assert model.index(0, 2).data() == "11.5"
    assert model.index(1, 2, model.index(0, 0)).data() == "6.5"
    assert editor.item_panel.worth.text() == "6.5 points"
    assert "out of 12.5 points" in editor.totals_label.text()
    editor.show_node((0, 2))
    replace_text(editor.item_panel.options.rows[1].points.widget, "7")
    assert editor.item_panel.worth.text() == "7 points (its best option)"
    assert "out of 16.5 points" in editor.totals_label.text()
    editor.show_node((1,))
    in_overall = field(editor, "in_overall")
    assert isinstance(in_overall, QCheckBox)
    in_overall.click()
    assert editor.totals_label.text() == (
        "Overall score out of 15.5 points · scored on their own: Afterwards 1"
    )
    assert "not in the overall score" in editor.section_panel.total.text()
    choose_type_on = (1, 0)
    editor.show_node(choose_type_on)
    choose_type(editor, "Text")
    assert editor.item_panel.worth.text() == "not scored (free text for the report)"
    assert not field(editor, "points").isVisibleTo(editor)


def test_preview_fills_the_form_and_saves_nothing(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx, small_draft())
    editor.show_node((0, 1))
    replace_text(field(editor, "max"), "3")
    editor.preview_button.click()
    preview = editor.preview
    assert isinstance(preview, PreviewDialog)
    qtbot.waitUntil(preview.isActiveWindow)
    form = preview.form
    assert form.rubric.find("call.tone")[1].max == 3  # type: ignore[index]
    assert form.current_path() == "call.greeted", "ready for the keyboard at the first item"
    type_text("Y3")  # yes, then 3 on the 1-3 scale
    assert form.values() == {"call.greeted": "yes", "call.tone": 3}
    expected = scoring.score(form.rubric, form.values())
    assert expected.overall == 100
    assert form.overall_label.text() == "Overall 100.0%"
    assert rubrics.list_rubrics(ctx.db, "phone-shop") == []
    preview.close()


def test_closing_with_unsaved_changes_asks_first(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = open_editor(qtbot, ctx, small_draft())
    editor.show_node((0, 0))
    replace_text(field(editor, "prompt"), "Greeted at once")
    answers = iter(["cancel", "save"])
    monkeypatch.setattr(editor, "ask_unsaved", lambda: next(answers))
    editor.close()
    assert editor.isVisible(), "Cancel keeps the editor open"
    press(Qt.Key.Key_Escape)
    assert not editor.isVisible()
    stored = rubrics.get_rubric(ctx.db, rubrics.find(ctx.db, "phone-shop").id)
    assert stored.sections[0].items[0].prompt == "Greeted at once"


def test_a_failed_save_says_why_and_keeps_the_changes(qtbot: QtBot, ctx: AppContext) -> None:
    info = rubrics.find(ctx.db, "leasing-tour")
    draft = edit.from_rubric(rubrics.get_rubric(ctx.db, info.id))
    editor = open_editor(qtbot, ctx, draft, None, frozenset())  # the key is taken meanwhile
    editor.rubric_fields.bindings["name"].widget.setFocus()
    type_text(" 2")
    editor.save_button.click()
    assert editor.save_message.text() == (
        "Not saved: Rubric › key: a rubric with key 'leasing-tour' already exists; "
        "choose another key"
    )
    assert not editor.stack.isClean()
    assert [r.version for r in rubrics.list_rubrics(ctx.db, "leasing-tour")] == [info.version]


def test_the_model_knows_paths_of_items_after_sections_move(qtbot: QtBot) -> None:
    model = DraftModel(small_draft())
    item = model.index(0, 0, model.index(1, 0))
    from PySide6.QtCore import QPersistentModelIndex

    kept = QPersistentModelIndex(item)
    model.move((1,), (0,))
    assert model.path_of(kept) == (0, 0)
    assert kept.data() == "Called back"
    model.move((0, 0), (1, 3))
    assert model.path_of(kept) == (1, 3)
    assert kept.parent().data() == "The call"


def test_an_evaluation_started_while_editing_keeps_its_version(
    qtbot: QtBot, ctx: AppContext
) -> None:
    info = rubrics.find(ctx.db, "leasing-tour")
    editor = open_editor(qtbot, ctx, edit.from_rubric(rubrics.get_rubric(ctx.db, info.id)), info)
    v = info.version  # the bundled rubric's version
    assert editor.save_button.text() == f"&Save version {v}", "unused when the editor opened"
    started = evaluations.create(
        ctx.db, rubric_id=info.id, agent_id=make_agent(ctx.db), visited_on=dt.date(2026, 11, 2)
    )
    editor.show_node((0,))
    replace_text(field(editor, "title"), "First reply")
    editor.save_button.click()
    assert editor.save_message.text() == (
        f"Saved as version {v + 1} of leasing-tour. The 1 evaluation scored with v{v} keep "
        "that version and their scores."
    )
    assert evaluations.get(ctx.db, started.id).rubric_version == v
    assert rubrics.get_rubric(ctx.db, info.id).sections[0].title == "First contact"
    assert editor.save_button.text() == f"&Save version {v + 1}"
    editor.preview_button.click()
    assert editor.preview is not None
    assert editor.preview.form.rubric_label.text() == f"Leasing Tour · version {v + 1}"  # type: ignore[attr-defined]


def test_closing_the_main_window_asks_about_unsaved_rubric_changes(
    qtbot: QtBot, ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    main = QWidget()
    qtbot.addWidget(main)
    main.show()
    editor = RubricEditor(ctx, small_draft(), None, frozenset(), main)
    editor.show()
    editor.show_node((0, 0))
    editor.request_set_field((0, 0), "prompt", "Greeted at the door")
    answers = iter(["cancel", "discard"])
    monkeypatch.setattr(editor, "ask_unsaved", lambda: next(answers))
    assert not main.close(), "Cancel keeps everything open"
    assert main.isVisible() and editor.isVisible()
    assert main.close()
    assert rubrics.list_rubrics(ctx.db, "phone-shop") == []


def test_typing_is_checked_after_a_pause_not_on_every_key(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx, small_draft())
    editor.show_node((0, 1))
    key = field(editor, "key")
    key.setFocus()
    press(Qt.Key.Key_End)
    type_text("!!")
    # Typed, shown in the field and in the draft at once; not judged while typing goes on.
    assert editor.model.draft.sections[0].items[1].key == "tone!!"
    assert editor.model.validation_pending
    assert problem_text(editor, "key") == ""
    assert editor.save_button.isEnabled()
    # After the pause the problem shows next to its field and saving is blocked.
    qtbot.waitUntil(lambda: "use lowercase letters" in problem_text(editor, "key"), timeout=3000)
    assert not editor.model.validation_pending
    assert not editor.save_button.isEnabled()
    assert "use lowercase letters" in editor.problem_summary.text()

    # Fixed and saved before the pause: saving checks first and stores only valid keys.
    press(Qt.Key.Key_Backspace)
    press(Qt.Key.Key_Backspace)
    assert editor.model.validation_pending
    press(Qt.Key.Key_S, CTRL)
    assert rubrics.list_rubrics(ctx.db, "phone-shop") == [], "disabled until checked"
    qtbot.waitUntil(editor.save_button.isEnabled, timeout=3000)
    assert problem_text(editor, "key") == ""

    # Invalid and saved before the pause: nothing is stored.
    type_text("?")
    editor.save()
    assert rubrics.list_rubrics(ctx.db, "phone-shop") == []
    assert "use lowercase letters" in problem_text(editor, "key")


def test_new_sections_and_items_take_their_key_from_the_title(
    qtbot: QtBot, ctx: AppContext
) -> None:
    editor = open_editor(qtbot, ctx, RubricDraft(), taken=frozenset({"leasing-tour"}))
    replace_text(editor.rubric_fields.bindings["name"].widget, "Leasing Tour")
    assert editor.model.draft.key == "leasing-tour-2", "a new rubric's key is free"
    press(Qt.Key.Key_N, CTRL_SHIFT)
    type_text("First contact & welcome")
    assert field(editor, "key").text() == "first_contact_welcome"  # type: ignore[attr-defined]
    press(Qt.Key.Key_N, CTRL)
    type_text("Greeted within 1 minute? (Señor)")
    assert editor.model.draft.sections[0].items[0].key == "greeted_within_1_minute_senor"
    press(Qt.Key.Key_N, CTRL)
    type_text("Greeted within 1 minute")
    assert editor.model.draft.sections[0].items[1].key == "greeted_within_1_minute"
    press(Qt.Key.Key_N, CTRL)
    type_text("Greeted within 1 minute")
    assert editor.model.draft.sections[0].items[2].key == "greeted_within_1_minute_2"

    # A key typed by hand stays, whatever the prompt becomes.
    replace_text(field(editor, "key"), "greet")
    replace_text(field(editor, "prompt"), "Said hello")
    assert editor.model.draft.sections[0].items[2].key == "greet"
    # One undo takes back the prompt and the key it gave, together.
    editor.show_node((0, 0))
    replace_text(field(editor, "prompt"), "Offered water")
    assert editor.model.draft.sections[0].items[0].key == "offered_water"
    editor.stack.undo()
    item = editor.model.draft.sections[0].items[0]
    assert (item.prompt, item.key) == (
        "Greeted within 1 minute? (Señor)",
        "greeted_within_1_minute_senor",
    )
    assert editor.model.problems == []


def test_stored_keys_do_not_follow_a_reworded_title(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx, small_draft(), origin=None)
    editor.show_node((0,))
    replace_text(field(editor, "title"), "The phone call")
    assert editor.model.draft.sections[0].key == "call"
    editor.show_node((0, 0))
    replace_text(field(editor, "prompt"), "Greeted warmly and by name")
    assert editor.model.draft.sections[0].items[0].key == "greeted"


def test_fixing_a_problem_does_not_move_the_buttons(qtbot: QtBot, ctx: AppContext) -> None:
    editor = open_editor(qtbot, ctx, small_draft())
    editor.show_node((0, 1))
    where = editor.save_button.mapTo(editor, editor.save_button.rect().topLeft())
    replace_text(field(editor, "key"), "greeted")
    assert editor.problem_summary.isVisible()
    assert editor.save_button.mapTo(editor, editor.save_button.rect().topLeft()) == where
    replace_text(field(editor, "key"), "tone")
    assert not editor.problem_summary.isVisible()
    assert editor.save_button.mapTo(editor, editor.save_button.rect().topLeft()) == where
