"""A shared database (PostgreSQL, or one SQLite file): people editing the same evaluation and
several importers at once — nobody's work is silently overwritten, nothing is doubled."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from shopper.errors import ConflictError
from shopper.exchange.package_export import export_package
from shopper.exchange.package_import import import_package
from shopper.paths import ROOT
from shopper.services import agents, evaluations, properties, rubrics
from shopper.storage.db import Database, open_database
from shopper.storage.models import Agent, Answer, Evaluation, Property
from tests.shopper.exchange.conftest import add_demo, load, write


def _second_user(db: Database) -> Database:
    """Another app instance on the same database: its own engine and connections."""
    return open_database(db.url.render_as_string(hide_password=False))


def _draft(db: Database) -> str:
    prop = properties.create_property(db, "Maple Court")
    agent = agents.create_agent(db, "José Núñez", prop.id)
    rubric = rubrics.default_rubric(db)
    assert rubric is not None
    return evaluations.create(
        db, rubric_id=rubric.id, agent_id=agent.id, visited_on=dt.date(2026, 11, 2)
    ).id


def test_the_second_save_of_the_same_version_gets_a_conflict(any_db: Database) -> None:
    evaluation_id = _draft(any_db)
    other = _second_user(any_db)
    try:
        mine = evaluations.get(any_db, evaluation_id)
        theirs = evaluations.get(other, evaluation_id)
        assert mine.row_version == theirs.row_version == 1
        evaluations.save(other, evaluation_id, theirs.row_version, notes="their notes")
        with pytest.raises(ConflictError) as caught:
            evaluations.save(any_db, evaluation_id, mine.row_version, notes="my notes")
        assert "someone else saved this evaluation after you opened it" in str(caught.value)
        stored = evaluations.get(any_db, evaluation_id)
        assert (stored.notes, stored.row_version) == ("their notes", 2)
    finally:
        other.close()


def test_an_import_that_updates_an_open_evaluation_makes_the_editor_reload(
    any_db: Database, tmp_path: Path
) -> None:
    evaluation_id = _draft(any_db)
    opened = evaluations.get(any_db, evaluation_id)
    path = tmp_path / "p.json"
    export_package(any_db, path)
    data = load(path)
    data["evaluations"][0]["notes"] = "from the shopper's laptop"
    data["evaluations"][0]["updated_at"] = "2030-01-01T00:00:00Z"
    import_package(any_db, write(path, data))
    with pytest.raises(ConflictError):
        evaluations.save(any_db, evaluation_id, opened.row_version, notes="stale edit")
    assert evaluations.get(any_db, evaluation_id).notes == "from the shopper's laptop"


def _overlapping_packages(tmp_path: Path) -> tuple[list[Path], set[str], int]:
    """Four packages over one set of evaluations, overlapping; one of them names the same
    properties and agents under other ids (as a second laptop would)."""
    source = open_database(tmp_path / "source.db")
    try:
        add_demo(source, evaluations=240, seed=11)
        export_package(source, tmp_path / "all.json")
    finally:
        source.close()
    data = load(tmp_path / "all.json")
    items = data["evaluations"]
    ids = {e["id"] for e in items}
    answers = sum(
        1
        for e in items
        for a in e["answers"].values()
        if a["value"] is not None or a.get("comment")
    )
    slices = [items[:140], items[60:200], items[120:], list(reversed(items))]
    paths = []
    for number, chosen in enumerate(slices):
        package = dict(data, evaluations=chosen)
        if number == 1:
            package = json.loads(json.dumps(package))
            remap = {p["id"]: str(uuid.uuid4()) for p in package["properties"]}
            remap |= {a["id"]: str(uuid.uuid4()) for a in package["agents"]}
            text = json.dumps(package)
            for old, new in remap.items():
                text = text.replace(old, new)
            package = json.loads(text)
            for prop in package["properties"]:
                prop["name"] = f"  {prop['name'].upper()} "
        paths.append(write(tmp_path / f"shopper{number}.json", package))
    random.Random(3).shuffle(paths)
    return paths, ids, answers


@pytest.mark.slow
def test_four_importers_at_once_leave_every_evaluation_once(db_target: str, tmp_path: Path) -> None:
    paths, ids, answers = _overlapping_packages(tmp_path)
    target = open_database(db_target)  # set up once, like `shopper init` on a shared database
    rubrics.ensure_default_rubric(target)
    target.close()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "shopper", "--db", db_target, "import", str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=env,
        )
        for path in paths
    ]
    results = [p.communicate(timeout=240) for p in processes]
    for process, (out, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "Imported" in out
    db = open_database(db_target)
    try:
        with db.read() as session:
            stored = list(session.scalars(select(Evaluation.id)))
            assert sorted(stored) == sorted(ids)
            assert session.scalar(select(func.count()).select_from(Property)) == 3
            assert session.scalar(select(func.count()).select_from(Agent)) == 6
            assert session.scalar(select(func.count()).select_from(Answer)) == answers
    finally:
        db.close()


@pytest.mark.postgres
def test_a_record_written_by_another_program_meanwhile_is_merged_on_a_retry(
    pg_url: str, package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL, a program that is not an import (so not queued behind the import lock)
    may add the same rubric between the import's look and its insert. (SQLite writers queue
    for the whole transaction, so there it cannot happen.)"""
    from shopper.exchange import package_import
    from shopper.exchange.package_validation import DatabaseFacts

    db = open_database(pg_url)
    loads = []
    original = DatabaseFacts.load.__func__  # type: ignore[attr-defined]

    def load_then_someone_writes(cls: type[DatabaseFacts], session: Any) -> DatabaseFacts:
        facts = original(cls, session)
        if len(loads) == 1:  # the merge has looked; now the other program writes
            other = _second_user(db)
            try:
                rubrics.ensure_default_rubric(other)
            finally:
                other.close()
        loads.append(facts)
        return facts

    monkeypatch.setattr(package_import.DatabaseFacts, "load", classmethod(load_then_someone_writes))
    try:
        summary = import_package(db, package)
    finally:
        db.close()
    assert len(loads) == 3  # the check, the first merge, the retry
    assert summary.counts["rubrics"].unchanged == 1
    assert summary.counts["evaluations"].added == 40
