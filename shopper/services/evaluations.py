"""Evaluations: create, read, save answers (with scores stored alongside), change status."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, delete, exc, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from shopper import scoring
from shopper.domain import EDITABLE_STATUSES, SUBMITTED_OR_LATER
from shopper.domain import STATUS_LABELS as STATUS_LABELS
from shopper.errors import (
    ConflictError,
    DatabaseError,
    IncompleteError,
    NotFoundError,
    ReadOnlyError,
    ValidationError,
)
from shopper.limits import MAX_COMMENT_CHARS, MAX_NOTE_CHARS
from shopper.names import clean_name, clean_text
from shopper.rubric import Item, Rubric, rubric_from_stored
from shopper.scoring import AnswerValue, Status
from shopper.services import history, people, settings
from shopper.storage.db import Database
from shopper.storage.models import (
    CLAIMED_EVALUATIONS,
    Agent,
    Answer,
    Dispute,
    Evaluation,
    EvaluationEvent,
    HistoryEvent,
    Property,
    RubricVersion,
    SectionScoreRow,
    table_of,
    utcnow,
)

Channel = Literal["in_person", "phone", "email", "web", "video"]
CHANNELS: tuple[Channel, ...] = ("in_person", "phone", "email", "web", "video")
CHANNEL_LABELS = {
    "in_person": "In person",
    "phone": "Phone",
    "email": "Email",
    "web": "Web",
    "video": "Video",
}


@dataclass(frozen=True)
class AnswerData:
    value: AnswerValue
    comment: str | None = None


@dataclass(frozen=True)
class EventInfo:
    at: dt.datetime
    actor: str
    kind: str
    detail: str | None


@dataclass(frozen=True)
class Exclusion:
    """Why a shop is left out of every aggregate, who said so and when (UTC)."""

    reason: str
    by: str
    by_id: str | None
    at: dt.datetime


@dataclass(frozen=True)
class EvaluationData:
    """An evaluation with everything the form and the shop report need."""

    id: str
    rubric_id: int
    rubric_key: str
    rubric_version: int
    property_id: str
    property_name: str
    agent_id: str
    agent_name: str
    shopper: str
    visited_on: dt.date
    visited_time: dt.time | None
    channel: str
    status: str
    notes: str | None
    follow_up_due: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime
    row_version: int
    overall_pct: float | None
    critical_failure: bool
    answers: Mapping[str, AnswerData] = field(default_factory=dict)
    events: tuple[EventInfo, ...] = ()
    first_submitted_at: dt.datetime | None = None
    released_at: dt.datetime | None = None
    excluded: Exclusion | None = None
    purpose: str = "shop"
    shopper_id: str | None = None
    key_question_pct: float | None = None
    """The stored key-question score (SCORING.md, *Key questions*); None when the rubric
    has no key question or every one was N/A or unanswered."""
    key_question_exact: str | None = None
    """The same score exactly ("175/2"); `scoring.parse_fraction` reads it."""

    def values(self) -> dict[str, AnswerValue]:
        return {path: a.value for path, a in self.answers.items()}


def encode_value(value: AnswerValue) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


@functools.lru_cache(maxsize=4096)  # few distinct values ("yes", 3, labels): rescore reads 4M
def decode_value(text: str | None) -> AnswerValue:
    if text is None:
        return None
    value = json.loads(text)
    return value if isinstance(value, str | int) and not isinstance(value, bool) else None


def check_answers(rubric: Rubric, answers: Mapping[str, AnswerData]) -> None:
    """Raise ValidationError for the first answer that does not fit the rubric."""
    for path, answer in answers.items():
        found = rubric.find(path)
        if found is None:
            raise ValidationError(
                f"answers[{json.dumps(path)}]: {rubric.name} v{rubric.version} has no item {path!r}"
            )
        problem = scoring.answer_error(found[1], answer.value)
        if problem:
            raise ValidationError(f"answers[{json.dumps(path)}]: {problem}")


def clean_answers(rubric: Rubric, answers: Mapping[str, AnswerData]) -> dict[str, AnswerData]:
    """`answers` with their free text as stored: comments and text answers cleaned by
    `clean_text` (no control characters, bidi overrides or lone surrogates). Raises
    ValidationError for a comment or text answer over MAX_COMMENT_CHARS."""
    cleaned: dict[str, AnswerData] = {}
    for path, answer in answers.items():
        found = rubric.find(path)
        value = answer.value
        if isinstance(value, str) and found is not None and found[1].type == "text":
            value = clean_text(value, f"answer to {path}", MAX_COMMENT_CHARS)
        comment = (
            clean_text(answer.comment, f"comment on {path}", MAX_COMMENT_CHARS)
            if answer.comment
            else None
        )
        cleaned[path] = AnswerData(value, comment or None)
    return cleaned


def clean_person(name: str | None, what: str = "shopper name") -> str:
    """A person's name as stored, or "" when none was given (or nothing printable was)."""
    if not name or not clean_text(name, what, sys.maxsize).strip():
        return ""
    return clean_name(name, what)


def clean_note(text: str | None, what: str = "note") -> str | None:
    """Notes and reasons as stored: cleaned free text, None when empty."""
    return (clean_text(text, what, MAX_NOTE_CHARS) or None) if text else None


def check_status(rubric: Rubric, values: Mapping[str, AnswerValue], status: str) -> None:
    if status not in scoring.STATUSES:
        raise ValidationError(
            f"{status!r} is not a status; use one of {', '.join(scoring.STATUSES)}"
        )
    missing = scoring.missing_items(rubric, values, status)
    if missing:
        raise IncompleteError(
            f"{len(missing)} item(s) must be answered before the evaluation can be "
            f"{STATUS_LABELS[status].lower()}; first: {missing[0]}",
            missing,
        )


def apply_scores(
    row: Evaluation, rubric: Rubric, values: Mapping[str, AnswerValue]
) -> scoring.ScoreResult:
    """Compute and store the scores of `row`; returns the full breakdown."""
    result = scoring.score(rubric, values)
    row.overall_exact = scoring.fraction_text(result.overall)
    row.overall_pct = float(result.overall) if result.overall is not None else None
    row.critical_failure = result.critical_failure
    row.answered_count, row.total_count = result.answered, result.total
    row.key_question_exact, row.key_question_pct = key_question_columns(rubric, values)
    return result


def key_question_columns(
    rubric: Rubric, values: Mapping[str, AnswerValue]
) -> tuple[str | None, float | None]:
    """The stored key-question score (`key_question_exact`, `key_question_pct`) of an
    evaluation: `scoring.key_question_score(...).pct` (SCORING.md, *Key questions*), (None,
    None) when nothing is possible. Each key question's points per answer are looked up in a
    per-rubric memo of `scoring.item_points` (whole numbers kept as int): rescoring and
    importing 100,000 shops call this once each."""
    earned: int | Fraction = 0
    possible: int | Fraction = 0
    for path, item, memo in _key_question_memo(rubric):
        value = values.get(path)
        points = memo.get(value, _MISSING)
        if points is _MISSING:
            exact = scoring.item_points(item, value)
            points = None if exact is None else tuple(_int_if_whole(f) for f in exact)
            if len(memo) < 256:  # answers are few distinct values; never grow without end
                memo[value] = points
        if points is not None:
            earned += points[0]
            possible += points[1]
    if not possible:
        return None, None
    pct = Fraction(100 * earned) / possible
    return scoring.fraction_text(pct), float(pct)


_MISSING: Any = object()


def _int_if_whole(value: Fraction) -> int | Fraction:
    return value.numerator if value.denominator == 1 else value


def _key_question_memo(rubric: Rubric) -> tuple[tuple[str, Item, dict[AnswerValue, Any]], ...]:
    found = rubric.derived.get("evaluations.key_questions")
    if found is None:
        found = rubric.derived["evaluations.key_questions"] = tuple(
            (path, item, {})
            for path, _s, item in rubric.items()
            if item.key_question and item.scored
        )
    return cast(tuple[tuple[str, Item, dict[AnswerValue, Any]], ...], found)


def section_rows(evaluation_id: str, result: scoring.ScoreResult) -> list[dict[str, Any]]:
    rows = []
    for s in result.sections:
        pct = s.pct  # computed on each access: once per row
        rows.append(
            {
                "evaluation_id": evaluation_id,
                "section_key": s.key,
                "pct": float(pct) if pct is not None else None,
                "exact": scoring.fraction_text(pct),
                "answered": s.answered,
                "total": s.total,
            }
        )
    return rows


def _replace_children(
    session: Session,
    evaluation_id: str,
    answers: Mapping[str, AnswerData] | None,
    result: scoring.ScoreResult,
) -> None:
    if answers is not None:
        session.execute(delete(Answer).where(Answer.evaluation_id == evaluation_id))
        rows = [
            {
                "evaluation_id": evaluation_id,
                "item_path": path,
                "value": encode_value(a.value),
                "comment": a.comment or None,
            }
            for path, a in answers.items()
            if a.value is not None or a.comment
        ]
        if rows:
            session.execute(table_of(Answer).insert(), rows)
    session.execute(delete(SectionScoreRow).where(SectionScoreRow.evaluation_id == evaluation_id))
    session.execute(table_of(SectionScoreRow).insert(), section_rows(evaluation_id, result))


def replace_section_scores(
    session: Session, evaluation_id: str, result: scoring.ScoreResult
) -> None:
    """Store `result`'s section scores in place of the evaluation's (after a rescore)."""
    _replace_children(session, evaluation_id, None, result)


def _rubric_of(session: Session, rubric_id: int) -> tuple[RubricVersion, Rubric]:
    version = session.get(RubricVersion, rubric_id)
    if version is None:
        raise NotFoundError(f"rubric #{rubric_id} does not exist")
    return version, rubric_from_stored(version.content)


def due_date(db_or_days: Database | int, visited_on: dt.date) -> dt.date:
    days = db_or_days if isinstance(db_or_days, int) else settings.follow_up_days(db_or_days)
    return visited_on + dt.timedelta(days=days)


def create(
    db: Database,
    *,
    rubric_id: int,
    agent_id: str,
    visited_on: dt.date,
    channel: str = "in_person",
    shopper: str = "",
    visited_time: dt.time | None = None,
    notes: str | None = None,
    answers: Mapping[str, AnswerData] | None = None,
    status: Status = "draft",
    evaluation_id: str | None = None,
    actor: str = "",
    shopper_id: str | None = None,
) -> EvaluationData:
    """Create an evaluation of `agent_id` (at the agent's property) with `rubric_id`.

    Created straight as submitted, it has a first history event (`submit`) by `actor`.
    Only a draft, awaiting-follow-up or submitted shop can be created; review comes later."""
    if status not in ("draft", "awaiting_follow_up", "submitted"):
        raise ValidationError(
            f"a new evaluation cannot be {status!r}; create it as a draft or submitted"
        )
    if channel not in CHANNELS:
        raise ValidationError(f"{channel!r} is not a channel; use one of {', '.join(CHANNELS)}")
    shopper, notes, actor = clean_person(shopper), clean_note(notes), clean_person(actor, "name")
    follow_up_days = settings.follow_up_days(db)
    with db.write() as session:
        by = people.actor_in(session, actor)
        _, rubric = _rubric_of(session, rubric_id)
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFoundError(f"agent {agent_id} does not exist")
        answers = clean_answers(rubric, answers or {})
        check_answers(rubric, answers)
        values = {p: a.value for p, a in answers.items()}
        check_status(rubric, values, status)
        row = Evaluation(
            id=evaluation_id or str(uuid.uuid4()),
            rubric_id=rubric_id,
            property_id=agent.property_id,
            agent_id=agent_id,
            shopper=shopper,
            visited_on=visited_on,
            visited_time=visited_time,
            channel=channel,
            status=status,
            notes=notes,
            follow_up_due=(
                due_date(follow_up_days, visited_on) if status == "awaiting_follow_up" else None
            ),
            first_submitted_at=utcnow() if status == "submitted" else None,
            shopper_id=shopper_id,
        )
        result = apply_scores(row, rubric, values)
        session.add(row)
        session.flush()
        _replace_children(session, row.id, answers, result)
        session.add(
            EvaluationEvent(evaluation_id=row.id, actor=actor, kind="created", detail=status)
        )
        if status == "submitted":
            history.record(session, row.id, by, "submit", field="status", to_value=status)
        evaluation_id = row.id
    return get(db, evaluation_id)


def get(db: Database, evaluation_id: str) -> EvaluationData:
    with db.read() as session:
        return _load(session, evaluation_id)


def _load(session: Session, evaluation_id: str) -> EvaluationData:
    found = session.execute(
        select(Evaluation, RubricVersion.key, RubricVersion.version, Property.name, Agent.name)
        .join(RubricVersion, RubricVersion.id == Evaluation.rubric_id)
        .join(Property, Property.id == Evaluation.property_id)
        .join(Agent, Agent.id == Evaluation.agent_id)
        .where(Evaluation.id == evaluation_id)
    ).first()
    if found is None:
        raise NotFoundError(f"evaluation {evaluation_id} does not exist")
    row, rubric_key, rubric_version, property_name, agent_name = found
    answers = {
        a.item_path: AnswerData(decode_value(a.value), a.comment)
        for a in session.scalars(select(Answer).where(Answer.evaluation_id == evaluation_id))
    }
    events = tuple(
        EventInfo(e.at, e.actor, e.kind, e.detail)
        for e in session.scalars(
            select(EvaluationEvent)
            .where(EvaluationEvent.evaluation_id == evaluation_id)
            .order_by(EvaluationEvent.at, EvaluationEvent.id)
        )
    )
    return EvaluationData(
        id=row.id,
        rubric_id=row.rubric_id,
        rubric_key=rubric_key,
        rubric_version=rubric_version,
        property_id=row.property_id,
        property_name=property_name,
        agent_id=row.agent_id,
        agent_name=agent_name,
        shopper=row.shopper,
        visited_on=row.visited_on,
        visited_time=row.visited_time,
        channel=row.channel,
        status=row.status,
        notes=row.notes,
        follow_up_due=row.follow_up_due,
        created_at=row.created_at,
        updated_at=row.updated_at,
        row_version=row.row_version,
        overall_pct=row.overall_pct,
        critical_failure=row.critical_failure,
        answers=answers,
        events=events,
        first_submitted_at=row.first_submitted_at,
        released_at=row.released_at,
        excluded=(
            Exclusion(row.excluded_reason or "", row.excluded_by or "", row.excluded_by_id, at)
            if (at := row.excluded_at) is not None
            else None
        ),
        purpose=row.purpose,
        shopper_id=row.shopper_id,
        key_question_pct=row.key_question_pct,
        key_question_exact=row.key_question_exact,
    )


_UNSET: Any = object()

CONFLICT_MESSAGE = (
    "someone else saved this evaluation after you opened it; reopen it to see their "
    "changes, then make yours again"
)


def claim(session: Session, evaluation_id: str, expected_row_version: int) -> Evaluation:
    """Check and bump the row version in one statement; the first write of every change.

    `UPDATE evaluations SET row_version = row_version + 1 WHERE id = ? AND row_version = ?`
    runs before any answer, score or event row is written, so of two people saving the
    same version at once the second waits on the first's row lock (PostgreSQL) or write
    lock (SQLite), then finds the version moved and gets a ConflictError. It does not
    depend on any column of the row changing, nor on the clock. Returns the row as bumped.
    """
    table = table_of(Evaluation)
    result = cast(
        CursorResult[Any],
        session.execute(
            table.update()
            .where(table.c.id == evaluation_id, table.c.row_version == expected_row_version)
            .values(row_version=table.c.row_version + 1, updated_at=utcnow())
        ),
    )
    if result.rowcount != 1:
        if session.scalar(select(table.c.id).where(table.c.id == evaluation_id)) is None:
            raise NotFoundError(
                f"evaluation {evaluation_id} does not exist (it may have been merged)"
            )
        raise ConflictError(CONFLICT_MESSAGE)
    session.info.setdefault(CLAIMED_EVALUATIONS, set()).add(evaluation_id)
    row = session.get(Evaluation, evaluation_id, populate_existing=True)
    assert row is not None  # the UPDATE above found it and holds its lock
    return row


_LOST_RACE_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


@contextlib.contextmanager
def one_writer_wins() -> Iterator[None]:
    """Around a write transaction: whatever a concurrent writer makes the database refuse
    (a duplicate key, a serialization failure, a deadlock) is a ConflictError in plain
    words, never a raw driver error."""
    try:
        yield
    except (exc.IntegrityError, StaleDataError) as error:
        raise ConflictError(CONFLICT_MESSAGE) from error
    except (exc.DBAPIError, DatabaseError) as error:
        cause = error if isinstance(error, exc.DBAPIError) else error.__cause__
        orig = getattr(cause, "orig", None)
        if getattr(orig, "sqlstate", None) in _LOST_RACE_SQLSTATES:
            raise ConflictError(CONFLICT_MESSAGE) from error
        raise


def save(
    db: Database,
    evaluation_id: str,
    expected_row_version: int,
    *,
    answers: Mapping[str, AnswerData] | None = None,
    notes: str | None = _UNSET,
    shopper: str | None = None,
    visited_on: dt.date | None = None,
    visited_time: dt.time | None = _UNSET,
    channel: str | None = None,
    agent_id: str | None = None,
    actor: str = "",
    reason: str | None = None,
) -> EvaluationData:
    """Save changes to an evaluation: the shopper's autosave of a draft, an
    awaiting-follow-up or a returned shop, or a reviewer's edit of a submitted or reviewed
    one (`reason` required; each changed answer, comment or header field is one history
    event by `actor`, from → to, in the same transaction).

    `answers`, when given, replaces all answers. Every save bumps the row version, even
    one that changes only answers or comments. Raises ConflictError when someone else
    saved since `expected_row_version` was read (or is saving at this moment),
    ReadOnlyError when it is submitted and no reason is given, or released (it changes only
    through a dispute, or after a reviewer reopens it), ValidationError for bad or
    over-long input.
    """
    if channel is not None and channel not in CHANNELS:
        raise ValidationError(f"{channel!r} is not a channel; use one of {', '.join(CHANNELS)}")
    if notes is not _UNSET:
        notes = clean_note(notes)
    if shopper is not None:
        shopper = clean_person(shopper)
    actor, reason = clean_person(actor, "name"), clean_note(reason, "reason")
    with one_writer_wins(), db.write() as session:
        row = claim(session, evaluation_id, expected_row_version)
        if row.status == "released":
            raise ReadOnlyError(
                "this evaluation is released: it changes only through a dispute, or after a "
                "reviewer reopens it with a reason"
            )
        reviewing = row.status not in EDITABLE_STATUSES
        if reviewing and not (reason and reason.strip()):
            raise ReadOnlyError(
                f"this evaluation is {STATUS_LABELS[row.status].lower()}; reopen it to make "
                "changes, or edit it as a reviewer and say why (the reason is kept)"
            )
        by = people.require_actor(session, actor, "edits a submitted shop") if reviewing else None
        before = current_snapshot(session, row) if reviewing else None
        _, rubric = _rubric_of(session, row.rubric_id)
        if answers is not None:
            answers = clean_answers(rubric, answers)
            check_answers(rubric, answers)
            values = {p: a.value for p, a in answers.items()}
        else:
            values = _stored_values(session, evaluation_id)
        if row.status == "awaiting_follow_up" or reviewing:
            check_status(rubric, values, "submitted" if reviewing else "awaiting_follow_up")
        if notes is not _UNSET:
            row.notes = notes
        if shopper is not None:
            row.shopper = shopper
        if visited_on is not None:
            row.visited_on = visited_on
        if visited_time is not _UNSET:
            row.visited_time = visited_time
        if channel is not None:
            row.channel = channel
        if agent_id is not None and agent_id != row.agent_id:
            agent = session.get(Agent, agent_id)
            if agent is None:
                raise NotFoundError(f"agent {agent_id} does not exist")
            row.agent_id, row.property_id = agent.id, agent.property_id
        result = apply_scores(row, rubric, values)
        session.flush()
        _replace_children(session, evaluation_id, answers, result)
        if before is not None and by is not None:
            after = current_snapshot(session, row, rubric)
            for name, old, new in history.changes(before, after):
                history.record(
                    session,
                    evaluation_id,
                    by,
                    "edit",
                    field=name,
                    from_value=old,
                    to_value=new,
                    reason=reason,
                )
        return _load(session, evaluation_id)


def current_snapshot(
    session: Session, row: Evaluation, rubric: Rubric | None = None
) -> history.Snapshot:
    """The shop's answers, comments and header as stored now, for history comparisons."""
    if rubric is None:
        _, rubric = _rubric_of(session, row.rubric_id)
    stored = {
        a.item_path: (decode_value(a.value), a.comment)
        for a in session.scalars(select(Answer).where(Answer.evaluation_id == row.id))
    }
    order = {path: n for n, (path, _, _) in enumerate(rubric.items())}
    ordered = dict(sorted(stored.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    agent_name = session.scalar(select(Agent.name).where(Agent.id == row.agent_id))
    property_name = session.scalar(select(Property.name).where(Property.id == row.property_id))
    header: dict[str, history.JsonValue] = {
        "agent": agent_name,
        "property": property_name,
        "visited_on": row.visited_on.isoformat(),
        "visited_time": row.visited_time.isoformat() if row.visited_time else None,
        "channel": row.channel,
        "shopper": row.shopper,
    }
    return history.snapshot(ordered, header)


def _stored_values(session: Session, evaluation_id: str) -> dict[str, AnswerValue]:
    return {
        path: decode_value(value)
        for path, value in session.execute(
            select(Answer.item_path, Answer.value).where(Answer.evaluation_id == evaluation_id)
        )
    }


ALLOWED_MOVES: dict[str, tuple[str, ...]] = {
    "draft": ("awaiting_follow_up", "submitted"),
    "awaiting_follow_up": ("draft", "submitted"),
    "returned": ("submitted",),
    "submitted": ("draft", "reviewed", "released", "returned"),
    "reviewed": ("released", "returned"),
    "released": ("reviewed",),
}
"""Status → the statuses it may move to (SCORING.md, *Evaluation* and *Review and release*)."""

REASON_NEEDED = frozenset(
    {("submitted", "draft"), ("released", "reviewed"), ("submitted", "returned")}
    | {("reviewed", "returned")}
)
"""Moves that need a reason: a reopen and a return."""


def move_action(previous: str, status: str, resubmitting: bool) -> str:
    """The history action of a status change."""
    if status == "submitted":
        return "resubmit" if resubmitting else "submit"
    if status == "awaiting_follow_up":
        return "follow_up"
    if status == "draft" and previous == "submitted":
        return "reopen"
    return {
        "reviewed": "reopen" if previous == "released" else "review",
        "released": "release",
        "returned": "return",
    }.get(status, "status")


def set_status(
    db: Database,
    evaluation_id: str,
    status: Status,
    expected_row_version: int,
    *,
    actor: str = "",
    reason: str | None = None,
    from_statuses: tuple[str, ...] | None = None,
) -> EvaluationData:
    """Move an evaluation to `status` along ALLOWED_MOVES, recording the move in the
    history (who: `actor`, a person's id or name; why: `reason`).

    draft → awaiting_follow_up → submitted, or back; returned → submitted (a resubmission:
    each answer, comment or header field changed since the shop was last submitted is one
    history event); submitted → reviewed → released; submitted or reviewed → returned
    (reason); submitted → draft (the shopper's reopen, reason); released → reviewed (a
    reviewer's reopen, reason). Moving to submitted checks completeness (IncompleteError
    lists what is missing). Bumps the row version like `save`. With `from_statuses`, only
    a shop in one of them moves (e.g. a reviewer's reopen is only of a released shop).
    """
    actor, reason = clean_person(actor, "name"), clean_note(reason, "reason")
    with one_writer_wins(), db.write() as session:
        current = session.get(Evaluation, evaluation_id)
        if current is None:
            raise NotFoundError(f"evaluation {evaluation_id} does not exist")
        if current.status == status and current.row_version == expected_row_version:
            return _load(session, evaluation_id)  # nothing to change, nothing written
        # Otherwise the status differs (or the version does, and the claim refuses).
        session.expunge(current)
        row = claim(session, evaluation_id, expected_row_version)
        if status not in ALLOWED_MOVES.get(row.status, ()):
            raise ValidationError(_refused_move(row.status, status))
        if from_statuses is not None and row.status not in from_statuses:
            wanted = " or ".join(STATUS_LABELS[s].lower() for s in from_statuses)
            raise ValidationError(
                f"this shop is {STATUS_LABELS.get(row.status, row.status).lower()}: only a "
                f"{wanted} shop can become {STATUS_LABELS[status].lower()} this way"
            )
        move_in(session, row, status, actor=actor, reason=reason)
        return _load(session, evaluation_id)


def move_in(
    session: Session, row: Evaluation, status: str, *, actor: str, reason: str | None
) -> None:
    """Change a claimed row's status inside a write transaction (see `set_status`)."""
    if status not in scoring.STATUSES:
        raise ValidationError(
            f"{status!r} is not a status; use one of {', '.join(scoring.STATUSES)}"
        )
    previous = row.status
    if status not in ALLOWED_MOVES.get(previous, ()):
        raise ValidationError(_refused_move(previous, status))
    reason = reason.strip() if reason and reason.strip() else None
    if (previous, status) in REASON_NEEDED and reason is None:
        verb = "returned" if status == "returned" else "reopened"
        raise ValidationError(f"say why the evaluation is {verb}; the reason is kept")
    if status in ("reviewed", "released", "returned"):
        by = people.require_actor(session, actor, "reviews, returns or releases a shop")
    else:
        by = people.actor_in(session, actor)
    if previous == "released":
        open_dispute = session.scalar(
            select(Dispute.id).where(Dispute.evaluation_id == row.id, Dispute.closed_at.is_(None))
        )
        if open_dispute is not None:
            raise ValidationError("this shop has an open dispute; resolve it before reopening")
    _, rubric = _rubric_of(session, row.rubric_id)
    if status in ("submitted", "awaiting_follow_up"):
        check_status(rubric, _stored_values(session, row.id), cast(Status, status))
    last = history.load_snapshot(row.last_submitted)
    now = utcnow()
    row.status = status
    if status == "awaiting_follow_up":
        row.follow_up_due = due_date(_follow_up_days_in(session), row.visited_on)
    if status == "submitted":
        row.first_submitted_at = row.first_submitted_at or now
    if status == "released":
        row.released_at = now
    if previous in SUBMITTED_OR_LATER and status in EDITABLE_STATUSES:
        # back with the shopper: keep the shop as submitted, to record what changes
        row.last_submitted = history.dump_snapshot(current_snapshot(session, row, rubric))
    history.record(
        session,
        row.id,
        by,
        move_action(previous, status, last is not None),
        field="status",
        from_value=previous,
        to_value=status,
        reason=reason,
    )
    if status == "submitted" and last is not None:
        for name, old, new in history.changes(last, current_snapshot(session, row, rubric)):
            history.record(session, row.id, by, "edit", field=name, from_value=old, to_value=new)
        row.last_submitted = None
    session.add(
        EvaluationEvent(
            evaluation_id=row.id,
            actor=by.name,
            kind="reopened" if (previous, status) == ("submitted", "draft") else status,
            detail=reason,
        )
    )


def _follow_up_days_in(session: Session) -> int:
    try:
        return max(0, int(settings.get_in(session, settings.FOLLOW_UP_DAYS)))
    except ValueError:
        return int(settings.DEFAULTS[settings.FOLLOW_UP_DAYS])


def _refused_move(previous: str, status: str) -> str:
    if previous == "released":
        return (
            f"this evaluation is released: it cannot become {STATUS_LABELS[status].lower()}; "
            "it changes only through a dispute, or when a reviewer reopens it with a reason"
        )
    allowed = " or ".join(STATUS_LABELS[s].lower() for s in ALLOWED_MOVES.get(previous, ()))
    return (
        f"a {STATUS_LABELS.get(previous, previous).lower()} evaluation cannot become "
        f"{STATUS_LABELS[status].lower()}" + (f"; it can become {allowed}" if allowed else "")
    )


def add_event(
    db: Database, evaluation_id: str, kind: str, detail: str | None, actor: str = ""
) -> None:
    """Record something that happened to an evaluation, e.g. a follow-up call received.

    History is only appended to: it does not change what an open form shows, so it
    does not bump the row version (an open form can still save)."""
    detail, actor = clean_note(detail, "detail"), clean_person(actor, "name")
    with db.write() as session:
        if session.get(Evaluation, evaluation_id) is None:
            raise NotFoundError(f"evaluation {evaluation_id} does not exist")
        session.add(
            EvaluationEvent(evaluation_id=evaluation_id, actor=actor, kind=kind, detail=detail)
        )


def delete_evaluation(db: Database, evaluation_id: str) -> None:
    """Delete an evaluation that has no history; one that has (it was submitted) is kept,
    and excluded instead."""
    with db.write() as session:
        row = session.get(Evaluation, evaluation_id)
        if row is None:
            raise NotFoundError(f"evaluation {evaluation_id} does not exist")
        kept = session.scalar(
            select(HistoryEvent.id).where(HistoryEvent.evaluation_id == evaluation_id).limit(1)
        ) or session.scalar(
            select(Dispute.id).where(Dispute.evaluation_id == evaluation_id).limit(1)
        )
        if kept is not None:
            raise ReadOnlyError(
                "this evaluation has a history, which is kept: exclude it instead of deleting it"
            )
        session.delete(row)


def score_of(db: Database, evaluation: EvaluationData) -> scoring.ScoreResult:
    """The full score breakdown of an evaluation, from its own rubric version."""
    from shopper.services.rubrics import get_rubric

    return scoring.score(get_rubric(db, evaluation.rubric_id), evaluation.values())


def rescore_all(db: Database, batch: int = 2000) -> int:
    """Recompute every evaluation's stored scores; returns how many changed (see rescore.py)."""
    from shopper.services.rescore import rescore_all as rescore

    return rescore(db, batch)
