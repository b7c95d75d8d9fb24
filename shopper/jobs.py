"""Long jobs, defined once for the core, the CLI and the desktop app alike.

A long job (an import, an export, a batch of PDFs, a rescore) takes two callbacks:
`progress(done, total)`, called now and then, and `cancelled()`, checked between steps. A job
that notices `cancelled()` stops, leaves nothing half-written, and raises `Cancelled` (or, if
part of its work is kept on purpose, returns a result that says what was and was not done).

The UI runs such jobs in the background (ui/operations) and passes callbacks that report to
a progress dialog; the CLI passes `no_progress` / `never_cancelled` or its own bar.
"""

from __future__ import annotations

from collections.abc import Callable

from shopper.errors import ShopperError

ProgressFn = Callable[[int, int], None]
"""`progress(done, total)`: `done` of `total` steps are finished (total 0: not known)."""

CancelledFn = Callable[[], bool]
"""`cancelled()`: True once the user asked the job to stop."""


class Cancelled(ShopperError):
    """The user stopped a long job; what it was writing was not kept."""


def no_progress(_done: int, _total: int) -> None:
    """A `ProgressFn` for callers that show no progress."""
    return None


def never_cancelled() -> bool:
    """A `CancelledFn` for callers that cannot cancel."""
    return False


__all__ = ["Cancelled", "CancelledFn", "ProgressFn", "never_cancelled", "no_progress"]
