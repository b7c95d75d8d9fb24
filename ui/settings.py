"""UI state kept in QSettings through one typed registry (window geometry, last folders,
the shopper's name). Domain settings live in the database (shopper.services.settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T", str, int, bool, QByteArray)


class Key(Generic[T]):
    def __init__(self, name: str, default: T) -> None:
        self.name = name
        self.default: T = default

    def get(self) -> T:
        value: object = QSettings().value(self.name, self.default)
        default = self.default
        if isinstance(default, bool):
            return value in (True, "true", "1", 1) if value is not None else default
        if isinstance(default, int):
            try:
                return int(str(value))
            except ValueError:
                return default
        return value if isinstance(value, type(default)) else default

    def set(self, value: T) -> None:
        QSettings().setValue(self.name, value)


WINDOW_GEOMETRY = Key("window/geometry", QByteArray())
WINDOW_STATE = Key("window/state", QByteArray())
SPLITTER_STATE = Key("window/splitter", QByteArray())
CURRENT_PAGE = Key("window/page", 0)
SHOPPER_NAME = Key("capture/shopper_name", "")
LAST_IMPORT_FOLDER = Key("folders/import", "")
LAST_EXPORT_FOLDER = Key("folders/export", "")
LAST_REPORT_FOLDER = Key("folders/reports", "")


def folder_or_home(key: Key[str]) -> str:
    """The last folder used for `key` if it still exists, else the home folder."""
    folder = key.get()
    return folder if folder and Path(folder).is_dir() else str(Path.home())


def remember_folder(key: Key[str], path: str | Path) -> None:
    chosen = Path(path)
    key.set(str(chosen if chosen.is_dir() else chosen.parent))


# The shopper's desk (evaluation windows, list, directory).
OPEN_EVALUATIONS = Key("capture/open_evaluations", "")
"""Ids of the evaluation windows open (comma-separated), reopened at the next start."""
EVALUATION_GEOMETRY = Key("capture/window_geometry", QByteArray())
EVALUATION_SPLITTER = Key("capture/splitter", QByteArray())
EVALUATION_LIST_HEADER = Key("evaluations/header", QByteArray())
FOLLOW_UPS_HEADER = Key("follow_ups/header", QByteArray())
DIRECTORY_SPLITTER = Key("directory/splitter", QByteArray())
LAST_CHANNEL = Key("capture/channel", "in_person")
