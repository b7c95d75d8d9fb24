"""The one table of keyboard shortcuts (Help ▸ Keyboard), generated from the actions.

Menus, hints and the help cannot disagree when they all come from here:

- `keys(spelling...)` turns the spellings used in this app into key sequences. "Enter" is
  the one spelling of the Return/Enter key: `keys("Ctrl+Enter")` binds both the main
  Return key and the keypad Enter, and menus show "Ctrl+Enter".
- `spell(action)` is how an action's keys are written (in hints and tooltips).
- `action_rows(widget)` reads every action with a shortcut in a window's menus (and the
  window's own actions), so the help lists exactly what the menus do.
- `FORM_KEYS` and `LIST_KEYS` are the keys handled by widgets themselves rather than by
  actions (scoring an item, opening a row): the one place they are written down.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget


@dataclass(frozen=True)
class Shortcut:
    keys: str
    what: str


FORM_KEYS: tuple[Shortcut, ...] = (
    Shortcut("Y / N / A", "Yes / No / N/A, then the next item"),
    Shortcut("1 … 9, 0", "scale value or numbered choice (0 = 10)"),
    Shortcut("← / →", "change the answer without moving on"),
    Shortcut("↓ / ↑ or J / K, Tab / Shift+Tab", "next / previous item"),
    Shortcut("C or Enter", "write a comment; Esc or Tab to go on"),
    Shortcut("Delete or Backspace", "clear the answer"),
    Shortcut("F1 or ?", "show or hide the item's guidance"),
    Shortcut("Ctrl+PgDown / Ctrl+PgUp", "next / previous section"),
    Shortcut("F6", "section list ↔ items"),
)
"""Keys the evaluation form handles itself (ui/form/item_row.py and rubric_form.py)."""

LIST_KEYS: tuple[Shortcut, ...] = (
    Shortcut("Enter or double-click", "open the selected evaluation"),
    Shortcut("↓ / ↑, PgDown / PgUp", "move in the list"),
)
"""Keys of the Evaluations and Follow-ups lists."""

FORM_NOTE = (
    "A No, the lowest scale value or a zero-point choice opens the comment box: press C or "
    "Enter to say what happened, or just answer the next item."
)


def keys(*spellings: str) -> list[QKeySequence]:
    """Key sequences for `spellings` ("Ctrl+Enter" also binds Ctrl+Return, the main key)."""
    sequences: list[QKeySequence] = []
    for spelling in spellings:
        sequences.append(QKeySequence(spelling))
        if "Enter" in spelling:
            sequences.append(QKeySequence(spelling.replace("Enter", "Return")))
    return sequences


KEY_WORDS = {"Return": "Enter", "Del": "Delete", "Ins": "Insert"}
"""Key names as this app writes them (Qt's own short names on the left)."""


def spell_sequence(sequence: QKeySequence) -> str:
    text = sequence.toString(QKeySequence.SequenceFormat.NativeText)
    return ", ".join(
        "+".join(KEY_WORDS.get(part, part) for part in chord.split("+"))
        for chord in text.split(", ")
    )


def spell(action: QAction) -> str:
    """The action's keys as written in this app: "Ctrl+Enter", "Ctrl+Shift+Z / Ctrl+Y"."""
    seen: list[str] = []
    for sequence in action.shortcuts():
        text = spell_sequence(sequence)
        if text and text not in seen:
            seen.append(text)
    return " / ".join(seen)


def action_label(action: QAction) -> str:
    """Menu text without mnemonics, tab-separated keys or the trailing ellipsis."""
    text = action.text().split("\t")[0].replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.rstrip("…").rstrip(".").strip()


def _menu_actions(menu: QMenu) -> Iterable[QAction]:
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            yield from _menu_actions(sub)
        elif not action.isSeparator():
            yield action


def action_rows(window: QWidget, extra: Iterable[QAction] = ()) -> list[Shortcut]:
    """One row per action with keys: the window's menus in menu order, then its own actions
    (and `extra`). Keys written in a menu text after a tab ("Next section\\tCtrl+PgDown",
    handled by a widget) count too."""
    found: list[QAction] = []
    if isinstance(window, QMainWindow):
        for top in window.menuBar().actions():
            sub = top.menu()
            if isinstance(sub, QMenu):
                found.extend(_menu_actions(sub))
    found.extend(window.actions())
    found.extend(extra)
    rows: list[Shortcut] = []
    seen: set[int] = set()
    for action in found:
        if id(action) in seen:
            continue
        seen.add(id(action))
        written = spell(action)
        if not written and "\t" in action.text():
            written = action.text().split("\t", 1)[1]
        if written:
            rows.append(Shortcut(written, action_label(action)))
    return rows


def table_html(title: str, rows: Sequence[Shortcut]) -> str:
    cells = "".join(
        f"<tr><td><b>{html.escape(r.keys)}</b></td><td>{html.escape(r.what)}</td></tr>"
        for r in rows
    )
    return f"<h3>{html.escape(title)}</h3><table cellspacing=4>{cells}</table>"


def help_html(groups: Sequence[tuple[str, Sequence[Shortcut]]], note: str = "") -> str:
    text = "".join(table_html(title, rows) for title, rows in groups if rows)
    return text + (f"<p>{html.escape(note)}</p>" if note else "")


def window_help_html(window: QWidget, *more: tuple[str, Sequence[Shortcut]]) -> str:
    """The help of one window: its menus' keys, then `more` groups (e.g. FORM_KEYS)."""
    title = window.windowTitle().split(":")[0].strip() or "This window"
    own = action_rows(window)
    written = {r.keys for r in own}
    rest = [(name, [r for r in rows if r.keys not in written]) for name, rows in more]
    return help_html(((f"{title}: menus", own), *rest), FORM_NOTE)


def show_help(parent: QWidget, text: str) -> QMessageBox:
    """The help as a non-blocking message box (it stays open while one tries the keys)."""
    box = QMessageBox(parent)
    box.setObjectName("keyboardHelp")
    box.setWindowTitle("Keyboard")
    box.setIcon(QMessageBox.Icon.Information)
    box.setText(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
