"""Ask why a submitted evaluation is reopened (the reason is kept with who and when)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.geometry import fit_to_screen
from ui.keys import guard_text_fields


class ReopenDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reopen evaluation")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "This evaluation is submitted. Reopening makes it a draft again so it can be "
            "changed, and it will need to be submitted again.\n\n"
            "Why is it reopened? The reason is kept in its history with your name and the time."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText("e.g. The agent's name was wrong; the visit was with Ana.")
        self.reason.setAccessibleName("Reason for reopening")
        layout.addWidget(self.reason)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Reopen")
        self.ok.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason.textChanged.connect(
            lambda: self.ok.setEnabled(bool(self.reason.toPlainText().strip()))
        )
        guard_text_fields(self)
        fit_to_screen(self, (460, 260))

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()


def ask_reopen_reason(parent: QWidget | None) -> str | None:
    dialog = ReopenDialog(parent)
    if dialog.exec() == QDialog.DialogCode.Accepted and dialog.reason_text():
        return dialog.reason_text()
    return None
