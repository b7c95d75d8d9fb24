"""Review and release (SCORING.md, *Review and release*): the reviewer's queue, review,
release, return, reopen, edits with reasons, and exclusion.

Every rule is enforced here (the UI only offers what these allow); each step is one history
event written in the same transaction as the change. `actor` is a person's id or name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select

from shopper.domain import SUBMITTED_OR_LATER
from shopper.errors import NotFoundError, ValidationError
from shopper.services import evaluations, history, people
from shopper.services.evaluations import AnswerData, EvaluationData, clean_note, clean_person
from shopper.storage.db import Database
from shopper.storage.models import Agent, Answer, Evaluation, Property, utcnow

QUEUE_STATUSES = ("submitted", "reviewed")


@dataclass(frozen=True)
class QueueEntry:
    """A shop waiting for review, with what the queue shows."""

    id: str
    status: str
    visited_on: dt.date
    submitted_at: dt.datetime | None
    shopper: str
    agent_name: str
    property_name: str
    overall_pct: float | None
    critical_failure: bool
    comment_count: int
    row_version: int


def _queue_filter() -> Any:
    return and_(
        Evaluation.status.in_(QUEUE_STATUSES),
        Evaluation.excluded_at.is_(None),
        Evaluation.purpose == "shop",
    )


def queue_count(db: Database) -> int:
    """How many shops wait for review."""
    with db.read() as session:
        return int(
            session.scalar(select(func.count()).select_from(Evaluation).where(_queue_filter())) or 0
        )


def queue(db: Database, limit: int | None = 500, offset: int = 0) -> list[QueueEntry]:
    """Submitted and reviewed shops (not excluded), oldest submission first (shops with no
    recorded first submission, e.g. demo data, before all others): a page of
    `limit` from `offset` (None: all). Comment counts are counted for the page only."""
    page = (
        select(Evaluation.id)
        .where(_queue_filter())
        .order_by(Evaluation.first_submitted_at.asc().nulls_first(), Evaluation.id)
        .offset(offset)
    )
    if limit is not None:
        page = page.limit(limit)
    chosen = page.subquery()
    # the page is chosen from the evaluations alone, then joined: joining first would join
    # every waiting shop (100,000) before sorting
    query = (
        select(
            Evaluation.id,
            Evaluation.status,
            Evaluation.visited_on,
            Evaluation.first_submitted_at,
            Evaluation.shopper,
            Agent.name,
            Property.name,
            Evaluation.overall_pct,
            Evaluation.critical_failure,
            Evaluation.row_version,
        )
        .join(chosen, chosen.c.id == Evaluation.id)
        .join(Agent, Agent.id == Evaluation.agent_id)
        .join(Property, Property.id == Evaluation.property_id)
        .order_by(Evaluation.first_submitted_at.asc().nulls_first(), Evaluation.id)
    )
    with db.read() as session:
        rows = session.execute(query).all()
        ids = [row[0] for row in rows]
        comments: dict[str, int] = {}
        for start in range(0, len(ids), 500):
            comments.update(
                session.execute(
                    select(Answer.evaluation_id, func.count())
                    .where(
                        Answer.evaluation_id.in_(ids[start : start + 500]),
                        Answer.comment.is_not(None),
                    )
                    .group_by(Answer.evaluation_id)
                ).all()
            )
    return [QueueEntry(*row[:9], comments.get(row[0], 0), row[9]) for row in rows]


def _move(
    db: Database,
    evaluation_id: str,
    status: str,
    expected_row_version: int | None,
    actor: str,
    reason: str | None,
    from_statuses: tuple[str, ...],
) -> EvaluationData:
    """`evaluations.set_status`, or without a version (bulk steps): the current one."""
    if expected_row_version is None:
        expected_row_version = evaluations.get(db, evaluation_id).row_version
    return evaluations.set_status(
        db,
        evaluation_id,
        status,  # type: ignore[arg-type]
        expected_row_version,
        actor=actor,
        reason=reason,
        from_statuses=from_statuses,
    )


def mark_reviewed(
    db: Database, evaluation_id: str, *, actor: str, expected_row_version: int | None = None
) -> EvaluationData:
    """submitted → reviewed."""
    return _move(db, evaluation_id, "reviewed", expected_row_version, actor, None, ("submitted",))


def release(
    db: Database, evaluation_id: str, *, actor: str, expected_row_version: int | None = None
) -> EvaluationData:
    """submitted or reviewed → released (frozen; the dispute window starts)."""
    return _move(db, evaluation_id, "released", expected_row_version, actor, None, QUEUE_STATUSES)


@dataclass(frozen=True)
class BulkResult:
    done: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]
    """(id, why) for each shop left as it was."""


def release_many(db: Database, evaluation_ids: Iterable[str], *, actor: str) -> BulkResult:
    """Release each shop on its own (one refused shop does not stop the others)."""
    from shopper.errors import ShopperError

    done: list[str] = []
    refused: list[tuple[str, str]] = []
    for evaluation_id in evaluation_ids:
        try:
            release(db, evaluation_id, actor=actor)
            done.append(evaluation_id)
        except ShopperError as error:
            refused.append((evaluation_id, str(error)))
    return BulkResult(tuple(done), tuple(refused))


def return_to_shopper(
    db: Database,
    evaluation_id: str,
    *,
    actor: str,
    reason: str,
    expected_row_version: int | None = None,
) -> EvaluationData:
    """submitted or reviewed → returned, with a reason; the shopper edits and resubmits."""
    return _move(db, evaluation_id, "returned", expected_row_version, actor, reason, QUEUE_STATUSES)


def reopen(
    db: Database,
    evaluation_id: str,
    *,
    actor: str,
    reason: str,
    expected_row_version: int | None = None,
) -> EvaluationData:
    """released → reviewed, with a reason (the reviewer's reopen)."""
    return _move(db, evaluation_id, "reviewed", expected_row_version, actor, reason, ("released",))


def edit(
    db: Database,
    evaluation_id: str,
    expected_row_version: int,
    *,
    actor: str,
    reason: str,
    answers: Mapping[str, AnswerData] | None = None,
    **header: Any,
) -> EvaluationData:
    """A reviewer's edit of a submitted or reviewed shop: each changed answer, comment or
    header field is one history event with `reason` (see `evaluations.save`)."""
    if not (reason and reason.strip()):
        raise ValidationError("say why you change this shop; the reason is kept")
    return evaluations.save(
        db,
        evaluation_id,
        expected_row_version,
        answers=answers,
        actor=actor,
        reason=reason,
        **header,
    )


def edit_answers(
    db: Database,
    evaluation_id: str,
    changes: Mapping[str, Any],
    *,
    actor: str,
    reason: str,
    expected_row_version: int | None = None,
) -> EvaluationData:
    """Change some answers (path → value), keeping the others and every comment."""
    current = evaluations.get(db, evaluation_id)
    answers = dict(current.answers)
    for path, value in changes.items():
        comment = answers[path].comment if path in answers else None
        answers[path] = AnswerData(value, comment)
    version = current.row_version if expected_row_version is None else expected_row_version
    return edit(db, evaluation_id, version, actor=actor, reason=reason, answers=answers)


def exclude(db: Database, evaluation_id: str, *, actor: str, reason: str) -> EvaluationData:
    """Leave a submitted-or-later shop out of every aggregate, with a reason."""
    return _set_excluded(db, evaluation_id, True, actor, reason)


def include(db: Database, evaluation_id: str, *, actor: str, reason: str) -> EvaluationData:
    """Count an excluded shop again, with a reason."""
    return _set_excluded(db, evaluation_id, False, actor, reason)


def _set_excluded(
    db: Database, evaluation_id: str, excluded: bool, actor: str, reason: str | None
) -> EvaluationData:
    actor, reason = clean_person(actor, "name"), clean_note(reason, "reason")
    verb = "excluded" if excluded else "included again"
    if not (reason and reason.strip()):
        raise ValidationError(f"say why the shop is {verb}; the reason is kept")
    reason = reason.strip()
    with evaluations.one_writer_wins(), db.write() as session:
        row = session.get(Evaluation, evaluation_id)
        if row is None:
            raise NotFoundError(f"evaluation {evaluation_id} does not exist")
        if (row.excluded_at is not None) == excluded:
            raise ValidationError(
                f"this shop is already {'excluded' if excluded else 'counted (not excluded)'}"
            )
        if excluded and row.status not in SUBMITTED_OR_LATER:
            raise ValidationError(
                "only a submitted, reviewed or released shop can be excluded; this one is "
                f"{evaluations.STATUS_LABELS.get(row.status, row.status).lower()}"
            )
        by = people.require_actor(session, actor, f"{verb} the shop")
        row = evaluations.claim(session, evaluation_id, row.row_version)
        now = utcnow()
        row.excluded_at = now if excluded else None
        row.excluded_by_id = by.id if excluded else None
        row.excluded_by = by.name if excluded else None
        row.excluded_reason = reason if excluded else None
        history.record(
            session,
            evaluation_id,
            by,
            "exclude" if excluded else "include",
            field="excluded",
            from_value="no" if excluded else "yes",
            to_value="yes" if excluded else "no",
            reason=reason,
        )
    return evaluations.get(db, evaluation_id)
