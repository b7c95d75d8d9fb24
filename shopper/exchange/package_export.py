"""Write a package file (FORMATS.md) without holding the evaluations in memory: the small
header (rubrics, properties, agents) first, then the evaluations in batches, one per line.

The whole export reads one consistent snapshot of the database, so an evaluation never
refers to an agent the header left out, even while others keep writing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

from shopper.domain import STATUSES
from shopper.errors import NotFoundError, ValidationError
from shopper.exchange.common import (
    PACKAGE_FORMAT,
    PACKAGE_FORMAT_VERSION,
    Cancelled,
    CancelledFn,
    ExportSummary,
    PackageFilter,
    ProgressFn,
    make_shareable,
    never_cancelled,
    no_progress,
    time_text,
    timestamp_text,
)
from shopper.fileio import atomic_writer
from shopper.rubric import rubric_from_stored
from shopper.services.history import decode as decode_json
from shopper.services.properties import normalize_name
from shopper.storage.db import Database
from shopper.storage.models import (
    Agent,
    Answer,
    CalibrationRater,
    CalibrationSession,
    Dispute,
    DisputeItem,
    Evaluation,
    EvaluationEvent,
    HistoryEvent,
    Person,
    Property,
    RubricVersion,
    Setting,
    table_of,
    utcnow,
)

BATCH = 2000
_quote: Callable[[str], str] = json.encoder.encode_basestring
"""A JSON string literal, non-ASCII kept as is (the C encoder json.dumps uses)."""


def export_package(
    db: Database,
    path: Path,
    flt: PackageFilter | None = None,
    *,
    include_settings: bool = False,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> ExportSummary:
    """Write the evaluations chosen by `flt` with everything they refer to.

    Without a filter the package holds the whole database (every rubric version, property
    and agent, used or not). `include_settings` adds the domain settings (full backups).
    """
    flt = flt or PackageFilter()
    if flt.status is not None and flt.status not in STATUSES:
        raise ValidationError(f"{flt.status!r} is not a status; use one of {', '.join(STATUSES)}")
    with db.read() as session:
        if not db.is_sqlite:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        condition = _condition(session, flt)
        total = session.scalar(select(func.count()).select_from(Evaluation).where(condition)) or 0
        header = _header(session, condition, flt.everything)
        if flt.calibration_kit is not None:
            _kit(session, header, flt.calibration_kit)
        if include_settings:
            header["settings"] = {
                s.key: s.value for s in session.scalars(select(Setting).order_by(Setting.key))
            }
        with atomic_writer(path, "w", encoding="utf-8", newline="\n") as out:
            make_shareable(out)
            _write_header(out, header)
            written = 0
            for batch in _evaluation_batches(session, condition):
                for index, evaluation in enumerate(batch):
                    out.write("    " if written == 0 and index == 0 else ",\n    ")
                    out.write(evaluation)
                written += len(batch)
                progress(written, total)
                if cancelled():
                    raise Cancelled("export cancelled; no file was written")
            out.write("\n  ]\n}\n" if written else "  ]\n}\n")
    return ExportSummary(
        path,
        rubrics=len(header["rubrics"]),
        properties=len(header["properties"]),
        agents=len(header["agents"]),
        evaluations=written,
    )


def _condition(session: Session, flt: PackageFilter) -> ColumnElement[bool]:
    condition: ColumnElement[bool] = true()
    if flt.since is not None:
        condition = condition & (
            Evaluation.updated_at >= dt.datetime.combine(flt.since, dt.time(0))
        )
    if flt.property_name is not None:
        wanted = normalize_name(flt.property_name)
        ids = [
            pid
            for pid, name in session.execute(select(Property.id, Property.name))
            if normalize_name(name) == wanted
        ]
        if not ids:
            raise NotFoundError(
                f"there is no property called {flt.property_name!r}; see the Properties list"
            )
        condition = condition & Evaluation.property_id.in_(ids)
    if flt.status is not None:
        condition = condition & (Evaluation.status == flt.status)
    if flt.calibration_kit is not None:
        condition = false()
    return condition


def _kit(session: Session, header: dict[str, Any], session_id: str) -> None:
    """The header of a calibration session's kit (see `PackageFilter.calibration_kit`)."""
    row = session.get(CalibrationSession, session_id)
    if row is None:
        raise NotFoundError(
            f"calibration session {session_id} does not exist; see `shopper calibration list`"
        )
    rubric = session.get(RubricVersion, row.rubric_id)
    assert rubric is not None  # a foreign key
    agent_id = row.agent_id or session.scalar(
        select(Evaluation.agent_id).where(Evaluation.session_id == row.id).limit(1)
    )
    agent = session.get(Agent, agent_id) if agent_id is not None else None
    prop = session.get(Property, agent.property_id) if agent is not None else None
    header["rubrics"] = [rubric_from_stored(rubric.content).to_dict()]
    header["properties"] = [
        {"id": p.id, "name": p.name, **({"address": p.address} if p.address else {})}
        for p in (prop,)
        if p is not None
    ]
    header["agents"] = [
        {"id": a.id, "name": a.name, "property_id": a.property_id, "active": a.active}
        for a in (agent,)
        if a is not None
    ]
    (record,) = _sessions(session, CalibrationSession.id == row.id)
    if agent is not None:
        record["agent_id"] = agent.id
    header["calibration_sessions"] = [record]


def _header(session: Session, condition: ColumnElement[bool], everything: bool) -> dict[str, Any]:
    rubric_query = select(RubricVersion).order_by(RubricVersion.key, RubricVersion.version)
    property_query = select(Property).order_by(Property.name, Property.id)
    agent_query = select(Agent).order_by(Agent.property_id, Agent.name, Agent.id)
    if not everything:
        used = select(Evaluation.rubric_id).where(condition).distinct()
        rubric_query = rubric_query.where(RubricVersion.id.in_(used))
        used_agents = select(Evaluation.agent_id).where(condition).distinct()
        agent_query = agent_query.where(Agent.id.in_(used_agents))
        used_properties = (
            select(Evaluation.property_id)
            .where(condition)
            .union(select(Agent.property_id).where(Agent.id.in_(used_agents)))
        )
        property_query = property_query.where(Property.id.in_(used_properties))
    header: dict[str, Any] = {
        "format": PACKAGE_FORMAT,
        "format_version": PACKAGE_FORMAT_VERSION,
        "exported_at": timestamp_text(utcnow()),
        "rubrics": [rubric_from_stored(r.content).to_dict() for r in session.scalars(rubric_query)],
        "properties": [
            {"id": p.id, "name": p.name, **({"address": p.address} if p.address else {})}
            for p in session.scalars(property_query)
        ],
        "agents": [
            {"id": a.id, "name": a.name, "property_id": a.property_id, "active": a.active}
            for a in session.scalars(agent_query)
        ],
        "people": [
            {"id": p.id, "name": p.name, "roles": [r for r in p.roles.split(",") if r]}
            for p in session.scalars(select(Person).order_by(Person.name, Person.id))
        ],
    }
    in_use = select(Evaluation.session_id).where(condition, Evaluation.session_id.is_not(None))
    sessions = _sessions(session, true() if everything else CalibrationSession.id.in_(in_use))
    if sessions:  # written only when there are any, so other packages read as before
        header["calibration_sessions"] = sessions
    return header


def _sessions(session: Session, which: ColumnElement[bool]) -> list[dict[str, Any]]:
    """Calibration sessions (`which`: every one, or those of the exported evaluations)."""
    query = (
        select(CalibrationSession)
        .where(which)
        .order_by(CalibrationSession.created_at, CalibrationSession.id)
    )
    rubrics = {r.id: (r.key, r.version) for r in session.scalars(select(RubricVersion))}
    raters: dict[str, list[str]] = {}
    for rater in session.scalars(
        select(CalibrationRater).order_by(CalibrationRater.invited_at, CalibrationRater.person_id)
    ):
        raters.setdefault(rater.session_id, []).append(rater.person_id)
    out = []
    for row in session.scalars(query):
        key, version = rubrics[row.rubric_id]
        record: dict[str, Any] = {"id": row.id, "title": row.title}
        record.update(rubric_key=key, rubric_version=version)
        for name in ("recording", "notes", "agent_id"):
            if getattr(row, name) is not None:
                record[name] = getattr(row, name)
        record["reference_evaluation_id"] = row.reference_evaluation_id
        record["raters"] = raters.get(row.id, [])
        record["created_at"] = timestamp_text(row.created_at)
        record["updated_at"] = timestamp_text(row.updated_at)
        out.append(record)
    return out


def _write_header(out: IO[str], header: dict[str, Any]) -> None:
    """Readable by people: small parts indented, then `"evaluations": [` left open."""
    out.write("{\n")
    for key, value in header.items():
        if isinstance(value, list):
            if not value:
                out.write(f'  "{key}": [],\n')
                continue
            out.write(f'  "{key}": [\n')
            rows = [
                "    " + json.dumps(v, ensure_ascii=False, indent=2).replace("\n", "\n    ")
                if key == "rubrics"
                else "    " + json.dumps(v, ensure_ascii=False)
                for v in value
            ]
            out.write(",\n".join(rows))
            out.write("\n  ],\n")
        else:
            out.write(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    out.write('  "evaluations": [\n')


def _evaluation_batches(session: Session, condition: ColumnElement[bool]) -> Iterator[list[str]]:
    """Evaluations in id order as JSON text, `BATCH` at a time (keyset pages, no OFFSET)."""
    rubric_keys = {
        r.id: (r.key, r.version, r.content) for r in session.scalars(select(RubricVersion))
    }
    orders: dict[int, list[str]] = {}
    table = table_of(Evaluation)
    columns = table.c
    connection = session.connection()
    last = ""
    while True:
        rows = connection.execute(
            select(table).where(condition, columns.id > last).order_by(columns.id).limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        ids = [r.id for r in rows]
        answers: dict[str, dict[str, str]] = {i: {} for i in ids}
        for eid, path, value, comment in connection.execute(
            select(Answer.evaluation_id, Answer.item_path, Answer.value, Answer.comment).where(
                Answer.evaluation_id.in_(ids)
            )
        ).all():
            # Stored values are JSON text already (see `encode_value`): copied, not re-encoded.
            answers[eid][path] = (
                f'{_quote(path)}: {{"value": {value or "null"}, "comment": {_quote(comment)}}}'
                if comment
                else f'{_quote(path)}: {{"value": {value or "null"}}}'
            )
        history: dict[str, list[dict[str, Any]]] = {}
        for event in session.scalars(
            select(EvaluationEvent)
            .where(EvaluationEvent.evaluation_id.in_(ids))
            .order_by(EvaluationEvent.at, EvaluationEvent.id)
        ):
            history.setdefault(event.evaluation_id, []).append(_event_dict(event))
        events = _history_of(session, ids)
        disputes = _disputes_of(session, ids)
        batch = []
        for row in rows:
            key, version, content = rubric_keys[row.rubric_id]
            order = orders.get(row.rubric_id)
            if order is None:
                order = [path for path, _, _ in rubric_from_stored(content).items()]
                orders[row.rubric_id] = order
            mine = answers[row.id]
            fragments = [mine.pop(path) for path in order if path in mine]
            fragments.extend(mine[path] for path in sorted(mine))
            extra = {
                "events": history.get(row.id),
                "history": events.get(row.id),
                "disputes": disputes.get(row.id),
            }
            batch.append(_evaluation_json(row, key, version, fragments, extra))
        yield batch


def _event_dict(event: EvaluationEvent) -> dict[str, Any]:
    out: dict[str, Any] = {"at": timestamp_text(event.at), "kind": event.kind}
    if event.actor:
        out["actor"] = event.actor
    if event.detail is not None:
        out["detail"] = event.detail
    return out


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _evaluation_json(
    row: Any,
    rubric_key: str,
    rubric_version: int,
    answer_fragments: list[str],
    extra: dict[str, list[dict[str, Any]] | None],
) -> str:
    """One evaluation as one line of JSON, with its answers already rendered."""
    head: dict[str, Any] = {
        "id": row.id,
        "rubric_key": rubric_key,
        "rubric_version": rubric_version,
        "property_id": row.property_id,
        "agent_id": row.agent_id,
        "shopper": row.shopper,
        "visited_on": row.visited_on.isoformat(),
    }
    if row.visited_time is not None:
        head["visited_time"] = time_text(row.visited_time)
    head["channel"] = row.channel
    head["status"] = row.status
    if row.purpose != "shop":
        head["purpose"] = row.purpose
        head["session_id"] = row.session_id
    if row.shopper_id is not None:
        head["shopper_id"] = row.shopper_id
    if row.released_at is not None:
        head["released_at"] = timestamp_text(row.released_at)
    if row.excluded_at is not None:
        head["excluded"] = {
            "reason": row.excluded_reason or "",
            "by": row.excluded_by or "",
            "by_id": row.excluded_by_id,
            "at": timestamp_text(row.excluded_at),
        }
    if row.follow_up_due is not None:
        head["follow_up_due"] = row.follow_up_due.isoformat()
    tail: dict[str, Any] = {}
    if row.notes:
        tail["notes"] = row.notes
    tail["created_at"] = timestamp_text(row.created_at)
    tail["updated_at"] = timestamp_text(row.updated_at)
    for name in ("history", "events", "disputes"):
        if extra.get(name):
            tail[name] = extra[name]
    answers = ", ".join(answer_fragments)
    return f'{_dumps(head)[:-1]}, "answers": {{{answers}}}, {_dumps(tail)[1:]}'


def _history_of(session: Session, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Version-2 history events of the evaluations `ids`, oldest first."""
    table = table_of(HistoryEvent)
    found: dict[str, list[dict[str, Any]]] = {}
    for row in session.execute(
        select(table).where(table.c.evaluation_id.in_(ids)).order_by(table.c.at, table.c.id)
    ):
        event: dict[str, Any] = {
            "id": row.id,
            "at": timestamp_text(row.at),
            "by": row.by_name,
            "by_id": row.by_id,
            "action": row.action,
            "field": row.field,
            "from": decode_json(row.from_value),
            "to": decode_json(row.to_value),
            "reason": row.reason,
        }
        found.setdefault(row.evaluation_id, []).append(event)
    return found


def _disputes_of(session: Session, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    disputes = list(
        session.scalars(
            select(Dispute)
            .where(Dispute.evaluation_id.in_(ids))
            .order_by(Dispute.raised_at, Dispute.id)
        )
    )
    if not disputes:
        return {}
    items: dict[str, list[dict[str, Any]]] = {}
    for item in session.scalars(
        select(DisputeItem)
        .where(DisputeItem.dispute_id.in_([d.id for d in disputes]))
        .order_by(DisputeItem.position, DisputeItem.item_path)
    ):
        items.setdefault(item.dispute_id, []).append(
            {
                "item": item.item_path,
                "proposed": decode_json(item.proposed),
                "original": decode_json(item.original),
                "reason": item.reason,
                "resolution": item.resolution,
                "resolved_answer": decode_json(item.resolved_answer),
                "resolved_by": item.resolved_by,
                "resolved_by_id": item.resolved_by_id,
                "resolved_at": timestamp_text(item.resolved_at) if item.resolved_at else None,
                "resolution_reason": item.resolution_reason,
            }
        )
    found: dict[str, list[dict[str, Any]]] = {}
    for d in disputes:
        found.setdefault(d.evaluation_id, []).append(
            {
                "id": d.id,
                "raised_by": d.raised_by,
                "raised_by_id": d.raised_by_id,
                "raised_at": timestamp_text(d.raised_at),
                "closed_at": timestamp_text(d.closed_at) if d.closed_at else None,
                "items": items.get(d.id, []),
            }
        )
    return found
