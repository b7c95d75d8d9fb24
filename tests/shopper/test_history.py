"""The history nobody can rewrite: the database itself refuses UPDATE and DELETE of its
events (PostgreSQL and SQLite), and a long timeline opens fast."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import exc, text

from shopper.rubric import parse_rubric
from shopper.services import agents, evaluations, history, properties, review, rubrics
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database, open_database
from tests.shopper.rubric_factory import rubric_dict

DAY = dt.date(2026, 11, 20)
ANSWERS = {
    "greeting.prompt": AnswerData("yes"),
    "greeting.rapport": AnswerData(4),
    "greeting.booking": AnswerData("Shopper asked"),
    "follow_up.called": AnswerData("no"),
    "fair.no_steering": AnswerData("yes"),
    "cx.likely": AnswerData(4),
}


def _submitted_shop(db: Database) -> str:
    info = rubrics.save_rubric(db, parse_rubric(rubric_dict())).info
    prop = properties.create_property(db, "Maple Court")
    agent = agents.create_agent(db, "Ana", prop.id)
    shop = evaluations.create(
        db,
        rubric_id=info.id,
        agent_id=agent.id,
        visited_on=DAY,
        answers=ANSWERS,
        status="submitted",
        actor="Sam",
    )
    review.exclude(db, shop.id, actor="Rita", reason="Wrong agent")
    return shop.id


def _count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM history_events")).scalar_one())


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE history_events SET reason = 'rewritten'",
        "DELETE FROM history_events",
        "DELETE FROM evaluations",
    ],
)
def test_the_database_refuses_to_change_or_delete_history(any_db: Database, statement: str) -> None:
    shop_id = _submitted_shop(any_db)
    before = history.timeline(any_db, shop_id)
    assert len(before) == 2
    with pytest.raises(exc.DBAPIError) as caught, any_db.engine.begin() as conn:
        conn.execute(text(statement))
    assert (
        "never changed or deleted" in str(caught.value)
        or "FOREIGN KEY" in str(caught.value)
        or "foreign key" in str(caught.value)
    )
    assert history.timeline(any_db, shop_id) == before


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(pg_url: str) -> None:
    """PostgreSQL only: SQLite has no TRUNCATE (its DELETE is refused by the test above)."""
    db = open_database(pg_url)
    try:
        _submitted_shop(db)
        with pytest.raises(exc.DBAPIError, match="never changed"), db.engine.begin() as conn:
            conn.execute(text("TRUNCATE history_events CASCADE"))
        assert _count(db) == 2
    finally:
        db.close()


def test_a_timeline_of_200_events_comes_whole_and_in_order(any_db: Database) -> None:
    """Its speed is the benchmark's `history_open_s` (BENCHMARKS.md), not a timed test."""
    shop_id = _submitted_shop(any_db)
    for n in range(99):
        review.include(any_db, shop_id, actor="Rita", reason=f"round {n}")
        review.exclude(any_db, shop_id, actor="Rita", reason=f"round {n}")
    assert _count(any_db) == 200
    events = history.timeline(any_db, shop_id)
    assert len(events) == 200
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert [e.reason for e in events[-2:]] == ["round 98", "round 98"]
