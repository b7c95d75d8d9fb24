"""What every page and dialog shares: the open database, the background runner, the one
writer, and one app-wide `changed` signal. A change made anywhere is announced once (a typed
`Change`); each view refreshes itself. Views reach the core through ui.operations."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QObject, Signal

from shopper.storage.db import Database
from ui.gc_guard import install_gc_guard
from ui.operations.background import TaskRunner
from ui.operations.changes import Change
from ui.operations.writer import Writer


class AppContext(QObject):
    changed = Signal(object)
    """Emitted with a `Change` (a set: evaluations, agents, properties, rubrics, settings)."""

    open_evaluation_requested = Signal(str, str)
    """(evaluation id, section key or "") — any view may ask the main window to open one."""

    def __init__(self, db: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        install_gc_guard()
        self.db = db
        self.tasks = TaskRunner(self)
        self.writer = Writer(self)
        """The app's one database-writing thread (ui.operations.writer)."""
        self._stopped = False
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    def announce(self, change: Change) -> None:
        if change:
            self.changed.emit(change)

    def stop(self) -> None:
        """Let running work finish, then stop the writer (at quit and in test teardown)."""
        if self._stopped:
            return
        self._stopped = True
        self.tasks.wait_all()
        self.writer.stop()
