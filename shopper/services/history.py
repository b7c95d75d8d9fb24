"""The history of an evaluation (SCORING.md, *History*): append-only events, each written
in the same transaction as the change it records, and read back as a timeline.

The database refuses UPDATE and DELETE on `history_events` (see `storage.models`); this
module only ever inserts. `from` and `to` are JSON values: an answer ("yes", 4, a choice's
label), a status, a comment or a header field's text."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopper.errors import NotFoundError
from shopper.services.people import Actor
from shopper.storage.db import Database
from shopper.storage.models import Evaluation, HistoryEvent, table_of, utcnow

JsonValue = str | int | None

ACTION_LABELS = {
    "imported": "Imported before history was kept",
    "created": "Created",
    "submit": "Submitted",
    "resubmit": "Submitted again",
    "follow_up": "Set awaiting follow-up",
    "review": "Reviewed",
    "release": "Released",
    "return": "Returned to the shopper",
    "reopen": "Reopened",
    "edit": "Changed",
    "exclude": "Excluded",
    "include": "Included again",
    "dispute_open": "Disputed",
    "dispute_upheld": "Dispute: upheld",
    "dispute_accepted": "Dispute: accepted",
    "dispute_amended": "Dispute: amended",
    "dispute_closed": "Dispute closed",
}

_LAST_AT = "shopper.history_last_at"


@dataclass(frozen=True)
class HistoryEntry:
    id: str
    evaluation_id: str
    at: dt.datetime
    """UTC, naive, with microseconds."""
    by_id: str | None
    by_name: str
    action: str
    field: str | None
    from_value: JsonValue
    to_value: JsonValue
    reason: str | None

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


def encode(value: JsonValue) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def decode(text: str | None) -> JsonValue:
    if text is None:
        return None
    value = json.loads(text)
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


def _next_at(session: Session) -> dt.datetime:
    """Now, but always after the previous event of this transaction: events written
    together keep their order on the timeline (ordered by `at`)."""
    now = utcnow()
    last = session.info.get(_LAST_AT)
    if isinstance(last, dt.datetime) and now <= last:
        now = last + dt.timedelta(microseconds=1)
    session.info[_LAST_AT] = now
    return now


def record(
    session: Session,
    evaluation_id: str,
    by: Actor,
    action: str,
    *,
    field: str | None = None,
    from_value: JsonValue = None,
    to_value: JsonValue = None,
    reason: str | None = None,
) -> HistoryEntry:
    """Append one event, in the caller's transaction."""
    entry = HistoryEntry(
        str(uuid.uuid4()),
        evaluation_id,
        _next_at(session),
        by.id,
        by.name,
        action,
        field,
        from_value,
        to_value,
        reason,
    )
    session.execute(table_of(HistoryEvent).insert(), [row_of(entry)])
    return entry


def row_of(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "evaluation_id": entry.evaluation_id,
        "at": entry.at,
        "by_id": entry.by_id,
        "by_name": entry.by_name,
        "action": entry.action,
        "field": entry.field,
        "from_value": encode(entry.from_value),
        "to_value": encode(entry.to_value),
        "reason": entry.reason,
    }


def timeline_in(session: Session, evaluation_id: str) -> tuple[HistoryEntry, ...]:
    table = table_of(HistoryEvent)
    rows = session.execute(
        select(table).where(table.c.evaluation_id == evaluation_id).order_by(table.c.at, table.c.id)
    )
    return tuple(
        HistoryEntry(
            r.id,
            r.evaluation_id,
            r.at,
            r.by_id,
            r.by_name,
            r.action,
            r.field,
            decode(r.from_value),
            decode(r.to_value),
            r.reason,
        )
        for r in rows
    )


def timeline(db: Database, evaluation_id: str) -> tuple[HistoryEntry, ...]:
    """Every event of the shop, oldest first."""
    with db.read() as session:
        if session.scalar(select(Evaluation.id).where(Evaluation.id == evaluation_id)) is None:
            raise NotFoundError(f"evaluation {evaluation_id} does not exist")
        return timeline_in(session, evaluation_id)


def event_ids_in(session: Session, evaluation_ids: list[str]) -> set[str]:
    table = table_of(HistoryEvent)
    found: set[str] = set()
    for start in range(0, len(evaluation_ids), 500):
        found.update(
            session.scalars(
                select(table.c.id).where(
                    table.c.evaluation_id.in_(evaluation_ids[start : start + 500])
                )
            )
        )
    return found


# What a shop looked like when last submitted, and what changed since.

Snapshot = dict[str, JsonValue]
"""Field → value: `section.item` (answer), `section.item.comment`, and header fields."""

HEADER_FIELDS = ("agent", "property", "visited_on", "visited_time", "channel", "shopper")


def snapshot(
    answers: Mapping[str, tuple[JsonValue, str | None]], header: Mapping[str, JsonValue]
) -> Snapshot:
    shot: Snapshot = {}
    for path, (value, comment) in answers.items():
        if value is not None:
            shot[path] = value
        if comment:
            shot[f"{path}.comment"] = comment
    for name in HEADER_FIELDS:
        if header.get(name) not in (None, ""):
            shot[name] = header[name]
    return shot


def changes(before: Snapshot, after: Snapshot) -> list[tuple[str, JsonValue, JsonValue]]:
    """(field, from, to) for each field that differs: header fields first, then items in
    the order of `after` (rubric order), then fields only `before` had."""
    fields = [f for f in HEADER_FIELDS if f in before or f in after]
    fields += [f for f in after if f not in HEADER_FIELDS]
    fields += [f for f in before if f not in after and f not in HEADER_FIELDS]
    return [(f, before.get(f), after.get(f)) for f in fields if before.get(f) != after.get(f)]


def dump_snapshot(shot: Snapshot) -> str:
    return json.dumps(shot, ensure_ascii=False, sort_keys=True)


def load_snapshot(text: str | None) -> Snapshot | None:
    if not text:
        return None
    loaded = json.loads(text)
    return {str(k): v for k, v in loaded.items()} if isinstance(loaded, dict) else None
