"""SQLite backups with the online backup API (safe while the app is open; a file copy is not:
it can miss what is still in the WAL)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from shopper.errors import DatabaseError

KEEP_BACKUPS = 5


def backup_sqlite(
    source: Path, dest: Path, progress: Callable[[int, int], None] | None = None
) -> None:
    """Copy the live database `source` to `dest` (written to a temporary file, then renamed)."""
    if not source.is_file():
        raise DatabaseError(f"{source} does not exist; there is nothing to back up")
    tmp = dest.with_name(f".{dest.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        src = sqlite3.connect(source)
        try:
            out = sqlite3.connect(tmp)
            try:

                def report(_status: int, remaining: int, total: int) -> None:
                    if progress is not None:
                        progress(total - remaining, total)

                src.backup(out, pages=1024, progress=report)
            finally:
                out.close()
        finally:
            src.close()
        os.replace(tmp, dest)
    except sqlite3.Error as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise DatabaseError(f"backup of {source} to {dest} failed: {exc}") from None
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise DatabaseError(f"cannot write the backup {dest}: {exc.strerror}") from None


def backups_folder(db_path: Path) -> Path:
    return db_path.parent / "backups"


def rotating_backup(db_path: Path, reason: str, keep: int = KEEP_BACKUPS) -> Path:
    """Back up `db_path` into `backups/` beside it, keeping the newest `keep` backups."""
    folder = backups_folder(db_path)
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    dest = folder / f"{db_path.stem}-{stamp}-{reason}.db"
    backup_sqlite(db_path, dest)
    old = sorted(folder.glob(f"{db_path.stem}-*.db"))
    for stale in old[:-keep]:
        stale.unlink()
    return dest
