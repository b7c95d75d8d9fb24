"""Bring a database to the schema this app expects, at open, before anything else touches it.

- An empty database gets `create_all` and is stamped with the head revision.
- An older one is backed up (SQLite) and upgraded with Alembic.
- A newer one (a revision this app does not know) is refused.
The head revision is a constant so that opening an up-to-date database never imports Alembic.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect, text

from shopper.errors import DatabaseError
from shopper.paths import MIGRATIONS
from shopper.storage.db import APPLICATION_ID, Database, ReadOnlyDatabaseError, translate_errors
from shopper.storage.models import Base

HEAD_REVISION = "0007"
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007")


def current_revision(db: Database) -> tuple[str | None, bool]:
    """(revision, has_tables) of the database as it is now."""
    with translate_errors(db), db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables:
            return None, bool(tables)
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return (row[0] if row else None), True


def alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


MIGRATION_LOCK = 7_305_112_001
"""PostgreSQL advisory lock held while a shared database is created or upgraded."""


def ensure_schema(db: Database) -> bool:
    """Bring `db` to the head revision; True if it was created from nothing."""
    revision, has_tables = current_revision(db)
    if revision == HEAD_REVISION:
        return False
    if db.read_only:
        raise ReadOnlyDatabaseError(_read_only_schema_message(db, revision, has_tables))
    if db.is_sqlite:
        return _bring_to_head(db)
    # Several people may open a new shared database at once: one creates it, the
    # others wait, then find it ready.
    with translate_errors(db), db.engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        conn.commit()
        try:
            return _bring_to_head(db)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()


def _read_only_schema_message(db: Database, revision: str | None, has_tables: bool) -> str:
    if revision is None and not has_tables:
        return f"cannot create a database in {db.describe()}: it is read-only"
    if revision is not None and revision not in KNOWN_REVISIONS:
        return (
            f"{db.describe()} was written by a newer version of Shopper (schema {revision}); "
            "update Shopper to open it"
        )
    return (
        f"The database {db.describe()} is read-only and was made by an older version of "
        "Shopper, which must upgrade it first: copy it somewhere you can write, or ask for "
        "write access"
    )


def _bring_to_head(db: Database) -> bool:
    revision, has_tables = current_revision(db)
    if revision == HEAD_REVISION:
        return False
    if revision is None and has_tables:
        raise DatabaseError(
            f"{db.describe()} is not a Shopper database (it has other tables); "
            "choose another file or an empty database"
        )
    if revision is None:
        _create_fresh(db)
        return True
    if revision not in KNOWN_REVISIONS:
        raise DatabaseError(
            f"{db.describe()} was written by a newer version of Shopper (schema {revision}); "
            "update Shopper to open it"
        )
    upgrade(db)
    return False


def _create_fresh(db: Database) -> None:
    from alembic import command

    with translate_errors(db), db.engine.begin() as conn:
        if db.is_sqlite:  # marks the file as Shopper's (see db.examine_sqlite_file)
            conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
        Base.metadata.create_all(conn)
        command.stamp(alembic_config(conn), HEAD_REVISION)


def upgrade(db: Database, target: str = "head") -> None:
    """Back up, then migrate. On SQLite, foreign keys are off during the migration (batch
    table rebuilds would cascade-delete children) and checked afterwards."""
    from alembic import command

    if db.path is not None and db.path.is_file() and db.path.stat().st_size > 0:
        from shopper.storage.backup import rotating_backup

        rotating_backup(db.path, "before-migration")
    with translate_errors(db), db.engine.connect() as conn:
        if db.is_sqlite:  # outside any transaction, where SQLite honours it
            _sqlite_pragma(conn, "PRAGMA foreign_keys=OFF")
        with conn.begin():
            command.upgrade(alembic_config(conn), target)
            if db.is_sqlite:
                problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if problems:
                    raise DatabaseError(
                        f"migration of {db.describe()} broke {len(problems)} references; "
                        "nothing was changed (a backup is in the backups folder)"
                    )
        if db.is_sqlite:
            _sqlite_pragma(conn, "PRAGMA foreign_keys=ON")


def _sqlite_pragma(conn: Any, statement: str) -> None:
    conn.connection.dbapi_connection.execute(statement)
