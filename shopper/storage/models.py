"""ORM models. Scores are stored with each evaluation when it is saved: `*_pct` as a float for
sorting and filtering, `*_exact` as an exact fraction ("349/4") for aggregates."""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    mapped_column,
    object_session,
    relationship,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Naive UTC with microseconds; every timestamp in the database is UTC.

    Microseconds are kept so that two saves within one second still have an order (the
    package merge keeps the later `updated_at`). No lock depends on the clock: see
    `Evaluation.row_version`."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model, for bulk inserts and updates."""
    return cast(Table, model.__table__)


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Property(Base):
    __tablename__ = "properties"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Agent(Base):
    __tablename__ = "agents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    property_id: Mapped[str] = mapped_column(ForeignKey("properties.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    property: Mapped[Property] = relationship(lazy="raise")


class RubricVersion(Base):
    """One version of a rubric with its exact content (normalised rubric-file JSON)."""

    __tablename__ = "rubrics"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_rubrics_key_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Evaluation(Base):
    __tablename__ = "evaluations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"), index=True)
    property_id: Mapped[str] = mapped_column(ForeignKey("properties.id"), index=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), index=True)
    shopper: Mapped[str] = mapped_column(String(200), default="", index=True)
    visited_on: Mapped[dt.date] = mapped_column(Date, index=True)
    visited_time: Mapped[dt.time | None] = mapped_column(Time)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    follow_up_due: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    """Optimistic lock: every write of the evaluation or of its answers and scores starts
    with `UPDATE ... SET row_version = row_version + 1 WHERE id = ? AND row_version = ?`
    (`shopper.services.evaluations.claim`), whether or not a column of this row changes.
    The ORM's version counter alone is not enough: it checks only when a column of this
    row changes, so a save of answers or comments alone went unchecked. It stays as a
    second check (see `_bump_unclaimed`)."""
    overall_pct: Mapped[float | None] = mapped_column(Float, index=True)
    first_submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    """When the shop was first submitted: from then on every change is a history event."""
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    """When the shop was (last) released; the dispute window runs from here."""
    excluded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    """Set while the shop is excluded from every aggregate (with who and why)."""
    excluded_by_id: Mapped[str | None] = mapped_column(String(36))
    excluded_by: Mapped[str | None] = mapped_column(String(200))
    excluded_reason: Mapped[str | None] = mapped_column(Text)
    shopper_id: Mapped[str | None] = mapped_column(String(36), index=True)
    """The person who shopped (see `people`), beside the `shopper` name."""
    purpose: Mapped[str] = mapped_column(String(20), default="shop", server_default="shop")
    """`shop`, or `calibration` (never counted)."""
    session_id: Mapped[str | None] = mapped_column(String(36))
    """The calibration session of a calibration evaluation."""
    last_submitted: Mapped[str | None] = mapped_column(Text)
    """While a submitted shop is back with its shopper (returned or reopened): its answers
    and header as last submitted (JSON), so the resubmission records what changed."""
    overall_exact: Mapped[str | None] = mapped_column(String(80))
    key_question_exact: Mapped[str | None] = mapped_column(String(80))
    """The key-question score (SCORING.md, *Key questions*), exact like `overall_exact`;
    None when no key question earned or lost points."""
    key_question_pct: Mapped[float | None] = mapped_column(Float, index=True)
    """`key_question_exact` as a float, for sorting and filtering."""
    critical_failure: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_count: Mapped[int] = mapped_column(Integer, default=0)
    total_count: Mapped[int] = mapped_column(Integer, default=0)

    # Every ORM UPDATE of this row says `WHERE row_version = <as read>`; the version is
    # bumped by `claim` (or by `_bump_unclaimed`), not by the ORM on its own.
    __mapper_args__ = {"version_id_col": row_version, "version_id_generator": False}  # noqa: RUF012

    answers: Mapped[list[Answer]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
    section_scores: Mapped[list[SectionScoreRow]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )


Index("ix_evaluations_agent_visited", Evaluation.agent_id, Evaluation.visited_on)
Index(
    "ix_evaluations_status_submitted",
    Evaluation.status,
    Evaluation.excluded_at,
    Evaluation.purpose,
    Evaluation.first_submitted_at,
    Evaluation.id,
)
"""The review queue (submitted and reviewed shops, oldest submission first), read from the
index alone: its count and a page at 100,000 shops in a few hundredths of a second."""

CLAIMED_EVALUATIONS = "shopper.claimed_evaluations"
"""`Session.info` key: ids of the evaluations whose row version this transaction bumped."""


@event.listens_for(Evaluation, "before_update")
def _bump_unclaimed(_mapper: Mapper[Evaluation], _conn: object, row: Evaluation) -> None:
    """An evaluation changed through the ORM without `claim` still gets its version checked
    (the WHERE above) and bumped here, so no write of the row skips the lock; a claimed
    one was bumped already and is only checked again."""
    session = object_session(row)
    claimed = session is not None and row.id in session.info.get(CLAIMED_EVALUATIONS, ())
    if not claimed and (session is None or session.is_modified(row, include_collections=False)):
        row.row_version = row.row_version + 1


class Answer(Base):
    __tablename__ = "answers"
    evaluation_id: Mapped[str] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True
    )
    item_path: Mapped[str] = mapped_column(String(201), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
    """JSON-encoded answer value: "yes", 4, "Agent offered a time", "na"."""
    comment: Mapped[str | None] = mapped_column(Text)


class SectionScoreRow(Base):
    __tablename__ = "section_scores"
    evaluation_id: Mapped[str] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), primary_key=True
    )
    section_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    pct: Mapped[float | None] = mapped_column(Float)
    exact: Mapped[str | None] = mapped_column(String(80))
    answered: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)


class EvaluationEvent(Base):
    """The history of an evaluation: status changes, reopenings (who, when, why), follow-ups."""

    __tablename__ = "evaluation_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[str] = mapped_column(
        ForeignKey("evaluations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)


class Person(Base):
    """Someone who uses Shopper: the history names people, never operating-system logins."""

    __tablename__ = "people"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(100), default="")
    """Comma-separated, from `shopper.domain.ROLES`."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    login: Mapped[str | None] = mapped_column(String(63), unique=True)
    """The PostgreSQL login role of this person (`shopper.storage.access`), if any."""
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))


class HistoryEvent(Base):
    """One append-only history event of an evaluation (SCORING.md, *History*).

    Never updated or deleted: the database refuses both (triggers below, on SQLite and
    PostgreSQL). `from_value` and `to_value` are JSON texts (an answer, a status, a name)."""

    __tablename__ = "history_events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    by_id: Mapped[str | None] = mapped_column(String(36))
    by_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(210))
    from_value: Mapped[str | None] = mapped_column(Text)
    to_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)


Index("ix_history_events_evaluation_at", HistoryEvent.evaluation_id, HistoryEvent.at)

HISTORY_GUARD_DDL: dict[str, tuple[str, ...]] = {
    "postgresql": (
        "CREATE OR REPLACE FUNCTION history_events_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
        "'history events are never changed or deleted' USING ERRCODE = '42501'; END $$",
        "CREATE TRIGGER history_events_no_change BEFORE UPDATE OR DELETE ON history_events "
        "FOR EACH ROW EXECUTE FUNCTION history_events_append_only()",
        "CREATE TRIGGER history_events_no_truncate BEFORE TRUNCATE ON history_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION history_events_append_only()",
    ),
    "sqlite": (
        "CREATE TRIGGER history_events_no_update BEFORE UPDATE ON history_events "
        "BEGIN SELECT RAISE(ABORT, 'history events are never changed or deleted'); END",
        "CREATE TRIGGER history_events_no_delete BEFORE DELETE ON history_events "
        "BEGIN SELECT RAISE(ABORT, 'history events are never changed or deleted'); END",
    ),
}
"""The database itself refuses UPDATE and DELETE on `history_events`; created by
`create_all` (below) and by migration 0004."""


@event.listens_for(HistoryEvent.__table__, "after_create")
def _guard_history(_table: Table, connection: object, **_kw: object) -> None:
    dialect = connection.dialect.name  # type: ignore[attr-defined]
    for statement in HISTORY_GUARD_DDL.get(dialect, ()):
        connection.execute(text(statement))  # type: ignore[attr-defined]


class Dispute(Base):
    """A dispute of a released shop (SCORING.md, *Disputes*); closed when every item is
    resolved, and never reopened."""

    __tablename__ = "disputes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    evaluation_id: Mapped[str] = mapped_column(ForeignKey("evaluations.id"), index=True)
    raised_by_id: Mapped[str | None] = mapped_column(String(36))
    raised_by: Mapped[str] = mapped_column(String(200), default="")
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class DisputeItem(Base):
    __tablename__ = "dispute_items"
    dispute_id: Mapped[str] = mapped_column(
        ForeignKey("disputes.id", ondelete="CASCADE"), primary_key=True
    )
    item_path: Mapped[str] = mapped_column(String(201), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    proposed: Mapped[str | None] = mapped_column(Text)
    """JSON-encoded proposed answer."""
    original: Mapped[str | None] = mapped_column(Text)
    """JSON-encoded answer when the dispute was raised."""
    reason: Mapped[str] = mapped_column(Text, default="")
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolved_answer: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[str | None] = mapped_column(String(36))
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    resolution_reason: Mapped[str | None] = mapped_column(Text)


Index("ix_evaluations_session_id", Evaluation.session_id)


class CalibrationSession(Base):
    """Several people scoring the same tour on one rubric version, blind to each other,
    against a reference evaluation (SCORING.md, *Calibration*; `services.calibration`)."""

    __tablename__ = "calibration_sessions"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    rubric_id: Mapped[int] = mapped_column(ForeignKey("rubrics.id"))
    recording: Mapped[str | None] = mapped_column(Text)
    """The tour scored: a file name or a link."""
    notes: Mapped[str | None] = mapped_column(Text)
    agent_id: Mapped[str | None] = mapped_column(String(36))
    """The agent whose tour is scored, for the raters' evaluations (optional)."""
    reference_evaluation_id: Mapped[str | None] = mapped_column(String(36))
    """The expert's key: one of the session's evaluations (no foreign key: it may arrive
    in a package after the session)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CalibrationRater(Base):
    """A person invited to score a calibration session."""

    __tablename__ = "calibration_raters"
    session_id: Mapped[str] = mapped_column(
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True)
    invited_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class PersonProperty(Base):
    """A property assigned to a person (a trainer reads the counted shops of these)."""

    __tablename__ = "person_properties"
    person_id: Mapped[str] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    property_id: Mapped[str] = mapped_column(
        ForeignKey("properties.id", ondelete="CASCADE"), primary_key=True
    )


class AdminEvent(Base):
    """What an admin did to the whole database (erasure, purge): who, when, what, never
    the erased name itself."""

    __tablename__ = "admin_events"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    by_id: Mapped[str | None] = mapped_column(String(36))
    by_name: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
