"""Property tests of review, release and disputes: for any sequence of actions, the allowed
ones do what SCORING.md says and the aggregates equal its rules applied to the final answers
of the shops that count; the refused ones say why and change nothing."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from shopper import scoring
from shopper.errors import ShopperError
from shopper.rubric import Rubric
from shopper.services import aggregates, disputes, evaluations, review
from shopper.services import settings as db_settings
from shopper.storage.db import Database, open_database
from shopper.storage.models import utcnow
from tests.shopper.rubric_factory import make_rubric
from tests.shopper.test_review import DAY, full_answers, make_setup

RUBRIC: Rubric = make_rubric()
VALUES: dict[str, list[Any]] = {
    "greeting.prompt": ["yes", "no", "na"],
    "greeting.rapport": [1, 2, 3, 4, 5, "na"],
    "greeting.booking": ["Agent offered", "Shopper asked", "na"],
    "follow_up.called": ["yes", "no", "na"],
    "fair.no_steering": ["yes", "no"],
    "cx.likely": [1, 3, 5],
}
SHOPS = 3
ACTIONS = (
    "edit",
    "review",
    "release",
    "return",
    "resubmit",
    "reopen",
    "exclude",
    "include",
    "dispute",
    "resolve",
    "resolve_closed",
    "age",
    "toggle_required",
)


@dataclass
class ShopModel:
    id: str
    answers: dict[str, Any]
    status: str = "submitted"
    excluded: bool = False
    aged: bool = False
    dispute: tuple[str, str, Any] | None = None
    """(dispute id, item, proposed) of the open dispute."""
    closed: list[str] = field(default_factory=list)


def expected_portfolio(shops: list[ShopModel], review_required: bool) -> tuple[Any, int]:
    """SCORING.md read literally: which shops count, then the mean of their overall scores."""
    counted = [
        s
        for s in shops
        if not s.excluded
        and (
            s.status == "released"
            if review_required
            else s.status in ("submitted", "reviewed", "released")
        )
    ]
    scores = [scoring.score(RUBRIC, s.answers).overall for s in counted]
    present = [v for v in scores if v is not None]
    return (sum(present, Fraction(0)) / len(present) if present else None), len(present)


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    tables = ["evaluations", "answers", "section_scores", "history_events", "disputes"]
    with db.engine.connect() as conn:
        return {
            t: sorted(tuple(map(str, r)) for r in conn.execute(text(f"SELECT * FROM {t}")))
            for t in [*tables, "dispute_items"]
        }


action = st.tuples(
    st.sampled_from(ACTIONS),
    st.integers(0, SHOPS - 1),
    st.sampled_from(sorted(VALUES)),
    st.integers(0, 5),
    st.sampled_from(("upheld", "accepted", "amended")),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(action, min_size=1, max_size=12))
def test_any_sequence_of_actions(steps: list[tuple[str, int, str, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(str(Path(folder) / "p.db"))
        try:
            run(db, steps)
        finally:
            db.close()


def run(db: Database, steps: list[tuple[str, int, str, int, str]]) -> None:
    _, rubric_id, agent_id = make_setup(db)
    start = {p: a.value for p, a in full_answers().items()}
    shops = []
    for _ in range(SHOPS):
        created = evaluations.create(
            db,
            rubric_id=rubric_id,
            agent_id=agent_id,
            visited_on=DAY,
            answers=full_answers(),
            status="submitted",
            actor="Sam",
        )
        shops.append(ShopModel(created.id, dict(start)))
    required = False
    for name, index, path, pick, resolution in steps:
        shop = shops[index]
        value = VALUES[path][pick % len(VALUES[path])]
        allowed = apply(db, name, shop, path, value, resolution)
        if name == "toggle_required":
            required = not required
            db_settings.set_review_required(db, required)
        if allowed is False:
            continue
        assert aggregates.period_aggregates(
            db, aggregates.Period()
        ).portfolio_overall == aggregates.Average(*expected_portfolio(shops, required))
        stored = evaluations.get(db, shop.id)
        assert (stored.status, stored.excluded is not None) == (shop.status, shop.excluded)
        assert stored.values() == {**shop.answers, "greeting.note": "The Lofts"}


def apply(db: Database, name: str, shop: ShopModel, path: str, value: Any, resolution: str) -> bool:
    """Run one action; check a refused one changes nothing. False when it was refused."""
    if name in ("resolve", "resolve_closed") and shop.dispute is None:
        if not shop.closed:
            return False  # nothing to resolve
        name = "resolve_closed"
    may = allowed(name, shop)
    if not may:
        before = dump(db)
        try:
            call(db, name, shop, path, value, resolution)
        except ShopperError as error:
            assert str(error) and "\n" not in str(error)
        else:
            raise AssertionError(f"{name} on a {shop.status} shop was not refused")
        assert dump(db) == before
        return False
    call(db, name, shop, path, value, resolution)
    update(name, shop, path, value, resolution)
    return True


def allowed(name: str, shop: ShopModel) -> bool:
    status = shop.status
    return {
        "edit": status in ("submitted", "reviewed", "returned"),
        "review": status in ("submitted", "reviewed"),
        "release": status in ("submitted", "reviewed", "released"),
        "return": status in ("submitted", "reviewed", "returned"),
        "resubmit": status in ("returned", "submitted"),
        "reopen": (status == "released" and shop.dispute is None) or status == "reviewed",
        # (reviewed: already what a reopen makes it, so nothing to do)
        "exclude": status in ("submitted", "reviewed", "released") and not shop.excluded,
        "include": shop.excluded,
        "dispute": status == "released" and not shop.aged and shop.dispute is None,
        "resolve": shop.dispute is not None,
        "resolve_closed": False,
        "age": True,
        "toggle_required": True,
    }[name]


def amended_value(item: str, value: Any) -> Any:
    """An answer to `item` (the disputed one), picked by `value`."""
    options = VALUES[item]
    return options[len(str(value)) % len(options)]


def call(db: Database, name: str, shop: ShopModel, path: str, value: Any, resolution: str) -> None:
    who = {"actor": "Rita"}
    if name == "edit":
        review.edit_answers(db, shop.id, {path: value}, reason="Recording says so", **who)
    elif name == "review":
        review.mark_reviewed(db, shop.id, **who)
    elif name == "release":
        review.release(db, shop.id, **who)
    elif name == "return":
        review.return_to_shopper(db, shop.id, reason="Check it", **who)
    elif name == "resubmit":
        current = evaluations.get(db, shop.id)
        evaluations.set_status(db, shop.id, "submitted", current.row_version, actor="Sam")
    elif name == "reopen":
        review.reopen(db, shop.id, reason="Wrong date", **who)
    elif name == "exclude":
        review.exclude(db, shop.id, reason="Test shop", **who)
    elif name == "include":
        review.include(db, shop.id, reason="Real shop", **who)
    elif name == "dispute":
        opened = disputes.open_dispute(
            db, shop.id, [disputes.ProposedItem(path, value, "Disagree")], actor="Tom"
        )
        shop.dispute = (opened.id, path, value)
    elif name in ("resolve", "resolve_closed"):
        dispute_id, item = (
            shop.dispute[:2] if name == "resolve" and shop.dispute else (shop.closed[-1], path)
        )
        disputes.resolve(
            db,
            dispute_id,
            item,
            resolution,
            actor="Rita",
            reason="Decided",
            answer=amended_value(item, value),
        )
    elif name == "age":
        with db.engine.begin() as conn:
            conn.execute(
                text("UPDATE evaluations SET released_at = :t WHERE id = :id"),
                {"t": utcnow() - dt.timedelta(days=15), "id": shop.id},
            )


def update(name: str, shop: ShopModel, path: str, value: Any, resolution: str) -> None:
    if name == "edit":
        shop.answers[path] = value
    elif name == "review" and shop.status == "submitted":
        shop.status = "reviewed"
    elif name == "release":
        if shop.status != "released":
            shop.aged = False
        shop.status = "released"
    elif name == "return":
        shop.status = "returned"
    elif name == "resubmit":
        shop.status = "submitted"
    elif name == "reopen":
        shop.status = "reviewed"
    elif name in ("exclude", "include"):
        shop.excluded = name == "exclude"
    elif name == "resolve" and shop.dispute is not None:
        dispute_id, item, proposed = shop.dispute
        if resolution == "accepted":
            shop.answers[item] = proposed
        elif resolution == "amended":
            shop.answers[item] = amended_value(item, value)
        shop.closed.append(dispute_id)
        shop.dispute = None
    elif name == "age":
        shop.aged = True


@pytest.mark.postgres
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(action, min_size=1, max_size=10))
def test_any_sequence_of_actions_on_postgresql(steps: list[tuple[str, int, str, int, str]]) -> None:
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.conftest import require_postgres

    admin_url = make_url(require_postgres())
    name = f"shopper_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        db = open_database(admin_url.set(database=name).render_as_string(hide_password=False))
        try:
            run(db, steps)
        finally:
            db.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
