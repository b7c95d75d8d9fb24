"""Test-wide setup: no screen, no user data touched, a fresh database per test.

Database fixtures:
- `db`: a migrated SQLite `Database` in tmp_path (with the default rubric loaded).
- `any_db`: the same, parametrised over SQLite and PostgreSQL (SHOPPER_TEST_PG_URL).
- `db_target`: a database *target string* (file path or URL), parametrised the same way,
  for CLI and subprocess tests. PostgreSQL gets a brand-new database per test.
Without SHOPPER_TEST_PG_URL the PostgreSQL cases are skipped locally and FAIL under CI=true.
"""

from __future__ import annotations

import faulthandler
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PG_ENV = "SHOPPER_TEST_PG_URL"
HANG_GRACE_S = 60
"""A test still running this long after its pytest-timeout is deadlocked: dump and end."""

_hang_fd: int | None = None


def pytest_configure(config: pytest.Config) -> None:
    """Keep a handle on the real stderr (before output capture) for hang reports."""
    global _hang_fd
    if _hang_fd is None:
        _hang_fd = os.dup(2)


def _test_timeout(item: pytest.Item) -> float:
    marker = item.get_closest_marker("timeout")
    if marker is not None and marker.args:
        return float(marker.args[0])
    return float(item.config.getini("timeout") or 300)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """A last guard against hangs that no Python-level timeout can end.

    pytest-timeout needs the GIL; a deadlock between the GIL and a Qt lock starves it. The
    faulthandler watchdog is a C thread that needs no GIL: past the deadline it writes every
    thread's stack to the real stderr and ends the process, so CI fails in minutes, with
    stacks, instead of stalling."""
    if _hang_fd is not None:
        faulthandler.dump_traceback_later(
            _test_timeout(item) + HANG_GRACE_S, exit=True, file=_hang_fd
        )
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(autouse=True)
def isolated_user_folders(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point platformdirs (data, logs, config) at a temporary home for every test."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        (home / sub).mkdir()
        monkeypatch.setenv(var, str(home / sub))
    monkeypatch.delenv("SHOPPER_DB", raising=False)
    return home


def require_postgres() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if IN_CI:
            pytest.fail(f"{PG_ENV} is not set: CI must run the PostgreSQL tests")
        pytest.skip(f"{PG_ENV} not set (run scripts/pg-test-cluster start)")
    return url


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL to a brand-new, empty PostgreSQL database, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(require_postgres())
    name = f"shopper_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "shopper.db")
    url: str = request.getfixturevalue("pg_url")
    return url


def _open(target: str):  # type: ignore[no-untyped-def]
    from shopper.services.rubrics import ensure_default_rubric
    from shopper.storage.db import open_database

    database = open_database(target)
    ensure_default_rubric(database)
    return database


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    database = _open(str(tmp_path / "shopper.db"))
    yield database
    database.close()


@pytest.fixture
def any_db(db_target: str):  # type: ignore[no-untyped-def]
    database = _open(db_target)
    yield database
    database.close()
