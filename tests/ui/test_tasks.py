"""The background task runner: results on the UI thread, Cancel, and a clean shutdown."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from ui.tasks import Cancelled, TaskRunner


def test_result_arrives_on_the_ui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
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


def test_wait_all_does_not_need_the_ui_thread_to_deliver_results(qtbot) -> None:  # type: ignore[no-untyped-def]
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
    assert all(task.thread.isFinished() for task in runner._running)
    qtbot.waitUntil(lambda: not runner.busy)


def test_cancel_stops_a_job_and_reports_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
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
