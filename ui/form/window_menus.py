"""Menus and shortcuts of an evaluation window (kept apart so the window holds behaviour)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox, QWidget

from ui.keys import shortcut_text

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
    add("evaluation", "history", "&History…", lambda: show_history(window))
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


def show_history(window: EvaluationWindow) -> None:
    from shopper.services import evaluations

    data = evaluations.get(window.ctx.db, window.evaluation_id)
    lines = []
    for event in data.events:
        who = f" by {event.actor}" if event.actor else ""
        detail = f": {event.detail}" if event.detail else ""
        lines.append(f"{event.at:%d %b %Y %H:%M} UTC  {event.kind.replace('_', ' ')}{who}{detail}")
    QMessageBox.information(window, "History", "\n".join(lines) or "No history yet.")


def keys_help() -> str:
    submit, wait = shortcut_text("Ctrl+Enter"), shortcut_text("Ctrl+Shift+Enter")
    return (
        "<h3>Scoring with the keyboard</h3><table cellspacing=4>"
        "<tr><td><b>Y</b> / <b>N</b> / <b>A</b></td><td>Yes / No / N/A, then the next item</td>"
        "<tr><td><b>1</b>…<b>9</b>, <b>0</b></td><td>scale value or numbered choice (0 = 10)</td>"
        "<tr><td><b>←</b> <b>→</b></td><td>change the answer without moving on</td>"
        "<tr><td><b>↑</b> <b>↓</b>, Tab, Shift+Tab</td><td>previous / next item</td>"
        "<tr><td><b>C</b> or <b>Enter</b></td><td>write a comment; Esc or Tab to go on</td>"
        "<tr><td><b>Delete</b></td><td>clear the answer</td>"
        "<tr><td><b>F1</b> or <b>?</b></td><td>show or hide the item's guidance</td>"
        "<tr><td>Ctrl+PgDown / Ctrl+PgUp</td><td>next / previous section</td>"
        "<tr><td>F6</td><td>section list ↔ items</td>"
        f"<tr><td>{submit}</td><td>submit (lists anything missing)</td>"
        f"<tr><td>{wait}</td><td>awaiting follow-up</td>"
        "<tr><td>Ctrl+E</td><td>reopen a submitted evaluation</td>"
        "<tr><td>Ctrl+S / Ctrl+W</td><td>save now (it saves by itself anyway) / close</td>"
        "</table><p>A No, the lowest scale value or a zero-point choice opens the comment "
        "box: press C or Enter to say what happened, or just answer the next item.</p>"
    )


def show_keys_help(parent: QWidget) -> None:
    QMessageBox.information(parent, "Keyboard", keys_help())
