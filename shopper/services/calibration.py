"""Calibration sessions (SCORING.md, *Calibration*): several people score the same tour on
the same rubric version, blind to each other, against a reference (the expert's key).

A rater's evaluation is an ordinary evaluation with `purpose = 'calibration'` and the
session's id: it is saved and submitted like any other, and it never counts
(`shopper.services.counting`). Until a rater has submitted, the reads here refuse them
anybody else's answers (`BlindError`); a viewer who is neither invited nor scoring (a program
manager or trainer) sees everything.

Results:
- item agreement = the share of raters (the reference's author not among them) whose answer
  equals the reference's; N/A is an answer, an unanswered item is missing;
- rater deviation = rater's overall − reference's overall (signed, in points), and the share
  of items matching the reference among the scored items both answered;
- reliability = Krippendorff's alpha over the submitted evaluations (reference included) ×
  scored items, nominal for `yes_no` and `choice`, interval for `scale` values; N/A and
  unanswered are missing. Computed with the `krippendorff` package.
Only submitted evaluations (submitted, reviewed, released; not excluded) enter the results.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import krippendorff
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopper import scoring
from shopper.domain import SUBMITTED_OR_LATER
from shopper.errors import NotFoundError, ShopperError, ValidationError
from shopper.names import clean_name
from shopper.rubric import Rubric, rubric_from_stored
from shopper.scoring import NA, AnswerValue
from shopper.services import people
from shopper.services.evaluations import (
    apply_scores,
    clean_note,
    decode_value,
    replace_section_scores,
)
from shopper.storage.db import Database
from shopper.storage.models import (
    Agent,
    Answer,
    CalibrationRater,
    CalibrationSession,
    Evaluation,
    EvaluationEvent,
    Person,
    RubricVersion,
    utcnow,
)

Level = Literal["nominal", "interval"]
LEVEL_OF_TYPE: dict[str, Level] = {"yes_no": "nominal", "choice": "nominal", "scale": "interval"}
MAX_TITLE_CHARS = 200


class BlindError(ShopperError):
    """A rater asked for others' answers before submitting their own."""


BLIND_MESSAGE = (
    "the other raters' answers stay hidden until you submit your own calibration "
    "evaluation; submit it first"
)


@dataclass(frozen=True)
class RaterInfo:
    person_id: str
    name: str
    invited: bool
    evaluation_id: str | None
    status: str | None

    @property
    def submitted(self) -> bool:
        return self.status in SUBMITTED_OR_LATER


@dataclass(frozen=True)
class SessionInfo:
    id: str
    title: str
    rubric_id: int
    rubric_key: str
    rubric_version: int
    recording: str | None
    notes: str | None
    agent_id: str | None
    reference_evaluation_id: str | None
    created_at: dt.datetime
    raters: tuple[RaterInfo, ...]
    """Invited people and whoever has an evaluation in the session, by name."""

    @property
    def submitted_count(self) -> int:
        return sum(r.submitted for r in self.raters)


@dataclass(frozen=True)
class ItemAgreement:
    path: str
    """`section.item`: what the rubric editor opens at."""
    section_title: str
    prompt: str
    item_type: str
    guidance: str | None
    reference: AnswerValue
    matching: int
    rated: int
    answers: tuple[tuple[str, AnswerValue], ...]
    """(rater name, answer) of each submitted rater, the reference's author left out."""

    @property
    def agreement(self) -> Fraction | None:
        return Fraction(self.matching, self.rated) if self.rated else None


@dataclass(frozen=True)
class RaterDeviation:
    person_id: str | None
    name: str
    evaluation_id: str
    overall_pct: float | None
    deviation: Fraction | None
    """Rater's overall minus the reference's, in points (signed): + lenient, − strict."""
    matching: int
    compared: int

    @property
    def share(self) -> Fraction | None:
        return Fraction(self.matching, self.compared) if self.compared else None


@dataclass(frozen=True)
class Reliability:
    level: Level
    alpha: float | None
    """None when undefined: fewer than two values to pair, or every value the same."""
    raters: int
    items: int


@dataclass(frozen=True)
class SessionResults:
    session: SessionInfo
    reference_name: str | None
    reference_overall_pct: float | None
    items: tuple[ItemAgreement, ...]
    """Scored items, least agreement first (items without a reference answer last)."""
    raters: tuple[RaterDeviation, ...]
    reliability: tuple[Reliability, ...]

    @property
    def least_agreed_path(self) -> str | None:
        """The item to sharpen first: open the rubric editor here."""
        first = self.items[0] if self.items else None
        return first.path if first is not None and first.agreement is not None else None


@dataclass(frozen=True)
class RaterTrend:
    person_id: str
    name: str
    sessions: int
    mean_deviation: float | None
    """Mean of the signed deviations: above 0 lenient, below 0 strict."""
    mean_share: float | None


# --- pure rules -------------------------------------------------------------------------


def matches(reference: AnswerValue, answers: Iterable[AnswerValue]) -> tuple[int, int]:
    """(matching, rated): of the answered `answers`, how many equal the reference.
    An unanswered item (None) is missing on either side; N/A is an answer."""
    if reference is None:
        return 0, 0
    given = [a for a in answers if a is not None]
    return sum(a == reference for a in given), len(given)


def alpha(rows: Sequence[Sequence[float | None]], level: Level) -> float | None:
    """Krippendorff's alpha of a raters × units matrix (None = missing), or None when it is
    undefined (no unit with two values, or a single value in the whole domain)."""
    pairable = [u for u in range(len(rows[0]) if rows else 0) if _values_in(rows, u) >= 2]
    if not pairable:
        return None
    data = np.array(
        [[math.nan if row[u] is None else row[u] for u in pairable] for row in rows], dtype=float
    )
    if len(np.unique(data[~np.isnan(data)])) < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))


def _values_in(rows: Sequence[Sequence[float | None]], unit: int) -> int:
    return sum(row[unit] is not None for row in rows)


def reliability(
    rubric: Rubric, answer_sets: Sequence[Mapping[str, AnswerValue]]
) -> list[Reliability]:
    """Alpha per level over `answer_sets` (one per evaluation, reference included) × the
    rubric's scored items of that level; N/A and unanswered are missing."""
    out = []
    for level in ("nominal", "interval"):
        paths = [p for p, _, item in rubric.items() if LEVEL_OF_TYPE.get(item.type) == level]
        codes: dict[AnswerValue, int] = {}
        rows: list[list[float | None]] = []
        for answers in answer_sets:
            row: list[float | None] = []
            for path in paths:
                value = answers.get(path)
                if value is None or value == NA:
                    row.append(None)
                elif level == "interval":
                    row.append(float(value))
                else:
                    row.append(float(codes.setdefault(value, len(codes))))
            rows.append(row)
        units = [u for u in range(len(paths)) if _values_in(rows, u) >= 2]
        raters = sum(any(row[u] is not None for u in units) for row in rows)
        out.append(Reliability(level, alpha(rows, level), raters, len(units)))
    return out


# --- sessions ---------------------------------------------------------------------------


def _raters_of(session: Session, row: CalibrationSession) -> tuple[RaterInfo, ...]:
    invited = set(
        session.scalars(
            select(CalibrationRater.person_id).where(CalibrationRater.session_id == row.id)
        )
    )
    evaluations = {
        (e.shopper_id or f"name:{e.shopper}"): e
        for e in session.scalars(
            select(Evaluation)
            .where(Evaluation.session_id == row.id, Evaluation.purpose == "calibration")
            .order_by(Evaluation.created_at)
        )
    }
    names = {
        p.id: p.name
        for p in session.scalars(select(Person).where(Person.id.in_(invited | set(evaluations))))
    }
    out = []
    for key in invited | set(evaluations):
        found = evaluations.get(key)
        name = names.get(key) or (found.shopper if found is not None else key)
        out.append(
            RaterInfo(
                person_id=key,
                name=name,
                invited=key in invited,
                evaluation_id=found.id if found is not None else None,
                status=found.status if found is not None else None,
            )
        )
    return tuple(sorted(out, key=lambda r: (r.name.casefold(), r.person_id)))


def _info(session: Session, row: CalibrationSession) -> SessionInfo:
    rubric = session.get(RubricVersion, row.rubric_id)
    assert rubric is not None  # a foreign key
    return SessionInfo(
        id=row.id,
        title=row.title,
        rubric_id=row.rubric_id,
        rubric_key=rubric.key,
        rubric_version=rubric.version,
        recording=row.recording,
        notes=row.notes,
        agent_id=row.agent_id,
        reference_evaluation_id=row.reference_evaluation_id,
        created_at=row.created_at,
        raters=_raters_of(session, row),
    )


def _session_row(session: Session, session_id: str) -> CalibrationSession:
    row = session.get(CalibrationSession, session_id)
    if row is None:
        raise NotFoundError(
            f"calibration session {session_id} does not exist; see `shopper calibration list`"
        )
    return row


def create_session(
    db: Database,
    *,
    title: str,
    rubric_id: int,
    recording: str | None = None,
    notes: str | None = None,
    agent_id: str | None = None,
    session_id: str | None = None,
) -> SessionInfo:
    """A new session on one rubric version; `agent_id` is the agent whose tour is scored
    (optional: the raters' evaluations need one, and may name it when they start)."""
    title = clean_name(title, "session title")
    recording = clean_note(recording, "recording")
    notes = clean_note(notes, "notes")
    with db.write() as session:
        if session.get(RubricVersion, rubric_id) is None:
            raise NotFoundError(f"rubric #{rubric_id} does not exist; see `shopper rubric list`")
        if agent_id is not None and session.get(Agent, agent_id) is None:
            raise NotFoundError(f"agent {agent_id} does not exist; see `shopper agents list`")
        row = CalibrationSession(
            id=session_id or str(uuid.uuid4()),
            title=title,
            rubric_id=rubric_id,
            recording=recording,
            notes=notes,
            agent_id=agent_id,
        )
        session.add(row)
        session.flush()
        return _info(session, row)


def list_sessions(db: Database) -> list[SessionInfo]:
    """Every session, newest first."""
    with db.read() as session:
        rows = session.scalars(
            select(CalibrationSession).order_by(
                CalibrationSession.created_at.desc(), CalibrationSession.id
            )
        )
        return [_info(session, row) for row in rows]


def get_session(db: Database, session_id: str) -> SessionInfo:
    with db.read() as session:
        return _info(session, _session_row(session, session_id))


def _person(session: Session, who: str) -> Person:
    """A person by id, else by name (a new name becomes a person)."""
    row = session.get(Person, who.strip()) or people.add_in(session, who)
    return row


def invite(db: Database, session_id: str, raters: Iterable[str]) -> SessionInfo:
    """Invite people (ids or names; a new name becomes a person) to score the session."""
    with db.write() as session:
        row = _session_row(session, session_id)
        for who in raters:
            person = _person(session, who)
            if session.get(CalibrationRater, (row.id, person.id)) is None:
                session.add(CalibrationRater(session_id=row.id, person_id=person.id))
        row.updated_at = utcnow()
        session.flush()
        return _info(session, row)


def start_evaluation(
    db: Database,
    session_id: str,
    rater: str,
    *,
    agent_id: str | None = None,
    visited_on: dt.date | None = None,
    reference: bool = False,
    evaluation_id: str | None = None,
) -> str:
    """The rater's calibration evaluation (a draft, created now, or theirs already): its id.

    It is then answered, saved and submitted like any evaluation. With `reference` it
    becomes the session's reference (the expert's key), which may come before or after the
    others'. The agent is `agent_id`, else the session's, else that of an evaluation already
    in the session."""
    with db.write() as session:
        row = _session_row(session, session_id)
        person = _person(session, rater)
        existing = session.scalar(
            select(Evaluation.id).where(
                Evaluation.session_id == row.id,
                Evaluation.purpose == "calibration",
                Evaluation.shopper_id == person.id,
            )
        )
        if existing is None:
            existing = _new_evaluation(
                session, row, person, agent_id, visited_on or dt.date.today(), evaluation_id
            )
        if reference:
            _set_reference(row, existing)
        return existing


def _new_evaluation(
    session: Session,
    row: CalibrationSession,
    person: Person,
    agent_id: str | None,
    visited_on: dt.date,
    evaluation_id: str | None,
) -> str:
    agent_id = (
        agent_id
        or row.agent_id
        or session.scalar(
            select(Evaluation.agent_id).where(Evaluation.session_id == row.id).limit(1)
        )
    )
    if agent_id is None:
        raise ValidationError(
            "say whose tour is scored: give the session an agent, or name one for this rater"
        )
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFoundError(f"agent {agent_id} does not exist; see `shopper agents list`")
    stored = session.get(RubricVersion, row.rubric_id)
    assert stored is not None
    evaluation = Evaluation(
        id=evaluation_id or str(uuid.uuid4()),
        rubric_id=row.rubric_id,
        property_id=agent.property_id,
        agent_id=agent.id,
        shopper=person.name,
        shopper_id=person.id,
        visited_on=visited_on,
        channel="video",
        status="draft",
        notes=None,
        purpose="calibration",
        session_id=row.id,
    )
    result = apply_scores(evaluation, rubric_from_stored(stored.content), {})
    session.add(evaluation)
    session.flush()
    replace_section_scores(session, evaluation.id, result)
    session.add(
        EvaluationEvent(
            evaluation_id=evaluation.id, actor=person.name, kind="created", detail="calibration"
        )
    )
    return evaluation.id


def _set_reference(row: CalibrationSession, evaluation_id: str) -> None:
    row.reference_evaluation_id = evaluation_id
    row.updated_at = utcnow()


def mark_reference(db: Database, session_id: str, evaluation_id: str) -> SessionInfo:
    """Make one of the session's evaluations its reference (the expert's key)."""
    with db.write() as session:
        row = _session_row(session, session_id)
        evaluation = session.get(Evaluation, evaluation_id)
        if evaluation is None or evaluation.session_id != row.id:
            raise ValidationError(
                f"evaluation {evaluation_id} is not part of session {row.title!r}; the "
                "reference is one of the session's own evaluations"
            )
        _set_reference(row, evaluation_id)
        session.flush()
        return _info(session, row)


# --- blind reads and results ------------------------------------------------------------


def _viewer_blind(session: Session, row: CalibrationSession, viewer: str | None) -> bool:
    """Whether `viewer` (a person's id or name; None: nobody named, e.g. a manager's report)
    takes part in the session and has not yet submitted."""
    if viewer is None or not viewer.strip():
        return False
    person = session.get(Person, viewer.strip()) or people.match_in(session, viewer)
    if person is None:
        return False
    invited = session.get(CalibrationRater, (row.id, person.id)) is not None
    statuses = list(
        session.scalars(
            select(Evaluation.status).where(
                Evaluation.session_id == row.id, Evaluation.shopper_id == person.id
            )
        )
    )
    if not invited and not statuses:
        return False
    return not any(s in SUBMITTED_OR_LATER for s in statuses)


def can_see_others(db: Database, session_id: str, viewer: str | None) -> bool:
    with db.read() as session:
        return not _viewer_blind(session, _session_row(session, session_id), viewer)


def may_open(db: Database, evaluation_id: str, viewer: str | None) -> bool:
    """Whether `viewer` may see this evaluation's answers: any shop; a calibration
    evaluation only if it is the viewer's own, or the viewer is not blind in its session.
    The evaluation form asks this before showing a calibration evaluation."""
    with db.read() as session:
        row = session.get(Evaluation, evaluation_id)
        if row is None:
            raise NotFoundError(f"evaluation {evaluation_id} does not exist")
        if row.purpose != "calibration" or row.session_id is None:
            return True
        sessions_row = session.get(CalibrationSession, row.session_id)
        if sessions_row is None or viewer is None or not viewer.strip():
            return True
        person = session.get(Person, viewer.strip()) or people.match_in(session, viewer)
        if person is not None and row.shopper_id == person.id:
            return True
        return not _viewer_blind(session, sessions_row, viewer)


def _submitted(session: Session, session_id: str) -> list[Evaluation]:
    return list(
        session.scalars(
            select(Evaluation)
            .where(
                Evaluation.session_id == session_id,
                Evaluation.purpose == "calibration",
                Evaluation.status.in_(SUBMITTED_OR_LATER),
                Evaluation.excluded_at.is_(None),
            )
            .order_by(Evaluation.shopper, Evaluation.id)
        )
    )


def _answers(session: Session, ids: list[str]) -> dict[str, dict[str, AnswerValue]]:
    out: dict[str, dict[str, AnswerValue]] = {i: {} for i in ids}
    for answer in session.scalars(select(Answer).where(Answer.evaluation_id.in_(ids))):
        out[answer.evaluation_id][answer.item_path] = decode_value(answer.value)
    return out


def session_answers(
    db: Database, session_id: str, *, viewer: str | None
) -> dict[str, dict[str, AnswerValue]]:
    """Answers of the session's submitted evaluations by evaluation id; BlindError for a
    rater who has not submitted."""
    with db.read() as session:
        row = _session_row(session, session_id)
        if _viewer_blind(session, row, viewer):
            raise BlindError(BLIND_MESSAGE)
        return _answers(session, [e.id for e in _submitted(session, row.id)])


def results(db: Database, session_id: str, *, viewer: str | None) -> SessionResults:
    """The session's results (see the module's docstring); BlindError for a rater who has
    not submitted."""
    with db.read() as session:
        row = _session_row(session, session_id)
        if _viewer_blind(session, row, viewer):
            raise BlindError(BLIND_MESSAGE)
        return _results_in(session, row)


def _results_in(session: Session, row: CalibrationSession) -> SessionResults:
    info = _info(session, row)
    stored = session.get(RubricVersion, row.rubric_id)
    assert stored is not None
    rubric = rubric_from_stored(stored.content)
    submitted = _submitted(session, row.id)
    answers = _answers(session, [e.id for e in submitted])
    reference = next((e for e in submitted if e.id == row.reference_evaluation_id), None)
    others = [e for e in submitted if e is not reference]
    ref_answers = answers[reference.id] if reference is not None else {}
    names = _names(session, submitted)
    items = []
    for path, section, item in rubric.items():
        if not item.scored:
            continue
        given = [answers[e.id].get(path) for e in others]
        matching, rated = matches(ref_answers.get(path), given)
        items.append(
            ItemAgreement(
                path=path,
                section_title=section.title,
                prompt=item.prompt,
                item_type=item.type,
                guidance=item.guidance or section.guidance,
                reference=ref_answers.get(path),
                matching=matching,
                rated=rated,
                answers=tuple((names[e.id], v) for e, v in zip(others, given, strict=True)),
            )
        )
    order = {p: n for n, (p, _, _) in enumerate(rubric.items())}
    items.sort(key=lambda i: (i.agreement is None, i.agreement or 0, order[i.path]))
    ref_overall = scoring.parse_fraction(reference.overall_exact) if reference else None
    deviations = []
    for e in others:
        overall = scoring.parse_fraction(e.overall_exact)
        both = [
            p
            for p, _, item in rubric.items()
            if item.scored and ref_answers.get(p) is not None and answers[e.id].get(p) is not None
        ]
        deviations.append(
            RaterDeviation(
                person_id=e.shopper_id,
                name=names[e.id],
                evaluation_id=e.id,
                overall_pct=e.overall_pct,
                deviation=(
                    overall - ref_overall
                    if overall is not None and ref_overall is not None
                    else None
                ),
                matching=sum(ref_answers[p] == answers[e.id][p] for p in both),
                compared=len(both),
            )
        )
    return SessionResults(
        session=info,
        reference_name=names[reference.id] if reference is not None else None,
        reference_overall_pct=reference.overall_pct if reference is not None else None,
        items=tuple(items),
        raters=tuple(deviations),
        reliability=tuple(reliability(rubric, [answers[e.id] for e in submitted])),
    )


def _names(session: Session, evaluations: list[Evaluation]) -> dict[str, str]:
    ids = {e.shopper_id for e in evaluations if e.shopper_id}
    names = {p.id: p.name for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    return {e.id: names.get(e.shopper_id or "", e.shopper) or e.shopper for e in evaluations}


def rater_trends(db: Database, *, viewer: str | None = None) -> list[RaterTrend]:
    """Each rater's mean deviation and share of matching items across the sessions with a
    submitted reference (sessions the viewer may not see yet are left out); most lenient
    first."""
    deviations: dict[str, list[Fraction]] = defaultdict(list)
    shares: dict[str, list[Fraction]] = defaultdict(list)
    seen: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    with db.read() as session:
        for row in session.scalars(select(CalibrationSession)):
            if row.reference_evaluation_id is None or _viewer_blind(session, row, viewer):
                continue
            result = _results_in(session, row)
            if result.reference_name is None:
                continue
            for rater in result.raters:
                key = rater.person_id or f"name:{rater.name}"
                names[key] = rater.name
                seen[key].add(row.id)
                if rater.deviation is not None:
                    deviations[key].append(rater.deviation)
                if rater.share is not None:
                    shares[key].append(rater.share)
    trends = [
        RaterTrend(
            person_id=key,
            name=names[key],
            sessions=len(seen[key]),
            mean_deviation=_mean(deviations[key]),
            mean_share=_mean(shares[key]),
        )
        for key in names
    ]
    trends.sort(key=lambda t: (-(t.mean_deviation or 0), t.name.casefold()))
    return trends


def _mean(values: list[Fraction]) -> float | None:
    return float(sum(values, Fraction(0)) / len(values)) if values else None
