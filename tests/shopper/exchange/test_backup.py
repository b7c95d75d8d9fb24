"""Backups and restores: SQLite files through the online backup API, packages for any
database, and a restore that never overwrites data unless told to."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shopper.errors import ShopperError, ValidationError
from shopper.exchange.backup import backup, contents, restore
from shopper.services import settings
from shopper.storage.db import Database, open_database
from shopper.storage.models import Evaluation
from tests.shopper.exchange.conftest import add_demo, checksum, load


def test_sqlite_backup_while_another_connection_writes(db: Database, tmp_path: Path) -> None:
    add_demo(db, evaluations=30)
    expected = checksum(db)
    writer = sqlite3.connect(db.path)  # type: ignore[arg-type]
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE evaluations SET notes = 'uncommitted'")  # not in the backup
    out = tmp_path / "backup.db"
    progress: list[tuple[int, int]] = []
    message = backup(db, out, progress=lambda done, total: progress.append((done, total)))
    writer.rollback()
    writer.close()
    assert "SQLite database file" in message
    assert progress and progress[-1][0] == progress[-1][1]
    copy = open_database(out)
    try:
        assert checksum(copy) == expected
    finally:
        copy.close()


def test_backup_refuses_to_overwrite_the_database_itself(db: Database) -> None:
    assert db.path is not None
    with pytest.raises(ShopperError, match="is the database itself"):
        backup(db, db.path)


def test_restore_refuses_a_database_with_data_unless_forced(
    db: Database, source_db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "source-backup.db"
    backup(source_db, out)
    add_demo(db, evaluations=12, seed=99)
    before = checksum(db)
    with pytest.raises(ShopperError) as caught:
        restore(db, out)
    assert str(caught.value) == (
        "the database already has 12 evaluation(s); use --force to replace them"
    )
    assert checksum(db) == before

    message = restore(db, out, force=True)
    assert checksum(db) == checksum(source_db)
    assert "the previous database was saved as" in message
    assert db.path is not None
    saved = sorted((db.path.parent / "backups").glob("*before-restore.db"))
    assert saved
    previous = open_database(saved[-1])
    try:
        assert checksum(previous) == before
    finally:
        previous.close()


def test_restore_into_an_empty_database_needs_no_force(
    db: Database, source_db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "b.db"
    backup(source_db, out)
    message = restore(db, out)
    assert "40 evaluation(s)" in message and "previous database" not in message
    assert checksum(db) == checksum(source_db)
    assert not out.with_name("b.db-wal").exists()  # the backup is read without lock files


def test_package_backup_and_restore_on_any_database(
    any_db: Database, source_db: Database, tmp_path: Path
) -> None:
    """PostgreSQL's backup is a package of everything, settings included; a package restores
    into any database in one transaction."""
    settings.put(source_db, settings.FOLLOW_UP_DAYS, "5")
    out = tmp_path / "everything.json"
    from shopper.exchange.package_export import export_package

    export_package(source_db, out, include_settings=True)
    assert load(out)["settings"][settings.FOLLOW_UP_DAYS] == "5"
    add_demo(any_db, evaluations=5, seed=3)
    with pytest.raises(ShopperError, match="already has 5 evaluation"):
        restore(any_db, out)
    restore(any_db, out, force=True)
    assert contents(any_db) == contents(source_db)
    assert settings.follow_up_days(any_db) == 5
    with any_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Evaluation)) == 40

    if not any_db.is_sqlite:
        message = backup(any_db, tmp_path / "pg-backup.json")
        assert "as a package: 40 evaluation(s)" in message
        assert len(load(tmp_path / "pg-backup.json")["evaluations"]) == 40


def test_a_sqlite_backup_restores_into_postgresql(
    any_db: Database, source_db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "laptop.db"
    backup(source_db, out)
    before = out.read_bytes()
    restore(any_db, out, force=True)
    assert contents(any_db) == contents(source_db)
    assert out.read_bytes() == before  # the user's backup file is never migrated or changed


def test_restore_refuses_what_is_not_a_backup(db: Database, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(ValidationError, match="a SQLite file, but not a Shopper database"):
        restore(db, other)
    text = tmp_path / "notes.json"
    text.write_text('{"format": "shopper-rubric"}', encoding="utf-8")
    with pytest.raises(ValidationError, match="not a Shopper backup"):
        restore(db, text)
    with pytest.raises(ValidationError, match="no such file"):
        restore(db, tmp_path / "missing.db")


def test_a_restore_while_the_app_reads_keeps_working(
    db: Database, source_db: Database, tmp_path: Path
) -> None:
    """The app keeps its own connections open; after a restore they see the new contents."""
    out = tmp_path / "b.db"
    backup(source_db, out)
    add_demo(db, evaluations=3, seed=5)
    stop = threading.Event()
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                contents(db)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        restore(db, out, force=True)
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert contents(db)[0] == 40
