"""Settings: your name. Asked the first time something is recorded in a history, and
reachable from the menus to change it; the name is remembered on this machine."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from shopper.errors import ValidationError
from shopper.limits import MAX_NAME_CHARS
from ui import profile
from ui.geometry import fit_to_screen
from ui.keys import guard_text_fields


class ProfileDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, suggestion: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("profileDialog")
        self.setWindowTitle("Your name")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Each evaluation's history records who started, submitted or reopened it. "
            "Type your name as colleagues know it; it is remembered on this computer."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.name = QLineEdit(profile.YOUR_NAME.get() or suggestion)
        self.name.setMaxLength(MAX_NAME_CHARS)
        self.name.setPlaceholderText("Your name")
        self.name.setAccessibleName("Your name")
        layout.addWidget(self.name)
        self.error = QLabel()
        self.error.setObjectName("fieldError")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Save")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name.textChanged.connect(self._changed)
        self._changed()
        guard_text_fields(self)
        self.setMinimumWidth(420)
        fit_to_screen(self, self.sizeHint())

    def _changed(self) -> None:
        self.ok.setEnabled(bool(self.name.text().strip()))
        self.error.setText("")

    def accept(self) -> None:
        try:
            profile.set_your_name(self.name.text())
        except ValidationError as exc:
            self.error.setText(str(exc))
            return
        super().accept()


def ask_profile_name(parent: QWidget | None) -> str | None:
    """Settings ▸ Your name…: show the dialog; the saved name, or None if cancelled."""
    dialog = ProfileDialog(parent, suggestion=profile.your_name())
    if dialog.exec() == QDialog.DialogCode.Accepted:
        return profile.your_name()
    return None


def require_your_name(parent: QWidget | None, suggestion: str = "") -> str | None:
    """Who is acting: the profile's name, asked for first if none is known (None if the
    person cancels, and then nothing should be recorded)."""
    name = profile.your_name()
    if name:
        return name
    dialog = ProfileDialog(parent, suggestion)
    if dialog.exec() == QDialog.DialogCode.Accepted:
        return profile.your_name()
    return None
