"""The UI's one way to reach the core, in the manner of Anki's aqt/operations.

- `query(ctx, op, on_done)` — a read (QueryOp): `op(db)` runs on a background thread and
  `on_done(result)` gets its plain-data result on the UI thread.
- `write(ctx, op, changes, on_done)` — a write (CollectionOp): `op(db)` runs on the app's one
  writer thread (ui.operations.writer), one write at a time; on the UI thread the context
  then announces `changes` (a typed `Change`) and `on_done(result)` runs.
- `write_now(ctx, op, changes)` — the same write, waited for: for a step that needs its
  result at once (a dialog's OK, closing a window). It still runs on the writer.
- `long_query` / `long_write` — jobs with progress and Cancel (exports, batches; imports,
  restores): `op(db, progress, cancelled)` with shopper.jobs' callback types.
- `read_now(ctx, op)` — a small read the UI thread needs before it can draw (opening a
  window on one evaluation). Lists and pages load with `query`.

Errors come back one way: `on_error(exception)` if given, else a dialog in plain words
(ui.errors). Only plain data crosses threads: ops take the `Database` and return the core's
frozen dataclasses; widgets stay on the UI thread. Nothing else in ui/ starts threads,
touches SQL or the ORM, or subclasses QThread (tests/ui/test_operations.py checks it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEventLoop, QThread
from PySide6.QtWidgets import QWidget

from shopper.jobs import Cancelled, CancelledFn, ProgressFn
from shopper.storage.db import Database
from ui.errors import show_error
from ui.operations.background import TaskHandle
from ui.operations.changes import Change

if TYPE_CHECKING:
    from ui.context import AppContext

T = TypeVar("T")
Changes = Change | Callable[[Any], Change]
"""What a write changed: fixed, or worked out from its result (e.g. an import summary)."""


def _changes_of(changes: Changes, result: object) -> Change:
    return changes if isinstance(changes, Change) else changes(result)


def _reporter(
    title: str, parent: QWidget | None, on_error: Callable[[Exception], None] | None
) -> Callable[[BaseException], None]:
    def report(error: BaseException) -> None:
        if isinstance(error, Cancelled):
            return
        if on_error is not None and isinstance(error, Exception):
            on_error(error)
        else:
            show_error(parent, title, error)

    return report


def query(
    ctx: AppContext,
    op: Callable[[Database], T],
    on_done: Callable[[T], None],
    *,
    on_error: Callable[[Exception], None] | None = None,
    parent: QWidget | None = None,
    title: str = "Loading",
) -> TaskHandle:
    """Read in the background; `on_done(result)` on the UI thread."""
    db = ctx.db

    def job(_progress: ProgressFn, _cancelled: CancelledFn) -> T:
        return op(db)

    return ctx.tasks.run(
        title,
        job,
        on_done=on_done,
        on_error=_reporter(title, parent, on_error),
        parent_widget=parent,
        show_progress=False,
    )


def long_query(
    ctx: AppContext,
    title: str,
    op: Callable[[Database, ProgressFn, CancelledFn], T],
    on_done: Callable[[T], None],
    *,
    on_error: Callable[[Exception], None] | None = None,
    parent: QWidget | None = None,
    show_progress: bool = True,
) -> TaskHandle:
    """A long read (an export, a batch of PDFs) with a progress dialog and Cancel."""
    db = ctx.db

    def job(progress: ProgressFn, cancelled: CancelledFn) -> T:
        return op(db, progress, cancelled)

    return ctx.tasks.run(
        title,
        job,
        on_done=on_done,
        on_error=_reporter(title, parent, on_error),
        parent_widget=parent,
        show_progress=show_progress,
    )


def write(
    ctx: AppContext,
    op: Callable[[Database], T],
    changes: Changes,
    on_done: Callable[[T], None] | None = None,
    *,
    on_error: Callable[[Exception], None] | None = None,
    parent: QWidget | None = None,
    title: str = "The change could not be saved",
) -> None:
    """Write on the app's writer; then announce `changes` and call `on_done(result)`."""
    db = ctx.db

    def done(result: T) -> None:
        ctx.announce(_changes_of(changes, result))
        if on_done is not None:
            on_done(result)

    ctx.writer.submit(lambda: op(db), done, _reporter(title, parent, on_error))


def write_now(ctx: AppContext, op: Callable[[Database], T], changes: Changes) -> T:
    """Write on the app's writer and wait for it; announce `changes`; errors are raised."""
    db = ctx.db
    result = ctx.writer.call(lambda: op(db))
    ctx.announce(_changes_of(changes, result))
    return result


def long_write(
    ctx: AppContext,
    title: str,
    op: Callable[[Database, ProgressFn, CancelledFn], T],
    changes: Changes,
    on_done: Callable[[T], None] | None = None,
    *,
    on_error: Callable[[Exception], None] | None = None,
    parent: QWidget | None = None,
) -> TaskHandle:
    """A long write (an import, a restore) on the writer, with a progress dialog and Cancel."""
    db = ctx.db

    def job(progress: ProgressFn, cancelled: CancelledFn) -> T:
        return op(db, progress, cancelled)

    def done(result: T) -> None:
        ctx.announce(_changes_of(changes, result))
        if on_done is not None:
            on_done(result)

    return ctx.tasks.run(
        title,
        job,
        on_done=done,
        on_error=_reporter(title, parent, on_error),
        parent_widget=parent,
        writer=ctx.writer,
    )


def read_now(ctx: AppContext, op: Callable[[Database], T]) -> T:
    """A small read the UI thread needs before it can go on (errors are raised)."""
    return op(ctx.db)


def finish(ctx: AppContext, timeout_s: float = 30.0) -> None:
    """Let background jobs end and deliver their results, then stop the writer (at quit
    and in test teardown). Results come back through the event loop, so events are
    processed meanwhile: a job's thread ends with the job, but its `on_done` needs the loop."""
    deadline = time.monotonic() + timeout_s
    while (ctx.tasks.busy or ctx.writer.busy) and time.monotonic() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        QThread.msleep(5)
    ctx.tasks.wait_all(1000)
    ctx.stop()


__all__ = [
    "Change",
    "finish",
    "long_query",
    "long_write",
    "query",
    "read_now",
    "write",
    "write_now",
]
