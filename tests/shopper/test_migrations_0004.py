"""Revision 0004 (people, review, history, disputes) from a filled revision-0003 database:
every shop keeps its status and scores, submitted ones get a first history event, and the
history is append-only from the start."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import exc, select, text

from shopper.domain import IMPORTED_REASON
from shopper.services import aggregates, history, review
from shopper.storage import migrate
from shopper.storage.db import Database, create_db_engine, open_database, resolve_url
from shopper.storage.models import Evaluation
from tests.shopper.rubric_factory import rubric_dict

RUBRIC_JSON = json.dumps(rubric_dict())
NOW = dt.datetime(2026, 1, 2, 3, 4, 5)
STATUSES = ("submitted", "awaiting_follow_up", "draft", "draft")


def _filled_0003(target: str) -> None:
    db = Database(resolve_url(target), create_db_engine(resolve_url(target)))
    migrate.upgrade(db, "0003")
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO properties VALUES ('p1', 'Maple Court', NULL, :now, :now)"),
            {"now": NOW},
        )
        conn.execute(
            text("INSERT INTO agents VALUES ('a1', 'José Núñez', 'p1', :t, :now, :now)"),
            {"now": NOW, "t": True},
        )
        conn.execute(
            text(
                "INSERT INTO rubrics (key, version, name, content, content_hash, created_at) "
                "VALUES ('test-tour', 1, 'Test Tour', :c, 'h', :now)"
            ),
            {"c": RUBRIC_JSON, "now": NOW},
        )
        rubric_id = conn.execute(text("SELECT id FROM rubrics")).scalar_one()
        for n, status in enumerate(STATUSES):
            conn.execute(
                text(
                    "INSERT INTO evaluations (id, rubric_id, property_id, agent_id, shopper, "
                    "visited_on, channel, status, notes, created_at, updated_at, row_version, "
                    "overall_pct, overall_exact, critical_failure, answered_count, total_count) "
                    "VALUES (:id, :r, 'p1', 'a1', 'Sam', :day, 'phone', :status, 'n', :now, "
                    ":now, 3, :pct, :exact, :f, 3, 4)"
                ),
                {
                    "id": f"e{n}",
                    "r": rubric_id,
                    "day": dt.date(2026, 1, 10),
                    "status": status,
                    "now": NOW,
                    "f": False,
                    "pct": 87.25 - n,
                    "exact": f"{349 - 4 * n}/4",
                },
            )
            conn.execute(
                text("INSERT INTO answers VALUES (:id, 'greeting.rapport', '4', 'Warm')"),
                {"id": f"e{n}"},
            )
        # e3 was submitted once, then reopened (the old history table says so)
        for kind, at in (("submitted", NOW), ("reopened", NOW + dt.timedelta(hours=1))):
            conn.execute(
                text(
                    "INSERT INTO evaluation_events (evaluation_id, at, actor, kind, detail) "
                    "VALUES ('e3', :at, 'Sam', :kind, NULL)"
                ),
                {"at": at, "kind": kind},
            )
    db.close()


def _shops(db: Database) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT id, status, overall_pct, overall_exact, row_version, updated_at "
                    "FROM evaluations ORDER BY id"
                )
            )
        ]


def test_a_filled_0003_database_upgrades_with_status_and_scores_unchanged(
    db_target: str,
) -> None:
    _filled_0003(db_target)
    old = Database(resolve_url(db_target), create_db_engine(resolve_url(db_target)))
    before = _shops(old)
    old.close()

    db = open_database(db_target)
    try:
        assert migrate.current_revision(db) == (migrate.HEAD_REVISION, True)
        assert _shops(db) == before
        with db.read() as session:
            extra = session.execute(
                select(
                    Evaluation.purpose,
                    Evaluation.first_submitted_at,
                    Evaluation.released_at,
                    Evaluation.excluded_at,
                ).order_by(Evaluation.id)
            ).all()
        assert [r.purpose for r in extra] == ["shop"] * 4
        assert extra[0].first_submitted_at == NOW  # submitted: from its last save
        assert extra[3].first_submitted_at == NOW  # reopened draft: from its old history
        assert extra[1].first_submitted_at is None and extra[2].first_submitted_at is None
        assert all(r.released_at is None and r.excluded_at is None for r in extra)
        for shop_id, status in (("e0", "submitted"), ("e3", "draft")):
            (event,) = history.timeline(db, shop_id)
            assert (event.action, event.to_value, event.reason) == (
                "imported",
                status,
                IMPORTED_REASON,
            )
        assert history.timeline(db, "e1") == () and history.timeline(db, "e2") == ()
        # the submitted shop still counts (review_required is off by default)
        assert aggregates.period_aggregates(db, aggregates.Period()).portfolio_overall.count == 1
        # and the history is append-only in the upgraded database too
        with pytest.raises(exc.DBAPIError), db.engine.begin() as conn:
            conn.execute(text("UPDATE history_events SET reason = 'x'"))
        review.exclude(db, "e0", actor="Rita", reason="Test shop")
        assert [e.action for e in history.timeline(db, "e0")] == ["imported", "exclude"]
    finally:
        db.close()


def test_0004_downgrades_to_0003(db_target: str) -> None:
    _filled_0003(db_target)
    db = open_database(db_target)
    try:
        from alembic import command

        with db.engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0003")
        assert migrate.current_revision(db) == ("0003", True)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM evaluations")).scalar() == 4
    finally:
        db.close()
