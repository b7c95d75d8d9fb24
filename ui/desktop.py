"""Handing files and folders to the system (file manager, PDF viewer), in one place.

`QDesktopServices.openUrl` only answers True or False; when the system cannot open a path
(no PDF viewer, no file manager, a sandbox, a folder since removed) the user must be told in
plain words, with the path, so that they can open it themselves.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)

COPY_BUTTON = "Copy the path"


def open_path(parent: QWidget | None, path: str | Path) -> bool:
    """Open `path` (a file or a folder) with the system's default application.

    True when the system took it. Otherwise a message (window-modal, it does not block the
    caller) says what could not be opened and where it is, with a button that copies the
    path; False is returned."""
    target = Path(path)
    if not target.exists():
        kind = "folder" if target.suffix == "" else "file"
        _tell(
            parent,
            f"The {kind} is not there any more",
            f"Shopper cannot open this {kind}: it was moved or deleted.",
            target,
        )
        return False
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
        return True
    log.warning("the system could not open %s", target)
    what = "folder" if target.is_dir() else "file"
    how = (
        "Open it from your file manager."
        if target.is_dir()
        else "Open it from your file manager, or install an application for "
        f"{target.suffix.lstrip('.').upper() or 'this kind of'} files."
    )
    _tell(
        parent,
        f"Could not open the {what}",
        f"Your system did not open this {what} (no application is set up to open it). {how}",
        target,
    )
    return False


def _tell(parent: QWidget | None, title: str, text: str, path: Path) -> QMessageBox:
    box = QMessageBox(parent)
    box.setObjectName("openPathFailed")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText(str(path))
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    copy = box.addButton(COPY_BUTTON, QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Ok)
    # ActionRole buttons close the box too; copy first.
    copy.clicked.connect(lambda _=False: QGuiApplication.clipboard().setText(str(path)))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
