"""The log file in the user data folder, where unexpected errors are written in full."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path


def log_path() -> Path:
    from platformdirs import user_log_path

    folder = user_log_path("Shopper", appauthor=False)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "shopper.log"


def log_exception(exc: BaseException) -> Path:
    """Append the traceback of `exc` to the log file and return its path."""
    path = log_path()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("shopper.unexpected")
    logger.addHandler(handler)
    try:
        logger.error("unexpected error\n%s", "".join(traceback.format_exception(exc)).rstrip())
    finally:
        logger.removeHandler(handler)
        handler.close()
    return path
