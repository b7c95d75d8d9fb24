"""Where the database is, how to connect to it, and one transaction per operation."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from shopper.errors import DatabaseError

ENV_VAR = "SHOPPER_DB"
DB_FILENAME = "shopper.db"


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("Shopper", appauthor=False) / DB_FILENAME


def resolve_url(target: str | os.PathLike[str] | None = None) -> URL:
    """The database to use: `target`, else $SHOPPER_DB, else the user data folder.

    A value with `://` is an SQLAlchemy URL; anything else is a SQLite file path.
    """
    value = os.fspath(target) if target is not None else os.environ.get(ENV_VAR) or ""
    if not value.strip():
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return URL.create("sqlite", database=str(path))
    if "://" in value:
        try:
            url = make_url(value)
        except exc.ArgumentError:
            raise DatabaseError(
                f"{value!r} is not a database URL; use a file path or "
                "postgresql+psycopg://user@host/dbname"
            ) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise DatabaseError(
                f"{url.get_backend_name()!r} databases are not supported; "
                "use a SQLite file path or a postgresql+psycopg:// URL"
            )
        if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
            url = url.set(drivername="postgresql+psycopg")
        return url
    path = Path(value).expanduser().resolve()
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder; give the path of a database file in it")
    if not path.parent.is_dir():
        raise DatabaseError(f"{path.parent} does not exist; create the folder or pick another")
    return URL.create("sqlite", database=str(path))


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide where transactions begin (see `_sqlite_begin`).
    dbapi_connection.isolation_level = None
    # SQLite's own lower() folds ASCII only; names here are José, Zoë, Ελένη...
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
    from shopper.storage.folding import SQL_FUNCTION, fold_text

    dbapi_connection.create_function(SQL_FUNCTION, 1, fold_text, deterministic=True)


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock up front, so two writers queue on the busy timeout
    # instead of failing when a read transaction tries to upgrade.
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """An open database: the engine plus read and write transactions."""

    def __init__(self, url: URL, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        writer = engine.execution_options(sqlite_immediate=True) if self.is_sqlite else engine
        self._write = sessionmaker(writer, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return Path(self.url.database) if self.is_sqlite and self.url.database else None

    def describe(self) -> str:
        """What to show a user: the file path, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        return self.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        with translate_errors(self), self._read() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed if the block finishes, rolled back if it raises."""
        with translate_errors(self), self._write() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()


@contextlib.contextmanager
def translate_errors(db: Database) -> Iterator[None]:
    """Turn driver errors into messages that say what is wrong and what to do."""
    try:
        yield
    except exc.OperationalError as error:
        raise DatabaseError(describe_operational_error(db, error)) from error
    except exc.DatabaseError as error:
        if isinstance(error.orig, sqlite3.DatabaseError) and "not a database" in str(error.orig):
            raise DatabaseError(corrupt_message(db)) from error
        raise


def corrupt_message(db: Database) -> str:
    return (
        f"{db.describe()} is not a Shopper database or is damaged; restore it from the "
        "backups folder beside it, or open another file"
    )


def describe_operational_error(db: Database, error: exc.OperationalError) -> str:
    text = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    if "disk" in text.lower() and "full" in text.lower():
        return f"{db.describe()}: the disk is full; free some space and try again"
    if "locked" in text.lower():
        return f"{db.describe()} is busy in another program; close it and try again"
    if "not a database" in text.lower():
        return corrupt_message(db)
    if db.is_sqlite:
        return f"{db.describe()}: {text}"
    return (
        f"cannot use the database {db.describe()}: {text}; check the URL and that the "
        "server is running"
    )


def create_db_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except ModuleNotFoundError:
        raise DatabaseError(
            "PostgreSQL support is not installed; run pip install 'psycopg[binary]'"
        ) from None


def open_database(
    target: str | os.PathLike[str] | None = None, *, migrate: bool = True
) -> Database:
    """Open (creating or upgrading as needed) the database named by `target`."""
    url = resolve_url(target)
    db = Database(url, create_db_engine(url))
    if migrate:
        from shopper.storage.migrate import ensure_schema

        try:
            ensure_schema(db)
        except BaseException:
            db.close()
            raise
    return db
