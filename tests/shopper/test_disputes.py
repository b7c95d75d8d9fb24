"""Disputes: only released shops, only within the window, each item resolved once, closed
disputes stay closed; accepted and amended answers rescore the shop."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from shopper.errors import NotFoundError, ValidationError
from shopper.services import disputes, evaluations, history, review, settings
from shopper.services.disputes import ProposedItem
from shopper.storage.db import Database
from shopper.storage.models import utcnow
from tests.shopper.test_review import DAY, full_answers, make_setup


@pytest.fixture
def setup(any_db: Database) -> tuple[Database, int, str]:
    return make_setup(any_db)


def _released(setup_: tuple[Database, int, str]) -> tuple[Database, str]:
    db, rubric_id, agent_id = setup_
    shop = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        answers=full_answers(),
        status="submitted",
        actor="Sam",
    )
    review.release(db, shop.id, actor="Rita")
    return db, shop.id


def _state(db: Database, shop_id: str) -> tuple[object, ...]:
    return (
        evaluations.get(db, shop_id),
        history.timeline(db, shop_id),
        disputes.list_disputes(db, evaluation_id=shop_id),
    )


def test_only_released_shops_within_the_window(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    submitted = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        answers=full_answers(),
        status="submitted",
    )
    item = [ProposedItem("greeting.prompt", "no", "late")]
    with pytest.raises(ValidationError, match="only a released shop can be disputed"):
        disputes.open_dispute(db, submitted.id, item, actor="Tom")
    db, shop_id = _released(setup)
    before = _state(db, shop_id)
    released_at = evaluations.get(db, shop_id).released_at
    assert released_at is not None
    late = released_at + dt.timedelta(days=14, seconds=1)
    with pytest.raises(
        ValidationError, match=r"dispute window of this shop closed on .* \(14 days"
    ):
        disputes.open_dispute(db, shop_id, item, actor="Tom", now=late)
    settings.put(db, settings.DISPUTE_DAYS, "30")
    with pytest.raises(ValidationError, match=r"no item 'greeting\.nope'"):
        disputes.open_dispute(db, shop_id, [ProposedItem("greeting.nope", "no", "x")], actor="T")
    with pytest.raises(ValidationError, match="above the scale maximum 5"):
        disputes.open_dispute(db, shop_id, [ProposedItem("greeting.rapport", 9, "x")], actor="T")
    with pytest.raises(ValidationError, match=r"say why greeting\.prompt is disputed"):
        disputes.open_dispute(db, shop_id, [ProposedItem("greeting.prompt", "no", "")], actor="T")
    assert _state(db, shop_id) == before
    opened = disputes.open_dispute(db, shop_id, item, actor="Tom", now=late)
    assert opened.is_open


def test_resolutions_rescore_and_close(setup: tuple[Database, int, str]) -> None:
    db, shop_id = _released(setup)
    assert evaluations.get(db, shop_id).overall_pct == 54.0
    opened = disputes.open_dispute(
        db,
        shop_id,
        [
            ProposedItem("greeting.prompt", "no", "Greeted late"),
            ProposedItem("greeting.rapport", 5, "Very warm"),
            ProposedItem("follow_up.called", "yes", "They called on day 2"),
        ],
        actor="Tom",
    )
    with pytest.raises(ValidationError, match="this shop already has an open dispute"):
        disputes.open_dispute(db, shop_id, [ProposedItem("cx.likely", 5, "x")], actor="Tom")
    with pytest.raises(ValidationError, match="open dispute; resolve it before reopening"):
        review.reopen(db, shop_id, actor="Rita", reason="x")
    upheld = disputes.resolve(
        db, opened.id, "greeting.prompt", "upheld", actor="Rita", reason="Recording: on time"
    )
    assert upheld.is_open and evaluations.get(db, shop_id).overall_pct == 54.0
    with pytest.raises(ValidationError, match="already resolved"):
        disputes.resolve(db, opened.id, "greeting.prompt", "accepted", actor="Rita", reason="x")
    with pytest.raises(ValidationError, match=r"amended answer for greeting\.rapport"):
        disputes.resolve(db, opened.id, "greeting.rapport", "amended", actor="Rita", reason="x")
    with pytest.raises(ValidationError, match="say why the item is amended"):
        disputes.resolve(
            db, opened.id, "greeting.rapport", "amended", actor="Rita", reason="", answer=4
        )
    disputes.resolve(
        db, opened.id, "greeting.rapport", "amended", actor="Rita", reason="Warm", answer=5
    )
    # (5 + 10 + 1 + 0) / 25
    assert evaluations.get(db, shop_id).overall_pct == 64.0
    closed = disputes.resolve(
        db, opened.id, "follow_up.called", "accepted", actor="Rita", reason="Call log"
    )
    assert closed.closed_at is not None
    shop = evaluations.get(db, shop_id)
    assert shop.status == "released" and shop.overall_pct == 88.0  # (5 + 10 + 1 + 6) / 25
    before = _state(db, shop_id)
    with pytest.raises(ValidationError, match="a closed dispute cannot be reopened"):
        disputes.resolve(db, opened.id, "greeting.prompt", "accepted", actor="Rita", reason="x")
    with pytest.raises(NotFoundError):
        disputes.resolve(db, "nope", "greeting.prompt", "accepted", actor="Rita", reason="x")
    assert _state(db, shop_id) == before
    stats = disputes.statistics(db)
    assert (stats.disputes, stats.open_disputes, stats.items, stats.items_changed) == (1, 0, 3, 2)
    # a new dispute can be raised within the window once the first is closed
    again = disputes.open_dispute(db, shop_id, [ProposedItem("cx.likely", 5, "x")], actor="Tom")
    assert [d.id for d in disputes.list_disputes(db, open_only=True)] == [again.id]


def test_window_counts_from_the_release(setup: tuple[Database, int, str]) -> None:
    db, shop_id = _released(setup)
    old = utcnow() - dt.timedelta(days=20)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE evaluations SET released_at = :t"), {"t": old})
    with pytest.raises(ValidationError, match="dispute window"):
        disputes.open_dispute(db, shop_id, [ProposedItem("cx.likely", 5, "x")], actor="Tom")
