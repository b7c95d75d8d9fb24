"""Faults a user meets with real files: read-only databases and folders, files that are not
Shopper's, damaged files, leftovers of killed runs, a failed first start, a server that
goes away during a COPY.

Read-only cases run the `shopper` command in a child process that cannot override file
permissions (as root, the child drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH), so the
file system refuses writes exactly as it does for an ordinary user.
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from shopper import demo
from shopper.errors import DatabaseError, ShopperError
from shopper.fileio import HOST_TAG, atomic_write_text, temp_path
from shopper.paths import ROOT
from shopper.services import properties, rubrics
from shopper.storage import backup as storage_backup
from shopper.storage.db import (
    APPLICATION_ID,
    Database,
    ReadOnlyDatabaseError,
    open_database,
)

# --- helpers --------------------------------------------------------------------------

_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_override() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            os._exit(97)


def shopper_as_user(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `shopper ARGS` as a process bound by file permissions (see the module doc)."""
    as_root = os.geteuid() == 0
    if as_root and not sys.platform.startswith("linux"):
        pytest.fail("read-only checks need a non-root user or Linux capabilities")
    return subprocess.run(
        [sys.executable, "-m", "shopper", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_drop_file_override if as_root else None,
    )


def make_database(path: Path, evaluations: int = 30) -> None:
    db = open_database(path)
    try:
        rubrics.ensure_default_rubric(db)
        demo.generate(db, evaluations=evaluations, properties=2, agents=4, seed=3)
    finally:
        db.close()


def keep_shm(path: Path) -> None:
    """Leave the database's `-shm` beside it, as a program that crashed or is still open
    does (a clean close removes it)."""
    conn = sqlite3.connect(path)
    conn.execute("SELECT count(*) FROM evaluations").fetchone()
    shm = path.with_name(f"{path.name}-shm")
    saved = shm.read_bytes()
    conn.close()
    shm.write_bytes(saved)


@pytest.fixture
def read_only_files() -> Iterator[list[Path]]:
    """Paths made read-only by a test, writable again afterwards (so tmp_path is removed)."""
    paths: list[Path] = []
    yield paths
    for path in reversed(paths):
        if path.exists():
            path.chmod(0o755 if path.is_dir() else 0o644)


def make_read_only(paths: list[Path], *targets: Path) -> None:
    for target in targets:
        paths.append(target)
        target.chmod(0o555 if target.is_dir() else 0o444)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def count_evaluations(path: Path) -> int:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return int(conn.execute("SELECT count(*) FROM evaluations").fetchone()[0])
    finally:
        conn.close()


def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)  # fmt: skip
    return int(child.stdout)


# --- 3: backups that end ----------------------------------------------------------------


def test_a_read_only_10mb_database_with_its_shm_is_backed_up(
    tmp_path: Path, read_only_files: list[Path]
) -> None:
    db_path = tmp_path / "shop.db"
    make_database(db_path, evaluations=1100)
    assert db_path.stat().st_size > 10_000_000
    keep_shm(db_path)
    make_read_only(read_only_files, db_path, db_path.with_name("shop.db-shm"))
    out = tmp_path / "copy.db"

    started = time.monotonic()
    done = shopper_as_user("--db", db_path, "backup", out, timeout=60)

    assert done.returncode == 0, done.stderr
    assert count_evaluations(out) == 1100
    print(f"read-only 10 MB backup: {time.monotonic() - started:.1f} s")


def test_a_backup_of_a_source_that_stays_locked_ends_with_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "locked.db"
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(b"x" * 500,) for _ in range(5000)])
    monkeypatch.setattr(storage_backup, "BUSY_LIMIT_SECONDS", 1.0)
    holder = sqlite3.connect(source, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another program in the middle of a write
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            storage_backup.backup_sqlite(source, tmp_path / "out.db")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)
    ended = not worker.is_alive()
    holder.execute("ROLLBACK")
    holder.close()
    worker.join(30)
    assert ended, "the backup kept waiting for a locked source"
    assert isinstance(outcome[0], DatabaseError)
    assert "busy in another program" in str(outcome[0])
    assert not (tmp_path / "out.db").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["locked.db"]


def test_a_backup_while_another_program_writes_all_the_time_ends(tmp_path: Path) -> None:
    """Each write restarts a sliced copy; after a few restarts it is copied in one step."""
    source = tmp_path / "busy.db"
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (x)")
        conn.executemany("INSERT INTO t VALUES (?)", [(b"x" * 1000,) for _ in range(12_000)])
    stop = threading.Event()

    def write_all_the_time() -> None:
        writer = sqlite3.connect(source, isolation_level=None)
        while not stop.is_set():
            writer.execute("INSERT INTO t VALUES (1)")
        writer.close()

    seen: list[tuple[int, int]] = []
    thread = threading.Thread(target=write_all_the_time, daemon=True)
    thread.start()
    try:
        time.sleep(0.2)
        started = time.monotonic()
        storage_backup.backup_sqlite(
            source, tmp_path / "out.db", lambda done, total: seen.append((done, total))
        )
        took = time.monotonic() - started
    finally:
        stop.set()
        thread.join(10)
    assert took < 10, f"the backup took {took:.1f} s while another program wrote"
    restarts = sum(
        1 for (before, _), (after, total) in itertools.pairwise(seen) if after <= before < total
    )
    assert restarts <= 3, f"the copy started over {restarts} times"
    assert seen[-1][0] == seen[-1][1]
    with sqlite3.connect(tmp_path / "out.db") as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] >= 12_000


# --- 6: leftovers of killed runs are swept ------------------------------------------------


def test_opening_a_database_sweeps_what_killed_backups_and_migrations_left(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "shop.db"
    open_database(db_path).close()
    backups = tmp_path / "backups"
    backups.mkdir()
    target = backups / "shop-20260101-000000-000000-before-migration.db"
    killed = Path(str(temp_path(target)).replace(f"-{os.getpid()}-", f"-{dead_pid()}-"))
    killed.write_bytes(b"x" * 1000)
    Path(f"{killed}-journal").write_bytes(b"j")
    old_style = backups / ".shop-20250101-000000-000000-before-migration.db.tmp"
    old_style.write_bytes(b"x")
    Path(f"{old_style}-journal").write_bytes(b"j")
    two_hours_ago = time.time() - 7200
    for leftover in (old_style, Path(f"{old_style}-journal")):
        os.utime(leftover, (two_hours_ago, two_hours_ago))
    running = temp_path(target)  # this process is still writing it
    running.write_bytes(b"y")
    recent_old_style = backups / ".shop-20260202-000000-000000-before-restore.db.tmp"
    recent_old_style.write_bytes(b"y")  # may be another running program's: kept
    a_backup = backups / "shop-20260101-000000-000000-before-migration.db"
    shutil.copy(db_path, a_backup)

    open_database(db_path).close()

    assert sorted(p.name for p in backups.iterdir()) == sorted(
        [running.name, recent_old_style.name, a_backup.name]
    )


def test_a_write_keeps_another_running_writers_temporary_file(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        target = tmp_path / "report.csv"
        theirs = Path(str(temp_path(target)).replace(f"-{os.getpid()}-", f"-{sleeper.pid}-"))
        theirs.write_text("half written")
        other_machine = tmp_path / f".report.csv.shopper-{'0' * 8}-{dead_pid()}-abc.tmp"
        if HOST_TAG == "0" * 8:
            other_machine = other_machine.with_name(other_machine.name.replace("0" * 8, "1" * 8))
        other_machine.write_text("another machine on a shared folder")
        gone = Path(str(temp_path(target)).replace(f"-{os.getpid()}-", f"-{dead_pid()}-"))
        gone.write_text("killed")

        atomic_write_text(target, "a,b\n")

        assert theirs.exists() and other_machine.exists() and not gone.exists()
        assert target.read_text() == "a,b\n"
    finally:
        sleeper.kill()
        sleeper.wait()


# --- 7: read-only files and folders -------------------------------------------------------

READ_ONLY_ADVICE = "is read-only: copy it somewhere you can write"


@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_database_reads_and_refuses_writes_with_advice(
    tmp_path: Path, read_only_files: list[Path], what: str
) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    db_path = folder / "shop.db"
    make_database(db_path)
    before = digest(db_path)
    make_read_only(read_only_files, db_path)
    if what == "folder":
        make_read_only(read_only_files, folder)
    out = tmp_path / "out"
    out.mkdir()

    listed = shopper_as_user("--db", db_path, "evaluations", "list")
    assert listed.returncode == 0, listed.stderr
    assert "30 evaluation(s)" in listed.stdout
    exported = shopper_as_user("--db", db_path, "export", out / "all.json")
    assert exported.returncode == 0, exported.stderr
    csv = shopper_as_user("--db", db_path, "export-csv", out / "all.csv")
    assert csv.returncode == 0, csv.stderr
    cards = shopper_as_user("--db", db_path, "scorecards", out / "cards", "--workers", "1")
    assert cards.returncode == 0, cards.stderr
    assert list((out / "cards").glob("*.pdf"))

    for write in (
        ("demo-data", "--evaluations", "1"),
        ("import", out / "all.json"),
        ("restore", "--force", out / "all.json"),
    ):
        refused = shopper_as_user("--db", db_path, *write)
        assert refused.returncode == 1, (write, refused.stdout)
        assert f"The database {db_path} {READ_ONLY_ADVICE}" in refused.stderr, refused.stderr
        assert "attempt to write" not in refused.stderr
    assert digest(db_path) == before


def test_a_new_database_in_a_read_only_folder_is_refused_with_advice(
    tmp_path: Path, read_only_files: list[Path]
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    make_read_only(read_only_files, folder)
    done = shopper_as_user("--db", folder / "new.db", "init")
    assert done.returncode == 1
    assert "is read-only; choose a folder you can write to" in done.stderr
    assert list(folder.iterdir()) == []


def test_a_read_only_postgresql_database_refuses_writes_with_advice(pg_url: str) -> None:
    open_database(pg_url).close()
    url = make_url(pg_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(f'ALTER DATABASE "{url.database}" SET default_transaction_read_only = on')
        )
    admin.dispose()
    db = open_database(pg_url)
    try:
        assert rubrics.list_rubrics(db) == []
        with pytest.raises(ReadOnlyDatabaseError, match="is read-only"):
            properties.create_property(db, "Maple Court")
    finally:
        db.close()


# --- 8: files that are not Shopper's, damaged files --------------------------------------


def _other_sqlite(path: Path, application_id: int = 0) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA application_id={application_id}")
        conn.execute("CREATE TABLE recipes (id INTEGER, name TEXT)")
        conn.execute("INSERT INTO recipes VALUES (1, 'bread')")
    sqlite3.connect(path).close()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("random sqlite", r"is not a Shopper database \(it has other tables\)"),
        ("another app", "is another program's database"),
        ("text", "is not a Shopper database or is damaged"),
        ("shopper-like tables", "is not a Shopper database"),
    ],
)
def test_a_file_that_is_not_shoppers_is_refused_untouched(
    tmp_path: Path, kind: str, message: str
) -> None:
    path = tmp_path / "other.db"
    if kind == "random sqlite":
        _other_sqlite(path)
    elif kind == "another app":
        _other_sqlite(path, application_id=0x12345678)
    elif kind == "shopper-like tables":  # a table named like ours, but no alembic_version
        with sqlite3.connect(path) as conn:
            conn.execute("CREATE TABLE evaluations (id TEXT)")
        sqlite3.connect(path).close()
    else:
        path.write_text("name,score\nJosé,4\n" * 200, encoding="utf-8")
    before = digest(path)
    header = path.read_bytes()[18:20]

    with pytest.raises(DatabaseError, match=message):
        open_database(path)

    assert path.read_bytes()[18:20] == header
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


def test_a_new_database_carries_shoppers_application_id(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    open_database(path).close()
    assert int.from_bytes(path.read_bytes()[68:72], "big") == APPLICATION_ID


def test_a_shopper_database_from_before_the_id_is_recognised_and_marked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    make_database(path)
    conn = sqlite3.connect(path)  # as every database made before the id
    conn.execute("PRAGMA application_id=0")
    conn.close()
    assert path.read_bytes()[68:72] == b"\0\0\0\0"

    db = open_database(path)
    try:
        assert len(rubrics.list_rubrics(db)) == 1
    finally:
        db.close()
    assert int.from_bytes(path.read_bytes()[68:72], "big") == APPLICATION_ID


def _with_backups(path: Path) -> list[Path]:
    from shopper.storage.backup import rotating_backup

    made = [rotating_backup(path, "test") for _ in range(2)]
    return sorted(made, reverse=True)


@pytest.mark.parametrize("damage", ["truncated", "overwritten pages"])
def test_a_damaged_database_is_named_with_its_newest_backups(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "shop.db"
    make_database(path, evaluations=200)
    made = _with_backups(path)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    else:
        page = int.from_bytes(data[16:18], "big")
        for offset in range(page * 2, len(data), page):
            data[offset : offset + 64] = b"\xa5" * 64
    path.write_bytes(bytes(data))

    with pytest.raises(DatabaseError) as raised:
        db = open_database(path)
        try:
            with db.read() as session:
                session.execute(text("SELECT count(*) FROM answers")).scalar()
        finally:
            db.close()
    message = str(raised.value)
    assert f"{path} is damaged" in message
    assert "malformed" not in message
    assert [str(p) for p in made] == [
        part.strip() for part in message.split("(newest first): ")[1].split(";")
    ]


# --- 12: a failed first start leaves nothing ---------------------------------------------


def test_a_failed_init_leaves_no_half_made_database(
    db_target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken-rubric.json"
    broken.write_text('{"key": "leasing-tour", "version": ', encoding="utf-8")
    monkeypatch.setattr(rubrics, "DEFAULT_RUBRIC", broken)
    db = open_database(db_target)
    try:
        with pytest.raises(ShopperError, match="no database was created"):
            rubrics.ensure_default_rubric(db)
    finally:
        db.close()
    if "://" in db_target:
        engine = create_engine(db_target)
        try:
            with engine.connect() as conn:
                assert inspect(conn).get_table_names() == []
        finally:
            engine.dispose()
    else:
        assert sorted(p.name for p in tmp_path.iterdir()) == ["broken-rubric.json"]
    monkeypatch.undo()
    db = open_database(db_target)  # the next start makes it whole
    try:
        assert rubrics.ensure_default_rubric(db) is not None
    finally:
        db.close()


# --- 10: a PostgreSQL server gone during COPY ---------------------------------------------


class _TerminatingRows(list[tuple[Any, ...]]):
    """Rows that end the server side of the copy after the first few, as a server that
    stops does."""

    def __init__(self, rows: list[tuple[Any, ...]], admin_url: str, backend: int) -> None:
        super().__init__(rows)
        self.admin_url, self.backend = admin_url, backend

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for index, row in enumerate(list.__iter__(self)):
            if index == 10:
                admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": self.backend})
                admin.dispose()
                time.sleep(0.3)
            yield row


def test_a_server_gone_during_copy_gives_one_error_and_no_stray_line(
    pg_url: str, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from shopper.exchange.bulk import insert_tuples
    from shopper.storage.models import Answer

    caplog.set_level(logging.WARNING, logger="psycopg")
    db: Database = open_database(pg_url)
    table = Answer.__table__
    names = tuple(c.name for c in table.columns)
    try:
        with pytest.raises(DatabaseError, match="connection is lost"), db.write() as session:
            dbapi: Any = session.connection().connection.dbapi_connection
            rows = [(f"e{i}", f"k{i}", "x" * 200, None) for i in range(20_000)]
            insert_tuples(
                session,
                table,  # type: ignore[arg-type]
                names,
                _TerminatingRows(rows, pg_url, dbapi.info.backend_pid),
            )
    finally:
        db.close()
    said = capfd.readouterr().err + "".join(r.getMessage() for r in caplog.records)
    assert "error ignored" not in said
    assert "psycopg.Copy" not in said


def test_an_unclean_database_in_a_read_only_folder_says_what_to_do(
    tmp_path: Path, read_only_files: list[Path]
) -> None:
    live, shared = tmp_path / "live", tmp_path / "shared"
    live.mkdir()
    shared.mkdir()
    make_database(live / "shop.db")
    writer = sqlite3.connect(live / "shop.db")  # still open: its last write is in the WAL
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO settings VALUES ('unclean', 'yes')")
    writer.commit()
    for name in ("shop.db", "shop.db-wal"):  # copied as a crash would leave them
        shutil.copy(live / name, shared / name)
    writer.close()
    make_read_only(read_only_files, shared)

    done = shopper_as_user("--db", shared / "shop.db", "evaluations", "list")

    assert done.returncode == 1
    assert "was not closed cleanly" in done.stderr
    assert "copy the folder somewhere you can write" in done.stderr


def test_a_restore_sweeps_the_folders_of_killed_restores(
    pg_url: str, tmp_path: Path, db: Database
) -> None:
    import tempfile

    from shopper.exchange.backup import RESTORE_PREFIX, backup, restore

    killed = Path(tempfile.gettempdir()) / f"{RESTORE_PREFIX}{dead_pid()}-leftover"
    killed.mkdir()
    (killed / "backup.db").write_bytes(b"x" * 1000)
    saved = tmp_path / "saved.db"
    backup(db, saved)
    target = open_database(pg_url)
    try:
        restore(target, saved, force=True)
    finally:
        target.close()
    assert not killed.exists()


def test_an_older_read_only_database_is_refused_with_advice_not_upgraded(
    tmp_path: Path, read_only_files: list[Path]
) -> None:
    from tests.shopper.test_storage import _database_at_first_revision, _fill_first_revision

    path = tmp_path / "old.db"
    old = _database_at_first_revision(str(path))
    _fill_first_revision(old)
    old.close()
    before = digest(path)
    make_read_only(read_only_files, path)

    done = shopper_as_user("--db", path, "evaluations", "list", timeout=60)

    assert done.returncode == 1
    assert "is read-only and was made by an older version of Shopper" in done.stderr
    assert "copy it somewhere you can write" in done.stderr
    assert digest(path) == before
    assert not (tmp_path / "backups").exists()


def test_a_write_sweeps_an_hour_old_temporary_file_of_the_old_naming(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    old = tmp_path / ".scores.csv.k2j4h6g8.tmp"  # what a killed export left before
    old.write_text("x" * 1000)
    fresh = tmp_path / ".scores.csv.a1b2c3d4.tmp"  # perhaps still being written
    fresh.write_text("y")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))

    atomic_write_text(target, "a\n")

    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh.name, "scores.csv"]
