"""Opening databases: migrations, backups, refusing what cannot be opened safely."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from shopper.errors import DatabaseError
from shopper.storage import migrate
from shopper.storage.db import Database, create_db_engine, open_database, resolve_url

RUBRIC_JSON = '{"key": "k", "version": 1}'


def _database_at_first_revision(target: str) -> Database:
    db = Database(resolve_url(target), create_db_engine(resolve_url(target)))
    migrate.upgrade(db, "0001")
    return db


def _fill_first_revision(db: Database) -> None:
    now = dt.datetime(2026, 1, 2, 3, 4, 5)
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO properties VALUES ('p1', 'Maple Court', NULL, :now, :now)"),
            {"now": now},
        )
        conn.execute(
            text("INSERT INTO agents VALUES ('a1', 'José Núñez', 'p1', :t, :now, :now)"),
            {"now": now, "t": True},
        )
        conn.execute(
            text(
                "INSERT INTO rubrics (key, version, name, content, content_hash, created_at) "
                "VALUES ('k', 1, 'K', :c, 'h', :now)"
            ),
            {"c": RUBRIC_JSON, "now": now},
        )
        rubric_id = conn.execute(text("SELECT id FROM rubrics")).scalar_one()
        for n, status in enumerate(("submitted", "awaiting_follow_up", "draft")):
            conn.execute(
                text(
                    "INSERT INTO evaluations (id, rubric_id, property_id, agent_id, shopper, "
                    "visited_on, channel, status, notes, created_at, updated_at, row_version, "
                    "overall_pct, overall_exact, critical_failure, answered_count, total_count) "
                    "VALUES (:id, :r, 'p1', 'a1', 'Sam', :day, 'phone', :status, 'n', :now, "
                    ":now, 1, 87.25, '349/4', :f, 3, 4)"
                ),
                {
                    "id": f"e{n}",
                    "r": rubric_id,
                    "day": dt.date(2026, 1, 10),
                    "status": status,
                    "now": now,
                    "f": False,
                },
            )
            conn.execute(
                text("INSERT INTO answers VALUES (:id, 'greeting.rapport', '4', 'Warm & kind')"),
                {"id": f"e{n}"},
            )
            conn.execute(
                text("INSERT INTO section_scores VALUES (:id, 'greeting', 87.25, '349/4', 3, 4)"),
                {"id": f"e{n}"},
            )


def _dump(db: Database, tables: list[str]) -> dict[str, list[tuple[object, ...]]]:
    with db.engine.connect() as conn:
        return {
            t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2"))]
            for t in tables
        }


def test_first_revision_database_upgrades_with_nothing_lost(db_target: str) -> None:
    old = _database_at_first_revision(db_target)
    _fill_first_revision(old)
    tables = ["properties", "agents", "rubrics", "answers", "section_scores"]
    before = _dump(old, tables)
    old.close()

    db = open_database(db_target)
    try:
        assert migrate.current_revision(db) == (migrate.HEAD_REVISION, True)
        assert _dump(db, tables) == before
        with db.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, status, follow_up_due, overall_exact, notes FROM evaluations "
                    "ORDER BY id"
                )
            ).all()
            assert [r.id for r in rows] == ["e0", "e1", "e2"]
            assert all(r.overall_exact == "349/4" and r.notes == "n" for r in rows)
            due = {r.id: r.follow_up_due for r in rows}
            assert due["e0"] is None and due["e2"] is None
            assert str(due["e1"]) == "2026-01-13"
            assert conn.execute(text("SELECT count(*) FROM evaluation_events")).scalar() == 0
    finally:
        db.close()
    if not db_target.startswith("postgresql"):
        backups = list((Path(db_target).parent / "backups").glob("*before-migration.db"))
        assert backups, "a backup is made before migrating"
        with sqlite3.connect(max(backups)) as conn:
            # the newest backup is the 0001 database as it was, data included
            assert conn.execute("SELECT count(*) FROM evaluations").fetchone() == (3,)


def test_migrated_schema_equals_the_models(db_target: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from shopper.storage.models import Base

    _database_at_first_revision(db_target).close()
    db = open_database(db_target)
    try:
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        db.close()


def test_head_revision_constant_matches_the_migration_scripts() -> None:
    from alembic.script import ScriptDirectory

    from shopper.paths import MIGRATIONS

    scripts = ScriptDirectory(str(MIGRATIONS))
    assert scripts.get_current_head() == migrate.HEAD_REVISION
    assert [s.revision for s in reversed(list(scripts.walk_revisions()))] == list(
        migrate.KNOWN_REVISIONS
    )


def test_a_newer_database_is_refused(db_target: str) -> None:
    open_database(db_target).close()
    db = Database(resolve_url(db_target), create_db_engine(resolve_url(db_target)))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    db.close()
    with pytest.raises(DatabaseError, match="written by a newer version of Shopper"):
        open_database(db_target)


def test_backups_are_rotated_keeping_five(tmp_path: Path) -> None:
    from shopper.storage.backup import rotating_backup

    path = tmp_path / "shopper.db"
    open_database(path).close()
    for _ in range(7):
        rotating_backup(path, "test")
    assert len(list((tmp_path / "backups").glob("shopper-*.db"))) == 5


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(DatabaseError, match="not a Shopper database or is damaged"):
        open_database(junk)
    assert junk.read_bytes().startswith(b"this is not sqlite")


def test_another_apps_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE recipes (id INTEGER)")
    with pytest.raises(DatabaseError, match="not a Shopper database"):
        open_database(other)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("mysql://u@h/db", "'mysql' databases are not supported"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot use the database"),
        ("/definitely/not/here/shopper.db", "does not exist; create the folder"),
    ],
)
def test_bad_targets_get_a_clear_message(target: str, message: str) -> None:
    with pytest.raises(DatabaseError, match=message):
        open_database(target)


def test_sqlite_pragmas_are_set(db: Database) -> None:
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_default_location_is_the_user_data_folder(isolated_user_folders: Path) -> None:
    url = resolve_url(None)
    assert url.database is not None
    assert Path(url.database).is_relative_to(isolated_user_folders)
    assert url.database.endswith("shopper.db")


def test_environment_variable_names_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOPPER_DB", str(tmp_path / "env.db"))
    assert resolve_url(None).database == str(tmp_path / "env.db")
