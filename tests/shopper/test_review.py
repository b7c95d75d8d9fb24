"""Review and release in the core: statuses, reasons, who counts, and the whole story of one
shop told by its history (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from shopper.errors import ReadOnlyError, ValidationError
from shopper.rubric import parse_rubric
from shopper.services import (
    agents,
    aggregates,
    disputes,
    evaluation_list,
    evaluations,
    history,
    people,
    properties,
    review,
    rubrics,
    settings,
)
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database
from tests.shopper.rubric_factory import rubric_dict

DAY = dt.date(2026, 11, 20)
ALL = aggregates.Period()


def make_setup(db: Database) -> tuple[Database, int, str]:
    """(db, rubric id, agent id): the test rubric, one property and one agent."""
    info = rubrics.save_rubric(db, parse_rubric(rubric_dict())).info
    prop = properties.create_property(db, "Maple Court")
    agent = agents.create_agent(db, "José Núñez", prop.id)
    return db, info.id, agent.id


@pytest.fixture
def setup(any_db: Database) -> tuple[Database, int, str]:
    return make_setup(any_db)


def full_answers() -> dict[str, AnswerData]:
    return {
        "greeting.prompt": AnswerData("yes"),
        "greeting.rapport": AnswerData(4, "Warm"),
        "greeting.booking": AnswerData("Shopper asked"),
        "greeting.note": AnswerData("The Lofts"),
        "follow_up.called": AnswerData("no"),
        "fair.no_steering": AnswerData("yes"),
        "cx.likely": AnswerData(4),
    }


def portfolio(db: Database) -> aggregates.Average:
    return aggregates.period_aggregates(db, ALL).portfolio_overall


def counted_with(db: Database, required: bool) -> tuple[Fraction | None, int]:
    settings.set_review_required(db, required)
    average = portfolio(db)
    return average.value, average.count


def story(db: Database, evaluation_id: str) -> list[tuple[object, ...]]:
    return [
        (e.action, e.field, e.by_name, e.from_value, e.to_value, e.reason)
        for e in history.timeline(db, evaluation_id)
    ]


def test_shopper_reviewer_trainer_end_to_end(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    sam = people.add(db, "Sam Lee", ["shopper"])
    rita = people.add(db, "Rita Ortiz", ["reviewer"])
    tom = people.add(db, "Tom Baker", ["trainer"])

    draft = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        shopper="Sam Lee",
        answers=full_answers(),
        actor=sam.id,
        shopper_id=sam.id,
    )
    assert history.timeline(db, draft.id) == ()  # a draft's autosaves are not history
    shop = evaluations.set_status(db, draft.id, "submitted", draft.row_version, actor=sam.id)
    assert counted_with(db, False) == (Fraction(54), 1)
    assert counted_with(db, True) == (None, 0)

    # The reviewer edits two answers, each with its reason, then returns the shop.
    shop = review.edit_answers(
        db, shop.id, {"greeting.prompt": "no"}, actor=rita.id, reason="Greeted after 2 minutes"
    )
    shop = review.edit_answers(
        db, shop.id, {"greeting.rapport": 3}, actor="rita ortiz", reason="Rapport was brief"
    )
    assert shop.answers["greeting.rapport"] == AnswerData(3, "Warm")  # comment kept
    with pytest.raises(ValidationError, match="say why the evaluation is returned"):
        review.return_to_shopper(db, shop.id, actor=rita.id, reason=" ")
    shop = review.return_to_shopper(db, shop.id, actor=rita.id, reason="Check the booking answer")
    assert shop.status == "returned"
    assert counted_with(db, False) == (None, 0)

    # The shopper fixes it (autosaves are not events) and submits again.
    fixed = dict(shop.answers)
    fixed["greeting.booking"] = AnswerData("Shopper asked")
    shop = evaluations.save(db, shop.id, shop.row_version, answers=fixed, actor=sam.id)
    fixed["greeting.booking"] = AnswerData("Agent offered", "They offered 3 pm")
    shop = evaluations.save(db, shop.id, shop.row_version, answers=fixed, actor=sam.id)
    shop = evaluations.set_status(db, shop.id, "submitted", shop.row_version, actor="Sam Lee")

    shop = review.release(db, shop.id, actor=rita.id, expected_row_version=shop.row_version)
    assert shop.status == "released" and shop.released_at is not None
    with pytest.raises(ReadOnlyError, match="released"):
        evaluations.save(db, shop.id, shop.row_version, answers=full_answers(), reason="x")

    # A trainer disputes an item; the reviewer accepts it.
    opened = disputes.open_dispute(
        db,
        shop.id,
        [disputes.ProposedItem("greeting.prompt", "yes", "The recording shows a prompt greeting")],
        actor=tom.id,
    )
    assert opened.is_open and opened.items[0].original == "no"
    closed = disputes.resolve(
        db, opened.id, "greeting.prompt", "accepted", actor=rita.id, reason="Recording agrees"
    )
    assert not closed.is_open and closed.items[0].resolved_answer == "yes"

    final = evaluations.get(db, shop.id)
    assert final.status == "released"
    assert final.values() == {
        "greeting.prompt": "yes",
        "greeting.rapport": 3,
        "greeting.booking": "Agent offered",
        "greeting.note": "The Lofts",
        "follow_up.called": "no",
        "fair.no_steering": "yes",
        "cx.likely": 4,
    }
    # (5 + 10·2/4 + 4 + 0) of (5 + 10 + 4 + 6) = 14/25
    assert final.overall_pct == 56.0
    assert counted_with(db, False) == (Fraction(56), 1)
    assert counted_with(db, True) == (Fraction(56), 1)

    assert story(db, shop.id) == [
        ("submit", "status", "Sam Lee", "draft", "submitted", None),
        ("edit", "greeting.prompt", "Rita Ortiz", "yes", "no", "Greeted after 2 minutes"),
        ("edit", "greeting.rapport", "Rita Ortiz", 4, 3, "Rapport was brief"),
        ("return", "status", "Rita Ortiz", "submitted", "returned", "Check the booking answer"),
        ("resubmit", "status", "Sam Lee", "returned", "submitted", None),
        ("edit", "greeting.booking", "Sam Lee", "Shopper asked", "Agent offered", None),
        ("edit", "greeting.booking.comment", "Sam Lee", None, "They offered 3 pm", None),
        ("release", "status", "Rita Ortiz", "submitted", "released", None),
        (
            "dispute_open",
            "greeting.prompt",
            "Tom Baker",
            "no",
            "yes",
            "The recording shows a prompt greeting",
        ),
        ("dispute_accepted", "greeting.prompt", "Rita Ortiz", "no", "yes", "Recording agrees"),
        ("dispute_closed", None, "Rita Ortiz", None, None, None),
    ]
    events = history.timeline(db, shop.id)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert {e.by_id for e in events} == {sam.id, rita.id, tom.id}
    stats = disputes.statistics(db)
    assert (stats.released_shops, stats.disputes, stats.items_changed) == (1, 1, 1)
    assert stats.per_100_released == 100.0


def test_exclusion_is_a_reversible_flag_with_reasons(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    draft = evaluations.create(db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY)
    with pytest.raises(ValidationError, match="only a submitted, reviewed or released shop"):
        review.exclude(db, draft.id, actor="Rita", reason="Wrong property")
    shop = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        answers=full_answers(),
        status="submitted",
        actor="Sam",
    )
    with pytest.raises(ValidationError, match="say why the shop is excluded"):
        review.exclude(db, shop.id, actor="Rita", reason="")
    with pytest.raises(ValidationError, match="say who"):
        review.exclude(db, shop.id, actor="", reason="Wrong property")
    excluded = review.exclude(db, shop.id, actor="Rita", reason="Wrong property")
    assert excluded.excluded is not None and excluded.excluded.by == "Rita"
    assert portfolio(db).count == 0
    flt = evaluation_list.EvaluationFilter
    assert evaluation_list.count(db, flt(counted=True)) == 0
    assert evaluation_list.count(db, flt(excluded=True)) == 1
    with pytest.raises(ValidationError, match="already excluded"):
        review.exclude(db, shop.id, actor="Rita", reason="again")
    review.include(db, shop.id, actor="Rita", reason="It was the right property")
    assert portfolio(db).count == 1
    assert evaluation_list.count(db, flt(counted=True)) == 1
    assert [e.action for e in history.timeline(db, shop.id)] == ["submit", "exclude", "include"]


def test_refused_moves_say_why_and_change_nothing(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    shop = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        answers=full_answers(),
        status="submitted",
        actor="Sam",
    )
    shop = review.release(db, shop.id, actor="Rita")
    before = (evaluations.get(db, shop.id), history.timeline(db, shop.id))
    with pytest.raises(ValidationError, match="released: it cannot become returned"):
        review.return_to_shopper(db, shop.id, actor="Rita", reason="late")
    with pytest.raises(ValidationError, match="say why the evaluation is reopened"):
        review.reopen(db, shop.id, actor="Rita", reason="")
    with pytest.raises(ReadOnlyError):
        review.edit_answers(db, shop.id, {"greeting.prompt": "no"}, actor="Rita", reason="x")
    with pytest.raises(ReadOnlyError, match="history"):
        evaluations.delete_evaluation(db, shop.id)
    assert (evaluations.get(db, shop.id), history.timeline(db, shop.id)) == before
    reopened = review.reopen(db, shop.id, actor="Rita", reason="Wrong date")
    assert reopened.status == "reviewed"
    assert history.timeline(db, shop.id)[-1].reason == "Wrong date"


def test_shopper_reopen_then_resubmit_records_the_changes(
    setup: tuple[Database, int, str],
) -> None:
    db, rubric_id, agent_id = setup
    shop = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        answers=full_answers(),
        status="submitted",
        actor="Sam",
        shopper="Sam",
    )
    shop = evaluations.set_status(
        db, shop.id, "draft", shop.row_version, actor="Sam", reason="Typo"
    )
    shop = evaluations.save(
        db, shop.id, shop.row_version, visited_on=DAY - dt.timedelta(days=1), channel="phone"
    )
    shop = evaluations.set_status(db, shop.id, "submitted", shop.row_version, actor="Sam")
    assert story(db, shop.id)[1:] == [
        ("reopen", "status", "Sam", "submitted", "draft", "Typo"),
        ("resubmit", "status", "Sam", "draft", "submitted", None),
        ("edit", "visited_on", "Sam", "2026-11-20", "2026-11-19", None),
        ("edit", "channel", "Sam", "in_person", "phone", None),
    ]


def test_people_by_name_and_roles(any_db: Database) -> None:
    ana = people.add(any_db, "José Ana", ["reviewer"])
    assert people.add(any_db, "jose  ana", ["trainer"]).id == ana.id
    assert people.get_person(any_db, ana.id).roles == ("reviewer", "trainer")
    with pytest.raises(ValidationError, match="not a role"):
        people.add(any_db, "Bob", ["boss"])
    found = people.find(any_db, "Jose Ana")
    assert found is not None and found.id == ana.id
    assert [p.name for p in people.list_people(any_db)] == ["José Ana"]


def test_csv_lists_every_shop_with_status_and_exclusion(
    setup: tuple[Database, int, str], tmp_path: Path
) -> None:
    import csv

    from shopper.exchange.csv_export import FIXED_COLUMNS, TRAILING_COLUMNS, export_csv

    db, rubric_id, agent_id = setup
    made = [
        evaluations.create(
            db,
            rubric_id=rubric_id,
            agent_id=agent_id,
            visited_on=DAY + dt.timedelta(days=n),
            answers=full_answers(),
            status="submitted",
            actor="Sam",
        )
        for n in range(3)
    ]
    review.release(db, made[1].id, actor="Rita")
    review.exclude(db, made[2].id, actor="Rita", reason="=Wrong agent")
    settings.set_review_required(db, True)  # the CSV says nothing about counting
    out = tmp_path / "shops.csv"
    assert export_csv(db, out) == 3
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    sections = ["greeting_pct", "follow_up_pct", "fair_pct", "cx_pct"]
    assert rows[0] == [*FIXED_COLUMNS, *sections, *TRAILING_COLUMNS]
    table = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [(r["status"], r["excluded"], r["excluded_reason"]) for r in table] == [
        ("submitted", "false", ""),
        ("released", "false", ""),
        ("submitted", "true", "'=Wrong agent"),
    ]
    assert table[1]["released_at"].endswith("Z") and table[0]["released_at"] == ""


def test_review_queue_oldest_submission_first_in_pages(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    made = []
    for n in range(5):
        answers = full_answers()
        answers["greeting.rapport"] = AnswerData(n + 1, "c" if n % 2 else None)
        made.append(
            evaluations.create(
                db,
                rubric_id=rubric_id,
                agent_id=agent_id,
                visited_on=DAY - dt.timedelta(days=n),  # visits in the other order
                answers=answers,
                status="submitted",
                shopper="Sam",
            ).id
        )
    review.mark_reviewed(db, made[1], actor="Rita")
    review.release(db, made[2], actor="Rita")
    review.exclude(db, made[3], actor="Rita", reason="Test shop")
    waiting = [made[0], made[1], made[4]]
    assert review.queue_count(db) == 3
    assert [q.id for q in review.queue(db)] == waiting
    assert [q.id for q in review.queue(db, limit=2)] == waiting[:2]
    assert [q.id for q in review.queue(db, limit=2, offset=2)] == waiting[2:]
    first = review.queue(db)[0]
    assert (first.status, first.shopper, first.agent_name, first.comment_count) == (
        "submitted",
        "Sam",
        "José Núñez",
        0,
    )
    assert [q.comment_count for q in review.queue(db)] == [0, 1, 0]
