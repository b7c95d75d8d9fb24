"""The aggregates of SCORING.md for scorecards, and the plain data a scorecard is drawn from.

Only the shops that count (`shopper.services.counting`) are used, visited within the period
(both ends inclusive). Every mean is taken over the exact scores stored with each evaluation
(`overall_exact`, `section_scores.exact`); nothing is rescored here. Property and portfolio
averages are computed once per period (`period_aggregates`) and shared by every scorecard of
a batch.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

from sqlalchemy import Select, func, select

from shopper import scoring
from shopper.rubric import Item, Rubric, Section, rubric_from_stored
from shopper.services import settings
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

_Query = TypeVar("_Query", bound=Select[*tuple[Any, ...]])
BANDS_SETTING = "scorecard_bands"
DEFAULT_BANDS: tuple[tuple[Fraction, str], ...] = (
    (Fraction(90), "Excellent"),
    (Fraction(80), "Good"),
    (Fraction(70), "Fair"),
    (Fraction(0), "Needs coaching"),
)


@dataclass(frozen=True)
class Period:
    start: dt.date | None = None
    end: dt.date | None = None

    def label(self) -> str:
        if self.start and self.end:
            return f"{self.start.isoformat()} – {self.end.isoformat()}"
        if self.start:
            return f"from {self.start.isoformat()}"
        if self.end:
            return f"up to {self.end.isoformat()}"
        return "all dates"


@dataclass(frozen=True)
class Average:
    """A mean of scores that are not none, with how many there were."""

    value: Fraction | None
    count: int

    @classmethod
    def of(cls, values: Iterable[Fraction | None]) -> Average:
        value, count = scoring.mean(values)
        return cls(value, count)

    @property
    def text(self) -> str:
        return scoring.format_pct(self.value)


EMPTY = Average(None, 0)
SMALL_SAMPLE = 5
"""An average over fewer shops than this is marked as a small sample."""


@dataclass(frozen=True)
class SectionInfo:
    key: str
    title: str
    in_overall: bool


@dataclass(frozen=True)
class PeriodAggregates:
    """Property and portfolio averages for one period: computed once, shared by a batch."""

    period: Period
    sections: tuple[SectionInfo, ...]
    portfolio_overall: Average
    portfolio_sections: dict[str, Average]
    property_overall: dict[str, Average]
    property_sections: dict[str, dict[str, Average]]
    agent_overall: dict[str, dict[str, Average]] = field(default_factory=dict)
    """Property id → agent id → the agent's overall average (for ranks)."""
    property_items: dict[str, dict[str, Fraction]] = field(default_factory=dict)
    """Property id → item path → share of the item's points earned (for comparisons)."""
    portfolio_items: dict[str, Fraction] = field(default_factory=dict)

    def rank(self, property_id: str, agent_id: str) -> tuple[int | None, int]:
        """The agent's place among the property's agents (1 = highest average; agents with
        equal averages share a place) and how many agents have a score."""
        scores = {
            a: v.value
            for a, v in self.agent_overall.get(property_id, {}).items()
            if v.value is not None
        }
        mine = scores.get(agent_id)
        if mine is None:
            return None, len(scores)
        return 1 + sum(1 for v in scores.values() if v > mine), len(scores)

    def section_info(self, key: str) -> SectionInfo:
        return next((s for s in self.sections if s.key == key), SectionInfo(key, key, True))


@dataclass(frozen=True)
class SectionAverage:
    key: str
    title: str
    agent: Average
    property: Average
    portfolio: Average


@dataclass(frozen=True)
class Shop:
    evaluation_id: str
    visited_on: dt.date
    channel: str
    shopper: str
    overall: Fraction | None
    critical_failure: bool
    experience: Fraction | None
    """The score of the first section left out of the overall (customer experience)."""
    experience_rating: str | None = None
    """That section's rating as the shopper gave it ("4 of 5"), when it is one 1–N scale."""


@dataclass(frozen=True)
class ItemComment:
    visited_on: dt.date
    shopper: str
    answer: str
    comment: str


@dataclass(frozen=True)
class ItemStat:
    """How an agent did on one item: the share of its points earned over the period."""

    path: str
    section_title: str
    prompt: str
    share: Fraction
    answered: int
    full_marks: int
    comments: tuple[ItemComment, ...] = ()
    property_share: Fraction | None = None
    """The same share over every shop of the agent's property in the period."""
    portfolio_share: Fraction | None = None
    stake: Fraction = Fraction(0)
    """Percentage points the agent's overall would gain had the item always earned full marks:
    100 × points missed on it / all points possible in the agent's shops."""


@dataclass(frozen=True)
class CriticalFailure:
    evaluation_id: str
    visited_on: dt.date
    shopper: str
    prompt: str
    comment: str | None


@dataclass(frozen=True)
class ExperienceRating:
    title: str
    agent: Average
    property: Average
    portfolio: Average
    scale_mean: Fraction | None = None
    scale_max: int | None = None


@dataclass(frozen=True)
class ChoiceDistribution:
    """How often each answer of a choice item was given ("Within 10 minutes: 12 of 20")."""

    prompt: str
    counts: tuple[tuple[str, int], ...]
    total: int


@dataclass(frozen=True)
class Narrative:
    """A shopper's written answers (overall impression, strongest moments...) for one shop."""

    evaluation_id: str
    visited_on: dt.date
    shopper: str
    answers: tuple[tuple[str, str], ...]
    """(question, answer) in rubric order."""


@dataclass(frozen=True)
class MonthAverage:
    month: str
    """"2026-03"."""
    average: Average
    rolling: Average
    """The mean over the shops of this month and the two before it (within the period)."""


@dataclass(frozen=True)
class FollowUps:
    """The agent's shops visited in the period and still awaiting follow-up."""

    waiting: int = 0
    overdue: int = 0
    oldest_due: dt.date | None = None


@dataclass(frozen=True)
class ScorecardData:
    """Everything one agent's scorecard shows; built from stored scores, drawn by reports."""

    agent_id: str
    agent_name: str
    property_id: str
    property_name: str
    period: Period
    generated_on: dt.date
    overall: Average
    property_overall: Average
    portfolio_overall: Average
    band: str
    sections: tuple[SectionAverage, ...]
    experience: tuple[ExperienceRating, ...]
    shops: tuple[Shop, ...]
    strengths: tuple[ItemStat, ...]
    coaching: tuple[ItemStat, ...]
    critical_failures: tuple[CriticalFailure, ...]
    bands: tuple[tuple[Fraction, str], ...] = field(default=DEFAULT_BANDS)
    response_times: tuple[ChoiceDistribution, ...] = ()
    """Distributions of the timing items (choice items whose key ends in "_time")."""
    follow_ups: FollowUps = field(default_factory=FollowUps)
    months: tuple[MonthAverage, ...] = ()
    """Monthly averages of the period, oldest first, with a three-month rolling average."""
    previous: Average | None = None
    """The agent's average over the period of the same length just before this one (None when
    the period is open-ended)."""
    narratives: tuple[Narrative, ...] = ()
    """The shoppers' written answers, most recent shop first."""
    rank: int | None = None
    """The agent's place among the property's agents with shops in the period (1 = best)."""
    ranked: int = 0
    """How many of the property's agents have shops in the period."""

    @property
    def critical_shops(self) -> int:
        """How many of the period's shops scored 0 for a critical failure."""
        return sum(1 for shop in self.shops if shop.critical_failure)

    @property
    def band_label(self) -> str:
        """The band, qualified when the period has critical failures: "Excellent" beside
        three failed shops would mislead ("Excellent · 3 critical failures")."""
        failed = self.critical_shops
        if not failed:
            return self.band
        return f"{self.band} · {failed} critical failure{'' if failed == 1 else 's'}"


@dataclass(frozen=True)
class AgentRef:
    id: str
    name: str
    property_id: str
    property_name: str


def band_for(value: Fraction | None, bands: Sequence[tuple[Fraction, str]] = DEFAULT_BANDS) -> str:
    """The band of a score as displayed (one decimal), so the label matches the number."""
    rounded = scoring.round_pct(value)
    if rounded is None:
        return "No score"
    shown = Fraction(str(rounded))
    for threshold, label in sorted(bands, key=lambda b: b[0], reverse=True):
        if shown >= threshold:
            return label
    return sorted(bands, key=lambda b: b[0])[0][1]


def parse_bands(spec: str) -> tuple[tuple[Fraction, str], ...]:
    """`Excellent=90,Good=80,Fair=70,Needs coaching=0` → bands, highest first."""
    from shopper.errors import ValidationError

    bands: list[tuple[Fraction, str]] = []
    for part in spec.split(","):
        label, sep, number = part.rpartition("=")
        try:
            threshold = Fraction(number.strip())
        except ValueError:
            threshold = None
        if not sep or not label.strip() or threshold is None:
            raise ValidationError(
                f"{part.strip()!r} is not a band; write bands like "
                "'Excellent=90,Good=80,Fair=70,Needs coaching=0'"
            )
        bands.append((threshold, label.strip()))
    if not any(t <= 0 for t, _ in bands):
        bands.append((Fraction(0), "Needs coaching"))
    return tuple(sorted(bands, key=lambda b: b[0], reverse=True))


def bands_setting(db: Database) -> tuple[tuple[Fraction, str], ...]:
    """The bands stored in the database (setting `scorecard_bands`), else the defaults."""
    spec = settings.get(db, BANDS_SETTING).strip()
    return parse_bands(spec) if spec else DEFAULT_BANDS


def _in_period(query: _Query, period: Period) -> _Query:
    query = query.where(counted())  # which shops count: shopper.services.counting
    if period.start is not None:
        query = query.where(Evaluation.visited_on >= period.start)
    if period.end is not None:
        query = query.where(Evaluation.visited_on <= period.end)
    return query


def load_rubrics(db: Database) -> dict[int, Rubric]:
    with db.read() as session:
        return {
            row.id: rubric_from_stored(row.content)
            for row in session.scalars(select(RubricVersion))
        }


def section_catalog(rubrics: dict[int, Rubric]) -> tuple[SectionInfo, ...]:
    """Every section key in display order: the newest rubric's order first, its titles win."""
    seen: dict[str, SectionInfo] = {}
    for rubric_id in sorted(rubrics, reverse=True):
        for section in rubrics[rubric_id].sections:
            if section.key not in seen and section.possible > 0:
                seen[section.key] = SectionInfo(section.key, section.title, section.in_overall)
    return tuple(seen.values())


Counts = Counter[str | None]
"""How many evaluations have each exact stored score ("349/4", or None for none)."""


def mean_of_counts(counts: Counts) -> Average:
    """The SCORING.md mean (none skipped) of scores given as exact text → how many: the same
    exact value as `scoring.mean` over the list, with one Fraction per distinct score."""
    total, count = Fraction(0), 0
    for text, times in counts.items():
        value = scoring.parse_fraction(text)
        if value is not None:
            total += value * times
            count += times
    return Average(total / count if count else None, count)


def period_aggregates(
    db: Database, period: Period, rubrics: dict[int, Rubric] | None = None
) -> PeriodAggregates:
    """Property and portfolio averages over every submitted evaluation in `period`.

    The database counts identical stored scores (GROUP BY the exact text), so 100,000
    evaluations come back as a few thousand rows."""
    rubrics = rubrics if rubrics is not None else load_rubrics(db)
    overall: dict[str, Counts] = defaultdict(Counter)
    by_agent: dict[str, dict[str, Counts]] = defaultdict(lambda: defaultdict(Counter))
    sections: dict[str, dict[str, Counts]] = defaultdict(lambda: defaultdict(Counter))
    times = func.count()
    with db.read() as session:
        query = select(
            Evaluation.property_id, Evaluation.agent_id, Evaluation.overall_exact, times
        ).group_by(Evaluation.property_id, Evaluation.agent_id, Evaluation.overall_exact)
        for property_id, agent_id, exact, n in session.execute(_in_period(query, period)):
            overall[property_id][exact] += n
            by_agent[property_id][agent_id][exact] += n
        section_query = (
            select(
                Evaluation.property_id, SectionScoreRow.section_key, SectionScoreRow.exact, times
            )
            .select_from(SectionScoreRow)
            .join(Evaluation, Evaluation.id == SectionScoreRow.evaluation_id)
            .group_by(Evaluation.property_id, SectionScoreRow.section_key, SectionScoreRow.exact)
        )
        for property_id, key, exact, n in session.execute(_in_period(section_query, period)):
            sections[property_id][key][exact] += n
        item_query = (
            select(
                Evaluation.property_id, Evaluation.rubric_id, Answer.item_path, Answer.value, times
            )
            .join(Evaluation, Evaluation.id == Answer.evaluation_id)
            .group_by(Evaluation.property_id, Evaluation.rubric_id, Answer.item_path, Answer.value)
        )
        lookups = _Rubrics(rubrics)
        earned: dict[str, dict[str, list[Fraction]]] = defaultdict(dict)
        for property_id, rubric_id, path, value, n in session.execute(
            _in_period(item_query, period)
        ):
            points = lookups.points(rubric_id, path, value)
            if points is not None:
                pair = earned[property_id].setdefault(path, [Fraction(0), Fraction(0)])
                pair[0] += points[0] * n
                pair[1] += points[1] * n
    portfolio_overall: Counts = Counter()
    portfolio_sections: dict[str, Counts] = defaultdict(Counter)
    for counts in overall.values():
        portfolio_overall.update(counts)
    for by_key in sections.values():
        for key, counts in by_key.items():
            portfolio_sections[key].update(counts)
    return PeriodAggregates(
        period=period,
        sections=section_catalog(rubrics),
        portfolio_overall=mean_of_counts(portfolio_overall),
        portfolio_sections={k: mean_of_counts(v) for k, v in portfolio_sections.items()},
        property_overall={p: mean_of_counts(v) for p, v in overall.items()},
        property_sections={
            p: {k: mean_of_counts(v) for k, v in by_key.items()} for p, by_key in sections.items()
        },
        agent_overall={
            p: {a: mean_of_counts(v) for a, v in agents.items()} for p, agents in by_agent.items()
        },
        property_items={
            p: {path: e / t for path, (e, t) in items.items() if t} for p, items in earned.items()
        },
        portfolio_items=_portfolio_items(earned),
    )


def _portfolio_items(earned: dict[str, dict[str, list[Fraction]]]) -> dict[str, Fraction]:
    total: dict[str, list[Fraction]] = defaultdict(lambda: [Fraction(0), Fraction(0)])
    for items in earned.values():
        for path, (e, t) in items.items():
            total[path][0] += e
            total[path][1] += t
    return {path: e / t for path, (e, t) in total.items() if t}


def list_agent_refs(
    db: Database,
    *,
    property_name: str | None = None,
    agent_names: Sequence[str] = (),
    agent_ids: Sequence[str] = (),
) -> list[AgentRef]:
    """The agents a batch is about, by property then name. Unknown names raise NotFound."""
    from shopper.errors import NotFoundError
    from shopper.services.properties import find_property, normalize_name

    query = select(Agent.id, Agent.name, Agent.property_id, Property.name).join(
        Property, Property.id == Agent.property_id
    )
    if property_name:
        query = query.where(Agent.property_id == find_property(db, property_name).id)
    if agent_ids:
        query = query.where(Agent.id.in_(list(agent_ids)))
    with db.read() as session:
        refs = [AgentRef(*row) for row in session.execute(query)]
    if agent_names:
        wanted = {normalize_name(n): n for n in agent_names}
        refs = [r for r in refs if normalize_name(r.name) in wanted]
        found = {normalize_name(r.name) for r in refs}
        missing = [name for key, name in wanted.items() if key not in found]
        if missing:
            where = f" at {property_name}" if property_name else ""
            raise NotFoundError(
                f"there is no agent called {missing[0]!r}{where}; see `shopper evaluations list`"
            )
    return sorted(refs, key=lambda r: (collation_key(r.property_name), collation_key(r.name)))


@functools.cache
def _collator() -> Any:
    try:
        from pyuca import Collator  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - pyuca is a dependency
        return None
    return Collator()


def collation_key(name: str) -> tuple[Any, ...]:
    """A sort key that orders names as people expect (the Unicode Collation Algorithm:
    Åsa and Anna together, Çağrı before Thảo, case and accents second), not by code point."""
    from shopper.services.properties import normalize_name

    folded = normalize_name(name)
    collator = _collator()
    if collator is None:
        return (folded,)
    return (tuple(collator.sort_key(folded)), folded)


def agents_with_shops(db: Database, agent_ids: Sequence[str], period: Period) -> set[str]:
    """Which of `agent_ids` have at least one submitted evaluation in `period`."""
    found: set[str] = set()
    ids = list(agent_ids)
    with db.read() as session:
        for start in range(0, len(ids), 500):
            query = _in_period(
                select(Evaluation.agent_id)
                .where(Evaluation.agent_id.in_(ids[start : start + 500]))
                .distinct(),
                period,
            )
            found.update(session.scalars(query))
    return found


def answer_text(item: Item, value: scoring.AnswerValue) -> str:
    """An answer as a trainer reads it: Yes, No, N/A, "4 of 5", the option's label."""
    if value is None:
        return "Unanswered"
    if value == scoring.NA and item.type != "text":
        return "N/A"
    if item.type == "yes_no":
        return "Yes" if value == "yes" else "No"
    if item.type == "scale":
        return f"{value} of {item.max}"
    return str(value)


@dataclass
class _ItemTally:
    earned: Fraction = Fraction(0)
    possible: Fraction = Fraction(0)
    answered: int = 0
    full: int = 0
    praise: list[tuple[Any, ItemComment]] = field(default_factory=list)
    misses: list[tuple[Any, ItemComment]] = field(default_factory=list)


@dataclass
class _AgentRows:
    evaluations: list[Any] = field(default_factory=list)
    sections: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counter))
    experience: dict[str, Fraction | None] = field(default_factory=dict)
    answers: Counter[tuple[int, str, str | None]] = field(default_factory=Counter)
    """(rubric id, item path, stored value) → how many of the agent's shops gave it."""
    comments: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    critical: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    waiting_due: list[dt.date | None] = field(default_factory=list)
    texts: list[tuple[str, str, str]] = field(default_factory=list)
    """(evaluation id, item path, text) of the narrative (text) items."""
    """Follow-up due dates of the agent's shops in the period awaiting follow-up."""


class _Rubrics:
    """Item lookups and item points, memoised per (rubric, item, stored answer): an agent's
    fifty shops give each item only a handful of distinct answers."""

    def __init__(self, rubrics: dict[int, Rubric]) -> None:
        self.rubrics = rubrics
        self._points: dict[tuple[int, str, str | None], tuple[Fraction, Fraction] | None] = {}
        self.order: dict[str, tuple[int, str, str]] = {}
        self.options: dict[str, tuple[str, ...]] = {}
        self.text_paths = sorted(
            {p for r in rubrics.values() for p, _s, i in r.items() if i.type == "text"}
        )
        for rubric_id in sorted(rubrics, reverse=True):
            for index, (path, section, item) in enumerate(rubrics[rubric_id].items()):
                self.order.setdefault(path, (index, section.title, item.prompt))
                self.options.setdefault(path, tuple(o.label for o in item.options))

    def find(self, rubric_id: int, path: str) -> tuple[Section, Item] | None:
        return self.rubrics[rubric_id].find(path)

    def points(
        self, rubric_id: int, path: str, raw: str | None
    ) -> tuple[Fraction, Fraction] | None:
        """Earned and possible points of an answer to an item that counts towards strengths
        and coaching points (scored, in the overall, not a 0-point critical gate)."""
        key = (rubric_id, path, raw)
        if key not in self._points:
            found = self.find(rubric_id, path)
            result = None
            if found is not None:
                section, item = found
                if section.in_overall and not item.critical and item.possible:
                    result = scoring.item_points(item, decode_value(raw))
            self._points[key] = result
        return self._points[key]


def scorecards(
    db: Database,
    agents: Sequence[AgentRef],
    aggregates: PeriodAggregates,
    rubrics: dict[int, Rubric],
    *,
    bands: Sequence[tuple[Fraction, str]] = DEFAULT_BANDS,
    generated_on: dt.date | None = None,
) -> tuple[list[ScorecardData], list[AgentRef]]:
    """Scorecard data for `agents`, and the agents skipped for having no submitted shop in the
    period. Six grouped queries per 500 agents, whatever the number of evaluations."""
    today = generated_on or dt.date.today()
    experience_keys = [s.key for s in aggregates.sections if not s.in_overall]
    lookups = _Rubrics(rubrics)
    rows = _load_rows(
        db, [a.id for a in agents], aggregates.period, experience_keys[:1], lookups.text_paths
    )
    previous = _previous_averages(db, [a.id for a in agents], aggregates.period)
    has_previous = previous_period(aggregates.period) is not None
    cards: list[ScorecardData] = []
    skipped: list[AgentRef] = []
    for agent in agents:
        found = rows.get(agent.id)
        if found is None or not found.evaluations:
            skipped.append(agent)
        else:
            before = previous.get(agent.id, EMPTY) if has_previous else None
            cards.append(_build(agent, found, aggregates, lookups, tuple(bands), today, before))
    return cards, skipped


def _load_rows(
    db: Database,
    agent_ids: list[str],
    period: Period,
    experience_keys: list[str],
    text_paths: Sequence[str] = (),
) -> dict[str, _AgentRows]:
    rows: dict[str, _AgentRows] = {}
    owner: dict[str, _AgentRows] = {}
    times = func.count()
    no = encode_value("no")
    with db.read() as session:
        for start in range(0, len(agent_ids), 500):
            chunk = agent_ids[start : start + 500]

            def scoped(query: _Query, chunk: list[str] = chunk) -> _Query:
                return _in_period(query.where(Evaluation.agent_id.in_(chunk)), period)

            for row in session.execute(
                scoped(
                    select(
                        Evaluation.id,
                        Evaluation.agent_id,
                        Evaluation.visited_on,
                        Evaluation.channel,
                        Evaluation.shopper,
                        Evaluation.overall_exact,
                        Evaluation.critical_failure,
                        Evaluation.rubric_id,
                    ).order_by(Evaluation.visited_on, Evaluation.id)
                )
            ):
                agent_rows = rows.setdefault(row.agent_id, _AgentRows())
                agent_rows.evaluations.append(row)
                owner[row.id] = agent_rows
            section_counts = (
                select(
                    Evaluation.agent_id, SectionScoreRow.section_key, SectionScoreRow.exact, times
                )
                .join(Evaluation, Evaluation.id == SectionScoreRow.evaluation_id)
                .group_by(Evaluation.agent_id, SectionScoreRow.section_key, SectionScoreRow.exact)
            )
            for agent_id, key, exact, n in session.execute(scoped(section_counts)):
                rows[agent_id].sections[key][exact] += n
            if experience_keys:
                experience = (
                    select(SectionScoreRow.evaluation_id, SectionScoreRow.exact)
                    .join(Evaluation, Evaluation.id == SectionScoreRow.evaluation_id)
                    .where(SectionScoreRow.section_key == experience_keys[0])
                )
                for evaluation_id, exact in session.execute(scoped(experience)):
                    owner[evaluation_id].experience[evaluation_id] = scoring.parse_fraction(exact)
            answer_counts = (
                select(
                    Evaluation.agent_id, Evaluation.rubric_id, Answer.item_path, Answer.value, times
                )
                .join(Evaluation, Evaluation.id == Answer.evaluation_id)
                .group_by(Evaluation.agent_id, Evaluation.rubric_id, Answer.item_path, Answer.value)
            )
            for agent_id, rubric_id, path, value, n in session.execute(scoped(answer_counts)):
                rows[agent_id].answers[(rubric_id, path, value)] += n
            answer_rows = select(
                Answer.evaluation_id, Answer.item_path, Answer.value, Answer.comment
            ).join(Evaluation, Evaluation.id == Answer.evaluation_id)
            commented = answer_rows.where(Answer.comment.is_not(None), Answer.comment != "")
            for evaluation_id, path, value, comment in session.execute(scoped(commented)):
                owner[evaluation_id].comments.append((evaluation_id, path, value, comment or ""))
            failed = answer_rows.where(Evaluation.critical_failure.is_(True), Answer.value == no)
            for evaluation_id, path, value, comment in session.execute(scoped(failed)):
                owner[evaluation_id].critical.append((evaluation_id, path, value, comment))
            if text_paths:
                texts = answer_rows.where(Answer.item_path.in_(list(text_paths)))
                for evaluation_id, path, value, _comment in session.execute(scoped(texts)):
                    text = decode_value(value)
                    if isinstance(text, str) and text.strip() and text != scoring.NA:
                        owner[evaluation_id].texts.append((evaluation_id, path, text.strip()))
            waiting = select(Evaluation.agent_id, Evaluation.follow_up_due).where(
                Evaluation.agent_id.in_(chunk), Evaluation.status == "awaiting_follow_up"
            )
            if period.start is not None:
                waiting = waiting.where(Evaluation.visited_on >= period.start)
            if period.end is not None:
                waiting = waiting.where(Evaluation.visited_on <= period.end)
            for agent_id, due in session.execute(waiting):
                if agent_id in rows:
                    rows[agent_id].waiting_due.append(due)
    return rows


def _rating(
    lookups: _Rubrics, rubric_id: int, key: str | None, evaluation_id: str, rows: _AgentRows
) -> str | None:
    """The 1–N rating behind a stored experience-section score, when the section is one
    scale item: the rating whose points give that score (`scoring.item_points`)."""
    pct = rows.experience.get(evaluation_id)
    section = lookups.rubrics[rubric_id].section(key) if key else None
    if pct is None or section is None:
        return None
    scored = [i for i in section.items if i.scored]
    if len(scored) != 1 or scored[0].type != "scale":
        return None
    item = scored[0]
    for value in range(1, item.max + 1):
        points = scoring.item_points(item, value)
        if points is not None and points[1] and points[0] * 100 / points[1] == pct:
            return f"{value} of {item.max}"
    return None


def _build(
    agent: AgentRef,
    rows: _AgentRows,
    aggregates: PeriodAggregates,
    lookups: _Rubrics,
    bands: tuple[tuple[Fraction, str], ...],
    today: dt.date,
    previous: Average | None = None,
) -> ScorecardData:
    experience_key = next((s.key for s in aggregates.sections if not s.in_overall), None)
    shops = tuple(
        Shop(
            evaluation_id=e.id,
            visited_on=e.visited_on,
            channel=e.channel,
            shopper=e.shopper,
            overall=scoring.parse_fraction(e.overall_exact),
            critical_failure=bool(e.critical_failure),
            experience=rows.experience.get(e.id),
            experience_rating=_rating(lookups, e.rubric_id, experience_key, e.id, rows),
        )
        for e in rows.evaluations
    )
    overall = Average.of(s.overall for s in shops)
    property_sections = aggregates.property_sections.get(agent.property_id, {})
    # A section only in rubric versions none of the agent's shops used (one added in a new
    # version) would be an empty "N/A (0)" row on every older scorecard: leave it out.
    used = {e.rubric_id for e in rows.evaluations}
    own = {s.key for rubric_id in used for s in lookups.rubrics[rubric_id].sections}
    sections = tuple(
        SectionAverage(
            key=info.key,
            title=info.title,
            agent=mean_of_counts(rows.sections.get(info.key, Counter())),
            property=property_sections.get(info.key, EMPTY),
            portfolio=aggregates.portfolio_sections.get(info.key, EMPTY),
        )
        for info in aggregates.sections
        if info.in_overall and info.key in own
    )
    experience = tuple(
        _experience(info, rows, property_sections, aggregates, lookups)
        for info in aggregates.sections
        if not info.in_overall and info.key in own
    )
    strengths, coaching = _strengths_and_coaching(
        _tally_items(rows, lookups),
        lookups,
        aggregates.property_items.get(agent.property_id, {}),
        aggregates.portfolio_items,
    )
    rank, ranked = aggregates.rank(agent.property_id, agent.id)
    return ScorecardData(
        agent_id=agent.id,
        agent_name=agent.name,
        property_id=agent.property_id,
        property_name=agent.property_name,
        period=aggregates.period,
        generated_on=today,
        overall=overall,
        property_overall=aggregates.property_overall.get(agent.property_id, EMPTY),
        portfolio_overall=aggregates.portfolio_overall,
        band=band_for(overall.value, bands),
        sections=sections,
        experience=experience,
        shops=shops,
        strengths=strengths,
        coaching=coaching,
        critical_failures=_critical_failures(rows, lookups),
        bands=bands,
        response_times=_response_times(rows, lookups),
        narratives=_narratives(rows, lookups),
        months=monthly(shops),
        previous=previous,
        follow_ups=_follow_ups(rows, today),
        rank=rank,
        ranked=ranked,
    )


def monthly(shops: Sequence[Shop]) -> tuple[MonthAverage, ...]:
    """The monthly averages of `shops` (SCORING.md means) with a three-month rolling mean
    weighted by shops, months without shops left out."""
    by_month: dict[str, list[Fraction | None]] = defaultdict(list)
    for shop in shops:
        by_month[shop.visited_on.strftime("%Y-%m")].append(shop.overall)
    months = sorted(by_month)
    out = []
    for month in months:
        year, number = map(int, month.split("-"))
        window = {
            f"{year + (number - k - 1) // 12:04d}-{(number - k - 1) % 12 + 1:02d}" for k in range(3)
        }
        rolling = [v for m in months if m in window for v in by_month[m]]
        out.append(MonthAverage(month, Average.of(by_month[month]), Average.of(rolling)))
    return tuple(out)


def previous_period(period: Period) -> Period | None:
    """The period of the same length just before `period` (None when it is open-ended)."""
    if period.start is None or period.end is None:
        return None
    length = period.end - period.start
    end = period.start - dt.timedelta(days=1)
    return Period(end - length, end)


def _previous_averages(
    db: Database, agent_ids: Sequence[str], period: Period
) -> dict[str, Average]:
    before = previous_period(period)
    if before is None:
        return {}
    counts: dict[str, Counts] = defaultdict(Counter)
    with db.read() as session:
        ids = list(agent_ids)
        for start in range(0, len(ids), 500):
            query = _in_period(
                select(Evaluation.agent_id, Evaluation.overall_exact, func.count())
                .where(Evaluation.agent_id.in_(ids[start : start + 500]))
                .group_by(Evaluation.agent_id, Evaluation.overall_exact),
                before,
            )
            for agent_id, exact, n in session.execute(query):
                counts[agent_id][exact] += n
    return {a: mean_of_counts(c) for a, c in counts.items()}


def _narratives(rows: _AgentRows, lookups: _Rubrics) -> tuple[Narrative, ...]:
    """Each shop's written answers, most recent shop first, questions in rubric order."""
    by_shop: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for evaluation_id, path, text in rows.texts:
        by_shop[evaluation_id].append((path, text))
    out = []
    for e in sorted(rows.evaluations, key=lambda e: (e.visited_on, e.id), reverse=True):
        answers = sorted(by_shop.get(e.id, ()), key=lambda a: lookups.order.get(a[0], (0,))[0])
        if answers:
            questions = tuple((lookups.order.get(p, (0, "", p))[2], t) for p, t in answers)
            out.append(Narrative(e.id, e.visited_on, e.shopper, questions))
    return tuple(out)


def _follow_ups(rows: _AgentRows, today: dt.date) -> FollowUps:
    dues = [d for d in rows.waiting_due if d is not None]
    return FollowUps(
        waiting=len(rows.waiting_due),
        overdue=sum(1 for d in dues if d < today),
        oldest_due=min(dues, default=None),
    )


def _response_times(rows: _AgentRows, lookups: _Rubrics) -> tuple[ChoiceDistribution, ...]:
    """For each timing item (a choice item whose key ends in "_time": first response,
    first follow-up), how many shops got each answer, in the newest rubric's option order."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for (rubric_id, path, raw), n in rows.answers.items():
        found = lookups.find(rubric_id, path)
        if found is None or found[1].type != "choice" or not found[1].key.endswith("_time"):
            continue
        value = decode_value(raw)
        if value is None or value == scoring.NA:
            continue
        counts[path][str(value)] += n
    out = []
    for path in sorted(counts, key=lambda p: lookups.order.get(p, (10**6, "", ""))[0]):
        _, _, prompt = lookups.order.get(path, (0, "", path))
        options = lookups.options.get(path, ())
        ordered = [o for o in options if o in counts[path]]
        ordered += sorted(o for o in counts[path] if o not in options)
        out.append(
            ChoiceDistribution(
                prompt,
                tuple((o, counts[path][o]) for o in ordered),
                sum(counts[path].values()),
            )
        )
    return tuple(out)


def _critical_failures(rows: _AgentRows, lookups: _Rubrics) -> tuple[CriticalFailure, ...]:
    shops = {e.id: e for e in rows.evaluations}
    failures: list[tuple[Any, CriticalFailure]] = []
    for evaluation_id, path, raw, comment in rows.critical:
        e = shops[evaluation_id]
        found = lookups.find(e.rubric_id, path)
        if found is not None and scoring.is_critical_failure(found[1], decode_value(raw)):
            failure = CriticalFailure(e.id, e.visited_on, e.shopper, found[1].prompt, comment)
            failures.append(((e.visited_on, e.id, path), failure))
    return tuple(f for _, f in sorted(failures, key=lambda pair: pair[0]))


def _tally_items(rows: _AgentRows, lookups: _Rubrics) -> dict[str, _ItemTally]:
    tallies: dict[str, _ItemTally] = {}
    for (rubric_id, path, raw), n in rows.answers.items():
        points = lookups.points(rubric_id, path, raw)
        if points is None:
            continue
        earned, possible = points
        tally = tallies.setdefault(path, _ItemTally())
        tally.earned += earned * n
        tally.possible += possible * n
        tally.answered += n
        if earned >= possible:
            tally.full += n
    shops = {e.id: e for e in rows.evaluations}
    for evaluation_id, path, raw, comment in rows.comments:
        e = shops[evaluation_id]
        points = lookups.points(e.rubric_id, path, raw)
        found = lookups.find(e.rubric_id, path)
        if points is None or found is None or not comment.strip():
            continue
        note = ItemComment(
            e.visited_on, e.shopper, answer_text(found[1], decode_value(raw)), comment.strip()
        )
        bucket = tallies[path].praise if points[0] >= points[1] else tallies[path].misses
        bucket.append(((e.visited_on, e.id), note))
    return tallies


def _strengths_and_coaching(
    tallies: dict[str, _ItemTally],
    lookups: _Rubrics,
    property_items: dict[str, Fraction] | None = None,
    portfolio_items: dict[str, Fraction] | None = None,
) -> tuple[tuple[ItemStat, ...], tuple[ItemStat, ...]]:
    """Strengths: the three items with the largest share of points earned (more shops first
    on a tie). Coaching points: the three missed items with the most points at stake (what
    fixing them would add to the agent's overall), not merely the lowest shares: a 4-point
    item missed half the time matters more than a 1-point one never done."""
    possible = sum((t.possible for t in tallies.values()), Fraction(0))

    def stake(path: str) -> Fraction:
        tally = tallies[path]
        return 100 * (tally.possible - tally.earned) / possible if possible else Fraction(0)

    def stat(path: str, comments: list[tuple[Any, ItemComment]]) -> ItemStat:
        tally = tallies[path]
        _, section_title, prompt = lookups.order.get(path, (0, "", path))
        return ItemStat(
            path,
            section_title,
            prompt,
            tally.earned / tally.possible,
            tally.answered,
            tally.full,
            tuple(note for _, note in sorted(comments, key=lambda pair: pair[0])),
            property_share=(property_items or {}).get(path),
            portfolio_share=(portfolio_items or {}).get(path),
            stake=stake(path),
        )

    def order(path: str) -> int:
        return lookups.order.get(path, (10**6, "", ""))[0]

    share = {p: t.earned / t.possible for p, t in tallies.items() if t.possible}
    best = sorted(share, key=lambda p: (-share[p], -tallies[p].answered, order(p)))[:3]
    worst = [
        p
        for p in sorted(share, key=lambda p: (-stake(p), share[p], -tallies[p].answered, order(p)))
        if share[p] < 1 and p not in best
    ][:3]
    return (
        tuple(stat(p, tallies[p].praise) for p in best),
        tuple(stat(p, tallies[p].misses) for p in worst),
    )


def _experience(
    info: SectionInfo,
    rows: _AgentRows,
    property_sections: dict[str, Average],
    aggregates: PeriodAggregates,
    lookups: _Rubrics,
) -> ExperienceRating:
    """A section left out of the overall; for a single 1–N rating, the mean rating too."""
    total, count, scale_max = Fraction(0), 0, None
    for (rubric_id, path, raw), n in rows.answers.items():
        section = lookups.rubrics[rubric_id].section(info.key)
        scored = [i for i in section.items if i.scored] if section else []
        if len(scored) != 1 or scored[0].type != "scale" or path != f"{info.key}.{scored[0].key}":
            continue
        value = decode_value(raw)
        if isinstance(value, int):
            total += value * n
            count += n
            scale_max = scored[0].max
    return ExperienceRating(
        title=info.title,
        agent=mean_of_counts(rows.sections.get(info.key, Counter())),
        property=property_sections.get(info.key, EMPTY),
        portfolio=aggregates.portfolio_sections.get(info.key, EMPTY),
        scale_mean=total / count if count else None,
        scale_max=scale_max if count else None,
    )


def stored_section_scores(db: Database, evaluation_id: str) -> dict[str, Fraction | None]:
    """The section scores stored with one evaluation (for the shop report)."""
    with db.read() as session:
        return {
            key: scoring.parse_fraction(exact)
            for key, exact in session.execute(
                select(SectionScoreRow.section_key, SectionScoreRow.exact).where(
                    SectionScoreRow.evaluation_id == evaluation_id
                )
            )
        }


def stored_overall(db: Database, evaluation_id: str) -> Fraction | None:
    with db.read() as session:
        return scoring.parse_fraction(
            session.scalar(select(Evaluation.overall_exact).where(Evaluation.id == evaluation_id))
        )
