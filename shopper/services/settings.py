"""Domain settings kept in the database, so that the core and every machine read the same."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopper.storage.db import Database
from shopper.storage.models import Setting

DEFAULT_RUBRIC_KEY = "default_rubric_key"
FOLLOW_UP_DAYS = "follow_up_days"
DEFAULTS = {DEFAULT_RUBRIC_KEY: "leasing-tour", FOLLOW_UP_DAYS: "3"}


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
