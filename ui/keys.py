"""Keyboard helpers shared by pages."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


def is_enter_press(event: QEvent) -> bool:
    """Return or Enter pressed (what opens the selected row in a list)."""
    return (
        event.type() == QEvent.Type.KeyPress
        and isinstance(event, QKeyEvent)
        and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
    )


def is_alt_text(event: QEvent) -> bool:
    """A key press with Alt (menu mnemonics) that would otherwise type its letter.

    Ctrl+Alt is left alone: on Windows that is AltGr, which types characters like @ and €."""
    if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
        return False
    modifiers = event.modifiers()
    alt = bool(modifiers & Qt.KeyboardModifier.AltModifier)
    ctrl = bool(modifiers & Qt.KeyboardModifier.ControlModifier)
    text = event.text()
    return alt and not ctrl and bool(text) and text.isprintable()


class AltTextGuard(QObject):
    """Eats Alt+letter key presses in text fields: a menu letter that no menu took (or that a
    menu already handled) never becomes text. Install with `guard_text_fields`."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if is_alt_text(event):
            event.accept()
            return True
        return super().eventFilter(watched, event)


_TEXT_FIELDS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox, QComboBox)


def guard_text_fields(root: QWidget) -> AltTextGuard:
    """Guard every text field under `root` (call again after adding fields; it is idempotent)."""
    guard = root.findChild(AltTextGuard, "altTextGuard", Qt.FindChildOption.FindDirectChildrenOnly)
    if not isinstance(guard, AltTextGuard):
        guard = AltTextGuard(root)
        guard.setObjectName("altTextGuard")
    fields = [f for kind in _TEXT_FIELDS for f in root.findChildren(kind)]
    if isinstance(root, _TEXT_FIELDS):
        fields.append(root)
    for field in fields:
        if not field.property("altTextGuarded"):
            field.installEventFilter(guard)
            field.setProperty("altTextGuarded", True)
    return guard


def shortcut_text(keys: str) -> str:
    """A shortcut written the way the menus show it (ui.shortcuts' one spelling: "Enter"
    for Return/Enter, the platform's native names otherwise), for hints in the form."""
    from ui.shortcuts import spell_sequence

    return spell_sequence(QKeySequence(keys))
