"""The log file in the user data folder, where unexpected errors are written.

The log holds no personal data: it is readable by its owner only (0600, in a 0700 folder),
and an error is written as its traceback (where in the code it happened) with each
exception's type, but never its message, which can quote names, comments or SQL parameter
values. What is kept of a database error is what identifies it without data: the SQL
statement as written in the code (values are bound parameters, never part of it), the
SQLSTATE or SQLite error name."""

from __future__ import annotations

import contextlib
import logging
import traceback
from pathlib import Path

MAX_STATEMENT_CHARS = 2000


def log_path() -> Path:
    from platformdirs import user_log_path

    from shopper.fileio import private_folder

    folder = private_folder(user_log_path("Shopper", appauthor=False))
    return folder / "shopper.log"


def _open_private(path: Path) -> None:
    from shopper.fileio import create_private_file, make_private

    with contextlib.suppress(FileExistsError):
        create_private_file(path)
    make_private(path)


def log_exception(exc: BaseException) -> Path:
    """Append a description of `exc` without personal data (see the module) to the log
    file and return its path."""
    path = log_path()
    _open_private(path)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("shopper.unexpected")
    logger.addHandler(handler)
    try:
        logger.error("unexpected error\n%s", describe_exception(exc))
    finally:
        logger.removeHandler(handler)
        handler.close()
    return path


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it came from, oldest first (as Python prints them)."""
    found: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__suppress_context__:
            current = None
        else:
            current = current.__context__
    found.reverse()
    return found


def describe_exception(exc: BaseException) -> str:
    """The traceback of `exc` and of the exceptions behind it, without their messages."""
    lines: list[str] = []
    for number, item in enumerate(_chain(exc)):
        if number:
            lines.append("\nwhich led to:\n")
        lines.append("Traceback (most recent call last):\n")
        lines.extend(traceback.format_list(traceback.extract_tb(item.__traceback__)))
        lines.append(summarize(item) + "\n")
    return "".join(lines).rstrip()


def summarize(exc: BaseException) -> str:
    """The type of `exc` with what identifies it without data: SQLSTATE, SQLite error name,
    errno, the SQL statement; the message is withheld."""
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    parts = [name]
    orig = getattr(exc, "orig", None)
    for source in (exc, orig):
        if source is None:
            continue
        for attribute in ("sqlstate", "sqlite_errorname"):
            value = getattr(source, attribute, None)
            if isinstance(value, str) and value:
                parts.append(f"{attribute}={value}")
    if orig is not None:
        parts.append(f"from {type(orig).__module__}.{type(orig).__qualname__}")
    if isinstance(exc, OSError) and exc.errno is not None:
        import errno

        parts.append(f"errno={errno.errorcode.get(exc.errno, exc.errno)}")
    message = str(exc)
    parts.append(f"(message withheld: {len(message)} characters)")
    statement = getattr(exc, "statement", None)
    if isinstance(statement, str) and statement:
        parts.append(f"\nSQL: {statement[:MAX_STATEMENT_CHARS]}")
    return " ".join(parts)
