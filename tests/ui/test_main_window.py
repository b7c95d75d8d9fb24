"""The main window: shortcuts, navigation, status bar, about, remembered layout, quitting."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from shopper import __version__
from shopper.services import evaluations, rubrics
from shopper.storage.db import Database
from tests.ui.keyboard import press, show_and_focus, type_text
from ui import settings
from ui.main_window import MainWindow


def make_window(qtbot, db) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(db)
    qtbot.addWidget(window)
    show_and_focus(qtbot, window)
    return window


def test_shortcuts_and_status_bar(db: Database, qtbot: QtBot) -> None:
    window = make_window(qtbot, db)
    shortcuts = {
        action.text().replace("&", ""): {s.toString() for s in action.shortcuts()}
        for action in window.findChildren(QAction)
    }
    assert "Ctrl+N" in shortcuts["New evaluation…"]
    assert "Ctrl+S" in shortcuts["Save"]
    assert "Ctrl+F" in shortcuts["Find…"]
    assert "Ctrl+Q" in shortcuts["Quit"]
    assert window.database_label.full_text == f"Database: {db.describe()}"
    toolbar_texts = [a.text().replace("&", "") for a in window.toolbar.actions()]
    assert toolbar_texts[:3] == ["New evaluation…", "Save", "Find…"]
    titles = [window.evaluation_menu.title(), window.go_menu.title(), window.help_menu.title()]
    assert titles == ["&Evaluation", "&Go", "&Help"]


def test_ctrl_f_goes_to_the_list_filter_and_ctrl_digits_switch_pages(
    db: Database, qtbot: QtBot
) -> None:
    window = make_window(qtbot, db)
    press(Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentIndex() == 2
    press(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentIndex() == 0
    focused = QApplication.focusWidget()
    assert isinstance(focused, QLineEdit) and focused is window.page(0).find_edit  # type: ignore[attr-defined]
    type_text("maple")
    assert window.page(0).find_edit.text() == "maple"  # type: ignore[attr-defined]


def test_about_shows_the_version(
    db: Database, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "about", lambda _p, _t, text: shown.append(text))
    window = make_window(qtbot, db)
    window.show_about()
    assert f"Shopper {__version__}" in shown[0]


def test_layout_is_remembered(db: Database, qtbot: QtBot) -> None:
    window = make_window(qtbot, db)
    window.resize(790, 530)  # the offscreen screen is 800 px wide: only height is free
    window.show_page(1)
    window.splitter.setSizes([200, 500])
    window.close()
    assert settings.CURRENT_PAGE.get() == 1
    again = make_window(qtbot, db)
    assert again.stack.currentIndex() == 1
    assert again.height() == 530
    assert again.splitter.sizes()[0] == 200


def test_new_evaluation_opens_its_window_and_quit_saves_it(db, agent, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    info = rubrics.default_rubric(db)
    assert info is not None
    draft = evaluations.create(
        db, rubric_id=info.id, agent_id=agent.id, visited_on=dt.date(2024, 5, 2)
    )
    monkeypatch.setattr(
        "ui.dialogs.new_evaluation.start_new_evaluation", lambda _ctx, _parent: draft.id
    )
    window = make_window(qtbot, db)
    press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    editor = window.evaluation_windows.windows[draft.id]
    qtbot.waitUntil(editor.isActiveWindow)
    type_text("2")
    window.close()  # quitting closes (and saves) the evaluation windows first
    assert evaluations.get(db, draft.id).answers["first_contact.response_time"].value == (
        "Within 1 hour"
    )
    assert window.evaluation_windows.windows == {}
    assert settings.OPEN_EVALUATIONS.get() == draft.id


def test_menus_write_a_literal_ampersand_and_help_lists_every_menu_key(
    db: Database, qtbot: QtBot
) -> None:
    from ui import shortcuts

    window = make_window(qtbot, db)
    go = {shortcuts.action_label(a): a for a in window.go_menu.actions()}
    assert "Agents & properties" in go, "shown as typed, not 'Agents _properties'"
    assert go["Agents & properties"].text() == "Agents && properties"

    box = window.show_keys()
    qtbot.waitUntil(box.isVisible)
    text = box.text()
    for row in shortcuts.action_rows(window):  # every menu key, in the words of the menus
        assert html.escape(row.keys) in text and html.escape(row.what) in text
    assert "Ctrl+N" in text and "Ctrl+3" in text and "Ctrl+Q" in text
    assert "J / K" in text, "the form's keys are listed too"
    assert "Return" not in text
    box.close()


def test_enter_has_one_spelling_in_menus_hints_and_help(qtbot: QtBot) -> None:
    from PySide6.QtGui import QAction

    from ui import shortcuts

    action = QAction("S&ubmit")
    action.setShortcuts(shortcuts.keys("Ctrl+Enter"))
    bound = {s.toString() for s in action.shortcuts()}
    assert bound == {"Ctrl+Enter", "Ctrl+Return"}, "the main Return key works too"
    assert action.shortcut().toString() == "Ctrl+Enter", "what the menu shows"
    assert shortcuts.spell(action) == "Ctrl+Enter"


def test_settings_your_name_opens_the_profile_dialog(
    db: Database, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    asked: list[object] = []
    fake = types.ModuleType("ui.dialogs.profile")

    def ask_profile_name(parent: object) -> str:
        asked.append(parent)
        return "Zoë"

    fake.ask_profile_name = ask_profile_name  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "ui.dialogs.profile", fake)
    window = make_window(qtbot, db)
    assert shortcuts_label(window.settings_menu.actions()) == ["Your name"]
    window.name_action.trigger()
    assert asked == [window]


def shortcuts_label(actions) -> list[str]:  # type: ignore[no-untyped-def]
    from ui import shortcuts

    return [shortcuts.action_label(a) for a in actions if not a.isSeparator()]


def test_first_open_and_a_saved_larger_size_fit_the_screen(db: Database, qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QMainWindow

    window = make_window(qtbot, db)
    area = window.screen().availableGeometry()
    assert area.contains(window.frameGeometry())
    window.close()

    big = QMainWindow()
    big.resize(area.width() + 600, area.height() + 400)
    big.move(area.right() - 100, area.bottom() - 100)  # mostly off this screen
    settings.WINDOW_GEOMETRY.set(big.saveGeometry())
    again = make_window(qtbot, db)
    assert area.contains(again.frameGeometry())
    status = again.statusBar()
    assert area.contains(status.mapToGlobal(status.rect().bottomRight()))


def test_a_file_the_system_cannot_open_is_named_with_its_path(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtGui import QDesktopServices, QGuiApplication
    from PySide6.QtWidgets import QMessageBox, QWidget

    from ui import desktop

    parent = QWidget()
    qtbot.addWidget(parent)
    opened: list[str] = []
    monkeypatch.setattr(
        QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile()))
    )
    pdf = tmp_path / "Shop 2024-05-02 José.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert desktop.open_path(parent, pdf) is False
    assert opened == [str(pdf)]
    box = parent.findChild(QMessageBox, "openPathFailed")
    assert box is not None and box.isVisible()
    assert "did not open this file" in box.text() and box.informativeText() == str(pdf)
    copy = next(b for b in box.buttons() if b.text() == desktop.COPY_BUTTON)
    copy.click()
    assert QGuiApplication.clipboard().text() == str(pdf)

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: True))
    assert desktop.open_path(parent, tmp_path) is True
    gone = tmp_path / "moved away"
    assert desktop.open_path(parent, gone) is False
    boxes = [b for b in parent.findChildren(QMessageBox, "openPathFailed") if b.isVisible()]
    assert any("moved or deleted" in b.text() and b.informativeText() == str(gone) for b in boxes)
