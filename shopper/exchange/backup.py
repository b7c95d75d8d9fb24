"""Back up and restore a whole database.

- SQLite: the online backup API copies the live file (safe while the app is open; a file
  copy is not: it can miss what is still in the write-ahead log). Restoring copies a backup
  back the same way, after saving the current database into backups/ beside it.
- PostgreSQL (or any database): a backup is a package of everything, settings included;
  restoring one empties the database and imports it, in one transaction.
A restore refuses a database that already has data unless `force` is given.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import func, select

from shopper.errors import DatabaseError, ShopperError, ValidationError
from shopper.exchange.common import PACKAGE_FORMAT, ProgressFn, no_progress
from shopper.exchange.package_export import export_package
from shopper.exchange.package_import import PhaseProgress, import_package, no_phase_progress
from shopper.exchange.package_reader import read_format
from shopper.fileio import pid_running
from shopper.storage.backup import backup_sqlite, rotating_backup
from shopper.storage.db import (
    Database,
    ReadOnlyDatabaseError,
    read_only_message,
    set_application_id,
)
from shopper.storage.models import Agent, Evaluation, Property

SQLITE_MAGIC = b"SQLite format 3\x00"
RESTORE_PREFIX = "shopper-restore-"
"""Temporary folders of a restore into a server database: ``shopper-restore-PID-XXXX``."""


def backup(db: Database, out: Path, *, progress: ProgressFn = no_progress) -> str:
    """Write a backup of `db` to `out`; returns a sentence saying what was written."""
    out = Path(out)
    if db.path is not None:
        if out.exists() and out.resolve() == db.path.resolve():
            raise ShopperError(f"{out} is the database itself; choose another file")
        if not out.parent.is_dir():
            raise ShopperError(f"{out}: the folder {out.parent} does not exist")
        backup_sqlite(db.path, out, progress)
        return f"Backed up {db.describe()} to {out} (SQLite database file)"
    summary = export_package(db, out, include_settings=True, progress=progress)
    return (
        f"Backed up {db.describe()} to {out} as a package: {summary.evaluations} "
        f"evaluation(s), {summary.agents} agent(s), {summary.properties} "
        f"propert{'y' if summary.properties == 1 else 'ies'}, {summary.rubrics} rubric version(s)"
    )


def contents(db: Database) -> tuple[int, int, int]:
    """(evaluations, properties, agents) in `db`."""
    with db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Evaluation)) or 0,
            session.scalar(select(func.count()).select_from(Property)) or 0,
            session.scalar(select(func.count()).select_from(Agent)) or 0,
        )


def refuse_unless_empty(db: Database) -> None:
    evaluations, properties, agents = contents(db)
    if evaluations:
        raise ShopperError(
            f"the database already has {evaluations} evaluation(s); use --force to replace them"
        )
    if properties or agents:
        raise ShopperError(
            f"the database already has {properties} propert{'y' if properties == 1 else 'ies'} "
            f"and {agents} agent(s); use --force to replace them"
        )


def restore(
    db: Database,
    source: Path,
    *,
    force: bool = False,
    progress: PhaseProgress = no_phase_progress,
) -> str:
    """Replace the contents of `db` with the backup (SQLite file) or package at `source`."""
    source = Path(source)
    if db.read_only:
        raise ReadOnlyDatabaseError(read_only_message(db))
    is_sqlite = _is_sqlite_file(source)
    if not is_sqlite:
        found, _ = read_format(source)
        if found != PACKAGE_FORMAT:
            raise ValidationError(
                f"{source}: not a Shopper backup (expected a SQLite backup file or a package "
                f'with "format": "{PACKAGE_FORMAT}")'
            )
    if is_sqlite:
        _check_backup_file(source)
    if not force:
        refuse_unless_empty(db)
    safety = ""
    if db.path is not None and any(contents(db)):
        saved = rotating_backup(db.path, "before-restore")
        safety = f"; the previous database was saved as {saved}"
    if is_sqlite:
        if db.path is not None:
            _copy_into_sqlite(db, source, progress)
        else:
            _restore_sqlite_file_into(db, source, progress)
    else:
        import_package(db, source, replace=True, progress=progress)
    evaluations, properties, agents = contents(db)
    return (
        f"Restored {db.describe()} from {source}: {evaluations} evaluation(s), "
        f"{agents} agent(s), {properties} propert{'y' if properties == 1 else 'ies'}{safety}"
    )


def _is_sqlite_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(16) == SQLITE_MAGIC
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file; check the name and folder") from None
    except IsADirectoryError:
        raise ValidationError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot be read ({exc.strerror})") from None


def _read_only_uri(path: Path) -> str:
    """A backup file is read as immutable: no lock files are left beside it."""
    return f"{path.resolve().as_uri()}?mode=ro&immutable=1"


def _check_backup_file(path: Path) -> None:
    """A SQLite file is only restored if it is a Shopper database this app can read."""
    from shopper.storage.migrate import KNOWN_REVISIONS

    try:
        conn = sqlite3.connect(_read_only_uri(path), uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            revision = (
                conn.execute("SELECT version_num FROM alembic_version").fetchone()
                if "alembic_version" in tables
                else None
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise ValidationError(f"{path}: cannot be read as a database ({exc})") from None
    if revision is None or "evaluations" not in tables:
        raise ValidationError(f"{path}: a SQLite file, but not a Shopper database")
    if revision[0] not in KNOWN_REVISIONS:
        raise ValidationError(
            f"{path}: was written by a newer version of Shopper (schema {revision[0]}); "
            "update Shopper to restore it"
        )


def _copy_into_sqlite(db: Database, source: Path, progress: PhaseProgress) -> None:
    """The backup API in reverse: the live database becomes a page copy of `source`."""
    from shopper.storage.migrate import ensure_schema

    assert db.path is not None
    db.engine.dispose()
    try:
        src = sqlite3.connect(_read_only_uri(source), uri=True)
        try:
            dest = sqlite3.connect(db.path, timeout=30)
            try:

                def report(_status: int, remaining: int, total: int) -> None:
                    progress("copying", total - remaining, total)

                src.backup(dest, pages=1024, progress=report)
            finally:
                dest.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"restoring {db.describe()} from {source} failed: {exc}") from None
    ensure_schema(db)  # a backup from an older version is upgraded like any old database
    set_application_id(db)  # a backup made before Shopper marked its files


def _restore_sqlite_file_into(db: Database, source: Path, progress: PhaseProgress) -> None:
    """A SQLite backup into a server database: through a package, in one transaction."""
    from shopper.storage.db import open_database

    _sweep_restore_folders()
    with tempfile.TemporaryDirectory(prefix=f"{RESTORE_PREFIX}{os.getpid()}-") as folder:
        copy = Path(folder) / "backup.db"
        backup_sqlite(source, copy)  # never migrate the user's backup file itself
        package = Path(folder) / "backup.json"
        old = open_database(copy)
        try:
            export_package(old, package, include_settings=True)
        finally:
            old.close()
        with contextlib.suppress(OSError):
            copy.unlink()
        import_package(db, package, replace=True, progress=progress)


def _sweep_restore_folders() -> None:
    """Remove the temporary folders of restores whose process was killed."""
    root = Path(tempfile.gettempdir())
    try:
        entries = list(root.glob(f"{RESTORE_PREFIX}*-*"))
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(RESTORE_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and entry.is_dir() and not pid_running(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)
