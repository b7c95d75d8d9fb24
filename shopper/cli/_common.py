"""What every command shares: opening the database, argument types, the error policy."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shopper.storage.db import Database

Handler = Callable[[argparse.Namespace], int]
log = logging.getLogger("shopper")

DB_HELP = "SQLite file path or SQLAlchemy database URL (before or after the command)"
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def date_arg(text: str) -> dt.date:
    """An ISO date argument (2026-11-20); a bad one is a usage error (exit 2)."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    shaped = _ISO_DATE.fullmatch(text.strip())
    if shaped is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-20")
    year, month, day = (int(part) for part in shaped.groups())
    if year < dt.MINYEAR:
        reason = "there is no year 0"
    elif not 1 <= month <= 12:
        reason = f"there is no month {month}; months go from 01 to 12"
    elif day < 1:
        reason = "days start at 01"
    else:
        import calendar

        days = calendar.monthrange(year, month)[1]
        reason = f"{_MONTHS[month - 1]} has {days} days in {year}"
    raise argparse.ArgumentTypeError(f"{text.strip()} is not a real date ({reason})")


def positive_int(text: str) -> int:
    """A whole number of 1 or more (e.g. --workers); anything else is a usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too small; give 1 or more")
    return value


def count_arg(text: str) -> int:
    """A whole number of 0 or more (how many things to make)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; give 0 or more")
    return value


def _named_sqlite_file(value: str) -> Path | None:
    """The SQLite file a --db/$SHOPPER_DB value names, or None (a server URL, :memory:)."""
    if "://" not in value:
        return Path(value).expanduser()
    if not value.lower().startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        database = make_url(value).database
    except ArgumentError:
        return None  # open_database explains what is wrong with the URL
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def check_database_exists(args: argparse.Namespace) -> None:
    """Refuse a SQLite file named with --db or $SHOPPER_DB that does not exist.

    A mistyped path would otherwise become a new, empty database and every command would
    answer as if nothing matched. Only `init`, `restore` and `demo-data` (which build a
    database) may create one; the default database in the user data folder (no --db, no
    $SHOPPER_DB) is created by any command, as the app does on its first start.
    """
    from shopper.errors import DatabaseError

    given: str | None = getattr(args, "db", None)
    source = "--db"
    if not given:
        given, source = os.environ.get("SHOPPER_DB") or "", "SHOPPER_DB"
    if not given.strip():
        return
    path = _named_sqlite_file(given)
    if path is None or path.exists():
        return
    where = path.resolve()
    create = f"shopper --db {shlex.quote(given)} init" if source == "--db" else "shopper init"
    raise DatabaseError(f"no database at {where}; check {source}, or create it with `{create}`")


def open_db(args: argparse.Namespace, *, create: bool = False) -> Database:
    """Open (upgrading if needed) the database; a new one gets the default rubric.

    Without `create`, a SQLite file named by --db or $SHOPPER_DB must already exist.
    """
    from shopper.services.rubrics import ensure_default_rubric
    from shopper.storage.db import open_database

    if not create:
        check_database_exists(args)
    db = open_database(args.db)
    try:
        ensure_default_rubric(db)
    except BaseException:
        db.close()
        raise
    return db


def check_output_file(path: Path, example: str) -> None:
    """Refuse an output path that is a folder, before any work is done."""
    from shopper.errors import ShopperError

    if path.is_dir():
        raise ShopperError(f"{path} is a folder; give a file name such as {path / example}")


def property_id_of(db: Database, name: str) -> str:
    """The id of the property called `name`; an unknown name says where to look."""
    from shopper.errors import NotFoundError
    from shopper.services.properties import list_properties, normalize_name

    wanted = normalize_name(name)
    for prop in list_properties(db):
        if normalize_name(prop.name) == wanted:
            return prop.id
    raise NotFoundError(f"there is no property called {name!r}; see `shopper properties list`")


def check_names(
    db: Database, property_name: str | None = None, agent_names: Sequence[str] = ()
) -> None:
    """Refuse a --property or --agent name that matches nothing, saying where to look.

    Names match whole, ignoring case and extra spaces (as every filter does).
    """
    from shopper.errors import NotFoundError
    from shopper.services.agents import list_agents
    from shopper.services.properties import normalize_name

    property_id = property_id_of(db, property_name) if property_name is not None else None
    if not agent_names:
        return
    known = {normalize_name(a.name) for a in list_agents(db, property_id)}
    for name in agent_names:
        if normalize_name(name) in known:
            continue
        if property_name is not None:
            raise NotFoundError(
                f"there is no agent called {name!r} at {property_name!r}; see "
                f"`shopper agents list --property {shlex.quote(property_name)}`"
            )
        raise NotFoundError(f"there is no agent called {name!r}; see `shopper agents list`")


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
