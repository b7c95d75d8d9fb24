"""Where the database is, how to connect to it, and one transaction per operation."""

from __future__ import annotations

import contextlib
import os
import re
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
APPLICATION_ID = 0x53485052
"""`PRAGMA application_id` of a Shopper database ("SHPR"), set when it is created."""
SQLITE_MAGIC = b"SQLite format 3\x00"


class ReadOnlyDatabaseError(DatabaseError):
    """The database can be read but not written (a read-only file, folder or disk)."""


class AccessDeniedError(DatabaseError):
    """The database refused: the connected person's role may not do this (PostgreSQL
    grants and row-level security, see `shopper.storage.access`)."""


class WrongKeyError(DatabaseError):
    """An encrypted database opened with the wrong passphrase (or none)."""


KEY_ENV = "SHOPPER_DB_KEY"
"""Passphrase of an encrypted (SQLCipher) database, for the command line."""
_KEYS: dict[str, str] = {}


def remember_key(path: Path, key: str) -> None:
    """Use `key` for the encrypted database `path` in this process (asked once)."""
    _KEYS[str(Path(path).resolve())] = key


def key_for(path: Path) -> str | None:
    """The passphrase known for `path`: remembered in this process, else $SHOPPER_DB_KEY."""
    return _KEYS.get(str(Path(path).resolve())) or os.environ.get(KEY_ENV) or None


def cipher_module() -> Any:
    """SQLCipher's DB-API module (`sqlcipher3`, SQLCipher 4)."""
    import importlib

    try:
        dbapi2 = importlib.import_module("sqlcipher3.dbapi2")
    except ImportError:
        raise DatabaseError(
            "encrypted databases need SQLCipher: run pip install sqlcipher3-binary"
        ) from None
    return dbapi2


def sql_text(value: str) -> str:
    """`value` as an SQL string literal (PRAGMA key and ATTACH take no parameters)."""
    return "'" + value.replace("'", "''") + "'"


def cipher_connect(path: Path, key: str | None, *, read_only: bool = False) -> Any:
    """A SQLCipher connection to `path` unlocked with `key` (None: a plain file), checked
    by reading the schema: a wrong key raises WrongKeyError and changes nothing."""
    module = cipher_module()
    target = Path(path).resolve().as_uri() + "?mode=ro" if read_only else str(path)
    conn = module.connect(target, uri=read_only, timeout=30, check_same_thread=False)
    try:
        if key is not None:
            conn.execute(f"PRAGMA key = {sql_text(key)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except module.DatabaseError as error:
        conn.close()
        if "not a database" in str(error):
            raise WrongKeyError(
                f"{path}: wrong passphrase, so the database cannot be read (nothing was "
                f"changed); give the right one (${KEY_ENV})"
            ) from None
        raise DatabaseError(f"{path} cannot be read: {error}") from None
    return conn


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("Shopper", appauthor=False) / DB_FILENAME


def resolve_url(target: str | os.PathLike[str] | None = None) -> URL:
    """The database to use: `target`, else $SHOPPER_DB, else the user data folder.

    A value with `://` is an SQLAlchemy URL; anything else is a SQLite file path.
    """
    value = os.fspath(target) if target is not None else os.environ.get(ENV_VAR) or ""
    if not value.strip():
        from shopper.fileio import private_folder

        path = default_db_path()
        private_folder(path.parent)
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
    _sqlite_setup(dbapi_connection, read_only=False)


def _sqlite_on_connect_read_only(dbapi_connection: Any, _record: Any) -> None:
    _sqlite_setup(dbapi_connection, read_only=True)


def _sqlite_setup(dbapi_connection: Any, *, read_only: bool) -> None:
    # Let SQLAlchemy, not the driver, decide where transactions begin (see `_sqlite_begin`).
    dbapi_connection.isolation_level = None
    # SQLite's own lower() folds ASCII only; names here are José, Zoë, Ελένη...
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    if read_only:  # nothing that writes: the file is read as it is
        cursor.execute("PRAGMA query_only=ON")
    else:
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

    def __init__(self, url: URL, engine: Engine, *, read_only: bool = False) -> None:
        self.url = url
        self.engine = engine
        self.read_only = read_only
        """The file, its folder or its disk cannot be written: reads only."""
        self.created = False
        """`open_database` made this database from nothing (see `discard_created`)."""
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
        if self.read_only:
            raise ReadOnlyDatabaseError(read_only_message(self))
        with translate_errors(self), self._write() as session, session.begin():
            yield session

    def close(self) -> None:
        self.engine.dispose()

    def discard_created(self) -> None:
        """Undo the creation of a database `open_database` just made (its setup failed):
        a SQLite file is removed, a server database gets its tables dropped."""
        if not self.created:
            return
        self.engine.dispose()
        if self.path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(OSError):
                    os.unlink(f"{self.path}{suffix}")
            return
        from sqlalchemy import text

        from shopper.storage.models import Base

        with contextlib.suppress(exc.SQLAlchemyError), self.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        self.engine.dispose()


@contextlib.contextmanager
def translate_errors(db: Database) -> Iterator[None]:
    """Turn driver errors into messages that say what is wrong and what to do."""
    try:
        yield
    except exc.OperationalError as error:
        if _is_read_only_error(error):
            raise ReadOnlyDatabaseError(read_only_message(db)) from error
        raise DatabaseError(describe_operational_error(db, error)) from error
    except exc.DatabaseError as error:
        if isinstance(error.orig, sqlite3.DatabaseError) and _is_damage(str(error.orig)):
            raise DatabaseError(corrupt_message(db)) from error
        # PostgreSQL: a read-only transaction (a standby, a read-only database), or a role
        # without the right to do this.
        sqlstate = getattr(error.orig, "sqlstate", None)
        if sqlstate == "25006":
            raise ReadOnlyDatabaseError(read_only_message(db)) from error
        if sqlstate == "42501":
            raise AccessDeniedError(access_denied_message(error)) from error
        raise


_REFUSED_TABLE = re.compile(r'(?:for table|policy for table|on table) "?([A-Za-z0-9_]+)"?')
_STATEMENT_TABLE = re.compile(
    r'^\s*(?:(INSERT)\s+INTO|(UPDATE)|(DELETE)\s+FROM|(SELECT)\b.*?\bFROM)\s+"?([A-Za-z0-9_]+)"?',
    re.IGNORECASE | re.DOTALL,
)
_STATUS_VERBS = {
    "released": "only reviewers can release shops",
    "reviewed": "only reviewers can mark shops reviewed",
    "returned": "only reviewers can return shops to their shopper",
}
_TABLE_MESSAGES = {
    "rubrics": "only admins can change rubrics",
    "settings": "only admins can change settings",
    "people": "only admins can add or change people",
    "person_properties": "only admins can assign properties to people",
    "properties": "only admins can add or change properties",
    "agents": "only admins, reviewers and shoppers can add agents, and only admins remove them",
    "answers": "only the shop's shopper (until it is reviewed) and reviewers can change answers",
    "section_scores": "only the shop's shopper (until it is reviewed) and reviewers can "
    "change scores",
    "evaluation_events": "only people who may change a shop add to its events",
    "disputes": "only trainers (of the shop's property) open disputes and only reviewers "
    "resolve them",
    "dispute_items": "only trainers (of the shop's property) open disputes and only "
    "reviewers resolve them",
    "admin_events": "only admins record admin events, and nobody changes them",
    "alembic_version": "only the database's owner can upgrade it (run `shopper init` as the owner)",
}


def access_denied_message(error: exc.DBAPIError) -> str:
    """What the database refused, in plain words, from the table and statement refused
    (never the values: they may be personal data)."""
    text = str(error.orig or "").strip().splitlines()[0] if error.orig else ""
    if "function shopper_history" in text:
        text = "only admins can erase or purge history"
    if "history events are never changed" in text or "erase or purge" in text:
        guard = (
            "only admins can erase or purge history"
            if "erase or purge" in text
            else "history events are never changed or deleted; a correction is a new event"
        )
        return f"Refused by the database: {guard}"
    if text.startswith("only "):  # Shopper's own checks in the database say it plainly
        return f"Refused by the database: {text}"
    if "must be owner" in text:
        return (
            "Refused by the database: only the owner of its tables can upgrade or set it up; "
            "ask them to run `shopper init` with this version of Shopper"
        )
    if "role" in text.lower() and "permission denied" in text.lower():
        return "Refused by the database: only admins can add people's logins or change their roles"
    statement = error.statement or ""
    found = _STATEMENT_TABLE.match(statement)
    verb = next((g.upper() for g in found.groups()[:4] if g), "") if found else ""
    table_match = _REFUSED_TABLE.search(text)
    table = table_match.group(1) if table_match else (found.group(5) if found else "")
    what: str | None = _TABLE_MESSAGES.get(table)
    if table == "evaluations":
        status = _param(error.params, "status")
        if verb == "UPDATE" and status in _STATUS_VERBS:
            what = _STATUS_VERBS[status]
        elif _param(error.params, "excluded_at") is not None and verb == "UPDATE":
            what = "only reviewers can exclude shops or include them again"
        elif verb == "INSERT":
            what = "only shoppers (their own shops) and admins add shops"
        elif verb == "DELETE":
            what = "only a shop's own shopper (until it is reviewed) or an admin can delete it"
        else:
            what = (
                "only reviewers change shops once submitted; a shopper changes only their "
                "own shops, until they are reviewed or released"
            )
    elif table == "history_events":
        what = (
            "you may add to the history only of shops you may see"
            if verb == "INSERT"
            else "history events are never changed or deleted"
        )
    if what is None:
        verbs = {"SELECT": "read", "INSERT": "add to", "UPDATE": "change", "DELETE": "delete from"}
        what = f"your role may not {verbs.get(verb, 'use')} {table or 'this table'}"
    return f"Refused by the database: {what} (ask an admin if you need this)"


def _param(params: Any, key: str) -> object:
    if isinstance(params, dict):
        return params.get(key)
    if isinstance(params, (list, tuple)) and params and isinstance(params[0], dict):
        return params[0].get(key)
    return None


def _is_damage(text: str) -> bool:
    text = text.lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def _is_read_only_error(error: exc.OperationalError) -> bool:
    text = str(error.orig).lower()
    return "readonly database" in text or "read-only transaction" in text


def read_only_message(db: Database) -> str:
    if db.path is not None:
        return (
            f"The database {db.path} is read-only: copy it somewhere you can write, or ask "
            f"whoever manages {db.path.parent} for write access"
        )
    return (
        f"The database {db.describe()} is read-only (or this user may not write to it): "
        "ask its administrator for write access"
    )


def corrupt_message(db: Database) -> str:
    if db.path is not None:
        return damaged_file_message(db.path)
    return f"{db.describe()} is damaged; restore it from a backup"


def damaged_file_message(path: Path, *, maybe_foreign: bool | None = None) -> str:
    """A damaged (or foreign) file, with the newest backups beside it to restore from.
    Without `maybe_foreign`, a file whose header still carries Shopper's application id
    is called damaged, any other "not a Shopper database or damaged"."""
    from shopper.storage.backup import list_backups

    if maybe_foreign is None:
        maybe_foreign = _header_application_id(path) != APPLICATION_ID
    what = "is not a Shopper database or is damaged" if maybe_foreign else "is damaged"
    found = list_backups(path)[:3]
    if found:
        listed = "; ".join(str(p) for p in found)
        return (
            f"{path} {what}; replace it with a copy of one of its backups (newest first): {listed}"
        )
    return f"{path} {what}; replace it with a copy of a backup, or open another file"


def _header_application_id(path: Path) -> int | None:
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return None
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        return None
    return int.from_bytes(header[68:72], "big")


def describe_operational_error(db: Database, error: exc.OperationalError) -> str:
    text = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    if "disk" in text.lower() and "full" in text.lower():
        return f"{db.describe()}: the disk is full; free some space and try again"
    if "locked" in text.lower():
        return f"{db.describe()} is busy in another program; close it and try again"
    if db.is_sqlite and _is_damage(text):
        return corrupt_message(db)
    if db.is_sqlite:
        return f"{db.describe()}: {text}"
    return (
        f"cannot use the database {db.describe()}: {text}; check the URL and that the "
        "server is running"
    )


def create_db_engine(
    url: URL, *, read_only: bool = False, immutable: bool = False, key: str | None = None
) -> Engine:
    if url.get_backend_name() == "sqlite":
        if key is not None and url.database:
            path = Path(url.database)

            def connect_cipher() -> Any:
                return cipher_connect(path, key, read_only=read_only)

            engine = create_engine(
                url, creator=connect_cipher, module=cipher_module(), hide_parameters=True
            )
            listener = _sqlite_on_connect_read_only if read_only else _sqlite_on_connect
            event.listen(engine, "connect", listener)
        elif read_only and url.database:
            uri = Path(url.database).resolve().as_uri() + (
                "?mode=ro&immutable=1" if immutable else "?mode=ro"
            )

            def connect() -> sqlite3.Connection:
                return sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)

            engine = create_engine(url, creator=connect, hide_parameters=True)
            event.listen(engine, "connect", _sqlite_on_connect_read_only)
        else:
            engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
            event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    try:
        # No parameter values in error messages: they hold names and comments (the log).
        return create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10},
            hide_parameters=True,
        )
    except ModuleNotFoundError:
        raise DatabaseError(
            "PostgreSQL support is not installed; run pip install 'psycopg[binary]'"
        ) from None


class SqliteFile:
    """What a look at a SQLite file, before anything writes to it, found."""

    def __init__(
        self,
        *,
        exists: bool,
        read_only: bool,
        immutable: bool,
        needs_id: bool,
        key: str | None = None,
    ) -> None:
        self.key = key
        """The passphrase of an encrypted (SQLCipher) database, None for a plain one."""
        self.exists = exists
        """False: no file (or an empty one): a new database will be made."""
        self.read_only = read_only
        self.immutable = immutable
        """Read-only and only readable as an immutable file (see `connect_read_only`)."""
        self.needs_id = needs_id
        """A Shopper database from before `APPLICATION_ID`: gets it at the next write."""


def examine_sqlite_file(path: Path) -> SqliteFile:
    """Decide whether `path` may be opened as a Shopper database, touching nothing.

    The header is read as plain bytes; only a file without Shopper's application id is
    opened, read-only, to look for Shopper's tables. Another program's database, a text
    file or a damaged file is refused here, before any PRAGMA could change it."""
    from shopper.storage.backup import connect_read_only, is_read_only, wal_is_empty

    folder_writable = os.access(path.parent, os.W_OK)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = -1
    if size <= 0:
        if not folder_writable or (size == 0 and not os.access(path, os.W_OK)):
            raise ReadOnlyDatabaseError(
                f"cannot create the database {path}: the folder {path.parent} is read-only; "
                "choose a folder you can write to"
            )
        return SqliteFile(exists=False, read_only=False, immutable=False, needs_id=False)
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as error:
        raise DatabaseError(f"{path} cannot be read ({error.strerror})") from None
    if len(header) == 100 and not header.startswith(SQLITE_MAGIC) and size % 512 == 0:
        return _examine_encrypted(path)
    if len(header) < 100 or not header.startswith(SQLITE_MAGIC):
        raise DatabaseError(damaged_file_message(path))
    application_id = int.from_bytes(header[68:72], "big")
    if application_id not in (0, APPLICATION_ID):
        raise DatabaseError(
            f"{path} is another program's database, not a Shopper database; choose another file"
        )
    # A writer (a checkpoint, a rollback-journal commit) may have written page 1 before
    # growing the file; without a log or journal beside it, nothing is writing.
    quiet = wal_is_empty(path) and not path.with_name(f"{path.name}-journal").exists()
    if quiet and _truncated(header, size):
        raise DatabaseError(damaged_file_message(path, maybe_foreign=application_id == 0))
    read_only = is_read_only(path)
    needs_id = False
    immutable = False
    if application_id == 0 or read_only:
        try:
            conn, immutable = connect_read_only(path)
            try:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
                revision = (
                    conn.execute("SELECT version_num FROM alembic_version").fetchone()
                    if "alembic_version" in tables
                    else None
                )
            finally:
                conn.close()
        except sqlite3.DatabaseError as error:
            if _is_damage(str(error)):
                raise DatabaseError(
                    damaged_file_message(path, maybe_foreign=application_id == 0)
                ) from None
            if read_only and not wal_is_empty(path):
                raise ReadOnlyDatabaseError(
                    f"{path} was not closed cleanly and cannot be read where it is (its "
                    f"folder {path.parent} is read-only): copy the folder somewhere you can "
                    "write and open the copy"
                ) from None
            raise DatabaseError(f"{path} cannot be read: {error}") from None
        if application_id == 0:
            if not tables:  # an empty SQLite file: made into a Shopper database
                return SqliteFile(
                    exists=False, read_only=read_only, immutable=immutable, needs_id=False
                )
            if revision is None or "evaluations" not in tables:
                raise DatabaseError(
                    f"{path} is not a Shopper database (it has other tables); "
                    "choose another file or an empty database"
                )
            needs_id = True
    return SqliteFile(exists=True, read_only=read_only, immutable=immutable, needs_id=needs_id)


def _examine_encrypted(path: Path) -> SqliteFile:
    """A file that looks encrypted (no SQLite header, whole pages): opened with the known
    passphrase, read only, to check it is a Shopper database."""
    from shopper.storage.backup import is_read_only

    key = key_for(path)
    if key is None:
        raise WrongKeyError(
            f"{damaged_file_message(path)}. If it is an encrypted Shopper database, give its "
            f"passphrase (${KEY_ENV})"
        )
    conn = cipher_connect(path, key, read_only=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    finally:
        conn.close()
    if application_id != APPLICATION_ID or "evaluations" not in tables:
        raise DatabaseError(f"{path} is an encrypted database, but not Shopper's")
    return SqliteFile(
        exists=True, read_only=is_read_only(path), immutable=False, needs_id=False, key=key
    )


def _truncated(header: bytes, size: int) -> bool:
    """The header's page count is trustworthy (SQLite 3.7+) and the file is shorter."""
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    change_counter = header[24:28]
    pages = int.from_bytes(header[28:32], "big")
    valid_for = header[92:96]
    return valid_for == change_counter and pages > 0 and size < pages * page_size


def open_database(
    target: str | os.PathLike[str] | None = None,
    *,
    migrate: bool = True,
    encrypt_key: str | None = None,
) -> Database:
    """Open (creating or upgrading as needed) the database named by `target`.

    A SQLite file is identified as Shopper's before anything may write to it; one that
    cannot be written opens for reading only (`Database.read_only`). An encrypted one is
    opened with its passphrase (`key_for`); a new one is made encrypted with `encrypt_key`."""
    url = resolve_url(target)
    found: SqliteFile | None = None
    made_here = False
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(str(url.database))
        made_here = not path.exists()
        if made_here:
            _create_private(path)
        found = examine_sqlite_file(path)
        if not found.read_only:
            from shopper.storage.backup import sweep_backups_folder, tighten_backups

            tighten_sqlite_files(path)
            sweep_backups_folder(path)
            tighten_backups(path)
    read_only = found is not None and found.read_only
    key = found.key if found is not None else None
    if found is not None and not found.exists and encrypt_key:
        key = encrypt_key
        remember_key(Path(str(url.database)), encrypt_key)
    engine = create_db_engine(
        url, read_only=read_only, immutable=found is not None and found.immutable, key=key
    )
    db = Database(url, engine, read_only=read_only)
    if migrate:
        from shopper.storage.migrate import ensure_schema

        try:
            db.created = ensure_schema(db)
            if found is not None and found.needs_id and not read_only:
                set_application_id(db)
        except BaseException:
            if made_here:  # a file made by this open is not left half made
                db.created = True
                db.discard_created()
            db.close()
            raise
    return db


SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def _create_private(path: Path) -> None:
    """Make the new database file empty and owner-only before SQLite opens it, so that its
    write-ahead log and shared-memory file (made with the database's mode) are too. A
    folder that cannot be written is left to `examine_sqlite_file` to explain."""
    from shopper.fileio import create_private_file

    with contextlib.suppress(OSError):
        create_private_file(path)


def tighten_sqlite_files(path: Path) -> None:
    """Owner-only access to a database and its `-wal`, `-shm`, `-journal` files: the
    database first, since SQLite gives the files it makes beside it the database's mode."""
    from shopper.fileio import make_private

    make_private(path)
    for suffix in SQLITE_SIDE_FILES:
        make_private(f"{path}{suffix}")


def set_application_id(db: Database) -> None:
    """Mark a SQLite database as Shopper's (a header field; no table changes)."""
    with translate_errors(db), db.engine.begin() as conn:
        conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
