"""The program dashboard: the whole program at a glance (SCORING.md, *Aggregates* and *Key
questions*), over the shops that count (`shopper.services.counting`).

Every figure comes from SQL aggregates over the scores stored with each evaluation: the
database groups identical exact scores ("349/4") and Python adds them up exactly, so 100,000
shops come back as a few thousand rows. Key-question scores are stored with each shop too
(`key_question_exact`, filled on every save, rescore and import) and grouped the same way.

`build(db, DashboardFilter(...))` returns a frozen `Dashboard`; `drill_*` turn a figure into
the exact set of shops behind it (`DrillDown`), for the Evaluations list.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from shopper import scoring
from shopper.rubric import Item, Rubric
from shopper.services import aggregates, settings
from shopper.services.aggregates import SMALL_SAMPLE, Average, Period
from shopper.services.counting import counted
from shopper.services.evaluations import decode_value, encode_value
from shopper.storage.db import Database
from shopper.storage.models import (
    Agent,
    Answer,
    Evaluation,
    Property,
    RubricVersion,
    SectionScoreRow,
)

TARGET_SETTING = "dashboard_target"
DEFAULT_TARGET = Fraction(80)
"""The target line of the section chart (database setting `dashboard_target`)."""
Trend = Literal["up", "down", "same"]


# --- what the dashboard shows -------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilter:
    start: dt.date | None = None
    end: dt.date | None = None
    """The period, by visit date, both ends included (None: open-ended)."""
    property_id: str | None = None
    agent_ids: tuple[str, ...] = ()
    """An agent group: only these agents' shops (empty: every agent)."""
    rubric_key: str | None = None
    """Only shops scored with a version of this rubric."""
    review_required: bool | None = None
    """Which shops count; None follows the database setting."""

    @property
    def period(self) -> Period:
        return Period(self.start, self.end)


@dataclass(frozen=True)
class Share:
    """`count` of `of` shops (critical failures, follow-ups made)."""

    count: int
    of: int

    @property
    def pct(self) -> Fraction | None:
        return Fraction(100 * self.count, self.of) if self.of else None


@dataclass(frozen=True)
class Headline:
    """The tiles' figures for one period."""

    shops: int
    overall: Average
    band: str
    key_questions: Average
    critical: Share
    """Shops with a critical failure, of the shops that count."""
    follow_up: Share
    """Shops whose follow-up arrived in time to earn points, of those whose follow-up timing
    was answered (see `follow_up_items`)."""
    awaiting: int
    """Shops of the period still awaiting follow-up."""
    overdue: int
    """Of those, how many are past their follow-up date."""


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    detail: str
    change: str | None
    """Against the period of the same length just before ("+2.1 pts", "−3"); None when there
    is no previous period or nothing to compare."""
    better: bool | None
    """Whether the change is good news (None: no change or no direction)."""


@dataclass(frozen=True)
class MonthPoint:
    month: str
    """"2026-03"."""
    start: dt.date
    end: dt.date
    overall: Average
    key_questions: Average
    shops: int


@dataclass(frozen=True)
class SectionRow:
    key: str
    title: str
    average: Average
    in_overall: bool


@dataclass(frozen=True)
class BandCount:
    label: str
    low: Fraction
    """The band's threshold (scores shown at or above it, below the next band's)."""
    count: int
    exact_scores: tuple[str, ...] = field(default=(), repr=False, compare=False)
    """The stored exact scores that fall in the band (for the drill-down)."""


@dataclass(frozen=True)
class LeaderRow:
    id: str
    name: str
    property_name: str
    shops: int
    average: Average
    band: str
    previous: Average | None
    trend: Trend | None
    critical: int

    @property
    def small_sample(self) -> bool:
        return self.shops < SMALL_SAMPLE


@dataclass(frozen=True)
class KeyQuestionRow:
    path: str
    section_title: str
    prompt: str
    rate: scoring.PassRate


@dataclass(frozen=True)
class TimingRow:
    """A timing item's answers (first response, first follow-up) and how many shops gave
    each, in the newest rubric's option order."""

    path: str
    prompt: str
    deferred: bool
    counts: tuple[tuple[str, int], ...]
    total: int


@dataclass(frozen=True)
class Dashboard:
    filter: DashboardFilter
    today: dt.date
    previous_period: Period | None
    headline: Headline
    previous: Headline | None
    months: tuple[MonthPoint, ...]
    sections: tuple[SectionRow, ...]
    target: Fraction
    bands: tuple[BandCount, ...]
    agents: tuple[LeaderRow, ...]
    properties: tuple[LeaderRow, ...]
    key_questions: tuple[KeyQuestionRow, ...]
    """Worst pass rate first."""
    timings: tuple[TimingRow, ...]

    def tiles(self) -> tuple[Tile, ...]:
        """The tiles, with changes only against a previous period that had shops."""
        before = self.previous
        if before is not None and not (before.shops or before.awaiting):
            before = None
        return tiles(self.headline, before)


# --- drilling down --------------------------------------------------------------------------


@dataclass(frozen=True)
class DrillDown:
    """Exactly the shops behind one figure: the dashboard's filter plus what the figure adds.
    `conditions()` is a WHERE clause on `Evaluation`; `count`/`ids` run it."""

    filter: DashboardFilter
    label: str
    start: dt.date | None = None
    end: dt.date | None = None
    agent_id: str | None = None
    property_id: str | None = None
    critical: bool | None = None
    exact_scores: tuple[str, ...] | None = None
    """Only shops whose stored overall score is one of these (a band)."""
    answer_in: tuple[str, tuple[tuple[int, tuple[str, ...]], ...]] | None = None
    """(item path, ((rubric id, stored answer values), ...)): shops that gave one of those
    answers (a key question passed or failed, a timing answer)."""
    any_answer_in: tuple[tuple[str, tuple[tuple[int, tuple[str, ...]], ...]], ...] | None = None
    """Like `answer_in` for several items: shops that gave any of those answers (the shops
    with a key-question score)."""
    section_scored: str | None = None
    """Only shops with a score (not none) for this section key."""
    waiting: Literal["awaiting", "overdue"] | None = None
    """Shops awaiting follow-up instead of shops that count."""
    today: dt.date | None = None
    scored_only: bool = False
    """Only shops with an overall score (averages skip shops without one)."""

    def conditions(self) -> ColumnElement[bool]:
        flt = self.filter
        if self.start is not None or self.end is not None:
            flt = replace(flt, start=self.start, end=self.end)
        where = list(_filter_conditions(flt))
        if self.waiting is None:
            where.append(counted(flt.review_required))
        else:
            where.append(_awaiting())
            if self.waiting == "overdue":
                where.append(Evaluation.follow_up_due < (self.today or dt.date.today()))
        if self.agent_id is not None:
            where.append(Evaluation.agent_id == self.agent_id)
        if self.property_id is not None:
            where.append(Evaluation.property_id == self.property_id)
        if self.critical is not None:
            where.append(Evaluation.critical_failure.is_(self.critical))
        if self.scored_only:
            where.append(Evaluation.overall_exact.is_not(None))
        if self.exact_scores is not None:
            where.append(
                Evaluation.overall_exact.in_(self.exact_scores) if self.exact_scores else false()
            )
        if self.answer_in is not None:
            where.append(_answered((self.answer_in,)))
        if self.any_answer_in is not None:
            where.append(_answered(self.any_answer_in))
        if self.section_scored is not None:
            where.append(
                exists().where(
                    SectionScoreRow.evaluation_id == Evaluation.id,
                    SectionScoreRow.section_key == self.section_scored,
                    SectionScoreRow.exact.is_not(None),
                )
            )
        return and_(*where)

    def count(self, db: Database) -> int:
        with db.read() as session:
            query = select(func.count()).select_from(Evaluation).where(self.conditions())
            return int(session.scalar(query) or 0)

    def ids(self, db: Database) -> list[str]:
        """The shops, most recent visit first."""
        with db.read() as session:
            query = (
                select(Evaluation.id)
                .where(self.conditions())
                .order_by(Evaluation.visited_on.desc(), Evaluation.id)
            )
            return list(session.scalars(query))


def _answered(
    choices: Sequence[tuple[str, Sequence[tuple[int, Sequence[str]]]]],
) -> ColumnElement[bool]:
    """The shop has an answer to one of the items among the values listed for its rubric."""
    return exists().where(
        Answer.evaluation_id == Evaluation.id,
        or_(
            false(),
            *(
                and_(
                    Answer.item_path == path,
                    Evaluation.rubric_id == rubric_id,
                    Answer.value.in_(list(raw)),
                )
                for path, by_rubric in choices
                for rubric_id, raw in by_rubric
                if raw
            ),
        ),
    )


def drill_key_question_scored(board: Dashboard, rubrics: Mapping[int, Rubric]) -> DrillDown:
    """The shops behind the key-question average: those with a key question answered and
    not N/A (a score that is not none)."""
    choices = []
    for path in sorted({p for r in rubrics.values() for p in scoring.key_question_paths(r)}):
        drill = drill_key_question(board, rubrics, path, None)
        assert drill.answer_in is not None
        worth = [  # an item worth nothing gives no score on its own
            (rubric_id, raw)
            for rubric_id, raw in drill.answer_in[1]
            if (found := rubrics[rubric_id].find(path)) is not None and found[1].possible > 0
        ]
        choices.append((path, tuple(worth)))
    return DrillDown(board.filter, "Shops with a key-question score", any_answer_in=tuple(choices))


def drill_section(board: Dashboard, key: str) -> DrillDown:
    """The shops behind a section average: those with a score for the section."""
    row = next(r for r in board.sections if r.key == key)
    return DrillDown(board.filter, f"Shops scored on {row.title}", section_scored=key)


def drill_shops(board: Dashboard, *, critical: bool | None = None) -> DrillDown:
    label = "Shops with a critical failure" if critical else "Shops that count"
    return DrillDown(board.filter, label, critical=critical)


def drill_scored(board: Dashboard) -> DrillDown:
    """The shops behind the overall average (those with a score)."""
    return DrillDown(board.filter, "Shops with an overall score", scored_only=True)


def drill_month(board: Dashboard, month: str) -> DrillDown:
    point = next(p for p in board.months if p.month == month)
    return DrillDown(board.filter, f"Shops of {month}", start=point.start, end=point.end)


def drill_band(board: Dashboard, label: str) -> DrillDown:
    band = next(b for b in board.bands if b.label == label)
    return DrillDown(board.filter, f"Shops scored {label}", exact_scores=band.exact_scores)


def drill_agent(board: Dashboard, agent_id: str) -> DrillDown:
    row = next(r for r in board.agents if r.id == agent_id)
    return DrillDown(board.filter, f"Shops of {row.name}", agent_id=agent_id)


def drill_property(board: Dashboard, property_id: str) -> DrillDown:
    row = next(r for r in board.properties if r.id == property_id)
    return DrillDown(board.filter, f"Shops at {row.name}", property_id=property_id)


def drill_waiting(board: Dashboard, overdue: bool = False) -> DrillDown:
    state: Literal["awaiting", "overdue"] = "overdue" if overdue else "awaiting"
    label = "Shops overdue on follow-up" if overdue else "Shops awaiting follow-up"
    return DrillDown(board.filter, label, waiting=state, today=board.today)


def drill_key_question(
    board: Dashboard, rubrics: Mapping[int, Rubric], path: str, passed: bool | None
) -> DrillDown:
    """Shops where the key question was answered and not N/A (`passed` None), or where it
    earned (True) or missed (False) its full points."""
    by_rubric = []
    for rubric_id, rubric in rubrics.items():
        found = rubric.find(path)
        if found is None or not found[1].key_question:
            continue
        raw = tuple(
            encode_value(v)
            for v in _answer_values(found[1])
            if (outcome := scoring.passed(found[1], v)) is not None
            and (passed is None or outcome is passed)
        )
        by_rubric.append((rubric_id, tuple(r for r in raw if r is not None)))
    word = {None: "answered", True: "passed", False: "missed"}[passed]
    return DrillDown(board.filter, f"{path} {word}", answer_in=(path, tuple(by_rubric)))


def drill_timing(
    board: Dashboard, rubrics: Mapping[int, Rubric], path: str, label: str
) -> DrillDown:
    """Shops that gave `label` to the timing item `path` (a bar of follow-up performance)."""
    raw = encode_value(label) or ""
    rubric_ids = [r for p, r, _i in timing_items(rubrics) if p == path]
    return DrillDown(
        board.filter,
        f"{path}: {label}",
        answer_in=(path, tuple((r, (raw,)) for r in sorted(rubric_ids))),
    )


def drill_follow_up(board: Dashboard, rubrics: Mapping[int, Rubric], made: bool) -> DrillDown:
    """Shops whose follow-up timing earned points (`made`) or did not."""
    paths = {p for p, _r, _i in follow_up_items(rubrics)}
    by_path: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
    for path, rubric_id, item in follow_up_items(rubrics):
        raw = tuple(encode_value(o.label) or "" for o in item.options if (o.points > 0) is made)
        by_path[path].append((rubric_id, raw))
    path = sorted(paths)[0] if paths else ""
    label = "Shops followed up" if made else "Shops not followed up in time"
    return DrillDown(board.filter, label, answer_in=(path, tuple(by_path.get(path, ()))))


# --- building it ------------------------------------------------------------------------------
#
# Six queries in all, each over the period and the one before it together (a `flag` column
# says which: 1 this period, 0 the one before), each grouped so that identical stored scores
# come back as one row with its count.

CURRENT, BEFORE = 1, 0


def build(
    db: Database,
    flt: DashboardFilter = DashboardFilter(),
    *,
    today: dt.date | None = None,
    rubrics: Mapping[int, Rubric] | None = None,
    target: Fraction | None = None,
) -> Dashboard:
    """Every figure of the dashboard for `flt` (see the module's docstring). The section
    target is `target`, else the database setting `dashboard_target` (default 80)."""
    today = today or dt.date.today()
    rubrics = rubrics if rubrics is not None else aggregates.load_rubrics(db)
    bands_spec = aggregates.bands_setting(db)
    target = target if target is not None else _target(db)
    before = aggregates.previous_period(flt.period)
    span = replace(flt, start=before.start) if before is not None else flt
    flag: Any = (
        case((Evaluation.visited_on >= flt.start, CURRENT), else_=BEFORE)
        if before is not None
        else literal(CURRENT)
    )
    month = _month_of(db.is_sqlite)
    where = _counted_where(span)
    with db.read() as session:
        scores = _score_rows(session, where, flag, month)
        kq = _key_question_rows_by_month(session, where, flag, month)
        owners = list(
            session.execute(
                select(
                    flag.label("f"),
                    Evaluation.agent_id,
                    Evaluation.property_id,
                    Evaluation.overall_exact,
                    Evaluation.critical_failure,
                    func.count(),
                )
                .where(where)
                .group_by(
                    flag,
                    Evaluation.agent_id,
                    Evaluation.property_id,
                    Evaluation.overall_exact,
                    Evaluation.critical_failure,
                )
            )
        )
        sections = _sections(session, _counted_where(flt), rubrics)
        # Pass rates and timing bands for this period; for the one before, only the
        # follow-up timing its compliance tile compares with.
        answers = _answer_counts(session, _counted_where(flt), CURRENT, _answer_paths(rubrics))
        if before is not None:
            earlier = replace(flt, start=before.start, end=before.end)
            follow_up_paths = sorted({p for p, _r, _i in follow_up_items(rubrics)})
            answers |= _answer_counts(session, _counted_where(earlier), BEFORE, follow_up_paths)
        waiting = {
            int(f): (int(n), int(late or 0))
            for f, n, late in session.execute(
                select(
                    flag.label("f"),
                    func.count(),
                    func.sum(case((Evaluation.follow_up_due < today, 1), else_=0)),
                )
                .where(_awaiting(), *_filter_conditions(span))
                .group_by(flag)
            )
        }
        agent_names = _names(session, "agent", sorted({row[1] for row in owners}))
        property_names = _names(session, "property", sorted({row[2] for row in owners}))
    headline, band_counts, months = _summarise(
        scores, kq, answers, waiting, rubrics, bands_spec, flt, CURRENT
    )
    previous = None
    if before is not None:
        previous = _summarise(scores, kq, answers, waiting, rubrics, bands_spec, flt, BEFORE)[0]
    return Dashboard(
        filter=flt,
        today=today,
        previous_period=before,
        headline=headline,
        previous=previous,
        months=months,
        sections=sections,
        target=target,
        bands=band_counts,
        agents=_leaders(owners, 1, agent_names, before is not None, bands_spec),
        properties=_leaders(owners, 2, property_names, before is not None, bands_spec),
        key_questions=_key_question_rows(
            rubrics, {k[1:]: n for k, n in answers.items() if k[0] == CURRENT}
        ),
        timings=_timing_rows(rubrics, {k[1:]: n for k, n in answers.items() if k[0] == CURRENT}),
    )


def _target(db: Database) -> Fraction:
    text = settings.get(db, TARGET_SETTING).strip()
    try:
        value = Fraction(text) if text else DEFAULT_TARGET
    except ValueError:
        return DEFAULT_TARGET
    return value if 0 <= value <= 100 else DEFAULT_TARGET


def _filter_conditions(flt: DashboardFilter) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if flt.start is not None:
        where.append(Evaluation.visited_on >= flt.start)
    if flt.end is not None:
        where.append(Evaluation.visited_on <= flt.end)
    if flt.property_id is not None:
        where.append(Evaluation.property_id == flt.property_id)
    if flt.agent_ids:
        where.append(Evaluation.agent_id.in_(list(flt.agent_ids)))
    if flt.rubric_key is not None:
        where.append(
            Evaluation.rubric_id.in_(
                select(RubricVersion.id).where(RubricVersion.key == flt.rubric_key)
            )
        )
    return where


def _counted_where(flt: DashboardFilter) -> ColumnElement[bool]:
    return and_(counted(flt.review_required), *_filter_conditions(flt))


def _awaiting() -> ColumnElement[bool]:
    return and_(
        Evaluation.status == "awaiting_follow_up",
        Evaluation.purpose == "shop",
        Evaluation.excluded_at.is_(None),
    )


class _Mean:
    """An exact mean of stored scores ("n/d" texts), added up as integers per denominator."""

    __slots__ = ("count", "sums")

    def __init__(self) -> None:
        self.sums: dict[int, int] = {}
        self.count = 0

    def add(self, text: str | None, times: int) -> None:
        if text is None:
            return
        numerator, _, denominator = text.partition("/")
        d = int(denominator or 1)
        self.sums[d] = self.sums.get(d, 0) + int(numerator) * times
        self.count += times

    def merge(self, other: _Mean) -> None:
        for d, n in other.sums.items():
            self.sums[d] = self.sums.get(d, 0) + n
        self.count += other.count

    def average(self) -> Average:
        if not self.count:
            return Average(None, 0)
        total = sum((Fraction(n, d) for d, n in self.sums.items()), Fraction(0))
        return Average(total / self.count, self.count)


ScoreRows = list[tuple[int, str, str | None, bool, int]]
"""(flag, month, overall exact, critical failure, shops)."""


def _score_rows(session: Session, where: ColumnElement[bool], flag: Any, month: Any) -> ScoreRows:
    query = (
        select(
            flag.label("f"),
            month.label("m"),
            Evaluation.overall_exact,
            Evaluation.critical_failure,
            func.count(),
        )
        .where(where)
        .group_by(flag, month, Evaluation.overall_exact, Evaluation.critical_failure)
    )
    return [(int(f), str(m), e, bool(c), int(n)) for f, m, e, c, n in session.execute(query)]


def _summarise(
    scores: ScoreRows,
    kq: dict[tuple[int, str], _Mean],
    answers: dict[tuple[int, int, str, str], int],
    waiting: dict[int, tuple[int, int]],
    rubrics: Mapping[int, Rubric],
    bands_spec: Sequence[tuple[Fraction, str]],
    flt: DashboardFilter,
    which: int,
) -> tuple[Headline, tuple[BandCount, ...], tuple[MonthPoint, ...]]:
    overall = _Mean()
    by_month: dict[str, _Mean] = defaultdict(_Mean)
    shops_by_month: dict[str, int] = defaultdict(int)
    shops = critical = 0
    by_band: dict[str, tuple[list[int], list[str]]] = {label: ([0], []) for _t, label in bands_spec}
    band_of: dict[str, str] = {}
    for f, m, exact, failed, n in scores:
        if f != which:
            continue
        shops += n
        critical += n if failed else 0
        shops_by_month[m] += n
        overall.add(exact, n)
        by_month[m].add(exact, n)
        if exact is not None:
            label = band_of.get(exact)
            if label is None:
                label = band_of[exact] = aggregates.band_for(
                    scoring.parse_fraction(exact), bands_spec
                )
                by_band[label][1].append(exact)
            by_band[label][0][0] += n
    key_questions = _Mean()
    for (f, _m), mean in kq.items():
        if f == which:
            key_questions.merge(mean)
    average = overall.average()
    count, late = waiting.get(which, (0, 0))
    headline = Headline(
        shops=shops,
        overall=average,
        band=aggregates.band_for(average.value, bands_spec),
        key_questions=key_questions.average(),
        critical=Share(critical, shops),
        follow_up=_follow_up_share(
            rubrics, {k[1:]: n for k, n in answers.items() if k[0] == which}
        ),
        awaiting=count,
        overdue=late,
    )
    bands = tuple(
        BandCount(label, threshold, by_band[label][0][0], tuple(sorted(by_band[label][1])))
        for threshold, label in sorted(bands_spec, key=lambda b: b[0], reverse=True)
    )
    months = []
    for m in sorted(shops_by_month):
        start, end = _month_bounds(m)
        if flt.start is not None:
            start = max(start, flt.start)
        if flt.end is not None:
            end = min(end, flt.end)
        months.append(
            MonthPoint(
                m,
                start,
                end,
                by_month[m].average(),
                kq.get((which, m), _Mean()).average(),
                shops_by_month[m],
            )
        )
    return headline, bands, tuple(months)


# --- key questions ---------------------------------------------------------------------------


def _answer_values(item: Item) -> list[scoring.AnswerValue]:
    if item.type == "yes_no":
        return ["yes", "no"]
    if item.type == "scale":
        return list(range(1, item.max + 1))
    if item.type == "choice":
        return [o.label for o in item.options]
    return []


def _key_question_rows_by_month(
    session: Session,
    where: ColumnElement[bool],
    flag: Any,
    month: Any,
) -> dict[tuple[int, str], _Mean]:
    """Mean key-question score per (flag, month), from the score stored with each shop
    (`Evaluation.key_question_exact`, exact text like `overall_exact`): identical stored
    scores are counted in SQL and added up exactly here. A shop without one (every key
    question N/A or unanswered, or none on its rubric) is left out, as SCORING.md says."""
    out: dict[tuple[int, str], _Mean] = defaultdict(_Mean)
    stored = Evaluation.key_question_exact
    grouped = (
        select(flag.label("f"), month.label("m"), stored, func.count())
        .where(where, stored.is_not(None))
        .group_by(flag, month, stored)
    )
    for f, m, exact, n in session.execute(grouped):
        out[(int(f), str(m))].add(exact, int(n))
    return out


def _answer_paths(rubrics: Mapping[int, Rubric]) -> list[str]:
    """The key questions and timing items: the answers the dashboard counts."""
    return sorted(
        {p for r in rubrics.values() for p, _s, i in r.items() if i.key_question and i.scored}
        | {p for p, _r, _i in timing_items(rubrics)}
    )


def _answer_counts(
    session: Session, where: ColumnElement[bool], flag: int, paths: Sequence[str]
) -> dict[tuple[int, int, str, str], int]:
    """How many shops matching `where` gave each answer to each of `paths`, by
    (flag, rubric id, path, stored answer)."""
    if not paths:
        return {}
    query = (
        select(Evaluation.rubric_id, Answer.item_path, Answer.value, func.count())
        .select_from(Evaluation)
        .join(
            Answer, and_(Answer.evaluation_id == Evaluation.id, Answer.item_path.in_(list(paths)))
        )
        .where(where, Answer.value.is_not(None))
        .group_by(Evaluation.rubric_id, Answer.item_path, Answer.value)
    )
    return {(flag, r, p, str(v)): int(n) for r, p, v, n in session.execute(query)}


def _key_question_rows(
    rubrics: Mapping[int, Rubric], counts: Mapping[tuple[int, str, str], int]
) -> tuple[KeyQuestionRow, ...]:
    tally: dict[str, list[int]] = {}
    described: dict[str, tuple[str, str]] = {}
    for rubric_id in sorted(rubrics, reverse=True):  # the newest wording wins
        for path, section, item in rubrics[rubric_id].items():
            if item.key_question and item.scored:
                tally.setdefault(path, [0, 0])
                described.setdefault(path, (section.title, item.prompt))
    for (rubric_id, path, raw), n in counts.items():
        rubric = rubrics.get(rubric_id)
        found = rubric.find(path) if rubric is not None else None
        if found is None or not found[1].key_question:
            continue
        outcome = scoring.passed(found[1], decode_value(raw))
        if outcome is None:
            continue
        tally[path][1] += n
        tally[path][0] += n if outcome else 0
    rows = [
        KeyQuestionRow(path, *described[path], scoring.PassRate(path, p, c))
        for path, (p, c) in tally.items()
    ]
    rows.sort(key=lambda r: (r.rate.rate is None, r.rate.rate or 0, r.path))
    return tuple(rows)


# --- timing items and follow-up --------------------------------------------------------------


def timing_items(rubrics: Mapping[int, Rubric]) -> list[tuple[str, int, Item]]:
    """(path, rubric id, item) of every timing item: a choice item whose key ends in "_time"
    (first response, first follow-up), as the scorecards read them."""
    return [
        (path, rubric_id, item)
        for rubric_id, rubric in rubrics.items()
        for path, _section, item in rubric.items()
        if item.type == "choice" and item.key.endswith("_time")
    ]


def follow_up_items(rubrics: Mapping[int, Rubric]) -> list[tuple[str, int, Item]]:
    """The timing items of deferred sections: when the follow-up arrived."""
    return [
        (path, rubric_id, item)
        for rubric_id, rubric in rubrics.items()
        for path, section, item in rubric.items()
        if section.deferred and item.type == "choice" and item.key.endswith("_time")
    ]


def _follow_up_share(
    rubrics: Mapping[int, Rubric], counts: Mapping[tuple[int, str, str], int]
) -> Share:
    """Follow-up compliance: of the shops whose follow-up timing was answered (not N/A), how
    many got a follow-up in time to earn points."""
    earns = {
        (rubric_id, path, encode_value(o.label)): o.points > 0
        for path, rubric_id, item in follow_up_items(rubrics)
        for o in item.options
    }
    made = answered = 0
    for key, n in counts.items():
        outcome = earns.get(key)
        if outcome is None:
            continue
        answered += n
        made += n if outcome else 0
    return Share(made, answered)


def _timing_rows(
    rubrics: Mapping[int, Rubric], counts: Mapping[tuple[int, str, str], int]
) -> tuple[TimingRow, ...]:
    newest: dict[str, tuple[Item, bool]] = {}
    order: dict[str, int] = {}
    for rubric_id in sorted(rubrics, reverse=True):
        for index, (path, section, item) in enumerate(rubrics[rubric_id].items()):
            if item.type == "choice" and item.key.endswith("_time") and path not in newest:
                newest[path] = (item, section.deferred)
                order[path] = index
    tally: dict[str, dict[str, int]] = defaultdict(dict)
    for (rubric_id, path, raw), n in counts.items():
        if path not in newest:
            continue
        rubric = rubrics.get(rubric_id)
        found = rubric.find(path) if rubric is not None else None
        if found is None or found[1].type != "choice":
            continue
        value = decode_value(raw)
        if value is None or value == scoring.NA:
            continue
        tally[path][str(value)] = tally[path].get(str(value), 0) + n
    rows = []
    for path in sorted(newest, key=lambda p: order[p]):
        item, deferred = newest[path]
        labels = [o.label for o in item.options]
        seen = tally.get(path, {})
        ordered = [(label, seen.get(label, 0)) for label in labels]
        ordered += sorted((label, n) for label, n in seen.items() if label not in labels)
        rows.append(TimingRow(path, item.prompt, deferred, tuple(ordered), sum(seen.values())))
    return tuple(rows)


# --- series and tables -------------------------------------------------------------------------


def _month_of(is_sqlite: bool) -> Any:
    if is_sqlite:
        return func.strftime("%Y-%m", Evaluation.visited_on)
    return func.to_char(Evaluation.visited_on, "YYYY-MM")


def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    year, number = map(int, month.split("-"))
    start = dt.date(year, number, 1)
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


def _sections(
    session: Session, where: ColumnElement[bool], rubrics: Mapping[int, Rubric]
) -> tuple[SectionRow, ...]:
    means: dict[str, _Mean] = defaultdict(_Mean)
    query = (
        select(SectionScoreRow.section_key, SectionScoreRow.exact, func.count())
        .select_from(SectionScoreRow)
        .join(Evaluation, Evaluation.id == SectionScoreRow.evaluation_id)
        .where(where, SectionScoreRow.exact.is_not(None))
        .group_by(SectionScoreRow.section_key, SectionScoreRow.exact)
    )
    for key, exact, n in session.execute(query):
        means[key].add(exact, n)
    catalog = aggregates.section_catalog(dict(rubrics))
    return tuple(
        SectionRow(s.key, s.title, means[s.key].average(), s.in_overall)
        for s in catalog
        if s.key in means
    )


def _leaders(
    owners: Sequence[Any],
    column: int,
    names: Mapping[str, tuple[str, str]],
    has_before: bool,
    bands_spec: Sequence[tuple[Fraction, str]],
) -> tuple[LeaderRow, ...]:
    """Agents (`column` 1) or properties (2) from rows (flag, agent, property, overall exact,
    critical failure, shops), best average first."""
    means: dict[str, _Mean] = defaultdict(_Mean)
    previous: dict[str, _Mean] = defaultdict(_Mean)
    shops: dict[str, int] = defaultdict(int)
    critical: dict[str, int] = defaultdict(int)
    for row in owners:
        f, owner, exact, failed, n = row[0], row[column], row[3], row[4], row[5]
        if f == CURRENT:
            shops[owner] += n
            critical[owner] += n if failed else 0
            means[owner].add(exact, n)
        else:
            previous[owner].add(exact, n)
    rows = []
    for owner, n in shops.items():
        average = means[owner].average()
        before_avg = previous[owner].average() if has_before else None
        name, property_name = names.get(owner, (owner, ""))
        rows.append(
            LeaderRow(
                id=owner,
                name=name,
                property_name=property_name,
                shops=n,
                average=average,
                band=aggregates.band_for(average.value, bands_spec),
                previous=before_avg,
                trend=_trend(average, before_avg),
                critical=critical[owner],
            )
        )
    order = {
        row.id: aggregates.collation_key(row.name) for row in rows
    }  # names sort as people expect
    rows.sort(key=lambda r: (r.average.value is None, -(r.average.value or 0), order[r.id], r.id))
    return tuple(rows)


def _names(
    session: Session, kind: Literal["agent", "property"], ids: list[str]
) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        if kind == "agent":
            query: Any = (
                select(Agent.id, Agent.name, Property.name)
                .join(Property, Property.id == Agent.property_id)
                .where(Agent.id.in_(chunk))
            )
            for row_id, name, property_name in session.execute(query):
                out[row_id] = (name, property_name)
        else:
            for row_id, name in session.execute(
                select(Property.id, Property.name).where(Property.id.in_(chunk))
            ):
                out[row_id] = (name, name)
    return out


def _trend(now: Average, before: Average | None) -> Trend | None:
    if before is None or now.value is None or before.value is None:
        return None
    a, b = scoring.round_pct(now.value), scoring.round_pct(before.value)
    assert a is not None and b is not None
    return "up" if a > b else "down" if a < b else "same"


# --- tiles -----------------------------------------------------------------------------------


def _points_change(now: Fraction | None, before: Fraction | None) -> str | None:
    if now is None or before is None:
        return None
    a, b = scoring.round_pct(now), scoring.round_pct(before)
    assert a is not None and b is not None
    diff = a - b
    sign = "+" if diff > 0 else "−" if diff < 0 else "±"
    return f"{sign}{abs(diff)} pts"


def _count_change(now: int, before: int) -> str:
    diff = now - before
    sign = "+" if diff > 0 else "−" if diff < 0 else "±"
    return f"{sign}{abs(diff)}"


def _direction(now: Any, before: Any, higher_is_better: bool) -> bool | None:
    if now is None or before is None or now == before:
        return None
    return (now > before) is higher_is_better


def _rounded(value: Fraction | None) -> Any:
    return scoring.round_pct(value)


def tiles(now: Headline, before: Headline | None) -> tuple[Tile, ...]:
    """The dashboard's tiles as text, each with its change against the previous period."""
    b = before

    def pct_tile(
        key: str, label: str, value: Fraction | None, detail: str, prev: Fraction | None, up: bool
    ) -> Tile:
        return Tile(
            key,
            label,
            scoring.format_pct(value),
            detail,
            _points_change(value, prev) if b is not None else None,
            _direction(_rounded(value), _rounded(prev), up) if b is not None else None,
        )

    def count_tile(key: str, label: str, value: int, detail: str, prev: int, up: bool) -> Tile:
        return Tile(
            key,
            label,
            f"{value:,}",
            detail,
            _count_change(value, prev) if b is not None else None,
            _direction(value, prev, up) if b is not None else None,
        )

    return (
        count_tile("shops", "Shops", now.shops, "that count", b.shops if b else 0, True),
        pct_tile(
            "overall",
            "Overall average",
            now.overall.value,
            f"{now.band} · {now.overall.count:,} shops",
            b.overall.value if b else None,
            True,
        ),
        pct_tile(
            "key_questions",
            "Key questions",
            now.key_questions.value,
            f"{now.key_questions.count:,} shops",
            b.key_questions.value if b else None,
            True,
        ),
        Tile(
            "critical",
            "Critical failures",
            f"{now.critical.count:,}",
            f"{scoring.format_pct(now.critical.pct)} of {now.critical.of:,} shops",
            _count_change(now.critical.count, b.critical.count) if b else None,
            _direction(now.critical.count, b.critical.count, False) if b else None,
        ),
        pct_tile(
            "follow_up",
            "Follow-up compliance",
            now.follow_up.pct,
            f"{now.follow_up.count:,} of {now.follow_up.of:,} shops followed up",
            b.follow_up.pct if b else None,
            True,
        ),
        count_tile(
            "awaiting",
            "Awaiting follow-up",
            now.awaiting,
            f"{now.overdue:,} overdue",
            b.awaiting if b else 0,
            False,
        ),
        count_tile(
            "overdue",
            "Overdue follow-ups",
            now.overdue,
            "past their due date",
            b.overdue if b else 0,
            False,
        ),
    )


def as_json(board: Dashboard) -> dict[str, Any]:
    """The figures as plain JSON values (percentages as exact decimals rounded for display,
    with counts), for `shopper stats --json`."""

    def avg(a: Average | None) -> dict[str, Any] | None:
        if a is None:
            return None
        rounded = scoring.round_pct(a.value)
        return {"pct": None if rounded is None else float(rounded), "count": a.count}

    def share(s: Share) -> dict[str, Any]:
        rounded = scoring.round_pct(s.pct)
        return {"count": s.count, "of": s.of, "pct": None if rounded is None else float(rounded)}

    def headline(h: Headline | None) -> dict[str, Any] | None:
        if h is None:
            return None
        return {
            "shops": h.shops,
            "overall": avg(h.overall),
            "band": h.band,
            "key_questions": avg(h.key_questions),
            "critical_failures": share(h.critical),
            "follow_up": share(h.follow_up),
            "awaiting_follow_up": h.awaiting,
            "overdue": h.overdue,
        }

    def leader(r: LeaderRow) -> dict[str, Any]:
        return {
            "id": r.id,
            "name": r.name,
            "property": r.property_name,
            "shops": r.shops,
            "average": avg(r.average),
            "band": r.band,
            "previous": avg(r.previous),
            "trend": r.trend,
            "critical_failures": r.critical,
            "small_sample": r.small_sample,
        }

    flt = board.filter
    return {
        "period": {
            "from": flt.start.isoformat() if flt.start else None,
            "to": flt.end.isoformat() if flt.end else None,
        },
        "previous_period": None
        if board.previous_period is None
        else {
            "from": _iso(board.previous_period.start),
            "to": _iso(board.previous_period.end),
        },
        "property_id": flt.property_id,
        "rubric_key": flt.rubric_key,
        "headline": headline(board.headline),
        "previous": headline(board.previous),
        "months": [
            {
                "month": p.month,
                "shops": p.shops,
                "overall": avg(p.overall),
                "key_questions": avg(p.key_questions),
            }
            for p in board.months
        ],
        "sections": [
            {"key": s.key, "title": s.title, "average": avg(s.average)} for s in board.sections
        ],
        "target": float(board.target),
        "distribution": [
            {"band": b.label, "from": float(b.low), "shops": b.count} for b in board.bands
        ],
        "agents": [leader(r) for r in board.agents],
        "properties": [leader(r) for r in board.properties],
        "key_questions": [
            {
                "item": k.path,
                "prompt": k.prompt,
                "passed": k.rate.passed,
                "answered": k.rate.counted,
                "pct": None if k.rate.pct is None else float(scoring.round_pct(k.rate.pct) or 0),
            }
            for k in board.key_questions
        ],
        "timings": [
            {
                "item": t.path,
                "prompt": t.prompt,
                "follow_up": t.deferred,
                "answers": [{"answer": label, "shops": n} for label, n in t.counts],
                "total": t.total,
            }
            for t in board.timings
        ],
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
