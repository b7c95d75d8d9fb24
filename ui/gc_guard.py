"""Python's garbage collector runs on the GUI thread only.

Left automatic, the cyclic collector runs on whichever thread happens to allocate when a
threshold is crossed — often a worker thread in the middle of a job. If the garbage it
finds holds a Qt object (a window in a reference cycle with one of its slots, say), that
object's C++ destructor then runs on the worker thread: it takes Qt locks there while the
GUI thread, holding the GIL inside Qt, waits for one of them. Neither can go on, and no
Python-level timeout can fire because every Python thread needs the GIL (seen as a hung
test run, and once as a segfault). Anki's `GarbageCollector` solves it the same way:
automatic collection off, a timer that collects on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Slot

COLLECT_EVERY_MS = 1_000


class GarbageCollector(QObject):
    """Disables automatic collection and collects on the GUI thread, when it is due."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(COLLECT_EVERY_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._timer.start()

    @Slot()
    def collect_if_due(self) -> None:
        """Collect the generations whose allocation counts passed their thresholds."""
        counts = gc.get_count()
        if counts[0] > self._threshold[0]:
            generation = 0
            if counts[1] > self._threshold[1]:
                generation = 2 if counts[2] > self._threshold[2] else 1
            gc.collect(generation)


_installed: GarbageCollector | None = None


def install_gc_guard() -> GarbageCollector:
    """Install the guard once per process, owned by the application object."""
    global _installed
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before installing the GC guard")
    if _installed is None:
        _installed = GarbageCollector(app)
    return _installed
