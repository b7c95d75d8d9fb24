"""Jobs off the UI thread, with progress and Cancel: reads on their own worker threads,
writes on the app's one writer (ui/operations/writer.py). Used through ui.operations.

A job is a plain function `job(progress, cancelled)` (shopper.jobs): it calls
`progress(done, total)` now and then and checks `cancelled()` between steps (raising
`shopper.jobs.Cancelled`, or returning early). Results and errors come back to the UI thread
through queued signals to bound slots — never touch widgets from the worker. Tests can set
`TaskRunner.synchronous = True` (reads then run inline; writes still go to the writer).

Python objects owned by a job (its closure, often holding a widget) are released on the UI
thread, never on the worker: the task keeps them until the worker thread has ended. A Qt
object freed on a worker thread can deadlock the UI thread (see ui/gc_guard.py).
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from shopper.jobs import Cancelled, CancelledFn, ProgressFn
from ui.operations.writer import Writer

Job = Callable[[ProgressFn, CancelledFn], Any]


class _Worker(QObject):
    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(object)

    def __init__(self, job: Job, cancel_event: threading.Event) -> None:
        super().__init__()
        self.job: Job | None = job
        self.cancel_event = cancel_event

    @Slot()
    def run(self) -> None:
        try:
            job = self.job
            assert job is not None
            result = job(self.progressed.emit, self.cancel_event.is_set)
            del job
        except BaseException as exc:  # reported on the UI thread
            traceback.clear_frames(exc.__traceback__)  # its locals must not die here
            self.failed.emit(exc)
        else:
            self.succeeded.emit(result)
        finally:
            # The thread ends as soon as the job does, so `wait_all` never depends on the
            # UI thread first handling the result (it may be the one waiting).
            own_thread = self.thread()
            if own_thread is not None:
                own_thread.quit()


@dataclass
class TaskHandle:
    """A running job: `cancel()` asks it to stop; `done` is set when it has finished."""

    title: str
    cancel_event: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    cancelled_by_user: bool = False

    def cancel(self) -> None:
        self.cancelled_by_user = True
        self.cancel_event.set()


class _Task(QObject):
    """Owns one worker thread (or a place in the writer's queue) and its progress dialog;
    lives on the UI thread."""

    finished = Signal()
    _progressed = Signal(int, int)

    def __init__(
        self,
        runner: TaskRunner,
        title: str,
        job: Job,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        parent_widget: QWidget | None,
        show_progress: bool,
        writer: Writer | None = None,
    ) -> None:
        super().__init__(runner)
        self.handle = TaskHandle(title)
        self.on_done, self.on_error = on_done, on_error
        self.dialog: QProgressDialog | None = None
        if show_progress:
            self.dialog = QProgressDialog(title, "Cancel", 0, 0, parent_widget)
            self.dialog.setWindowTitle(title)
            self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
            self.dialog.setMinimumDuration(300)
            self.dialog.setAutoClose(False)
            self.dialog.setAutoReset(False)
            self.dialog.canceled.connect(self._cancel)
        self._writer = writer
        self._job: Job | None = job
        self._thread: QThread | None = None
        self.worker: _Worker | None = None
        if writer is None:
            self._thread = QThread()
            self.worker = _Worker(job, self.handle.cancel_event)
            self.worker.moveToThread(self._thread)
            self._thread.started.connect(self.worker.run)
            self.worker.progressed.connect(self._progress)
            self.worker.succeeded.connect(self._succeeded)
            self.worker.failed.connect(self._failed)
        else:
            self._progressed.connect(self._progress)

    def start(self) -> None:
        if self._thread is not None:
            self._thread.start()
        elif self._writer is not None:
            self._writer.submit(self._run_on_writer, self._succeeded, self._failed)

    def _run_on_writer(self) -> object:
        """Runs on the writer thread: only the job, and progress through a queued signal."""
        job = self._job
        assert job is not None
        return job(self._progressed.emit, self.handle.cancel_event.is_set)

    def wait(self, timeout_ms: int) -> bool:
        """Block until the job has ended (True) or the timeout passed."""
        if self._thread is not None:
            return self._thread.wait(timeout_ms)
        if self._writer is not None:
            self._writer.wait_idle(timeout_ms / 1000)
        return self.handle.done.is_set()

    @Slot()
    def _cancel(self) -> None:
        self.handle.cancel()
        if self.dialog is not None:
            self.dialog.setLabelText("Cancelling…")

    @Slot(int, int)
    def _progress(self, done: int, total: int) -> None:
        if self.dialog is not None and not self.handle.cancelled_by_user:
            self.dialog.setMaximum(max(total, 0))
            self.dialog.setValue(min(done, total) if total > 0 else 0)

    @Slot(object)
    def _succeeded(self, result: object) -> None:
        self._finish()
        if self.on_done is not None:
            self.on_done(result)

    @Slot(object)
    def _failed(self, error: object) -> None:
        parent = self.dialog.parentWidget() if self.dialog is not None else None
        self._finish()
        assert isinstance(error, BaseException)
        if isinstance(error, Cancelled):
            return
        if self.on_error is not None:
            self.on_error(error)
        else:
            from ui.errors import show_error

            show_error(parent, self.handle.title, error)

    def _finish(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        if self.worker is not None:
            self.worker.job = None  # the job's closure is released here, on the UI thread
        self._job = None
        if self.dialog is not None:
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None
        self.handle.done.set()
        self.finished.emit()


class TaskRunner(QObject):
    """Starts jobs on worker threads; keeps them alive until they finish."""

    synchronous = False
    """When True (tests), jobs run inline on the calling thread."""

    all_finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: list[_Task] = []

    def run(
        self,
        title: str,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        parent_widget: QWidget | None = None,
        show_progress: bool = True,
        writer: Writer | None = None,
    ) -> TaskHandle:
        """Run `job` on a worker thread, or on `writer` (the app's one writer) if given."""
        if self.synchronous and writer is None:
            return self._run_inline(title, job, on_done, on_error, parent_widget)
        task = _Task(self, title, job, on_done, on_error, parent_widget, show_progress, writer)
        self._running.append(task)
        task.finished.connect(self._forget)
        task.start()
        return task.handle

    def _run_inline(
        self,
        title: str,
        job: Job,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        parent_widget: QWidget | None,
    ) -> TaskHandle:
        handle = TaskHandle(title)
        try:
            result = job(lambda _d, _t: None, handle.cancel_event.is_set)
        except Cancelled:
            pass
        except Exception as exc:
            if on_error is not None:
                on_error(exc)
            else:
                from ui.errors import show_error

                show_error(parent_widget, title, exc)
        else:
            if on_done is not None:
                on_done(result)
        handle.done.set()
        return handle

    @Slot()
    def _forget(self) -> None:
        for task in self._running:
            if task.handle.done.is_set():
                task.deleteLater()  # its thread has ended; freed on this (UI) thread
        self._running = [t for t in self._running if not t.handle.done.is_set()]
        if not self._running:
            self.all_finished.emit()

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def cancel_all(self) -> None:
        for task in self._running:
            task.handle.cancel()

    def wait_all(self, timeout_ms: int = 30000) -> None:
        """Block until every worker thread has stopped (at shutdown and in test teardown)."""
        for task in list(self._running):
            task.wait(timeout_ms)
