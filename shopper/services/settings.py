"""Domain settings kept in the database, so that the core and every machine read the same."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopper.domain import DISPUTE_DAYS, REVIEW_REQUIRED
from shopper.storage.db import Database
from shopper.storage.models import Setting

DEFAULT_RUBRIC_KEY = "default_rubric_key"
FOLLOW_UP_DAYS = "follow_up_days"
DEFAULTS = {
    DEFAULT_RUBRIC_KEY: "leasing-tour",
    FOLLOW_UP_DAYS: "3",
    REVIEW_REQUIRED: "false",
    DISPUTE_DAYS: "14",
}
TRUE_WORDS = frozenset(("true", "1", "yes", "on"))  # as shopper.services.counting


def get_in(session: Session, key: str) -> str:
    value = session.scalar(select(Setting.value).where(Setting.key == key))
    return value if value is not None else DEFAULTS.get(key, "")


def get(db: Database, key: str) -> str:
    with db.read() as session:
        return get_in(session, key)


def put(db: Database, key: str, value: str) -> None:
    with db.write() as session:
        session.merge(Setting(key=key, value=value))


def follow_up_days(db: Database) -> int:
    try:
        return max(0, int(get(db, FOLLOW_UP_DAYS)))
    except ValueError:
        return int(DEFAULTS[FOLLOW_UP_DAYS])


def review_required_in(session: Session) -> bool:
    """Only released shops count (SCORING.md, *Which shops count*); default off."""
    return get_in(session, REVIEW_REQUIRED).strip().lower() in TRUE_WORDS


def review_required(db: Database) -> bool:
    with db.read() as session:
        return review_required_in(session)


def set_review_required(db: Database, required: bool) -> None:
    put(db, REVIEW_REQUIRED, "true" if required else "false")


def dispute_days_in(session: Session) -> int:
    try:
        return max(0, int(get_in(session, DISPUTE_DAYS)))
    except ValueError:
        return int(DEFAULTS[DISPUTE_DAYS])


def dispute_days(db: Database) -> int:
    with db.read() as session:
        return dispute_days_in(session)
