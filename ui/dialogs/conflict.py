"""When someone else saved the same evaluation: keep mine or take theirs, in plain words."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def ask_keep_mine(parent: QWidget | None) -> bool:
    """True: save my version over theirs. False: show theirs and drop my unsaved changes."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Someone else changed this evaluation")
    box.setText(
        "This evaluation was saved somewhere else (another window, or a colleague on the "
        "shared database) while you had it open."
    )
    box.setInformativeText(
        "Your changes are still on screen and have not been lost.\n\n"
        "Keep mine: save what you see here over their version.\n"
        "Use theirs: show their version and drop your changes since your last save."
    )
    mine = box.addButton("Keep mine", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Use theirs", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(mine)
    box.exec()
    return box.clickedButton() is mine
