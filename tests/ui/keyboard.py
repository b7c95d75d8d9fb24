"""Typing into whatever has keyboard focus, the way a user does (no widget lookups)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


def focused() -> QWidget:
    """Where a key goes: an open popup (a completer's list, a menu) first, as Qt routes it."""
    popup = QApplication.activePopupWidget()
    if popup is not None:
        return popup.focusWidget() or popup
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has keyboard focus"
    return widget


def type_text(text: str) -> None:
    """Each character goes to the widget that has focus at that moment."""
    for char in text:
        if char.isascii():
            QTest.keyClicks(focused(), char)
        else:  # QTest only maps ASCII to keys; other characters arrive as text
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char)
                QApplication.sendEvent(focused(), event)


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(focused(), key, modifier)


def show_and_focus(qtbot, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitActive(widget):
        widget.show()
        widget.activateWindow()
