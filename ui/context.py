"""What every page and dialog shares: the open database, the task runner, and one app-wide
`data_changed` signal. A change made anywhere is announced once; each view refreshes itself."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from shopper.storage.db import Database
from ui.gc_guard import install_gc_guard
from ui.tasks import TaskRunner


class AppContext(QObject):
    data_changed = Signal(str)
    """Emitted with the noun that changed: "evaluations", "agents", "properties", "rubrics"."""

    open_evaluation_requested = Signal(str, str)
    """(evaluation id, section key or "") — any view may ask the main window to open one."""

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        install_gc_guard()
        self.db = db
        self.tasks = TaskRunner(self)

    def announce(self, noun: str) -> None:
        self.data_changed.emit(noun)
