"""Background work (ui.operations): results on the UI thread, Cancel, one serial writer, and
a clean shutdown."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from shopper.jobs import Cancelled
from ui.operations.background import TaskRunner
from ui.operations.writer import Writer


def test_result_arrives_on_the_ui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    seen: list[tuple[object, bool]] = []
    worker_threads: list[threading.Thread] = []

    def job(progress, cancelled):  # type: ignore[no-untyped-def]
        worker_threads.append(threading.current_thread())
        progress(1, 2)
        return 42

    runner.run(
        "Answer",
        job,
        on_done=lambda r: seen.append((r, QThread.currentThread().isMainThread())),
        show_progress=False,
    )
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [(42, True)]
    assert worker_threads[0] is not threading.main_thread()
    runner.wait_all()


def test_wait_all_does_not_need_the_ui_thread_to_deliver_results(qtbot: QtBot) -> None:
    """At shutdown the UI thread blocks in wait_all before results are delivered: the
    worker threads must still stop."""
    runner = TaskRunner()
    started = threading.Event()

    def job(progress, cancelled):  # type: ignore[no-untyped-def]
        started.set()
        return "done"

    runner.run("Quick", job, show_progress=False)
    assert started.wait(5)
    runner.wait_all(timeout_ms=5000)
    assert all(task.wait(0) for task in runner._running)
    qtbot.waitUntil(lambda: not runner.busy)


def test_cancel_stops_a_job_and_reports_nothing(qtbot: QtBot) -> None:
    runner = TaskRunner()
    results: list[object] = []
    errors: list[BaseException] = []
    running = threading.Event()

    def job(progress, cancelled):  # type: ignore[no-untyped-def]
        running.set()
        while not cancelled():
            threading.Event().wait(0.01)
        raise Cancelled

    handle = runner.run(
        "Long", job, on_done=results.append, on_error=errors.append, show_progress=False
    )
    assert running.wait(5)
    handle.cancel()
    qtbot.waitUntil(lambda: handle.done.is_set())
    assert results == [] and errors == []
    runner.wait_all()


class _Tracked:
    """Records the thread that releases it."""

    released_on: ClassVar[list[threading.Thread]] = []

    def __del__(self) -> None:
        self.released_on.append(threading.current_thread())


def test_a_jobs_closure_is_released_on_the_ui_thread(qtbot: QtBot) -> None:
    """Whatever a job holds (often a widget) must not be freed on the worker thread: a Qt
    object destroyed there can deadlock the UI thread."""
    _Tracked.released_on.clear()
    runner = TaskRunner()
    done: list[object] = []

    def make_job() -> Callable[[object, object], str]:
        held = _Tracked()

        def job(progress: object, cancelled: object) -> str:
            assert held is not None
            return "plain data"

        return job

    runner.run("Quick", make_job(), on_done=done.append, show_progress=False)
    qtbot.waitUntil(lambda: done == ["plain data"] and not runner.busy)
    qtbot.waitUntil(lambda: bool(_Tracked.released_on))
    assert _Tracked.released_on == [threading.main_thread()]


def test_the_writer_releases_its_jobs_on_the_ui_thread(qtbot: QtBot) -> None:
    _Tracked.released_on.clear()
    writer = Writer()
    done: list[object] = []

    def make_job() -> Callable[[], bool]:
        held = _Tracked()
        return lambda: held is not None

    writer.submit(make_job(), done.append, done.append)
    qtbot.waitUntil(lambda: done == [True])
    writer.stop()
    assert _Tracked.released_on == [threading.main_thread()]


def test_garbage_is_collected_on_the_ui_thread_only(qtbot: QtBot) -> None:
    import gc

    from PySide6.QtWidgets import QApplication

    from ui.gc_guard import install_gc_guard

    guard = install_gc_guard()
    assert not gc.isenabled()
    assert guard.parent() is QApplication.instance()
    collected_on: list[threading.Thread] = []

    def note(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collected_on.append(threading.current_thread())

    gc.callbacks.append(note)
    try:
        stop = threading.Event()

        def churn() -> None:  # makes cyclic garbage on a worker thread
            while not stop.is_set():
                for _ in range(2000):
                    a: list[object] = []
                    a.append(a)

        worker = threading.Thread(target=churn)
        worker.start()
        qtbot.wait(1500)
        stop.set()
        worker.join()
        guard.collect_if_due()
    finally:
        gc.callbacks.remove(note)
    assert collected_on, "the guard never collected"
    assert set(collected_on) == {threading.main_thread()}


def test_long_writes_run_on_the_one_writer_with_progress_and_cancel(qtbot: QtBot) -> None:
    runner, writer = TaskRunner(), Writer()
    ran_on: list[str] = []
    done: list[object] = []
    order: list[str] = []

    def job(progress, cancelled):  # type: ignore[no-untyped-def]
        ran_on.append(QThread.currentThread().objectName())
        order.append("long")
        progress(1, 2)
        return "imported"

    writer.submit(lambda: order.append("save first"), lambda _r: None, done.append)
    handle = runner.run("Importing", job, on_done=done.append, writer=writer, show_progress=False)
    qtbot.waitUntil(lambda: done == ["imported"] and not runner.busy)
    assert ran_on == ["shopper-writer"] and order == ["save first", "long"]
    assert handle.done.is_set()

    def cancelled_job(progress, cancelled):  # type: ignore[no-untyped-def]
        while not cancelled():
            QThread.msleep(5)
        raise Cancelled("stopped")

    errors: list[BaseException] = []
    handle = runner.run(
        "Importing", cancelled_job, on_error=errors.append, writer=writer, show_progress=False
    )
    handle.cancel()
    qtbot.waitUntil(lambda: handle.done.is_set())
    assert errors == []  # a cancel is not an error
    writer.stop()


def test_the_writer_call_waits_and_raises_here(qtbot: QtBot) -> None:
    writer = Writer()
    assert writer.call(lambda: QThread.currentThread().objectName()) == "shopper-writer"

    def failing() -> None:
        raise ValueError("no")

    try:
        writer.call(failing)
    except ValueError as exc:
        assert str(exc) == "no"
    else:
        raise AssertionError("the error must come back to the caller")
    writer.stop()


def test_a_stopped_writer_refuses_new_work(qtbot: QtBot) -> None:
    writer = Writer()
    writer.stop()
    try:
        writer.call(lambda: "late")
    except RuntimeError as exc:
        assert "stopped" in str(exc)
    else:
        raise AssertionError("a stopped writer must say so, not wait")
