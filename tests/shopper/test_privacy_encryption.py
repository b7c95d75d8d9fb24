"""Encryption at rest (SQLCipher): an encrypted database cannot be read without its
passphrase, a wrong one is refused with nothing touched, and conversion both ways keeps
every row (counts checked), after a backup."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from shopper.cli import main
from shopper.rubric import parse_rubric
from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluations import AnswerData
from shopper.storage import db as storage_db
from shopper.storage.backup import list_backups, rotating_backup
from shopper.storage.db import KEY_ENV, Database, WrongKeyError, open_database
from tests.shopper.rubric_factory import rubric_dict

pytest.importorskip("sqlcipher3")

KEY = "correct horse battery staple"


@pytest.fixture(autouse=True)
def forget_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage_db, "_KEYS", {})
    monkeypatch.delenv(KEY_ENV, raising=False)


def _fill(db: Database) -> None:
    rubric = rubrics.save_rubric(db, parse_rubric(rubric_dict())).info
    prop = properties.create_property(db, "Maple Court")
    agent = agents.create_agent(db, "Zoë Brown", prop.id)
    for n in range(3):
        evaluations.create(
            db,
            rubric_id=rubric.id,
            agent_id=agent.id,
            visited_on=dt.date(2026, 11, 1 + n),
            answers={"greeting.prompt": AnswerData("yes", f"Secret comment {n}")},
            actor="Sam",
        )


def _counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one())
            for t in inspect(conn).get_table_names()
        }


def _plain_sqlite_cannot_read(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    finally:
        conn.close()
    assert b"Secret comment" not in path.read_bytes()


def test_init_encrypt_creates_an_encrypted_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shopper.db"
    monkeypatch.setenv(KEY_ENV, KEY)
    assert main(["--db", str(path), "init", "--encrypt"]) == 0
    storage_db._KEYS.clear()
    db = open_database(path)  # the passphrase from $SHOPPER_DB_KEY
    try:
        _fill(db)
        assert _counts(db)["evaluations"] == 3
    finally:
        db.close()
    _plain_sqlite_cannot_read(path)
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_wrong_or_missing_passphrase_says_so_and_touches_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shopper.db"
    open_database(path, encrypt_key=KEY).close()
    storage_db._KEYS.clear()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(WrongKeyError, match="encrypted Shopper database, give its passphrase"):
        open_database(path)
    monkeypatch.setenv(KEY_ENV, "wrong")
    with pytest.raises(WrongKeyError, match="wrong passphrase"):
        open_database(path)
    assert main(["--db", str(path), "evaluations", "list"]) == 1
    assert main(["--db", str(path), "init", "--decrypt"]) == 1
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not list_backups(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shopper.db"]


def test_conversion_both_ways_keeps_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shopper.db"
    db = open_database(path)
    try:
        rubrics.ensure_default_rubric(db)
        _fill(db)
        counts = _counts(db)
    finally:
        db.close()
    monkeypatch.setenv(KEY_ENV, KEY)
    assert main(["--db", str(path), "init", "--encrypt"]) == 0
    _plain_sqlite_cannot_read(path)
    assert len(list_backups(path)) == 1
    storage_db._KEYS.clear()
    db = open_database(path)
    try:
        assert _counts(db) == counts
        # Backups of an encrypted database are encrypted with the same passphrase.
        copy = rotating_backup(path, "manual")
        _plain_sqlite_cannot_read(copy)
    finally:
        db.close()
    assert main(["--db", str(path), "init", "--decrypt"]) == 0
    monkeypatch.delenv(KEY_ENV)
    storage_db._KEYS.clear()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT count(*) FROM evaluations").fetchone()[0] == 3
    finally:
        conn.close()
    db = open_database(path)
    try:
        assert _counts(db) == counts
    finally:
        db.close()
