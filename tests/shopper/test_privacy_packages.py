"""Encrypted packages (age): only the holder of the private key can import them."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from shopper.cli import main
from shopper.rubric import parse_rubric
from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database, open_database
from tests.shopper.rubric_factory import rubric_dict

pytest.importorskip("pyrage")

SECRET = "Zoë kept us waiting"


def _shop(db: Database) -> str:
    rubric = rubrics.save_rubric(db, parse_rubric(rubric_dict())).info
    prop = properties.create_property(db, "Maple Court")
    agent = agents.create_agent(db, "Zoë Brown", prop.id)
    return evaluations.create(
        db,
        rubric_id=rubric.id,
        agent_id=agent.id,
        visited_on=dt.date(2026, 11, 2),
        answers={"greeting.prompt": AnswerData("yes", SECRET)},
        actor="Sam",
    ).id


def _count(target: Path) -> int:
    db = open_database(target)
    try:
        with db.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM evaluations")).scalar_one())
    finally:
        db.close()


def test_an_encrypted_package_imports_only_with_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "source.db"
    db = open_database(source)
    try:
        shop_id = _shop(db)
    finally:
        db.close()
    key = tmp_path / "program.key"
    assert main(["package-key", str(key)]) == 0
    if os.name == "posix":
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    out = tmp_path / "shops.age"
    assert main(["--db", str(source), "export", str(out), "--to-key", f"{key}.pub"]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1")
    assert SECRET.encode() not in raw and b"Maple Court" not in raw
    assert not list(tmp_path.glob(".*tmp"))

    target = tmp_path / "target.db"
    assert main(["--db", str(target), "init"]) == 0
    capsys.readouterr()
    # Without the key, or with another one: refused, nothing imported.
    assert main(["--db", str(target), "import", str(out)]) == 1
    assert "encrypted package: give --identity" in capsys.readouterr().err
    other = tmp_path / "other.key"
    assert main(["package-key", str(other)]) == 0
    assert main(["--db", str(target), "import", str(out), "--identity", str(other)]) == 1
    assert "not encrypted for the key" in capsys.readouterr().err
    assert _count(target) == 0
    # With the right key.
    assert main(["--db", str(target), "import", str(out), "--identity", str(key)]) == 0
    db = open_database(target)
    try:
        assert evaluations.get(db, shop_id).answers["greeting.prompt"].comment == SECRET
    finally:
        db.close()
    # A plain package still imports as before.
    plain = tmp_path / "plain.json"
    assert main(["--db", str(source), "export", str(plain)]) == 0
    assert main(["--db", str(target), "import", str(plain)]) == 0
