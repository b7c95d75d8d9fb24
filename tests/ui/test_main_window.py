"""The main window: shortcuts, navigation, status bar, about, remembered layout, quitting."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from shopper import __version__
from shopper.services import evaluations, rubrics
from tests.ui.keyboard import press, show_and_focus, type_text
from ui import main_window as main_window_module
from ui import settings
from ui.main_window import MainWindow


def make_window(qtbot, db) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(db)
    qtbot.addWidget(window)
    show_and_focus(qtbot, window)
    return window


def test_shortcuts_and_status_bar(db, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(qtbot, db)
    shortcuts = {
        action.text().replace("&", ""): {s.toString() for s in action.shortcuts()}
        for action in window.findChildren(main_window_module.QAction)
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


def test_ctrl_f_goes_to_the_list_filter_and_ctrl_digits_switch_pages(db, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(qtbot, db)
    press(Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentIndex() == 2
    press(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.stack.currentIndex() == 0
    focused = QApplication.focusWidget()
    assert isinstance(focused, QLineEdit) and focused is window.page(0).find_edit  # type: ignore[attr-defined]
    type_text("maple")
    assert window.page(0).find_edit.text() == "maple"  # type: ignore[attr-defined]


def test_about_shows_the_version(db, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(
        main_window_module.QMessageBox, "about", lambda _p, _t, text: shown.append(text)
    )
    window = make_window(qtbot, db)
    window.show_about()
    assert f"Shopper {__version__}" in shown[0]


def test_layout_is_remembered(db, qtbot) -> None:  # type: ignore[no-untyped-def]
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
