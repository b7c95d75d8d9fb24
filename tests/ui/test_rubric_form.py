"""The rubric form on its own (no database): keys, comments, live score, read-only."""

from __future__ import annotations

from fractions import Fraction

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from shopper import scoring
from shopper.services.evaluations import AnswerData
from tests.shopper.rubric_factory import make_rubric
from tests.ui.keyboard import focused, press, show_and_focus, type_text
from ui.form.item_row import ItemRow
from ui.form.rubric_form import RubricForm


@pytest.fixture
def form(qtbot):  # type: ignore[no-untyped-def]
    widget = RubricForm(make_rubric())
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    show_and_focus(qtbot, widget)
    widget.focus_item("greeting.prompt")
    return widget


def current_row(form: RubricForm) -> ItemRow:
    row = form.row(form.current_path() or "")
    assert row is not None
    return row


def test_keys_answer_and_move_on(form: RubricForm) -> None:
    type_text("Y")
    assert current_row(form).path == "greeting.rapport"
    type_text("4")
    assert current_row(form).path == "greeting.booking"
    type_text("1")
    assert focused() is form.row("greeting.note").text_edit  # type: ignore[union-attr]
    type_text("Spoke of Élan Flats")
    press(Qt.Key.Key_Tab)
    assert current_row(form).path == "follow_up.called"
    assert form.answers() == {
        "greeting.prompt": AnswerData("yes"),
        "greeting.rapport": AnswerData(4),
        "greeting.booking": AnswerData("Agent offered"),
        "greeting.note": AnswerData("Spoke of Élan Flats"),
    }


def test_live_score_matches_the_scoring_module(form: RubricForm) -> None:
    type_text("Y2")
    expected = scoring.score(form.rubric, {"greeting.prompt": "yes", "greeting.rapport": 2})
    assert expected.overall == Fraction(100) * (5 + Fraction(10, 4)) / 15
    assert form.overall_label.text() == f"Overall {scoring.format_pct(expected.overall)}"
    assert form.count_label.text() == "2 of 6 items answered"
    header_text = form._headers["greeting"].score_label.text()
    assert header_text == f"{scoring.format_pct(expected.sections[0].pct)}  ·  2 of 3 answered"


def test_a_no_opens_the_comment_box_and_tab_goes_on(form: RubricForm) -> None:
    type_text("N")
    row = form.row("greeting.prompt")
    assert row is not None and row.comment_edit is not None
    assert focused() is row  # the keys stay with the items
    assert row.comment_edit.isVisible()
    press(Qt.Key.Key_C)
    assert focused() is row.comment_edit
    type_text("Looked up, then back to the phone")
    press(Qt.Key.Key_Tab)
    assert current_row(form).path == "greeting.rapport"
    type_text("1")  # the lowest scale value invites a note too
    rapport = form.row("greeting.rapport")
    assert rapport is not None and focused() is rapport
    assert rapport.comment_edit is not None and rapport.comment_edit.isVisible()
    press(Qt.Key.Key_Escape)
    assert current_row(form).path == "greeting.booking"
    assert form.answers()["greeting.prompt"] == AnswerData(
        "no", "Looked up, then back to the phone"
    )
    assert form.answers()["greeting.rapport"] == AnswerData(1)


def test_critical_failure_is_shown_in_words(form: RubricForm) -> None:
    form.focus_section("fair")
    type_text("N")
    assert form.critical_banner.isVisible()
    assert "CRITICAL FAILURE" in form.critical_banner.text()
    assert "No steering" in form.critical_banner.text()
    assert form.overall_label.text() == "Overall 0.0%"
    row = form.row("fair.no_steering")
    assert row is not None and "CRITICAL FAILURE" in row.status_label.text()
    assert "⚠" in form.navigator.item(2).text()
    press(Qt.Key.Key_Escape)
    form.focus_item("fair.no_steering")
    type_text("Y")
    assert not form.critical_banner.isVisible()


def test_na_is_refused_where_not_allowed(form: RubricForm, qtbot) -> None:  # type: ignore[no-untyped-def]
    form.focus_item("fair.no_steering")
    with qtbot.waitSignal(form.message) as blocker:
        type_text("A")
    assert "N/A is not allowed" in blocker.args[0]
    assert "fair.no_steering" not in form.answers()
    form.focus_item("greeting.prompt")
    type_text("A")
    assert form.answers()["greeting.prompt"] == AnswerData("na")


def test_arrows_delete_guidance_and_sections(form: RubricForm) -> None:
    press(Qt.Key.Key_Down)
    assert current_row(form).path == "greeting.rapport"
    press(Qt.Key.Key_Right)
    press(Qt.Key.Key_Right)
    assert form.answers()["greeting.rapport"] == AnswerData(2)
    assert current_row(form).path == "greeting.rapport"
    press(Qt.Key.Key_Delete)
    assert "greeting.rapport" not in form.answers()
    press(Qt.Key.Key_Up)
    assert current_row(form).path == "greeting.prompt"
    row = current_row(form)
    press(Qt.Key.Key_F1)
    assert row.guidance_label.isVisible()
    press(Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert current_row(form).path == "follow_up.called"


def test_every_change_is_announced(form: RubricForm, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignals([form.answers_changed] * 1):
        type_text("N")
    count = 0

    def bump() -> None:
        nonlocal count
        count += 1

    form.answers_changed.connect(bump)
    press(Qt.Key.Key_C)  # into the comment box the No opened
    type_text("abc")
    assert count == 3


def test_read_only_ignores_answer_keys(qtbot: QtBot) -> None:
    answers = {"greeting.prompt": AnswerData("no", "Slow")}
    form = RubricForm(make_rubric(), answers, read_only=True)
    qtbot.addWidget(form)
    show_and_focus(qtbot, form)
    form.focus_item("greeting.prompt")
    type_text("Y")
    assert form.answers() == answers
    row = form.row("greeting.prompt")
    assert row is not None and row.comment_edit is not None
    assert row.comment_edit.isReadOnly() and row.comment_edit.isVisible()
    assert not row.buttons["yes"].isEnabled()
    press(Qt.Key.Key_Down)
    assert current_row(form).path == "greeting.rapport"


def test_required_answers_cannot_be_cleared(form: RubricForm) -> None:
    type_text("Y")
    form.set_required(["greeting.prompt"])
    form.focus_item("greeting.prompt")
    press(Qt.Key.Key_Delete)
    assert form.answers()["greeting.prompt"] == AnswerData("yes")
    type_text("N")
    assert form.answers()["greeting.prompt"].value == "no"


def test_missing_items_are_marked_until_answered(form: RubricForm) -> None:
    form.show_missing(["greeting.prompt", "fair.no_steering"])
    row = form.row("greeting.prompt")
    assert row is not None and row.status_label.isVisible()
    assert "Needs an answer" in row.status_label.text()
    type_text("Y")
    assert not row.status_label.isVisible()
