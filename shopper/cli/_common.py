"""What every command shares: opening the database, argument types, the error policy."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shopper.storage.db import Database

Handler = Callable[[argparse.Namespace], int]
log = logging.getLogger("shopper")


def date_arg(text: str) -> dt.date:
    """An ISO date argument (2026-11-20); a bad one is a usage error (exit 2)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-20") from None


def open_db(args: argparse.Namespace) -> Database:
    """Open (creating or upgrading) the database; a new one gets the default rubric."""
    from shopper.services.rubrics import ensure_default_rubric
    from shopper.storage.db import open_database

    db = open_database(args.db)
    try:
        ensure_default_rubric(db)
    except BaseException:
        db.close()
        raise
    return db


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def error(message: str) -> int:
    """One line on stderr, exit code 1: a problem the user can fix."""
    print(f"shopper: error: {message}", file=sys.stderr)
    return 1


def run_handler(args: argparse.Namespace) -> int:
    from shopper.errors import ShopperError

    handler: Handler = args.handler
    try:
        return handler(args)
    except ShopperError as exc:
        return error(str(exc))
    except KeyboardInterrupt:
        return error("interrupted; nothing more was written")
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last line of defence: log it, never show a traceback
        from shopper.logs import log_exception

        where = log_exception(exc)
        summary = (str(exc).strip().splitlines() or [""])[0][:200]
        return error(f"unexpected problem ({type(exc).__name__}: {summary}); details in {where}")
