"""Laptop privacy: what holds personal data is readable by its owner only, whatever the
umask, and the log carries no personal data."""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, text

from shopper.storage.backup import backup_sqlite, backups_folder, rotating_backup
from shopper.storage.db import open_database
from shopper.storage.models import Answer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")

SECRET = "Ana Lucía told me she hates this job"


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_database_wal_and_shm_are_owner_only(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "shopper.db"
    db = open_database(path)
    try:
        with db.write() as session:
            session.execute(text("INSERT INTO settings (key, value) VALUES ('x', 'y')"))
        with db.engine.connect() as conn:  # the log and shared memory exist while open
            conn.execute(text("SELECT count(*) FROM settings")).scalar_one()
            assert Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
            assert mode(path) == 0o600
            assert mode(f"{path}-wal") == 0o600
            assert mode(f"{path}-shm") == 0o600
    finally:
        db.close()


def test_existing_database_and_side_files_are_tightened_on_open(
    tmp_path: Path, umask_022: None
) -> None:
    path = tmp_path / "shopper.db"
    open_database(path).close()
    rotating_backup(path, "manual")
    folder = backups_folder(path)
    # As an older version left them: readable by everyone.
    os.chmod(path, 0o644)
    Path(f"{path}-shm").write_bytes(b"")
    os.chmod(f"{path}-shm", 0o644)
    os.chmod(folder, 0o755)
    for copy in folder.iterdir():
        os.chmod(copy, 0o644)
    db = open_database(path)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM settings")).scalar_one()
        assert mode(path) == 0o600
        assert mode(f"{path}-wal") == 0o600
        assert mode(f"{path}-shm") == 0o600
        assert mode(folder) == 0o700
        assert [mode(p) for p in folder.iterdir()] == [0o600]
    finally:
        db.close()


def test_backups_are_owner_only(tmp_path: Path, umask_022: None) -> None:
    path = tmp_path / "shopper.db"
    open_database(path).close()
    made = rotating_backup(path, "manual")
    assert mode(backups_folder(path)) == 0o700
    assert mode(made) == 0o600
    elsewhere = tmp_path / "copy.db"
    backup_sqlite(path, elsewhere)
    assert mode(elsewhere) == 0o600


def test_default_data_folder_is_owner_only(umask_022: None) -> None:
    from shopper.storage.db import default_db_path

    db = open_database()
    db.close()
    assert mode(default_db_path().parent) == 0o700
    assert mode(default_db_path()) == 0o600


def _fail_with_comment_in_sql(tmp_path: Path) -> BaseException:
    db = open_database(tmp_path / "shopper.db")
    try:
        with db.write() as session:  # no such evaluation: a foreign-key failure
            session.execute(
                insert(Answer).values(evaluation_id="missing", item_path="a.b", comment=SECRET)
            )
    except Exception as error:
        return error
    finally:
        db.close()
    raise AssertionError("the insert should have failed")


def test_an_unexpected_errors_log_entry_holds_no_comment(
    tmp_path: Path, umask_022: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from shopper.cli._common import run_handler
    from shopper.logs import log_path

    error = _fail_with_comment_in_sql(tmp_path)

    def handler(_args: argparse.Namespace) -> int:
        raise error

    assert run_handler(argparse.Namespace(handler=handler)) == 1
    logged = log_path().read_text(encoding="utf-8")
    assert "IntegrityError" in logged and "INSERT INTO answers" in logged
    assert SECRET not in logged and "Lucía" not in logged and "missing" not in logged
    assert mode(log_path()) == 0o600
    assert mode(log_path().parent) == 0o700
    assert SECRET not in capsys.readouterr().err


def test_exception_messages_are_withheld_from_the_log(umask_022: None) -> None:
    from shopper.logs import log_exception

    name, comment = "Zoë Brown", f"bad comment {SECRET!r}"  # data, not code lines
    try:
        try:
            raise KeyError(name)
        except KeyError as inner:
            raise ValueError(comment) from inner
    except ValueError as error:
        where = log_exception(error)
    logged = where.read_text(encoding="utf-8")
    assert "ValueError" in logged and "KeyError" in logged
    assert "test_exception_messages_are_withheld_from_the_log" in logged
    assert SECRET not in logged and "Zoë" not in logged


def test_an_existing_log_is_tightened(umask_022: None) -> None:
    from shopper.logs import log_exception, log_path

    path = log_path()
    path.write_text("old\n", encoding="utf-8")
    os.chmod(path, 0o644)
    log_exception(RuntimeError("x"))
    assert mode(path) == 0o600
    assert path.read_text(encoding="utf-8").startswith("old\n")
