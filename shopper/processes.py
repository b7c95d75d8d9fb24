"""Worker processes that end when the process that started them ends.

A worker started by `shopper import` or `shopper scorecards` must not outlive its parent
after a kill -9. On Linux the kernel sends the worker SIGTERM when its parent dies
(``PR_SET_PDEATHSIG``); elsewhere a daemon thread polls the parent's pid.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def die_with_parent(poll_seconds: float = 1.0) -> None:
    """Call first thing in a worker process: the worker ends when its parent does."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            pass
        # The parent may have died before prctl took effect.
        if os.getppid() != parent:
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent, poll_seconds), daemon=True).start()


def _watch_parent(parent: int, poll_seconds: float) -> None:
    while True:
        time.sleep(poll_seconds)
        if os.getppid() != parent:
            os._exit(1)
