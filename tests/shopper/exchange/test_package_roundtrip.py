"""Packages: export, import into another database, export again — on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shopper import scoring
from shopper.errors import ConflictError, NotFoundError
from shopper.exchange.common import PackageFilter
from shopper.exchange.package_export import export_package
from shopper.exchange.package_import import import_package
from shopper.services import agents, evaluations, properties, rubrics
from shopper.storage.db import Database
from shopper.storage.models import (
    Agent,
    Evaluation,
    EvaluationEvent,
    Property,
    SectionScoreRow,
    table_of,
)
from tests.shopper.exchange.conftest import checksum, comparable, load, write

VISIT = dt.date(2026, 11, 2)


def scores(db: Database) -> dict[str, tuple[object, ...]]:
    """Every evaluation's stored scores, with its section scores."""
    with db.read() as session:
        sections: dict[str, list[tuple[str, str | None]]] = {}
        for row in session.execute(
            select(
                SectionScoreRow.evaluation_id, SectionScoreRow.section_key, SectionScoreRow.exact
            )
        ):
            sections.setdefault(row[0], []).append((row[1], row[2]))
        return {
            e.id: (
                e.overall_exact,
                e.critical_failure,
                e.answered_count,
                tuple(sorted(sections[e.id])),
            )
            for e in session.scalars(select(Evaluation))
        }


def test_export_import_export_gives_the_same_package(
    any_db: Database, source_db: Database, package: Path, tmp_path: Path
) -> None:
    summary = import_package(any_db, package)
    assert summary.counts["evaluations"].added == 40
    assert summary.counts["properties"].added == 3
    assert summary.counts["agents"].added == 6
    assert summary.counts["rubrics"].unchanged == 1  # the default rubric is already there

    again = tmp_path / "again.json"
    export_package(any_db, again)
    assert comparable(load(again)) == comparable(load(package))
    assert scores(any_db) == scores(source_db)


def test_a_second_import_changes_nothing(any_db: Database, package: Path) -> None:
    import_package(any_db, package)
    before = checksum(any_db)
    summary = import_package(any_db, package)
    assert {k: (c.added, c.updated) for k, c in summary.counts.items()} == {
        "rubrics": (0, 0),
        "properties": (0, 0),
        "agents": (0, 0),
        "evaluations": (0, 0),
    }
    assert summary.counts["evaluations"].unchanged == 40
    assert not summary.changed
    assert checksum(any_db) == before


def _edited(package: Path, tmp_path: Path, name: str, shift: dt.timedelta) -> tuple[Path, str]:
    """The package with its first evaluation's notes changed and updated_at moved by `shift`."""
    data = load(package)
    first = data["evaluations"][0]
    stamp = dt.datetime.fromisoformat(first["updated_at"].replace("Z", "")) + shift
    first["updated_at"] = stamp.isoformat() + "Z"
    first["notes"] = f"edited ({name})"
    return write(tmp_path / f"{name}.json", data), first["id"]


def test_the_later_updated_at_wins(any_db: Database, package: Path, tmp_path: Path) -> None:
    import_package(any_db, package)
    newer, evaluation_id = _edited(package, tmp_path, "newer", dt.timedelta(hours=1))
    older, _ = _edited(package, tmp_path, "older", -dt.timedelta(hours=1))
    same, _ = _edited(package, tmp_path, "same", dt.timedelta(0))
    row_version = evaluations.get(any_db, evaluation_id).row_version

    assert import_package(any_db, older).counts["evaluations"].unchanged == 40
    assert import_package(any_db, same).counts["evaluations"].unchanged == 40
    assert evaluations.get(any_db, evaluation_id).notes != "edited (older)"

    summary = import_package(any_db, newer)
    assert (summary.counts["evaluations"].updated, summary.counts["evaluations"].unchanged) == (
        1,
        39,
    )
    stored = evaluations.get(any_db, evaluation_id)
    assert stored.notes == "edited (newer)"
    assert stored.row_version == row_version + 1  # an open editor sees the change as a conflict


def test_an_update_replaces_answers_and_rescores(
    any_db: Database, package: Path, tmp_path: Path
) -> None:
    import_package(any_db, package)
    data = load(package)
    target = next(e for e in data["evaluations"] if e["status"] == "submitted")
    target["answers"]["greeting.greeted_promptly"] = {"value": "no", "comment": "Kept waiting"}
    target["updated_at"] = "2030-01-01T00:00:00Z"
    import_package(any_db, write(tmp_path / "changed.json", data))

    stored = evaluations.get(any_db, target["id"])
    assert stored.answers["greeting.greeted_promptly"].value == "no"
    assert stored.answers["greeting.greeted_promptly"].comment == "Kept waiting"
    rubric = rubrics.get_rubric(any_db, stored.rubric_id)
    expected = scoring.score(rubric, stored.values())
    assert scores(any_db)[target["id"]][0] == scoring.fraction_text(expected.overall)
    assert stored.updated_at == dt.datetime(2030, 1, 1)


def test_two_shoppers_packages_share_properties_and_agents_by_name(
    any_db: Database, tmp_path: Path
) -> None:
    """Each shopper created "Maple Court" and "José Núñez" on their own laptop: different
    ids, same names (in other case and spacing). The merge ends with one of each."""
    from shopper.storage.db import open_database

    shopper_ids = {}
    for name, spelling in (
        ("sam", ("Maple Court", "José Núñez")),
        ("ana", ("  maple   COURT ", "josé núñez")),
    ):
        laptop = open_database(tmp_path / f"{name}.db")
        rubrics.ensure_default_rubric(laptop)
        prop = properties.create_property(laptop, spelling[0])
        agent = agents.create_agent(laptop, spelling[1], prop.id)
        rubric = rubrics.default_rubric(laptop)
        assert rubric is not None
        created = evaluations.create(
            laptop,
            rubric_id=rubric.id,
            agent_id=agent.id,
            visited_on=dt.date(2026, 11, 2),
            shopper=name,
        )
        shopper_ids[name] = created.id
        export_package(laptop, tmp_path / f"{name}.json")
        laptop.close()

    first = import_package(any_db, tmp_path / "sam.json")
    second = import_package(any_db, tmp_path / "ana.json")
    assert (first.counts["agents"].added, second.counts["agents"].added) == (1, 0)
    assert (second.counts["properties"].unchanged, second.counts["agents"].unchanged) == (1, 1)
    with any_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Property)) == 1
        assert session.scalar(select(func.count()).select_from(Agent)) == 1
        agent_ids = set(session.scalars(select(Evaluation.agent_id)))
    assert len(agent_ids) == 1
    ana = evaluations.get(any_db, shopper_ids["ana"])
    assert (ana.property_name, ana.agent_name) == ("Maple Court", "José Núñez")


def test_a_rubric_conflict_is_refused_and_nothing_is_written(
    any_db: Database, package: Path, tmp_path: Path
) -> None:
    data = load(package)
    data["rubrics"][0]["sections"][0]["items"][1]["points"] = 99
    before = checksum(any_db)
    with pytest.raises(ConflictError) as caught:
        import_package(any_db, write(tmp_path / "conflict.json", data))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'conflict.json'}: rubrics[0]: ")
    version = data["rubrics"][0]["version"]  # the bundled default, stored in both databases
    assert f'rubric "leasing-tour" version {version} conflicts with' in message
    assert checksum(any_db) == before


def test_a_new_rubric_version_in_a_package_is_added(
    any_db: Database, package: Path, tmp_path: Path
) -> None:
    data = load(package)
    newer = copy.deepcopy(data["rubrics"][0])
    newer["version"] = data["rubrics"][0]["version"] + 1
    newer["sections"][0]["items"][1]["points"] = 99
    data["rubrics"].append(newer)
    data["evaluations"][0]["rubric_version"] = newer["version"]
    summary = import_package(any_db, write(tmp_path / "newer.json", data))
    assert summary.counts["rubrics"].added == 1
    stored = evaluations.get(any_db, data["evaluations"][0]["id"])
    assert (stored.rubric_key, stored.rubric_version) == ("leasing-tour", newer["version"])


def test_history_travels_and_is_not_doubled(
    any_db: Database, source_db: Database, tmp_path: Path
) -> None:
    rubric = rubrics.default_rubric(source_db)
    assert rubric is not None
    agent = agents.list_agents(source_db)[0]
    created = evaluations.create(
        source_db,
        rubric_id=rubric.id,
        agent_id=agent.id,
        visited_on=dt.date(2026, 11, 3),
        actor="Sam",
    )
    evaluations.add_event(source_db, created.id, "follow_up", "called back", actor="Sam")
    path = tmp_path / "history.json"
    export_package(source_db, path)
    exported = next(e for e in load(path)["evaluations"] if e["id"] == created.id)
    # Version 2: the follow-up/status log travels as `events`; `history` holds the
    # append-only review history (SCORING.md, History).
    assert [h["kind"] for h in exported["events"]] == ["created", "follow_up"]

    import_package(any_db, path)
    data = load(path)
    for evaluation in data["evaluations"]:
        evaluation["updated_at"] = "2031-01-01T00:00:00Z"
    import_package(any_db, write(tmp_path / "later.json", data))
    with any_db.read() as session:
        kinds = list(
            session.scalars(
                select(EvaluationEvent.kind)
                .where(EvaluationEvent.evaluation_id == created.id)
                .order_by(EvaluationEvent.id)
            )
        )
    assert kinds == ["created", "follow_up"]


def test_export_filters(source_db: Database, tmp_path: Path) -> None:
    path = tmp_path / "drafts.json"
    summary = export_package(source_db, path, PackageFilter(status="draft"))
    data = load(path)
    assert summary.evaluations == len(data["evaluations"]) > 0
    assert {e["status"] for e in data["evaluations"]} == {"draft"}
    used_agents = {e["agent_id"] for e in data["evaluations"]}
    assert {a["id"] for a in data["agents"]} == used_agents
    assert {p["id"] for p in data["properties"]} >= {e["property_id"] for e in data["evaluations"]}
    assert "settings" not in data

    one = properties.list_properties(source_db)[0]
    export_package(source_db, path, PackageFilter(property_name=f"  {one.name.upper()} "))
    data = load(path)
    assert {e["property_id"] for e in data["evaluations"]} == {one.id}
    assert [p["id"] for p in data["properties"]] == [one.id]

    export_package(source_db, path, PackageFilter(since=dt.date(2999, 1, 1)))
    data = load(path)
    assert data["evaluations"] == [] and data["agents"] == [] and data["rubrics"] == []

    with pytest.raises(NotFoundError, match="no property called 'Nowhere'"):
        export_package(source_db, path, PackageFilter(property_name="Nowhere"))


def test_since_compares_the_change_date(source_db: Database, tmp_path: Path) -> None:
    with source_db.write() as session:
        rows = list(session.scalars(select(Evaluation).order_by(Evaluation.id).limit(3)))
        for row, day in zip(rows, (9, 10, 11), strict=True):
            row.updated_at = dt.datetime(2030, 5, day, 23, 59, 59)
        chosen = {r.id for r in rows[1:]}
        session.execute(
            table_of(Evaluation)
            .update()
            .where(Evaluation.id.not_in([r.id for r in rows]))
            .values(updated_at=dt.datetime(2020, 1, 1))
        )
    path = tmp_path / "since.json"
    export_package(source_db, path, PackageFilter(since=dt.date(2030, 5, 10)))
    assert {e["id"] for e in load(path)["evaluations"]} == chosen
