"""Never lose work: debounced background saves, one writer at a time, and a flush on close.

`Writer` is the app's single database-writing thread: jobs run one after another, in the
order given, and their results come back to the UI thread through a queued signal (never
touch widgets from the worker). `AutoSaver` belongs to one open evaluation: every change marks
it dirty; a save starts 400 ms after the typing pauses, and never later than 900 ms after
the first unsaved change, so continuous typing is still saved about once a second and
killing the process loses at most the last second. `flush()` saves on the calling thread,
after waiting for the save in flight, for close and for status changes.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from shopper.services.evaluations import EvaluationData

DEBOUNCE_MS = 400
MAX_DELAY_MS = 900


class _WriterWorker(QObject):
    done = Signal(int, object, object)  # job id, result, error

    def __init__(self, jobs: dict[int, Callable[[], Any]], finished: Callable[[], None]) -> None:
        super().__init__()
        self._jobs = jobs
        self._finished = finished

    @Slot(int)
    def run(self, job_id: int) -> None:
        # Only the id crosses threads: the job (a closure that may hold Qt objects) stays in
        # the writer's table and is dropped on the UI thread, never here.
        try:
            job = self._jobs[job_id]
            try:
                result = job()
            finally:
                del job
        except Exception as exc:  # reported on the UI thread
            traceback.clear_frames(exc.__traceback__)  # its locals must not die here
            self.done.emit(job_id, None, exc)
        else:
            self.done.emit(job_id, result, None)
        finally:
            self._finished()  # after the result is posted, so wait_idle can deliver it


class Writer(QObject):
    """One background thread that runs write jobs in order."""

    _submit = Signal(int)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._callbacks: dict[int, tuple[Callable[[Any], None], Callable[[Exception], None]]] = {}
        self._jobs: dict[int, Callable[[], Any]] = {}
        self._idle = threading.Condition()
        self._outstanding = 0
        self._thread = QThread()
        self._thread.setObjectName("shopper-writer")
        self._worker = _WriterWorker(self._jobs, self._job_finished)
        self._worker.moveToThread(self._thread)
        self._submit.connect(self._worker.run)
        self._worker.done.connect(self._finished)
        self._thread.start()

    def submit(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        self._jobs[job_id] = job
        with self._idle:
            self._outstanding += 1
        self._submit.emit(job_id)

    def _job_finished(self) -> None:
        """Called on the worker thread once a job's result is posted."""
        with self._idle:
            self._outstanding -= 1
            self._idle.notify_all()

    @Slot(int, object, object)
    def _finished(self, job_id: int, result: Any, error: Exception | None) -> None:
        on_done, on_error = self._callbacks.pop(job_id)
        del self._jobs[job_id]
        if error is not None:
            on_error(error)
        else:
            on_done(result)

    def wait_idle(self, timeout_s: float = 30.0) -> None:
        """Block until no job is running or queued, then deliver their results now."""
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self._outstanding and time.monotonic() < deadline:
                self._idle.wait(max(0.0, deadline - time.monotonic()))
        QCoreApplication.sendPostedEvents(self)

    def stop(self) -> None:
        self.wait_idle()
        self._thread.quit()
        self._thread.wait()


_writer: Writer | None = None


def app_writer() -> Writer:
    """The app-wide writer, created on first use and stopped when the app quits."""
    global _writer
    if _writer is None:
        _writer = Writer()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(stop_app_writer)
    return _writer


def stop_app_writer() -> None:
    global _writer
    if _writer is not None:
        _writer.stop()
        _writer = None


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
        """Save now, on this thread, after the save in flight; raises if saving fails.

        Saves even while paused (the caller is there to handle a conflict itself)."""
        self._timer.stop()
        self.writer.wait_idle()
        if not self.dirty:
            return None
        data = self._save(self._snapshot(), self.row_version)
        self.dirty = False
        self.paused = self.held = False
        self.row_version = data.row_version
        self.saved.emit(data)
        self.state_changed.emit("saved")
        return data
