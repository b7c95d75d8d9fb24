"""Disputes (SCORING.md, *Disputes*): a released shop may be disputed within `dispute_days`
of its release; a reviewer resolves each item as upheld, accepted or amended; accepted and
amended items change the answers and rescore the shop, which stays released. A dispute is
closed when its last item is resolved, and a closed dispute is never reopened.

Each step is a history event in the same transaction. `actor` is a person's id or name."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopper import scoring
from shopper.domain import RESOLUTIONS
from shopper.errors import NotFoundError, ValidationError
from shopper.rubric import Rubric, rubric_from_stored
from shopper.scoring import AnswerValue
from shopper.services import evaluations, history, people, settings
from shopper.services.evaluations import clean_note, clean_person, decode_value, encode_value
from shopper.storage.db import Database
from shopper.storage.models import (
    Answer,
    Dispute,
    DisputeItem,
    Evaluation,
    RubricVersion,
    utcnow,
)


@dataclass(frozen=True)
class ProposedItem:
    item: str
    """`section_key.item_key`"""
    proposed: AnswerValue
    reason: str


@dataclass(frozen=True)
class DisputeItemData:
    item: str
    proposed: AnswerValue
    reason: str
    original: AnswerValue
    """The answer when the dispute was raised."""
    resolution: str | None
    resolved_answer: AnswerValue
    resolved_by: str | None
    resolved_by_id: str | None
    resolved_at: dt.datetime | None
    resolution_reason: str | None


@dataclass(frozen=True)
class DisputeData:
    id: str
    evaluation_id: str
    raised_by: str
    raised_by_id: str | None
    raised_at: dt.datetime
    closed_at: dt.datetime | None
    updated_at: dt.datetime
    items: tuple[DisputeItemData, ...]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def age_days(self, now: dt.datetime | None = None) -> int:
        return ((now or utcnow()) - self.raised_at).days


def _rubric(session: Session, row: Evaluation) -> Rubric:
    content = session.scalar(select(RubricVersion.content).where(RubricVersion.id == row.rubric_id))
    if content is None:
        raise NotFoundError(f"rubric #{row.rubric_id} does not exist")
    return rubric_from_stored(content)


def _check_answer(rubric: Rubric, path: str, value: AnswerValue, what: str) -> AnswerValue:
    found = rubric.find(path)
    if found is None:
        raise ValidationError(f"{rubric.name} v{rubric.version} has no item {path!r}")
    item = found[1]
    if isinstance(value, str) and item.type == "scale" and value.strip().isdigit():
        value = int(value)  # typed on a command line
    problem = scoring.answer_error(item, value) if value is not None else "an answer is needed"
    if problem or value is None:
        raise ValidationError(f"{what} for {path}: {problem}")
    return value


def window_end(released_at: dt.datetime, days: int) -> dt.datetime:
    return released_at + dt.timedelta(days=days)


def open_dispute(
    db: Database,
    evaluation_id: str,
    items: Sequence[ProposedItem],
    *,
    actor: str,
    now: dt.datetime | None = None,
) -> DisputeData:
    """Raise a dispute on a released shop, within `dispute_days` of its release: one or more
    items, each with a proposed answer and a reason."""
    actor = clean_person(actor, "name")
    if not items:
        raise ValidationError("name at least one item to dispute")
    paths = [i.item for i in items]
    if len(set(paths)) != len(paths):
        raise ValidationError("each item can be disputed once per dispute")
    with evaluations.one_writer_wins(), db.write() as session:
        row = session.get(Evaluation, evaluation_id)
        if row is None:
            raise NotFoundError(f"evaluation {evaluation_id} does not exist")
        if row.status != "released" or row.released_at is None:
            raise ValidationError(
                "only a released shop can be disputed; this one is "
                f"{evaluations.STATUS_LABELS.get(row.status, row.status).lower()}"
            )
        now = now or utcnow()
        days = settings.dispute_days_in(session)
        end = window_end(row.released_at, days)
        if now > end:
            raise ValidationError(
                f"the dispute window of this shop closed on {end:%Y-%m-%d %H:%M} UTC "
                f"({days} days after its release)"
            )
        if session.scalar(
            select(Dispute.id).where(
                Dispute.evaluation_id == evaluation_id, Dispute.closed_at.is_(None)
            )
        ):
            raise ValidationError(
                "this shop already has an open dispute; add to it once it is resolved"
            )
        by = people.require_actor(session, actor, "raises the dispute")
        rubric = _rubric(session, row)
        current = _answers(session, evaluation_id)
        dispute = Dispute(
            id=str(uuid.uuid4()),
            evaluation_id=evaluation_id,
            raised_by_id=by.id,
            raised_by=by.name,
            raised_at=now,
            updated_at=now,
        )
        session.add(dispute)
        session.flush()
        for position, proposal in enumerate(items):
            proposed = _check_answer(
                rubric, proposal.item, proposal.proposed, "the proposed answer"
            )
            reason = clean_note(proposal.reason, "reason")
            if not (reason and reason.strip()):
                raise ValidationError(f"say why {proposal.item} is disputed; the reason is kept")
            session.add(
                DisputeItem(
                    dispute_id=dispute.id,
                    item_path=proposal.item,
                    position=position,
                    proposed=encode_value(proposed),
                    original=encode_value(current.get(proposal.item)),
                    reason=reason.strip(),
                )
            )
            history.record(
                session,
                evaluation_id,
                by,
                "dispute_open",
                field=proposal.item,
                from_value=current.get(proposal.item),
                to_value=proposed,
                reason=reason.strip(),
            )
        dispute_id = dispute.id
    return get(db, dispute_id)


def _answers(session: Session, evaluation_id: str) -> dict[str, AnswerValue]:
    return {
        path: decode_value(value)
        for path, value in session.execute(
            select(Answer.item_path, Answer.value).where(Answer.evaluation_id == evaluation_id)
        )
    }


def resolve(
    db: Database,
    dispute_id: str,
    item: str,
    resolution: str,
    *,
    actor: str,
    reason: str,
    answer: AnswerValue = None,
) -> DisputeData:
    """Resolve one item of an open dispute: `upheld` (the answer stands), `accepted` (the
    proposed answer replaces it) or `amended` (`answer` replaces it). Accepted and amended
    items rescore the shop. A reason is required (it is kept in the history). The dispute
    closes when its last item is resolved."""
    actor, reason_text = clean_person(actor, "name"), clean_note(reason, "reason")
    if resolution not in RESOLUTIONS:
        raise ValidationError(
            f"{resolution!r} is not a resolution; use one of {', '.join(RESOLUTIONS)}"
        )
    if not (reason_text and reason_text.strip()):
        raise ValidationError(f"say why the item is {resolution}; the reason is kept")
    reason_text = reason_text.strip()
    with evaluations.one_writer_wins(), db.write() as session:
        dispute = session.get(Dispute, dispute_id)
        if dispute is None:
            raise NotFoundError(f"dispute {dispute_id} does not exist; see `shopper disputes list`")
        if dispute.closed_at is not None:
            raise ValidationError(
                f"this dispute was closed on {dispute.closed_at:%Y-%m-%d}; a closed dispute "
                "cannot be reopened (raise a new one within the window)"
            )
        row_item = session.get(DisputeItem, (dispute_id, item))
        if row_item is None:
            raise NotFoundError(f"the dispute does not name item {item!r}")
        if row_item.resolution is not None:
            raise ValidationError(f"{item} was already resolved ({row_item.resolution})")
        by = people.require_actor(session, actor, "resolves the dispute")
        row = session.get(Evaluation, dispute.evaluation_id)
        assert row is not None  # the foreign key keeps it
        current = _answers(session, row.id).get(item)
        if resolution == "upheld":
            new_value = current
        elif resolution == "accepted":
            new_value = decode_value(row_item.proposed)
        else:
            new_value = _check_answer(_rubric(session, row), item, answer, "the amended answer")
        now = utcnow()
        if new_value != current:
            _change_answer(session, row, item, new_value)
        row_item.resolution = resolution
        row_item.resolved_answer = encode_value(new_value)
        row_item.resolved_by_id, row_item.resolved_by = by.id, by.name
        row_item.resolved_at = now
        row_item.resolution_reason = reason_text
        dispute.updated_at = now
        history.record(
            session,
            row.id,
            by,
            f"dispute_{resolution}",
            field=item,
            from_value=current,
            to_value=new_value,
            reason=reason_text,
        )
        session.flush()
        unresolved = session.scalar(
            select(func.count())
            .select_from(DisputeItem)
            .where(DisputeItem.dispute_id == dispute_id, DisputeItem.resolution.is_(None))
        )
        if not unresolved:
            dispute.closed_at = now
            history.record(session, row.id, by, "dispute_closed", field=None, reason=None)
    return get(db, dispute_id)


def _change_answer(session: Session, row: Evaluation, item: str, value: AnswerValue) -> None:
    """Set one answer of a released shop (keeping its comment) and rescore it."""
    claimed = evaluations.claim(session, row.id, row.row_version)
    stored = session.get(Answer, (row.id, item))
    if stored is None:
        session.add(Answer(evaluation_id=row.id, item_path=item, value=encode_value(value)))
    else:
        stored.value = encode_value(value)
    session.flush()
    rubric = _rubric(session, claimed)
    values = _answers(session, row.id)
    result = evaluations.apply_scores(claimed, rubric, values)
    session.flush()
    evaluations.replace_section_scores(session, row.id, result)


def get(db: Database, dispute_id: str) -> DisputeData:
    with db.read() as session:
        found = _load(session, [dispute_id])
    if not found:
        raise NotFoundError(f"dispute {dispute_id} does not exist; see `shopper disputes list`")
    return found[0]


def _load(session: Session, dispute_ids: list[str]) -> list[DisputeData]:
    if not dispute_ids:
        return []
    rows = {d.id: d for d in session.scalars(select(Dispute).where(Dispute.id.in_(dispute_ids)))}
    items: dict[str, list[DisputeItem]] = {i: [] for i in rows}
    for item in session.scalars(
        select(DisputeItem)
        .where(DisputeItem.dispute_id.in_(list(rows)))
        .order_by(DisputeItem.position, DisputeItem.item_path)
    ):
        items[item.dispute_id].append(item)
    return [
        DisputeData(
            d.id,
            d.evaluation_id,
            d.raised_by,
            d.raised_by_id,
            d.raised_at,
            d.closed_at,
            d.updated_at,
            tuple(
                DisputeItemData(
                    i.item_path,
                    decode_value(i.proposed),
                    i.reason,
                    decode_value(i.original),
                    i.resolution,
                    decode_value(i.resolved_answer),
                    i.resolved_by,
                    i.resolved_by_id,
                    i.resolved_at,
                    i.resolution_reason,
                )
                for i in items[d.id]
            ),
        )
        for i_d in dispute_ids
        if (d := rows.get(i_d)) is not None
    ]


def list_disputes(
    db: Database, *, open_only: bool = False, evaluation_id: str | None = None
) -> list[DisputeData]:
    """Disputes, oldest first (open ones only with `open_only`)."""
    query = select(Dispute.id).order_by(Dispute.raised_at, Dispute.id)
    if open_only:
        query = query.where(Dispute.closed_at.is_(None))
    if evaluation_id is not None:
        query = query.where(Dispute.evaluation_id == evaluation_id)
    with db.read() as session:
        return _load(session, list(session.scalars(query)))


@dataclass(frozen=True)
class DisputeStatistics:
    released_shops: int
    disputes: int
    open_disputes: int
    items: int
    items_changed: int
    """Items accepted or amended to another answer than the one disputed."""

    @property
    def per_100_released(self) -> float | None:
        return 100 * self.disputes / self.released_shops if self.released_shops else None


def statistics(db: Database) -> DisputeStatistics:
    """Disputes per 100 released shops (shops ever released) and items changed."""
    with db.read() as session:
        released = session.scalar(
            select(func.count())
            .select_from(Evaluation)
            .where(Evaluation.released_at.is_not(None), Evaluation.purpose == "shop")
        )
        disputes = session.scalar(select(func.count()).select_from(Dispute))
        still_open = session.scalar(
            select(func.count()).select_from(Dispute).where(Dispute.closed_at.is_(None))
        )
        items = session.scalar(select(func.count()).select_from(DisputeItem))
        changed = session.scalar(
            select(func.count())
            .select_from(DisputeItem)
            .where(
                DisputeItem.resolution.in_(("accepted", "amended")),
                DisputeItem.resolved_answer.is_distinct_from(DisputeItem.original),
            )
        )
    return DisputeStatistics(
        int(released or 0),
        int(disputes or 0),
        int(still_open or 0),
        int(items or 0),
        int(changed or 0),
    )
