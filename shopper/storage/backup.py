"""SQLite backups with the online backup API (safe while the app is open; a file copy is not:
it can miss what is still in the WAL).

The source is read through a read-only connection, never written. A live database is
copied a slice at a time (progress can be shown, writers are not held up); when the copy
keeps restarting (a source whose `-shm` cannot be written restarts at every slice, and a
busy one may too) it is copied in one step instead, and a source that stays busy ends
with an error after a bounded wait rather than spinning.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from shopper.errors import DatabaseError
from shopper.fileio import (
    create_private_file,
    make_private,
    private_folder,
    remove_temp,
    sweep_temp_files,
    temp_path,
)

KEEP_BACKUPS = 5
STEP_PAGES = 1024
MAX_RESTARTS = 3
"""Restarts of a sliced copy before it is redone in one step."""
BUSY_SLEEP_SECONDS = 0.1
BUSY_LIMIT_SECONDS = 30.0
"""How long a source may stay locked by another program before the copy gives up."""

_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_SQLITE_READONLY, _SQLITE_CANTOPEN = 8, 14

Progress = Callable[[int, int], None]


class _Restarting(Exception):
    """The sliced copy keeps starting over."""


class _Busy(Exception):
    """The source stayed locked by another program."""


def wal_is_empty(path: Path) -> bool:
    wal = path.with_name(f"{path.name}-wal")
    try:
        return wal.stat().st_size == 0
    except FileNotFoundError:
        return True


def connect_read_only(path: Path, timeout: float = 5.0) -> tuple[sqlite3.Connection, bool]:
    """A connection that cannot write `path`, and whether it is immutable.

    `mode=ro` reads the database and its write-ahead log. In a folder that cannot be
    written, a WAL database without its `-shm` cannot be opened that way; if there is no
    log content it is read as `immutable` (nobody can write there, so nothing changes)."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=timeout, check_same_thread=False)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn, False
    except sqlite3.OperationalError as exc:
        conn.close()
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code not in (_SQLITE_READONLY, _SQLITE_CANTOPEN) or not wal_is_empty(path):
            raise
    conn = sqlite3.connect(
        f"{uri}?mode=ro&immutable=1", uri=True, timeout=timeout, check_same_thread=False
    )
    return conn, True


def is_read_only(path: Path) -> bool:
    """True when this process cannot write the database file, its folder or its `-shm`."""
    shm = path.with_name(f"{path.name}-shm")
    return (
        not os.access(path, os.W_OK)
        or not os.access(path.parent, os.W_OK)
        or (shm.exists() and not os.access(shm, os.W_OK))
    )


def copy_pages(
    src: sqlite3.Connection,
    out: sqlite3.Connection,
    *,
    one_step: bool,
    progress: Progress | None = None,
) -> None:
    """Copy the database of `src` into `out` with the backup API, bounded in time."""
    if not one_step:
        try:
            _backup(src, out, STEP_PAGES, progress)
            return
        except _Restarting:
            pass
    _backup(src, out, -1, progress)


def _backup(
    src: sqlite3.Connection, out: sqlite3.Connection, pages: int, progress: Progress | None
) -> None:
    last: int | None = None
    restarts = 0
    busy_since: float | None = None

    def report(status: int, remaining: int, total: int) -> None:
        nonlocal last, restarts, busy_since
        if status in (_SQLITE_BUSY, _SQLITE_LOCKED):
            now = time.monotonic()
            busy_since = now if busy_since is None else busy_since
            if now - busy_since > BUSY_LIMIT_SECONDS:
                raise _Busy
            return
        busy_since = None
        if last is not None and remaining >= last and remaining > 0:
            restarts += 1
            if restarts > MAX_RESTARTS:
                raise _Restarting
        last = remaining
        if progress is not None:
            progress(total - remaining, total)

    src.backup(out, pages=pages, progress=report, sleep=BUSY_SLEEP_SECONDS)


def backup_sqlite(source: Path, dest: Path, progress: Progress | None = None) -> None:
    """Copy the live database `source` to `dest` (written to a temporary file, then renamed)."""
    source, dest = Path(source), Path(dest)
    if not source.is_file():
        raise DatabaseError(f"{source} does not exist; there is nothing to back up")
    if dest.parent.is_dir() and not os.access(dest.parent, os.W_OK):
        raise DatabaseError(
            f"cannot write the backup {dest}: the folder {dest.parent} is read-only; "
            "choose another folder"
        )
    sweep_temp_files(dest.parent, dest.name, legacy=True)
    tmp = temp_path(dest)
    key = _encrypted_key(source)
    if key is not None:
        _backup_encrypted(source, tmp, dest, key)
        return
    try:
        src, immutable = connect_read_only(source)
        try:
            # Owner-only from the start: SQLite gives its journal the file's mode too.
            create_private_file(tmp)
            out = sqlite3.connect(tmp)
            try:
                copy_pages(src, out, one_step=immutable or is_read_only(source), progress=progress)
            finally:
                out.close()
        finally:
            src.close()
        os.replace(tmp, dest)
    except _Busy:
        remove_temp(tmp)
        raise DatabaseError(_busy_message(source)) from None
    except _Restarting:  # only a sliced copy restarts, and it is redone in one step
        remove_temp(tmp)
        raise DatabaseError(f"backup of {source} kept restarting; try again") from None
    except sqlite3.Error as exc:
        remove_temp(tmp)
        if "locked" in str(exc) or "busy" in str(exc):
            raise DatabaseError(_busy_message(source)) from None
        raise DatabaseError(f"backup of {source} to {dest} failed: {exc}") from None
    except OSError as exc:
        remove_temp(tmp)
        raise DatabaseError(f"cannot write the backup {dest}: {exc.strerror}") from None
    except BaseException:
        remove_temp(tmp)
        raise
    remove_temp(tmp)  # the file itself was renamed; SQLite's files beside it, if any


def _encrypted_key(source: Path) -> str | None:
    """The passphrase of `source` if it is an encrypted database, else None."""
    from shopper.storage.db import SQLITE_MAGIC, key_for

    try:
        with source.open("rb") as handle:
            if handle.read(16) == SQLITE_MAGIC:
                return None
    except OSError:
        return None
    return key_for(source)


def _backup_encrypted(source: Path, tmp: Path, dest: Path, key: str) -> None:
    """A backup of an encrypted database, encrypted with the same passphrase."""
    from shopper.storage.db import cipher_connect

    try:
        create_private_file(tmp)
        src = cipher_connect(source, key, read_only=True)
        try:
            out = cipher_connect(tmp, key)
            try:
                src.backup(out, sleep=BUSY_SLEEP_SECONDS)
            finally:
                out.close()
        finally:
            src.close()
        os.replace(tmp, dest)
    except OSError as exc:
        remove_temp(tmp)
        raise DatabaseError(f"cannot write the backup {dest}: {exc.strerror}") from None
    except BaseException:
        remove_temp(tmp)
        raise
    remove_temp(tmp)


def convert_sqlite(
    path: Path, *, key_from: str | None, key_to: str | None
) -> tuple[Path, dict[str, int]]:
    """Rewrite the database `path` encrypted with `key_to` (None: not encrypted), having
    read it with `key_from` (None: a plain file). Backed up first; the copy's row counts
    are checked table by table before it replaces the original, which is untouched if
    anything fails (a wrong passphrase included). Close every connection to it first.
    Returns the backup and the row counts."""
    from shopper.storage.db import APPLICATION_ID, cipher_connect, remember_key, sql_text

    if key_from is not None:
        remember_key(path, key_from)
    src = cipher_connect(path, key_from)  # a wrong passphrase stops here
    src.close()
    saved = rotating_backup(path, "before-encryption" if key_to else "before-decryption")
    tmp = temp_path(path)
    counts: dict[str, int] = {}
    try:
        create_private_file(tmp)
        src = cipher_connect(path, key_from)
        try:
            src.execute(
                f"ATTACH DATABASE {sql_text(str(tmp))} AS converted KEY {sql_text(key_to or '')}"
            )
            src.execute("SELECT sqlcipher_export('converted')")
            src.execute(f"PRAGMA converted.application_id = {APPLICATION_ID}")
            tables = [
                r[0]
                for r in src.execute(
                    "SELECT name FROM main.sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            ]
            for table in tables:
                quoted = '"' + table.replace('"', '""') + '"'
                before = src.execute(f"SELECT count(*) FROM main.{quoted}").fetchone()[0]
                after = src.execute(f"SELECT count(*) FROM converted.{quoted}").fetchone()[0]
                if before != after:
                    raise DatabaseError(
                        f"the converted copy of {path} lost rows of {table} ({before} → "
                        f"{after}); nothing was changed"
                    )
                counts[table] = int(before)
            src.execute("DETACH DATABASE converted")
        finally:
            src.close()  # the last connection: the log is checkpointed and removed
        os.replace(tmp, path)
    except BaseException:
        remove_temp(tmp)
        raise
    remove_temp(tmp)
    for suffix in ("-wal", "-shm"):  # the old file's, if another program kept them
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")
    make_private(path)
    if key_to is not None:
        remember_key(path, key_to)
    return saved, counts


def _busy_message(source: Path) -> str:
    return (
        f"{source} stayed busy in another program, so no backup was made; close that "
        "program or try again later"
    )


def backups_folder(db_path: Path) -> Path:
    return db_path.parent / "backups"


def list_backups(db_path: Path) -> list[Path]:
    """The backups of `db_path` in `backups/` beside it, newest first."""
    folder = backups_folder(db_path)
    try:
        found = [p for p in folder.glob(f"{db_path.stem}-*.db") if p.is_file()]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.name, reverse=True)


def sweep_backups_folder(db_path: Path) -> list[Path]:
    """Remove temporary files a killed backup or migration left in `backups/`."""
    return sweep_temp_files(backups_folder(db_path), legacy=True)


def tighten_backups(db_path: Path) -> None:
    """`backups/` beside `db_path` and the copies in it: owner-only (0700 and 0600)."""
    folder = backups_folder(db_path)
    if not folder.is_dir():
        return
    make_private(folder)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        make_private(entry.path)


def rotating_backup(db_path: Path, reason: str, keep: int = KEEP_BACKUPS) -> Path:
    """Back up `db_path` into `backups/` beside it, keeping the newest `keep` backups."""
    folder = backups_folder(db_path)
    private_folder(folder)
    sweep_backups_folder(db_path)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = folder / f"{db_path.stem}-{stamp}-{reason}.db"
    backup_sqlite(db_path, dest)
    old = sorted(folder.glob(f"{db_path.stem}-*.db"))
    for stale in old[:-keep]:
        stale.unlink()
    return dest
