"""Never lose work: debounced background saves on the app's one writer, and a flush on close.

Saves run on the app's single database-writing thread (ui.operations.writer), one after
another with every other write. `AutoSaver` belongs to one open evaluation: every change marks
it dirty; a save starts 400 ms after the typing pauses, and never later than 900 ms after
the first unsaved change, so continuous typing is still saved about once a second and
killing the process loses at most the last second. `flush()` saves on the calling thread,
after the save in flight (still on the writer, waited for), for close and status changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from shopper.services.evaluations import EvaluationData
from ui.operations.writer import Writer

DEBOUNCE_MS = 400
MAX_DELAY_MS = 900


Snapshot = Any
SaveFn = Callable[[Snapshot, int], EvaluationData]


class AutoSaver(QObject):
    """Saves one evaluation in the background shortly after each change."""

    saved = Signal(object)
    """EvaluationData after a successful save."""
    failed = Signal(object)
    """The exception of a failed save; autosaving pauses until `resume()`."""
    state_changed = Signal(str)
    """"saving", "saved", "unsaved" or "paused"."""

    def __init__(
        self,
        writer: Writer,
        snapshot: Callable[[], Snapshot],
        save: SaveFn,
        row_version: int,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.writer = writer
        self._snapshot, self._save = snapshot, save
        self.row_version = row_version
        self.dirty = False
        self.in_flight = False
        self.paused = False
        self.held = False
        """Paused until the next change: what is on screen cannot be stored as it is."""
        self._dirty_since = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start_save)

    def mark_dirty(self) -> None:
        now = time.monotonic()
        if self.held:  # the user changed something: the next save may succeed
            self.held = self.paused = False
        if not self.dirty:
            self.dirty = True
            self._dirty_since = now
            self.state_changed.emit("unsaved")
        if not self.paused:
            self._schedule(now)

    def _schedule(self, now: float) -> None:
        waited_ms = (now - self._dirty_since) * 1000
        delay = max(0, min(DEBOUNCE_MS, int(MAX_DELAY_MS - waited_ms)))
        if self._timer.isActive() and self._timer.remainingTime() <= delay:
            return
        self._timer.start(delay)

    @Slot()
    def _start_save(self) -> None:
        if self.paused or not self.dirty or self.in_flight:
            return  # a save in flight reschedules itself when it comes back
        snapshot = self._snapshot()
        self.dirty = False
        self.in_flight = True
        self.state_changed.emit("saving")
        version = self.row_version
        self.writer.submit(lambda: self._save(snapshot, version), self._done, self._failed)

    def _done(self, data: EvaluationData) -> None:
        self.in_flight = False
        self.row_version = data.row_version
        self.saved.emit(data)
        if self.dirty and not self.paused:
            self._schedule(time.monotonic())
        elif not self.dirty:
            self.state_changed.emit("saved")

    def _failed(self, error: Exception) -> None:
        self.in_flight = False
        self.dirty = True  # what was sent is not stored
        self.paused = True
        self._timer.stop()
        self.state_changed.emit("paused")
        self.failed.emit(error)

    def hold_until_changed(self) -> None:
        """After a save refused for what it holds (e.g. a comment too long): no retries
        until the user changes something."""
        self.held = True

    def resume(self, row_version: int | None = None) -> None:
        """Start saving again (after a conflict was resolved), at `row_version` if given."""
        if row_version is not None:
            self.row_version = row_version
        self.paused = False
        if self.dirty:
            self._schedule(time.monotonic())

    def discard(self, row_version: int) -> None:
        """Forget unsaved changes (the user chose the stored version)."""
        self._timer.stop()
        self.dirty = False
        self.paused = self.held = False
        self.row_version = row_version
        self.state_changed.emit("saved")

    def flush(self) -> EvaluationData | None:
        """Save now, after the save in flight, and wait for it; raises if saving fails.

        Saves even while paused (the caller is there to handle a conflict itself)."""
        self._timer.stop()
        self.writer.wait_idle()
        if not self.dirty:
            return None
        snapshot, version = self._snapshot(), self.row_version
        data = self.writer.call(lambda: self._save(snapshot, version))
        self.dirty = False
        self.paused = self.held = False
        self.row_version = data.row_version
        self.saved.emit(data)
        self.state_changed.emit("saved")
        return data
