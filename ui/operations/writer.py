"""The app's one database-writing thread (Anki's single collection worker).

Every write the UI makes runs here, one job at a time, in the order given: autosaves, status
changes, new evaluations, rubric saves, directory commands, imports and restores. Results
and errors come back to the UI thread through a queued signal (never touch widgets from the
worker). Only the job's id crosses threads: the job itself (a closure that may hold Qt
objects) stays in the writer's table and is dropped on the UI thread, never on the worker
(a Qt object freed on a worker thread can deadlock the UI thread: see ui/gc_guard.py).

`call(job)` runs a job on the writer and waits for it: for the few writes whose result the
very next step needs (closing a window, a status change), still serial with all the others.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

T = TypeVar("T")


class _WriterWorker(QObject):
    done = Signal(int, object, object)  # job id, result, error

    def __init__(self, jobs: dict[int, Callable[[], Any]], finished: Callable[[], None]) -> None:
        super().__init__()
        self._jobs = jobs
        self._finished = finished

    @Slot(int)
    def run(self, job_id: int) -> None:
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
        self._stopped = False
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
        """Queue `job`; `on_done(result)` or `on_error(exception)` runs on the UI thread."""
        if self._stopped:
            raise RuntimeError("the writer has stopped; nothing more can be saved")
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error)
        self._jobs[job_id] = job
        with self._idle:
            self._outstanding += 1
        self._submit.emit(job_id)

    def call(self, job: Callable[[], T]) -> T:
        """Run `job` on the writer after what is queued, wait for it, and return its result
        (or raise its error) here."""
        box: dict[str, Any] = {}

        def keep_result(result: Any) -> None:
            box["result"] = result

        def keep_error(error: Exception) -> None:
            box["error"] = error

        self.submit(job, keep_result, keep_error)
        self.wait_idle()
        if "error" in box:
            raise box["error"]
        if "result" not in box:
            raise TimeoutError("the database writer did not finish in time")
        return box["result"]  # type: ignore[no-any-return]

    def _job_finished(self) -> None:
        """Called on the worker thread once a job's result is posted."""
        with self._idle:
            self._outstanding -= 1
            self._idle.notify_all()

    @Slot(int, object, object)
    def _finished(self, job_id: int, result: Any, error: Exception | None) -> None:
        on_done, on_error = self._callbacks.pop(job_id)
        del self._jobs[job_id]  # the job's closure is released here, on the UI thread
        if error is not None:
            on_error(error)
        else:
            on_done(result)

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def wait_idle(self, timeout_s: float = 30.0) -> None:
        """Block until no job is running or queued, then deliver their results now."""
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self._outstanding and time.monotonic() < deadline:
                self._idle.wait(max(0.0, deadline - time.monotonic()))
        QCoreApplication.sendPostedEvents(self)

    def stop(self) -> None:
        self._stopped = True
        self.wait_idle()
        self._thread.quit()
        self._thread.wait()


__all__ = ["Writer"]
