"""A small dialog asking why: returning a shop, excluding or including it, resolving a
dispute item. The reason is kept in the shop's history, so OK stays off until one is typed."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from shopper.limits import MAX_NOTE_CHARS
from ui.geometry import fit_to_screen
from ui.keys import guard_text_fields


class ReasonDialog(QDialog):
    """`reason()` is the typed text, stripped; Ctrl+Enter or OK accepts."""

    def __init__(
        self, parent: QWidget | None, title: str, prompt: str, ok_text: str = "OK"
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reasonDialog")
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        label = QLabel(prompt)
        label.setWordWrap(True)
        layout.addWidget(label)
        self.text = QPlainTextEdit()
        self.text.setObjectName("reasonText")
        self.text.setAccessibleName("Reason")
        self.text.setPlaceholderText("The reason is kept in the shop's history")
        self.text.setTabChangesFocus(True)
        layout.addWidget(self.text)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.text.textChanged.connect(self._changed)
        self.text.installEventFilter(self)
        self._changed()
        guard_text_fields(self)
        self.setMinimumWidth(420)
        fit_to_screen(self, (480, 220))

    def reason(self) -> str:
        return self.text.toPlainText().strip()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Ctrl+Enter in the reason accepts (Enter alone starts a new line)."""
        if (
            watched is self.text
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            if self.ok.isEnabled():
                self.accept()
            return True
        return super().eventFilter(watched, event)

    def _changed(self) -> None:
        too_long = len(self.text.toPlainText()) > MAX_NOTE_CHARS
        self.error.setText(
            f"The reason is too long (at most {MAX_NOTE_CHARS:,} characters)." if too_long else ""
        )
        self.ok.setEnabled(bool(self.reason()) and not too_long)


def ask_reason(parent: QWidget | None, title: str, prompt: str, ok_text: str = "OK") -> str | None:
    """The reason typed, or None if the person cancelled."""
    dialog = ReasonDialog(parent, title, prompt, ok_text)
    try:
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.reason():
            return dialog.reason()
        return None
    finally:
        dialog.deleteLater()


__all__ = ["ReasonDialog", "ask_reason"]
