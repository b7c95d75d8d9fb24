"""The aggregates of SCORING.md for scorecards, and the plain data a scorecard is drawn from.

Only submitted evaluations count, visited within the period (both ends inclusive). Every
mean is taken over the exact scores stored with each evaluation (`overall_exact`,
`section_scores.exact`); nothing is rescored here. Property and portfolio averages are
computed once per period (`period_aggregates`) and shared by every scorecard of a batch.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar, Unpack

from sqlalchemy import Select, select

from shopper import scoring
from shopper.rubric import Item, Rubric, rubric_from_stored
from shopper.services import settings
from shopper.services.evaluations import decode_value
from shopper.storage.db import Database
from shopper.storage.models import (
    Agent,
    Answer,
    Evaluation,
    Property,
    RubricVersion,
    SectionScoreRow,
)

_Query = TypeVar("_Query", bound=Select[Unpack[tuple[Any, ...]]])
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
    query = query.where(Evaluation.status == "submitted")
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


def period_aggregates(
    db: Database, period: Period, rubrics: dict[int, Rubric] | None = None
) -> PeriodAggregates:
    """Property and portfolio averages over every submitted evaluation in `period`."""
    rubrics = rubrics if rubrics is not None else load_rubrics(db)
    overall_by_property: dict[str, list[Fraction | None]] = defaultdict(list)
    sections_by_property: dict[str, dict[str, list[Fraction | None]]] = defaultdict(
        lambda: defaultdict(list)
    )
    with db.read() as session:
        for property_id, exact in session.execute(
            _in_period(select(Evaluation.property_id, Evaluation.overall_exact), period)
        ):
            overall_by_property[property_id].append(scoring.parse_fraction(exact))
        for property_id, key, exact in session.execute(
            _in_period(
                select(Evaluation.property_id, SectionScoreRow.section_key, SectionScoreRow.exact)
                .select_from(SectionScoreRow)
                .join(Evaluation, Evaluation.id == SectionScoreRow.evaluation_id),
                period,
            )
        ):
            sections_by_property[property_id][key].append(scoring.parse_fraction(exact))
    portfolio_sections: dict[str, list[Fraction | None]] = defaultdict(list)
    for by_key in sections_by_property.values():
        for key, values in by_key.items():
            portfolio_sections[key].extend(values)
    return PeriodAggregates(
        period=period,
        sections=section_catalog(rubrics),
        portfolio_overall=Average.of(v for vs in overall_by_property.values() for v in vs),
        portfolio_sections={k: Average.of(v) for k, v in portfolio_sections.items()},
        property_overall={p: Average.of(v) for p, v in overall_by_property.items()},
        property_sections={
            p: {k: Average.of(v) for k, v in by_key.items()}
            for p, by_key in sections_by_property.items()
        },
    )


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
    return sorted(refs, key=lambda r: (normalize_name(r.property_name), normalize_name(r.name)))


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
    praise: list[ItemComment] = field(default_factory=list)
    misses: list[ItemComment] = field(default_factory=list)


@dataclass
class _AgentRows:
    evaluations: list[Any] = field(default_factory=list)
    sections: dict[str, dict[str, Fraction | None]] = field(default_factory=dict)
    answers: dict[str, list[tuple[str, scoring.AnswerValue, str | None]]] = field(
        default_factory=dict
    )


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
    period. Three queries per 500 agents, whatever the number of evaluations."""
    today = generated_on or dt.date.today()
    rows = _load_rows(db, [a.id for a in agents], aggregates.period)
    cards: list[ScorecardData] = []
    skipped: list[AgentRef] = []
    for agent in agents:
        found = rows.get(agent.id)
        if found is None or not found.evaluations:
            skipped.append(agent)
        else:
            cards.append(_build(agent, found, aggregates, rubrics, tuple(bands), today))
    return cards, skipped


def _load_rows(db: Database, agent_ids: list[str], period: Period) -> dict[str, _AgentRows]:
    rows: dict[str, _AgentRows] = {}
    owner: dict[str, _AgentRows] = {}
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
            for evaluation_id, key, exact in session.execute(
                scoped(
                    select(
                        SectionScoreRow.evaluation_id,
                        SectionScoreRow.section_key,
                        SectionScoreRow.exact,
                    ).join(Evaluation, Evaluation.id == SectionScoreRow.evaluation_id)
                )
            ):
                owner[evaluation_id].sections.setdefault(evaluation_id, {})[key] = (
                    scoring.parse_fraction(exact)
                )
            for evaluation_id, path, value, comment in session.execute(
                scoped(
                    select(
                        Answer.evaluation_id, Answer.item_path, Answer.value, Answer.comment
                    ).join(Evaluation, Evaluation.id == Answer.evaluation_id)
                )
            ):
                owner[evaluation_id].answers.setdefault(evaluation_id, []).append(
                    (path, decode_value(value), comment)
                )
    return rows


def _build(
    agent: AgentRef,
    rows: _AgentRows,
    aggregates: PeriodAggregates,
    rubrics: dict[int, Rubric],
    bands: tuple[tuple[Fraction, str], ...],
    today: dt.date,
) -> ScorecardData:
    evaluations = rows.evaluations
    experience_keys = [s.key for s in aggregates.sections if not s.in_overall]
    first_experience = experience_keys[0] if experience_keys else None
    shops = tuple(
        Shop(
            evaluation_id=e.id,
            visited_on=e.visited_on,
            channel=e.channel,
            shopper=e.shopper,
            overall=scoring.parse_fraction(e.overall_exact),
            critical_failure=bool(e.critical_failure),
            experience=(
                rows.sections.get(e.id, {}).get(first_experience) if first_experience else None
            ),
        )
        for e in evaluations
    )
    overall = Average.of(s.overall for s in shops)
    property_sections = aggregates.property_sections.get(agent.property_id, {})

    def agent_average(key: str) -> Average:
        return Average.of(rows.sections.get(e.id, {}).get(key) for e in evaluations)

    sections = tuple(
        SectionAverage(
            key=info.key,
            title=info.title,
            agent=agent_average(info.key),
            property=property_sections.get(info.key, EMPTY),
            portfolio=aggregates.portfolio_sections.get(info.key, EMPTY),
        )
        for info in aggregates.sections
        if info.in_overall
    )
    tallies, critical = _tally_items(rows, evaluations, rubrics)
    experience = tuple(
        _experience(info, agent_average(info.key), property_sections, aggregates, rows, rubrics)
        for info in aggregates.sections
        if not info.in_overall
    )
    strengths, coaching = _strengths_and_coaching(tallies, rubrics)
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
        critical_failures=tuple(critical),
        bands=bands,
    )


def _tally_items(
    rows: _AgentRows, evaluations: list[Any], rubrics: dict[int, Rubric]
) -> tuple[dict[str, _ItemTally], list[CriticalFailure]]:
    tallies: dict[str, _ItemTally] = {}
    critical: list[CriticalFailure] = []
    for e in evaluations:
        rubric = rubrics[e.rubric_id]
        for path, value, comment in rows.answers.get(e.id, ()):
            found = rubric.find(path)
            if found is None:
                continue
            section, item = found
            if scoring.is_critical_failure(item, value):
                critical.append(
                    CriticalFailure(e.id, e.visited_on, e.shopper, item.prompt, comment)
                )
            if not section.in_overall or item.critical or not item.possible:
                continue
            points = scoring.item_points(item, value)
            if points is None:
                continue
            tally = tallies.setdefault(path, _ItemTally())
            earned, possible = points
            tally.earned += earned
            tally.possible += possible
            tally.answered += 1
            note = (
                ItemComment(e.visited_on, e.shopper, answer_text(item, value), comment.strip())
                if comment and comment.strip()
                else None
            )
            if earned >= possible:
                tally.full += 1
                if note:
                    tally.praise.append(note)
            elif note:
                tally.misses.append(note)
    return tallies, critical


def _strengths_and_coaching(
    tallies: dict[str, _ItemTally], rubrics: dict[int, Rubric]
) -> tuple[tuple[ItemStat, ...], tuple[ItemStat, ...]]:
    """Strengths: the three items with the largest share of points earned (more shops first
    on a tie). Coaching points: the three with the smallest share that were ever missed."""
    labels: dict[str, tuple[int, str, str]] = {}
    for rubric_id in sorted(rubrics, reverse=True):
        for index, (path, section, item) in enumerate(rubrics[rubric_id].items()):
            labels.setdefault(path, (index, section.title, item.prompt))

    def stat(path: str, tally: _ItemTally, comments: list[ItemComment]) -> ItemStat:
        _, section_title, prompt = labels.get(path, (0, "", path))
        return ItemStat(
            path,
            section_title,
            prompt,
            tally.earned / tally.possible,
            tally.answered,
            tally.full,
            tuple(comments),
        )

    def order(path: str) -> int:
        return labels.get(path, (10**6, "", ""))[0]

    paths = [p for p, t in tallies.items() if t.possible]
    best = sorted(paths, key=lambda p: (-_share(tallies[p]), -tallies[p].answered, order(p)))[:3]
    worst = [
        p
        for p in sorted(paths, key=lambda p: (_share(tallies[p]), -tallies[p].answered, order(p)))
        if _share(tallies[p]) < 1 and p not in best
    ][:3]
    return (
        tuple(stat(p, tallies[p], tallies[p].praise) for p in best),
        tuple(stat(p, tallies[p], tallies[p].misses) for p in worst),
    )


def _share(tally: _ItemTally) -> Fraction:
    return tally.earned / tally.possible


def _experience(
    info: SectionInfo,
    agent: Average,
    property_sections: dict[str, Average],
    aggregates: PeriodAggregates,
    rows: _AgentRows,
    rubrics: dict[int, Rubric],
) -> ExperienceRating:
    """A section left out of the overall; for a single 1–N rating, the mean rating too."""
    values: list[Fraction | None] = []
    scale_max: int | None = None
    for e in rows.evaluations:
        section = rubrics[e.rubric_id].section(info.key)
        scored = [i for i in section.items if i.scored] if section else []
        if len(scored) != 1 or scored[0].type != "scale":
            continue
        path = f"{info.key}.{scored[0].key}"
        scale_max = scored[0].max
        value = next((v for p, v, _ in rows.answers.get(e.id, ()) if p == path), None)
        values.append(Fraction(value) if isinstance(value, int) else None)
    scale_mean, _ = scoring.mean(values)
    return ExperienceRating(
        title=info.title,
        agent=agent,
        property=property_sections.get(info.key, EMPTY),
        portfolio=aggregates.portfolio_sections.get(info.key, EMPTY),
        scale_mean=scale_mean,
        scale_max=scale_max if scale_mean is not None else None,
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
