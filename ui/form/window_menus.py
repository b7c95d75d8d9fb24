"""Menus and shortcuts of an evaluation window (kept apart so the window holds behaviour)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from ui import shortcuts
from ui.dialogs.dispute import open_dispute_for

if TYPE_CHECKING:
    from ui.form.evaluation_window import EvaluationWindow


def build_menus(window: EvaluationWindow) -> dict[str, QAction]:
    actions: dict[str, QAction] = {}

    def add(menu_name: str, name: str, text: str, slot, *keys: str) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, window)
        if keys:
            action.setShortcuts([QKeySequence(k) for k in keys])
        action.triggered.connect(lambda _=False: slot())
        menus[menu_name].addAction(action)
        actions[name] = action
        return action

    bar = window.menuBar()
    menus = {"evaluation": bar.addMenu("&Evaluation"), "go": bar.addMenu("&Go")}
    add("evaluation", "save", "&Save now", window.save_now, "Ctrl+S")
    menus["evaluation"].addSeparator()
    add(
        "evaluation",
        "await",
        "Mark &awaiting follow-up",
        window.await_follow_up,
        "Ctrl+Shift+Enter",
        "Ctrl+Shift+Return",
    )
    add("evaluation", "submit", "S&ubmit", window.submit, "Ctrl+Enter", "Ctrl+Return")
    add("evaluation", "reopen", "&Reopen…", window.reopen, "Ctrl+E")
    history = window.history_dock.toggleViewAction()
    history.setText("&History")
    history.setShortcut(QKeySequence("Ctrl+H"))
    menus["evaluation"].addAction(history)
    actions["history"] = history
    add("evaluation", "log", "Activity &log…", lambda: show_activity_log(window))
    add(
        "evaluation",
        "dispute",
        "Open &dispute…",
        lambda: open_dispute_for(window.ctx, window.evaluation_id, window),
    )
    report = shop_report_action(window)
    if report is not None:
        menus["evaluation"].addAction(report)
        actions["report"] = report
    menus["evaluation"].addSeparator()
    add("evaluation", "your_name", "Settings: &your name…", window.edit_your_name)
    menus["evaluation"].addSeparator()
    add("evaluation", "close", "&Close", window.close, "Ctrl+W")
    form = window.form
    add("go", "next_section", "&Next section\tCtrl+PgDown", lambda: form._jump_section(1))
    add("go", "previous_section", "&Previous section\tCtrl+PgUp", lambda: form._jump_section(-1))
    add("go", "sections", "Section &list ↔ items\tF6", form._toggle_navigator_focus)
    add("go", "first_gap", "&First unanswered item", window.focus_start, "Ctrl+G")
    help_menu = bar.addMenu("&Help")
    keys = QAction("&Keyboard…", window)
    keys.setShortcut(QKeySequence("Shift+F1"))
    keys.triggered.connect(lambda _=False: show_keys_help(window))
    help_menu.addAction(keys)
    actions["keys"] = keys
    return actions


def shop_report_action(window: EvaluationWindow) -> QAction | None:
    """ "Shop report (PDF)…" when the reports module is installed; None otherwise."""
    try:
        from ui.actions import reports
    except ImportError:
        return None
    action = QAction("Shop &report (PDF)…", window)

    def run() -> None:
        if window.save_now():
            reports.shop_report(window.ctx, window, window.evaluation_id)

    action.triggered.connect(lambda _=False: run())
    return action


def show_activity_log(window: EvaluationWindow) -> None:
    """The shop's activity log (created, follow-up calls…) in this computer's time; the
    review history (changes after submission, with reasons) is the History panel."""
    data = window._fresh()
    lines = []
    for event in data.events:
        who = f" by {event.actor}" if event.actor else ""
        detail = f": {event.detail}" if event.detail else ""
        when = event.at.replace(tzinfo=dt.UTC).astimezone()
        lines.append(f"{when:%d %b %Y %H:%M}  {event.kind.replace('_', ' ')}{who}{detail}")
    QMessageBox.information(window, "Activity log", "\n".join(lines) or "Nothing logged yet.")


def keys_help(window: QWidget) -> str:
    """The window's own menu keys, then the keys the form handles itself."""
    return shortcuts.window_help_html(window, ("Scoring with the keyboard", shortcuts.FORM_KEYS))


def show_keys_help(window: QWidget) -> QMessageBox:
    return shortcuts.show_help(window, keys_help(window))
