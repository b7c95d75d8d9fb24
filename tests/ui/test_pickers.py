"""Type-ahead pickers: what is shown, completed and stored is the record's own name.

Every picker is driven the way a person does it: type part of a name without its accents,
then take the suggestion with Down+Enter or with a click on the completer's list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractItemView, QMessageBox

from shopper.services import agents, evaluations, properties, rubrics
from tests.ui.keyboard import press, show_and_focus, type_text
from ui import profile, settings
from ui.dialogs.new_evaluation import NewEvaluationDialog
from ui.dialogs.pickers import SearchCombo
from ui.pages.evaluations import EvaluationsPage


@pytest.fixture(autouse=True)
def _known_person() -> None:
    QSettings().remove(profile.YOUR_NAME.name)
    settings.SHOPPER_NAME.set("Sam Lee")


@pytest.fixture
def names(db):  # type: ignore[no-untyped-def]
    maple = properties.create_property(db, "Maple Court")
    juniper = properties.create_property(db, "Juniper Station")
    begona = agents.create_agent(db, "Begoña Núñez", maple.id)
    agents.create_agent(db, "Anna Smith", maple.id)
    ben = agents.create_agent(db, "Ben Ortiz", juniper.id)
    return maple, juniper, begona, ben


def focus_box(qtbot, box: SearchCombo) -> None:  # type: ignore[no-untyped-def]
    window = box.window()
    if not window.isActiveWindow():  # the offscreen platform may not give it back after a popup
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
    box.setFocus()
    box.lineEdit().selectAll()  # type: ignore[union-attr]


def suggestions(box: SearchCombo) -> QAbstractItemView:
    completer = box.completer()
    assert completer is not None
    popup = completer.popup()
    assert popup is not None
    return popup


def pick_with_keys(qtbot, box: SearchCombo, typed: str) -> None:  # type: ignore[no-untyped-def]
    focus_box(qtbot, box)
    type_text(typed)
    popup = suggestions(box)
    qtbot.waitUntil(popup.isVisible)
    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not popup.isVisible())


def pick_with_mouse(qtbot, box: SearchCombo, typed: str) -> None:  # type: ignore[no-untyped-def]
    focus_box(qtbot, box)
    type_text(typed)
    popup = suggestions(box)
    qtbot.waitUntil(popup.isVisible)
    model = popup.model()
    assert model is not None
    index = model.index(0, 0)
    QTest.mouseClick(
        popup.viewport(), Qt.MouseButton.LeftButton, pos=popup.visualRect(index).center()
    )
    qtbot.waitUntil(lambda: not popup.isVisible())


PICKS: dict[str, Callable[..., None]] = {"keys": pick_with_keys, "mouse": pick_with_mouse}


@pytest.mark.parametrize("how", PICKS)
def test_new_evaluation_pickers_take_the_exact_records(ctx, db, names, qtbot, how) -> None:  # type: ignore[no-untyped-def]
    maple, _juniper, begona, _ben = names
    pick = PICKS[how]
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    show_and_focus(qtbot, dialog)

    pick(qtbot, dialog.property_box, "maple")
    assert dialog.property_box.currentText() == "Maple Court"
    assert dialog.property_box.current_id() == maple.id
    assert dialog.property_message.text() == ""

    pick(qtbot, dialog.agent_box, "begona")
    assert dialog.agent_box.currentText() == "Begoña Núñez"
    assert dialog.agent_box.current_id() == begona.id
    assert "New agent" not in dialog.agent_hint.text()

    dialog.start_button.click()
    assert dialog.new_agent_question is None  # nothing new to ask about
    assert dialog.created_id is not None
    created = evaluations.get(db, dialog.created_id)
    assert (created.property_name, created.agent_name) == ("Maple Court", "Begoña Núñez")
    assert created.agent_id == begona.id
    assert sorted(a.name for a in agents.list_agents(db)) == [
        "Anna Smith",
        "Begoña Núñez",
        "Ben Ortiz",
    ]


def test_a_typed_name_without_accents_finds_the_agent(ctx, db, names, qtbot) -> None:  # type: ignore[no-untyped-def]
    _maple, _juniper, begona, _ben = names
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    show_and_focus(qtbot, dialog)
    pick_with_keys(qtbot, dialog.property_box, "maple")
    dialog.agent_box.setFocus()
    type_text("begona nunez")  # typed in full, never picked
    press(Qt.Key.Key_Escape)  # close the suggestions, keep the text
    dialog.start_button.click()
    assert dialog.new_agent_question is None
    assert dialog.created_id is not None
    assert evaluations.get(db, dialog.created_id).agent_id == begona.id
    assert len(agents.list_agents(db)) == 3


def test_a_new_agent_is_said_and_asked_once(ctx, db, names, qtbot) -> None:  # type: ignore[no-untyped-def]
    maple, *_ = names
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    show_and_focus(qtbot, dialog)
    pick_with_keys(qtbot, dialog.property_box, "maple")
    dialog.agent_box.setFocus()
    type_text("Zoë Brontë")
    assert dialog.agent_hint.text() == ""  # nothing said while typing
    press(Qt.Key.Key_Tab)
    assert dialog.agent_hint.text() == "New agent: “Zoë Brontë” will be added to Maple Court."

    dialog.start_button.click()
    question = dialog.new_agent_question
    assert question is not None and question.isVisible()
    assert "Zoë Brontë" in question.text()
    qtbot.waitUntil(question.isActiveWindow)
    press(Qt.Key.Key_Escape)  # go back
    qtbot.waitUntil(lambda: dialog.new_agent_question is None)
    assert dialog.created_id is None and len(agents.list_agents(db)) == 3

    dialog.start_button.click()
    question = dialog.new_agent_question
    assert question is not None
    assert question.buttonRole(question.defaultButton()) == QMessageBox.ButtonRole.AcceptRole
    qtbot.waitUntil(question.isActiveWindow)
    press(Qt.Key.Key_Return)  # the default: add the agent and start
    assert dialog.created_id is not None
    created = evaluations.get(db, dialog.created_id)
    assert created.agent_name == "Zoë Brontë" and created.property_id == maple.id
    assert len(agents.list_agents(db)) == 4


def test_dialog_checks_on_leaving_a_field_and_keeps_its_height(ctx, db, names, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    show_and_focus(qtbot, dialog)
    height = dialog.height()
    dialog.property_box.setFocus()
    type_text("m")
    assert dialog.property_message.text() == "" and dialog.agent_hint.text() == ""
    type_text("xx")  # no suggestion left
    press(Qt.Key.Key_Tab)  # leave the field: now it is checked, under its own field
    assert dialog.property_message.text().startswith("No property has that name")
    assert dialog.agent_hint.text() == ""
    qtbot.wait(10)
    assert dialog.height() == height


def test_tab_goes_from_agent_to_shopper(ctx, db, names, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    show_and_focus(qtbot, dialog)
    dialog.agent_box.setFocus()
    press(Qt.Key.Key_Tab)
    assert dialog.shopper.hasFocus()
    presses = 0
    while not dialog.channel.hasFocus() and presses < 10:
        press(Qt.Key.Key_Tab)
        presses += 1
    assert presses == 3  # shopper → date → time → channel, one press each


def test_starting_without_a_shopper_name_is_refused(ctx, db, names, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = NewEvaluationDialog(ctx)
    qtbot.addWidget(dialog)
    show_and_focus(qtbot, dialog)
    pick_with_keys(qtbot, dialog.property_box, "maple")
    pick_with_keys(qtbot, dialog.agent_box, "anna")
    dialog.shopper.clear()
    dialog.start_button.click()
    assert dialog.created_id is None
    assert dialog.shopper_message.text() == "Type the shopper's name."
    assert dialog.shopper.hasFocus()
    assert sum(a.evaluation_count for a in agents.list_agents(db)) == 0
    type_text("Léa Martin")
    assert dialog.shopper_message.text() == ""
    dialog.start_button.click()
    assert dialog.created_id is not None
    assert evaluations.get(db, dialog.created_id).shopper == "Léa Martin"


@pytest.mark.parametrize("how", PICKS)
def test_list_filters_take_the_exact_records_and_filter(ctx, db, names, qtbot, how) -> None:  # type: ignore[no-untyped-def]
    _maple, juniper, begona, ben = names
    info = rubrics.default_rubric(db)
    assert info is not None
    for who in (begona.id, ben.id, ben.id):
        evaluations.create(
            db, rubric_id=info.id, agent_id=who, visited_on=dt.date(2024, 5, 2), shopper="Sam"
        )
    page = EvaluationsPage(ctx)
    qtbot.addWidget(page)
    show_and_focus(qtbot, page)
    qtbot.waitUntil(lambda: len(page._agents) == 3, timeout=5000)
    qtbot.waitUntil(lambda: page.model.complete and page.model.rowCount() == 3, timeout=5000)
    assert page.property_filter.itemText(0) == "All properties"
    assert page.property_filter.currentText() == "All properties"

    PICKS[how](qtbot, page.property_filter, "juniper")
    assert page.property_filter.currentText() == "Juniper Station"
    assert page.property_filter.current_id() == juniper.id
    qtbot.waitUntil(lambda: page.model.complete and page.model.rowCount() == 2, timeout=5000)

    PICKS[how](qtbot, page.property_filter, "all")
    assert page.property_filter.current_id() is None
    qtbot.waitUntil(lambda: page.model.complete and page.model.rowCount() == 3, timeout=5000)

    PICKS[how](qtbot, page.agent_filter, "begona")
    assert page.agent_filter.currentText() == "Begoña Núñez — Maple Court"
    assert page.agent_filter.current_id() == begona.id
    qtbot.waitUntil(lambda: page.model.complete and page.model.rowCount() == 1, timeout=5000)
    assert len(agents.list_agents(db)) == 3


def test_agent_filter_goes_back_to_all_when_its_property_changes(ctx, db, names, qtbot) -> None:  # type: ignore[no-untyped-def]
    _maple, juniper, begona, ben = names
    info = rubrics.default_rubric(db)
    assert info is not None
    for who in (begona.id, ben.id):
        evaluations.create(
            db, rubric_id=info.id, agent_id=who, visited_on=dt.date(2024, 5, 2), shopper="Sam"
        )
    page = EvaluationsPage(ctx)
    qtbot.addWidget(page)
    show_and_focus(qtbot, page)
    qtbot.waitUntil(lambda: len(page._agents) == 3, timeout=5000)
    pick_with_keys(qtbot, page.agent_filter, "begona")
    qtbot.waitUntil(lambda: page.model.complete and page.model.rowCount() == 1, timeout=5000)
    pick_with_keys(qtbot, page.property_filter, "juniper")
    assert page.agent_filter.currentText() == "All agents"
    assert page.current_filter().agent_id is None
    assert page.current_filter().property_id == juniper.id
    qtbot.waitUntil(lambda: page.model.complete and page.model.rowCount() == 1, timeout=5000)
    assert page.model.evaluation_id(0) is not None
