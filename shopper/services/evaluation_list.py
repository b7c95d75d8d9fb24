"""Listing evaluations: filters, sorting and pages, over the scores stored with each one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Select, func, or_, select

from shopper.services.counting import counted
from shopper.storage.db import Database
from shopper.storage.folding import folded, like_pattern
from shopper.storage.models import Agent, Evaluation, Property, RubricVersion

if TYPE_CHECKING:  # the dashboard imports this module's neighbours; no cycle at run time
    from shopper.services.dashboard import DrillDown

SortKey = Literal[
    "visited_on", "property", "agent", "shopper", "channel", "status", "overall", "critical"
]


@dataclass(frozen=True)
class EvaluationFilter:
    text: str = ""
    """Matches property, agent or shopper names (substring, ignoring case and accents)."""
    property_id: str | None = None
    agent_id: str | None = None
    property_name: str | None = None
    agent_name: str | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    counted: bool | None = None
    """True: only shops that count in aggregates (see `shopper.services.counting`); False:
    only those that do not; None: either."""
    excluded: bool | None = None
    """True: only excluded shops; False: only shops not excluded; None: either."""
    purpose: str | None = "shop"
    """"shop" (default: calibration evaluations stay out of the list), "calibration", or
    None for both."""
    drill: DrillDown | None = None
    """Exactly the shops behind one dashboard figure (see `shopper.services.dashboard`)."""


@dataclass(frozen=True)
class EvaluationSummary:
    id: str
    visited_on: dt.date
    property_id: str
    property_name: str
    agent_id: str
    agent_name: str
    shopper: str
    channel: str
    status: str
    overall_pct: float | None
    critical_failure: bool
    answered: int
    total: int
    rubric_key: str
    rubric_version: int
    follow_up_due: dt.date | None
    updated_at: dt.datetime
    excluded: bool = False
    released_at: dt.datetime | None = None


_SORT_COLUMNS: dict[str, Any] = {
    "visited_on": Evaluation.visited_on,
    "property": Property.name,
    "agent": Agent.name,
    "shopper": Evaluation.shopper,
    "channel": Evaluation.channel,
    "status": Evaluation.status,
    "overall": Evaluation.overall_pct,
    "critical": Evaluation.critical_failure,
}


def _filtered(query: Select[Any], flt: EvaluationFilter) -> Select[Any]:
    if flt.text.strip():
        pattern = like_pattern(flt.text)
        # Names are matched in their own small tables (2,000 agents, not 100,000 joined rows):
        # half the time of folding every row's names at 100,000 evaluations.
        properties = select(Property.id).where(folded(Property.name).like(pattern, escape="\\"))
        agents = select(Agent.id).where(folded(Agent.name).like(pattern, escape="\\"))
        # Shopper names likewise: the few distinct names come from the shopper index, and
        # only they are folded (not every evaluation's).
        names = select(Evaluation.shopper).distinct().subquery()
        shoppers = select(names.c.shopper).where(folded(names.c.shopper).like(pattern, escape="\\"))
        query = query.where(
            or_(
                Evaluation.property_id.in_(properties),
                Evaluation.agent_id.in_(agents),
                Evaluation.shopper.in_(shoppers),
            )
        )
    if flt.property_id:
        query = query.where(Evaluation.property_id == flt.property_id)
    if flt.agent_id:
        query = query.where(Evaluation.agent_id == flt.agent_id)
    if flt.property_name:
        query = query.where(
            func.lower(Property.name) == " ".join(flt.property_name.split()).lower()
        )
    if flt.agent_name:
        query = query.where(func.lower(Agent.name) == " ".join(flt.agent_name.split()).lower())
    if flt.status:
        query = query.where(Evaluation.status == flt.status)
    if flt.date_from:
        query = query.where(Evaluation.visited_on >= flt.date_from)
    if flt.date_to:
        query = query.where(Evaluation.visited_on <= flt.date_to)
    if flt.counted is not None:
        query = query.where(counted() if flt.counted else ~counted())
    if flt.excluded is not None:
        query = query.where(
            Evaluation.excluded_at.is_not(None)
            if flt.excluded
            else Evaluation.excluded_at.is_(None)
        )
    if flt.purpose:
        query = query.where(Evaluation.purpose == flt.purpose)
    if flt.drill is not None:
        query = query.where(flt.drill.conditions())
    return query


def _joined(query: Any) -> Select[Any]:
    joined: Select[Any] = query.join(Property, Property.id == Evaluation.property_id).join(
        Agent, Agent.id == Evaluation.agent_id
    )
    return joined


def count(db: Database, flt: EvaluationFilter = EvaluationFilter()) -> int:
    query = _filtered(_joined(select(func.count()).select_from(Evaluation)), flt)
    with db.read() as session:
        return int(session.scalar(query) or 0)


def list_ids(
    db: Database,
    flt: EvaluationFilter = EvaluationFilter(),
    sort: SortKey = "visited_on",
    descending: bool = True,
) -> list[str]:
    """Every matching id in display order: cheap enough for 100,000 rows, and what a
    paged table model needs to fetch rows on demand."""
    column = _SORT_COLUMNS[sort]
    order = [column.desc() if descending else column.asc(), Evaluation.id]
    if sort == "overall":  # none sorts last either way
        order.insert(0, Evaluation.overall_pct.is_(None))
    query = _filtered(_joined(select(Evaluation.id)), flt).order_by(*order)
    with db.read() as session:
        return list(session.scalars(query))


def summaries(db: Database, ids: list[str]) -> list[EvaluationSummary]:
    """Summaries of `ids`, in the order given."""
    if not ids:
        return []
    query = _summary_query().where(Evaluation.id.in_(ids))
    with db.read() as session:
        by_id = {row.id: _summary(row) for row in session.execute(query)}
    return [by_id[i] for i in ids if i in by_id]


def list_summaries(
    db: Database,
    flt: EvaluationFilter = EvaluationFilter(),
    sort: SortKey = "visited_on",
    descending: bool = False,
    limit: int | None = None,
) -> list[EvaluationSummary]:
    column = _SORT_COLUMNS[sort]
    query = _filtered(_summary_query(), flt).order_by(
        column.desc() if descending else column.asc(), Evaluation.id
    )
    if limit is not None:
        query = query.limit(limit)
    with db.read() as session:
        return [_summary(row) for row in session.execute(query)]


def _summary_query() -> Select[Any]:
    return _joined(
        select(
            Evaluation.id,
            Evaluation.visited_on,
            Evaluation.property_id,
            Property.name.label("property_name"),
            Evaluation.agent_id,
            Agent.name.label("agent_name"),
            Evaluation.shopper,
            Evaluation.channel,
            Evaluation.status,
            Evaluation.overall_pct,
            Evaluation.critical_failure,
            Evaluation.answered_count,
            Evaluation.total_count,
            RubricVersion.key.label("rubric_key"),
            RubricVersion.version.label("rubric_version"),
            Evaluation.follow_up_due,
            Evaluation.updated_at,
            Evaluation.excluded_at,
            Evaluation.released_at,
        ).join(RubricVersion, RubricVersion.id == Evaluation.rubric_id)
    )


def _summary(row: Any) -> EvaluationSummary:
    return EvaluationSummary(
        id=row.id,
        visited_on=row.visited_on,
        property_id=row.property_id,
        property_name=row.property_name,
        agent_id=row.agent_id,
        agent_name=row.agent_name,
        shopper=row.shopper,
        channel=row.channel,
        status=row.status,
        overall_pct=row.overall_pct,
        critical_failure=row.critical_failure,
        answered=row.answered_count,
        total=row.total_count,
        rubric_key=row.rubric_key,
        rubric_version=row.rubric_version,
        follow_up_due=row.follow_up_due,
        updated_at=row.updated_at,
        excluded=row.excluded_at is not None,
        released_at=row.released_at,
    )


def follow_ups_due(db: Database) -> list[EvaluationSummary]:
    """Evaluations awaiting follow-up, soonest due first."""
    query = (
        _summary_query()
        .where(Evaluation.status == "awaiting_follow_up")
        .order_by(Evaluation.follow_up_due.asc(), Evaluation.visited_on.asc(), Evaluation.id)
    )
    with db.read() as session:
        return [_summary(row) for row in session.execute(query)]
