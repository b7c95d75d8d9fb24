"""The keyboard model of an evaluation window: answer keys answer, text keys write text, and
the two never mix; menu letters never land in a field; who acted comes from the profile."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMenu, QPlainTextEdit
from pytestqt.qtbot import QtBot

from shopper.limits import COMMENT_COUNT_FROM, MAX_COMMENT_CHARS
from shopper.services import evaluations, rubrics
from shopper.storage.db import Database
from tests.ui.keyboard import focused, press, show_and_focus, type_text
from ui import profile, settings
from ui.dialogs.profile import ProfileDialog
from ui.form import evaluation_window as window_module
from ui.form.window_menus import keys_help
from ui.form.windows import EvaluationWindows
from ui.pages.evaluations import EvaluationsPage

FIRST_FIVE = [
    "first_contact.response_time",
    "first_contact.identified_community_and_self",
    "first_contact.asked_and_used_name",
    "first_contact.captured_contact_details",
    "first_contact.invited_specific_time",
]
MENU_LETTERS = {"F", "E", "G", "T", "H"}  # File, Evaluation, Go, Settings, Help


@pytest.fixture(autouse=True)
def _person() -> None:
    QSettings().remove(settings.SHOPPER_NAME.name)
    profile.YOUR_NAME.set("Trainer Tina")


@pytest.fixture
def draft(db, agent):  # type: ignore[no-untyped-def]
    info = rubrics.default_rubric(db)
    assert info is not None
    return evaluations.create(
        db, rubric_id=info.id, agent_id=agent.id, visited_on=dt.date(2024, 5, 2), shopper="Sam"
    )


@pytest.fixture
def windows(ctx):  # type: ignore[no-untyped-def]
    registry = EvaluationWindows(ctx)
    yield registry
    assert registry.close_all()


def open_window(windows: EvaluationWindows, qtbot, evaluation_id: str):  # type: ignore[no-untyped-def]
    window = windows.open(evaluation_id)
    assert window is not None
    qtbot.waitUntil(window.isActiveWindow)
    return window


def test_answer_keys_after_a_no_answer_the_next_items(db, draft, windows, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(windows, qtbot, draft.id)
    type_text("1yn")
    row = window.form.row(FIRST_FIVE[2])
    assert row is not None and row.comment_edit is not None
    assert row.comment_edit.isVisible()  # a No opens the comment box ...
    assert focused() is row  # ... and the keyboard stays with the items
    type_text("yy")
    answers = window.form.answers()
    assert [answers[p].value for p in FIRST_FIVE] == [
        "Within 10 minutes",
        "yes",
        "no",
        "yes",
        "yes",
    ]
    assert all(a.comment is None for a in answers.values())
    assert window.save_now()
    assert all(a.comment is None for a in evaluations.get(db, draft.id).answers.values())


def test_c_or_enter_goes_into_the_comment_and_esc_leaves_it(draft, windows, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(windows, qtbot, draft.id)
    type_text("1yn")
    row = window.form.row(FIRST_FIVE[2])
    assert row is not None and row.comment_edit is not None
    press(Qt.Key.Key_C)
    assert focused() is row.comment_edit
    type_text("Never asked")
    press(Qt.Key.Key_Escape)
    assert window.form.current_path() == FIRST_FIVE[3]
    type_text("y")
    press(Qt.Key.Key_Up)
    press(Qt.Key.Key_Up)
    press(Qt.Key.Key_Return)
    assert focused() is row.comment_edit
    type_text(" my name")
    press(Qt.Key.Key_Tab)
    assert window.form.current_path() == FIRST_FIVE[3]
    answers = window.form.answers()
    assert answers[FIRST_FIVE[2]].comment == "Never asked my name"
    assert answers[FIRST_FIVE[3]].value == "yes" and answers[FIRST_FIVE[3]].comment is None


def test_esc_after_a_no_goes_on_without_a_note(draft, windows, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(windows, qtbot, draft.id)
    type_text("1yn")
    press(Qt.Key.Key_Escape)
    assert window.form.current_path() == FIRST_FIVE[3]
    press(Qt.Key.Key_Tab)
    assert window.form.current_path() == FIRST_FIVE[4]  # Tab goes item to item
    press(Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    press(Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert window.form.current_path() == FIRST_FIVE[2]  # not into its comment box


def test_an_opened_comment_box_is_scrolled_into_view(draft, windows, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(windows, qtbot, draft.id)
    window.resize(1024, 768)
    qtbot.wait(20)
    viewport = window.form.items_area.viewport()
    # The item whose bottom edge is nearest the bottom of the visible area.
    target = None
    for row in window.form.rows:
        bottom = row.mapTo(viewport, row.rect().bottomLeft()).y()
        if row.item.type == "yes_no" and viewport.height() - 40 < bottom <= viewport.height():
            target = row
    if target is None:  # fall back: any yes/no item below the visible area
        target = next(r for r in window.form.rows[8:] if r.item.type == "yes_no")
    window.form.focus_item(target.path)
    type_text("n")
    assert target.comment_edit is not None
    qtbot.waitUntil(lambda: target.comment_edit.isVisible())
    qtbot.wait(50)
    box = target.comment_edit
    top = box.mapTo(viewport, box.rect().topLeft()).y()
    bottom = box.mapTo(viewport, box.rect().bottomLeft()).y()
    assert top >= 0 and bottom <= viewport.height(), (top, bottom, viewport.height())


def test_comment_count_shows_near_the_limit_and_stops_there(draft, windows, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(windows, qtbot, draft.id)
    type_text("1yn")
    row = window.form.row(FIRST_FIVE[2])
    assert row is not None and row.comment_edit is not None
    press(Qt.Key.Key_C)
    assert not row.comment_count.isVisible()
    row.comment_edit.insertPlainText("x" * (COMMENT_COUNT_FROM - 1))
    assert not row.comment_count.isVisible()
    type_text("yy")
    assert row.comment_count.isVisible()
    assert row.comment_count.text() == f"{COMMENT_COUNT_FROM + 1:,} / {MAX_COMMENT_CHARS:,}"
    row.comment_edit.insertPlainText("z" * (MAX_COMMENT_CHARS))  # a paste far too long
    assert len(row.comment_edit.toPlainText()) == MAX_COMMENT_CHARS
    type_text("q")
    assert len(row.comment_edit.toPlainText()) == MAX_COMMENT_CHARS
    assert "limit" in row.comment_count.text()


def close_popups(qtbot: QtBot) -> None:
    for _ in range(3):
        popup = QApplication.activePopupWidget()
        if popup is None:
            return
        popup.close()
        qtbot.wait(10)


@pytest.mark.parametrize("letter", ["E", "G", "H", "F", "X"])
def test_alt_letters_never_write_into_a_text_field(draft, windows, qtbot, letter) -> None:  # type: ignore[no-untyped-def]
    window = open_window(windows, qtbot, draft.id)
    window.form.focus_item("narrative.overall_impression")
    narrative = focused()
    assert isinstance(narrative, QPlainTextEdit)
    type_text("Rushed")
    press(getattr(Qt.Key, f"Key_{letter}"), Qt.KeyboardModifier.AltModifier)
    menus = {"E": "&Evaluation", "G": "&Go", "H": "&Help"}
    if letter in menus:  # the menu of that letter opens instead
        qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None)
        popup = QApplication.activePopupWidget()
        assert isinstance(popup, QMenu) and popup.title() == menus[letter]
    close_popups(qtbot)
    assert narrative.toPlainText() == "Rushed"

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.header.shopper.setFocus()
    window.header.shopper.setText("Sam")
    press(getattr(Qt.Key, f"Key_{letter}"), Qt.KeyboardModifier.AltModifier)
    close_popups(qtbot)
    assert window.header.shopper.text() == "Sam"


def test_field_mnemonics_leave_the_menu_letters_alone(ctx, draft, windows, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(windows, qtbot, draft.id)
    page = EvaluationsPage(ctx)
    qtbot.addWidget(page)
    menus = {
        action.text().split("&", 1)[1][0].upper()
        for action in window.menuBar().actions()
        if isinstance(action.menu(), QMenu)
    }
    assert menus == {"E", "G", "H"}
    for widget in (window, page):
        for label in widget.findChildren(QLabel):
            text = label.text()
            if label.buddy() is not None and "&" in text:
                letter = text.split("&", 1)[1][0].upper()
                assert letter not in MENU_LETTERS, f"{text!r} takes Alt+{letter}"
    show_and_focus(qtbot, page)
    page.find_edit.setText("Maple")
    for field, text in (
        (page.find_edit, page.find_edit.text),
        (page.property_filter, page.property_filter.currentText),
        (page.agent_filter, page.agent_filter.currentText),
    ):
        field.setFocus()
        assert focused() is field
        before = text()
        for key in (Qt.Key.Key_F, Qt.Key.Key_E, Qt.Key.Key_X):
            press(key, Qt.KeyboardModifier.AltModifier)
        assert text() == before


def test_history_names_the_profiles_person_not_the_login(  # type: ignore[no-untyped-def]
    db, draft, windows, qtbot, monkeypatch
) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    window = open_window(windows, qtbot, draft.id)
    for row in window.form.rows:
        if row.item.scored:
            value: object = (
                row.item.options[0].label
                if row.item.type == "choice"
                else (row.item.max if row.item.type == "scale" else "yes")
            )
            row._apply(value, advance=False)
    assert window.submit()
    monkeypatch.setattr(window_module, "ask_reopen_reason", lambda _p: "Wrong agent")
    assert window.reopen()
    data = evaluations.get(db, draft.id)
    assert [(e.kind, e.actor) for e in data.events[1:]] == [
        ("submitted", "Trainer Tina"),
        ("reopened", "Trainer Tina"),
    ]


def test_your_name_is_asked_on_first_need(db, draft, windows, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("getpass.getuser", lambda: "root")
    QSettings().remove(profile.YOUR_NAME.name)
    window = open_window(windows, qtbot, draft.id)
    for row in window.form.rows:
        if row.item.scored:
            value: object = (
                row.item.options[0].label
                if row.item.type == "choice"
                else (row.item.max if row.item.type == "scale" else "yes")
            )
            row._apply(value, advance=False)
    asked: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ProfileDialog)
        asked.append(dialog.windowTitle())
        dialog.name.setText("Léa Martin")
        dialog.accept()

    QTimer.singleShot(0, answer)
    assert window.submit()
    assert asked == ["Your name"]
    assert profile.your_name() == "Léa Martin"
    data = evaluations.get(db, draft.id)
    assert data.events[-1].actor == "Léa Martin"


def test_hints_spell_keys_as_the_menus_do(draft, windows, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(windows, qtbot, draft.id)
    native = QKeySequence.SequenceFormat.NativeText
    for name in ("submit", "await"):
        shown = window.actions_by_name[name].shortcut().toString(native)  # as the menu shows it
        assert shown in window.header.status_detail.text()
        assert shown in keys_help(window)
    assert "Ctrl+Return" not in window.header.status_detail.text() + keys_help(window)


def test_submitting_without_a_shopper_name_is_refused(db, draft, windows, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(windows, qtbot, draft.id)
    for row in window.form.rows:
        if row.item.scored:
            value: object = (
                row.item.options[0].label
                if row.item.type == "choice"
                else (row.item.max if row.item.type == "scale" else "yes")
            )
            row._apply(value, advance=False)
    window.header.shopper.setFocus()
    window.header.shopper.selectAll()
    press(Qt.Key.Key_Delete)
    assert not window.submit()
    assert window.header.shopper.hasFocus()
    assert evaluations.get(db, draft.id).status == "draft"
    type_text("Léa")
    assert window.submit()
    data = evaluations.get(db, draft.id)
    assert (data.status, data.shopper) == ("submitted", "Léa")


def mnemonic(text: str) -> str | None:
    text = text.replace("&&", "")
    return text.split("&", 1)[1][0].upper() if "&" in text else None


def test_the_main_windows_menu_letters_reach_its_menus(db: Database, qtbot: QtBot) -> None:
    from ui.main_window import EVALUATIONS_PAGE, MainWindow

    window = MainWindow(db)
    qtbot.addWidget(window)
    show_and_focus(qtbot, window)
    letters = {mnemonic(a.text()) for a in window.menuBar().actions() if a.menu() is not None}
    letters.discard(None)
    assert {"F", "E", "G", "H"} <= letters
    window.show_page(EVALUATIONS_PAGE)
    page = window.page(EVALUATIONS_PAGE)
    for label in page.findChildren(QLabel):
        letter = mnemonic(label.text()) if label.buddy() is not None else None
        assert letter not in letters, f"{label.text()!r} takes Alt+{letter} from a menu"
    page.find_edit.setFocus()  # type: ignore[attr-defined]
    type_text("Maple")
    for letter in sorted(str(letter) for letter in letters):
        press(getattr(Qt.Key, f"Key_{letter}"), Qt.KeyboardModifier.AltModifier)
        close_popups(qtbot)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        page.find_edit.setFocus()  # type: ignore[attr-defined]
    assert page.find_edit.text() == "Maple"  # type: ignore[attr-defined]
    window.close()


def test_no_page_takes_a_menu_letter(db: Database, qtbot: QtBot) -> None:
    """Labels and buttons of every page leave Alt+F/E/G/T/H to the main window's menus."""
    from PySide6.QtWidgets import QAbstractButton

    from ui.keys import AltTextGuard
    from ui.main_window import PAGES, MainWindow

    window = MainWindow(db)
    qtbot.addWidget(window)
    letters = {mnemonic(a.text()) for a in window.menuBar().actions() if a.menu() is not None}
    letters.discard(None)
    assert letters == MENU_LETTERS
    for number, spec in enumerate(PAGES):
        page = window.page(number)
        texts = [label.text() for label in page.findChildren(QLabel) if label.buddy() is not None]
        texts += [button.text() for button in page.findChildren(QAbstractButton)]
        taken = {t: mnemonic(t) for t in texts if mnemonic(t) in letters}
        assert not taken, f"{spec.title}: {taken} take menu letters"
        assert page.findChildren(AltTextGuard) or not page.findChildren(QLineEdit)
    window.close()
