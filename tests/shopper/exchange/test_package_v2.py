"""Package format version 2: people, review state, exclusion, history and disputes travel;
version 1 files still import; a second import changes nothing; two diverged copies merge to
the later version of each shop and the union of both histories, checked event by event."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exc, text

from shopper.exchange.package_export import export_package
from shopper.exchange.package_import import import_package
from shopper.services import (
    aggregates,
    disputes,
    evaluation_list,
    evaluations,
    history,
    people,
    review,
)
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database, open_database
from tests.shopper.exchange.conftest import checksum, load, write
from tests.shopper.test_review import DAY, full_answers, make_setup


def _story(db: Database) -> list[str]:
    """Three shops: released and disputed (accepted), excluded, returned."""
    _, rubric_id, agent_id = make_setup(db)
    people.add(db, "Sam Lee", ["shopper"])
    people.add(db, "Rita Ortiz", ["reviewer"])
    people.add(db, "Tom Baker", ["trainer"])
    ids = []
    for n in range(3):
        shop = evaluations.create(
            db,
            rubric_id=rubric_id,
            agent_id=agent_id,
            visited_on=DAY + dt.timedelta(days=n),
            answers=full_answers(),
            status="submitted",
            actor="Sam Lee",
            shopper="Sam Lee",
        )
        ids.append(shop.id)
    review.edit_answers(db, ids[0], {"greeting.rapport": 3}, actor="Rita Ortiz", reason="Brief")
    review.release(db, ids[0], actor="Rita Ortiz")
    opened = disputes.open_dispute(
        db, ids[0], [disputes.ProposedItem("greeting.rapport", 5, "Warm")], actor="Tom Baker"
    )
    disputes.resolve(
        db, opened.id, "greeting.rapport", "accepted", actor="Rita Ortiz", reason="Agreed"
    )
    review.exclude(db, ids[1], actor="Rita Ortiz", reason="Wrong agent")
    review.return_to_shopper(db, ids[2], actor="Rita Ortiz", reason="Check the date")
    return ids


def _state(db: Database, ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for shop_id in ids:
        shop = evaluations.get(db, shop_id)
        out[shop_id] = (
            shop.status,
            shop.released_at,
            shop.excluded,
            shop.values(),
            shop.overall_pct,
            shop.updated_at,
            history.timeline(db, shop_id),
            disputes.list_disputes(db, evaluation_id=shop_id),
        )
    return out


def _people(db: Database) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(p.id, p.name, p.roles) for p in people.list_people(db)]


def test_v2_round_trip_and_a_second_import_changes_nothing(
    any_db: Database, tmp_path: Path
) -> None:
    source = open_database(str(tmp_path / "source.db"))
    try:
        ids = _story(source)
        path = tmp_path / "v2.json"
        export_package(source, path)
        expected, expected_people = _state(source, ids), _people(source)
    finally:
        source.close()
    data = load(path)
    assert data["format_version"] == 2
    assert {p["name"] for p in data["people"]} == {"Sam Lee", "Rita Ortiz", "Tom Baker"}
    by_id = {e["id"]: e for e in data["evaluations"]}
    assert by_id[ids[0]]["status"] == "released" and by_id[ids[0]]["disputes"][0]["closed_at"]
    assert by_id[ids[1]]["excluded"]["reason"] == "Wrong agent"
    assert [h["action"] for h in by_id[ids[2]]["history"]] == ["submit", "return"]

    summary = import_package(any_db, path)
    assert summary.counts["evaluations"].added == 3
    assert _state(any_db, ids) == expected
    assert _people(any_db) == expected_people
    before = checksum(any_db)
    again = import_package(any_db, path)
    assert again.counts["evaluations"].unchanged == 3 and not again.changed
    assert checksum(any_db) == before


def test_a_version_1_file_imports_as_submitted_with_no_history(
    any_db: Database, tmp_path: Path
) -> None:
    source = open_database(str(tmp_path / "source.db"))
    try:
        _, rubric_id, agent_id = make_setup(source)
        shop = evaluations.create(
            source,
            rubric_id=rubric_id,
            agent_id=agent_id,
            visited_on=DAY,
            answers=full_answers(),
            status="submitted",
            actor="Sam",
        )
        export_package(source, tmp_path / "v2.json")
    finally:
        source.close()
    data = load(tmp_path / "v2.json")
    data["format_version"] = 1
    data.pop("people")
    for evaluation in data["evaluations"]:
        evaluation["history"] = evaluation.pop("events")  # version 1 calls these history
    path = write(tmp_path / "v1.json", data)
    import_package(any_db, path)
    imported = evaluations.get(any_db, shop.id)
    assert (imported.status, imported.excluded, imported.released_at) == ("submitted", None, None)
    assert [e.kind for e in imported.events] == ["created"]
    assert history.timeline(any_db, shop.id) == ()
    assert aggregates.period_aggregates(any_db, aggregates.Period()).portfolio_overall.count == 1
    # from now on it has a history like any submitted shop
    review.release(any_db, shop.id, actor="Rita")
    assert [e.action for e in history.timeline(any_db, shop.id)] == ["release"]
    before = checksum(any_db)
    import_package(any_db, path)  # older than what the database has now: nothing changes
    assert checksum(any_db) == before


def test_two_diverged_copies_merge_event_by_event(db_target: str, tmp_path: Path) -> None:
    a = open_database(str(tmp_path / "a.db"))
    b = open_database(db_target)
    try:
        ids = _story(a)
        export_package(a, tmp_path / "a0.json")
        import_package(b, tmp_path / "a0.json")
        # Diverge: on A the reviewer reopens the disputed shop and edits it; on B someone
        # else (a person only B knows) includes the excluded shop, and the returned shop is
        # fixed and submitted again.
        review.reopen(a, ids[0], actor="Rita Ortiz", reason="Date was wrong")
        review.edit(
            a,
            ids[0],
            evaluations.get(a, ids[0]).row_version,
            actor="Rita Ortiz",
            reason="Visited a day earlier",
            visited_on=DAY - dt.timedelta(days=1),
        )
        review.include(b, ids[1], actor="Bo Chen", reason="Right agent after all")
        returned = evaluations.get(b, ids[2])
        fixed = dict(returned.answers)
        fixed["greeting.prompt"] = AnswerData("no")
        saved = evaluations.save(b, ids[2], returned.row_version, answers=fixed, actor="Sam Lee")
        evaluations.set_status(b, ids[2], "submitted", saved.row_version, actor="Sam Lee")
        # A changed shop 0 later than B did anything to it; B changed shops 1 and 2 later.
        export_package(a, tmp_path / "a1.json")
        export_package(b, tmp_path / "b1.json")
        a_events = {i: history.timeline(a, i) for i in ids}
        b_events = {i: history.timeline(b, i) for i in ids}
        import_package(a, tmp_path / "b1.json")
        import_package(b, tmp_path / "a1.json")

        for db in (a, b):
            assert evaluations.get(db, ids[0]).status == "reviewed"
            assert evaluations.get(db, ids[0]).visited_on == DAY - dt.timedelta(days=1)
            assert evaluations.get(db, ids[1]).excluded is None
            assert evaluations.get(db, ids[2]).status == "submitted"
            assert evaluations.get(db, ids[2]).values()["greeting.prompt"] == "no"
            for shop_id in ids:
                merged = history.timeline(db, shop_id)
                union = {e.id: e for e in (*a_events[shop_id], *b_events[shop_id])}
                assert {e.id for e in merged} == set(union)
                assert len(merged) == len(union)
                for event in merged:  # each event exactly as it was written, but `by_id`:
                    written = union[event.id]  # a person new to one side keeps their id
                    assert (event.at, event.by_name, event.action, event.field) == (
                        written.at,
                        written.by_name,
                        written.action,
                        written.field,
                    )
                    assert (event.from_value, event.to_value, event.reason) == (
                        written.from_value,
                        written.to_value,
                        written.reason,
                    )
                    assert event.by_id == written.by_id
        assert _state(a, ids) == _state(b, ids)
        assert "Bo Chen" in {p.name for p in people.list_people(a)}
        # and once merged, importing either file again changes nothing
        before = checksum(a)
        import_package(a, tmp_path / "b1.json")
        import_package(a, tmp_path / "a1.json")
        assert checksum(a) == before
    finally:
        a.close()
        b.close()


def test_a_restore_replaces_a_database_with_history(db_target: str, tmp_path: Path) -> None:
    source = open_database(str(tmp_path / "source.db"))
    target = open_database(db_target)
    try:
        ids = _story(source)
        export_package(source, tmp_path / "backup.json")
        expected = _state(source, ids)
        other = _story(target)  # a database with its own history, replaced whole
        import_package(target, tmp_path / "backup.json", replace=True)
        assert _state(target, ids) == expected
        assert set(evaluation_list.list_ids(target)) == set(ids)
        assert not set(other) & set(evaluation_list.list_ids(target))
        # the guard is back: history cannot be deleted afterwards
        with pytest.raises(exc.DBAPIError), target.engine.begin() as conn:
            conn.execute(text("DELETE FROM history_events"))
    finally:
        source.close()
        target.close()


def test_agents_match_by_the_apps_name_rule(any_db: Database, tmp_path: Path) -> None:
    source = open_database(str(tmp_path / "source.db"))
    try:
        _, rubric_id, agent_id = make_setup(source)
        evaluations.create(source, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY)
        export_package(source, tmp_path / "p.json")
    finally:
        source.close()
    make_setup(any_db)  # its own "José Núñez" at its own "Maple Court"
    data = load(tmp_path / "p.json")
    data["agents"][0]["name"] = "  jose   NUNEZ "
    summary = import_package(any_db, write(tmp_path / "q.json", data))
    assert (summary.counts["agents"].added, summary.counts["agents"].unchanged) == (0, 1)


def test_a_resolution_on_one_side_and_a_later_change_on_the_other_both_stay(
    db_target: str, tmp_path: Path
) -> None:
    """A resolves a dispute (the answer changes); B, still seeing it open, excludes the shop
    later. Merged both ways: B's exclusion (the later change) and A's resolved answer."""
    a = open_database(str(tmp_path / "a.db"))
    b = open_database(db_target)
    try:
        _, rubric_id, agent_id = make_setup(a)
        shop = evaluations.create(
            a,
            rubric_id=rubric_id,
            agent_id=agent_id,
            visited_on=DAY,
            answers=full_answers(),
            status="submitted",
            actor="Sam",
        )
        review.release(a, shop.id, actor="Rita")
        opened = disputes.open_dispute(
            a, shop.id, [disputes.ProposedItem("follow_up.called", "yes", "Log")], actor="Tom"
        )
        export_package(a, tmp_path / "a0.json")
        import_package(b, tmp_path / "a0.json")
        disputes.resolve(
            a, opened.id, "follow_up.called", "accepted", actor="Rita", reason="Call log"
        )
        review.exclude(b, shop.id, actor="Rita", reason="Wrong agent")
        export_package(a, tmp_path / "a1.json")
        export_package(b, tmp_path / "b1.json")
        import_package(a, tmp_path / "b1.json")
        import_package(b, tmp_path / "a1.json")
        for db in (a, b):
            merged = evaluations.get(db, shop.id)
            assert merged.excluded is not None
            assert merged.values()["follow_up.called"] == "yes"
            assert merged.overall_pct == 78.0  # (5 + 7.5 + 1 + 6) / 25
            (dispute,) = disputes.list_disputes(db, evaluation_id=shop.id)
            assert dispute.closed_at is not None
    finally:
        a.close()
        b.close()
