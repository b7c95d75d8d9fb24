"""The program dashboard against a second implementation: every tile, series and table entry
computed again here from the shops' answers (rescored with `scoring`, not read from the
stored scores), on SQLite and PostgreSQL, with review required on and off; and every
drill-down gives exactly the shops its figure counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import select, update

from shopper import scoring
from shopper.demo import generate
from shopper.paths import DEFAULT_RUBRIC
from shopper.rubric import Rubric, load_rubric_file
from shopper.services import aggregates, dashboard, evaluation_list, evaluations, rubrics, settings
from shopper.services.counting import counts
from shopper.services.evaluation_list import EvaluationFilter
from shopper.services.evaluations import decode_value
from shopper.storage.db import Database
from shopper.storage.models import Answer, Evaluation

END = dt.date(2026, 10, 31)
START = dt.date(2026, 5, 1)
TODAY = dt.date(2026, 10, 30)
V1 = DEFAULT_RUBRIC.with_name("leasing-tour.v1.json")


@dataclass
class Shop:
    id: str
    rubric_id: int
    property_id: str
    agent_id: str
    visited_on: dt.date
    status: str
    excluded: bool
    purpose: str
    follow_up_due: dt.date | None
    answers: dict[str, Any]


def _world(db: Database) -> None:
    """Demo shops on the default rubric (version 2, key questions), a few moved to version 1
    (no key questions; same points), and every status and flag that decides counting."""
    generate(db, properties=3, agents=9, evaluations=220, seed=11, end_date=END)
    v1 = rubrics.save_rubric(db, load_rubric_file(V1)).info
    with db.write() as session:
        ids = list(session.scalars(select(Evaluation.id).order_by(Evaluation.id)))
        status = {"reviewed": ids[0:30:3], "released": ids[1:90:2], "returned": ids[90:96]}
        for name, chosen in status.items():
            session.execute(
                update(Evaluation)
                .where(Evaluation.id.in_(chosen), Evaluation.status == "submitted")
                .values(status=name)
            )
        session.execute(
            update(Evaluation)
            .where(Evaluation.id.in_(ids[100:108]))
            .values(excluded_at=dt.datetime(2026, 10, 1), excluded_reason="test")
        )
        session.execute(
            update(Evaluation).where(Evaluation.id.in_(ids[110:114])).values(purpose="calibration")
        )
        session.execute(
            update(Evaluation).where(Evaluation.id.in_(ids[120:160])).values(rubric_id=v1.id)
        )
    # the stored scores follow the answers and rubric again (v1 has no key questions)
    evaluations.rescore_all(db)


def _shops(db: Database) -> list[Shop]:
    with db.read() as session:
        answers: dict[str, dict[str, Any]] = defaultdict(dict)
        for evaluation_id, path, value in session.execute(
            select(Answer.evaluation_id, Answer.item_path, Answer.value)
        ):
            answers[evaluation_id][path] = decode_value(value)
        return [
            Shop(
                e.id,
                e.rubric_id,
                e.property_id,
                e.agent_id,
                e.visited_on,
                e.status,
                e.excluded_at is not None,
                e.purpose,
                e.follow_up_due,
                answers[e.id],
            )
            for e in session.scalars(select(Evaluation))
        ]


@pytest.fixture(params=[False, True], ids=["review-off", "review-on"])
def world(any_db: Database, request: pytest.FixtureRequest) -> tuple[Database, bool]:
    _world(any_db)
    settings.set_review_required(any_db, request.param)
    return any_db, request.param


# --- the second implementation -----------------------------------------------------------


def _mean(values: list[Fraction | None]) -> tuple[Fraction | None, int]:
    present = [v for v in values if v is not None]
    return (sum(present, Fraction(0)) / len(present), len(present)) if present else (None, 0)


class Expected:
    def __init__(
        self,
        shops: list[Shop],
        by_id: dict[int, Rubric],
        review_required: bool,
        start: dt.date,
        end: dt.date,
        property_id: str | None = None,
    ) -> None:
        def chosen(s: Shop, a: dt.date, b: dt.date) -> bool:
            return a <= s.visited_on <= b and property_id in (None, s.property_id)

        self.by_id = by_id
        self.shops = [
            s
            for s in shops
            if chosen(s, start, end) and counts(s.status, s.excluded, s.purpose, review_required)
        ]
        length = end - start
        before_end = start - dt.timedelta(days=1)
        self.before = [
            s
            for s in shops
            if chosen(s, before_end - length, before_end)
            and counts(s.status, s.excluded, s.purpose, review_required)
        ]
        self.waiting = [
            s
            for s in shops
            if chosen(s, start, end)
            and s.status == "awaiting_follow_up"
            and s.purpose == "shop"
            and not s.excluded
        ]
        self.scores = {s.id: scoring.score(by_id[s.rubric_id], s.answers) for s in shops}

    def overall(self, shops: list[Shop]) -> tuple[Fraction | None, int]:
        return _mean([self.scores[s.id].overall for s in shops])

    def key_questions(self, shops: list[Shop]) -> tuple[Fraction | None, int]:
        return _mean(
            [scoring.key_question_score(self.by_id[s.rubric_id], s.answers).pct for s in shops]
        )

    def section(self, shops: list[Shop], key: str) -> tuple[Fraction | None, int]:
        values = []
        for s in shops:
            found = self.scores[s.id].section(key)
            values.append(None if found is None else found.pct)
        return _mean(values)

    def follow_up(self, shops: list[Shop]) -> tuple[int, int]:
        made = answered = 0
        for s in shops:
            rubric = self.by_id[s.rubric_id]
            for path, section, item in rubric.items():
                if not (section.deferred and item.type == "choice" and item.key.endswith("_time")):
                    continue
                value = s.answers.get(path)
                if value is None or value == "na":
                    continue
                answered += 1
                option = item.option(value)
                made += 1 if option is not None and option.points > 0 else 0
        return made, answered


def _rubrics(db: Database) -> dict[int, Rubric]:
    return aggregates.load_rubrics(db)


@pytest.mark.parametrize("scope", ["all", "property"])
def test_every_figure_matches_a_second_reading_of_the_answers(
    world: tuple[Database, bool], scope: str
) -> None:
    db, review_required = world
    by_id = _rubrics(db)
    shops = _shops(db)
    property_id = sorted({s.property_id for s in shops})[0] if scope == "property" else None
    flt = dashboard.DashboardFilter(START, END, property_id=property_id)
    board = dashboard.build(db, flt, today=TODAY)
    want = Expected(shops, by_id, review_required, START, END, property_id)
    assert want.shops and want.before  # the world exercises both periods

    head, before = board.headline, board.previous
    assert before is not None
    for got, chosen in ((head, want.shops), (before, want.before)):
        assert got.shops == len(chosen)
        assert (got.overall.value, got.overall.count) == want.overall(chosen)
        assert (got.key_questions.value, got.key_questions.count) == want.key_questions(chosen)
        failed = sum(1 for s in chosen if want.scores[s.id].critical_failure)
        assert (got.critical.count, got.critical.of) == (failed, len(chosen))
        assert (got.follow_up.count, got.follow_up.of) == want.follow_up(chosen)
    assert head.band == aggregates.band_for(want.overall(want.shops)[0])
    assert head.awaiting == len(want.waiting)
    overdue = [s for s in want.waiting if s.follow_up_due and s.follow_up_due < TODAY]
    assert head.overdue == len(overdue)

    # the monthly trend
    by_month: dict[str, list[Shop]] = defaultdict(list)
    for s in want.shops:
        by_month[s.visited_on.strftime("%Y-%m")].append(s)
    assert [p.month for p in board.months] == sorted(by_month)
    for point in board.months:
        chosen = by_month[point.month]
        assert point.shops == len(chosen)
        assert (point.overall.value, point.overall.count) == want.overall(chosen)
        assert (point.key_questions.value, point.key_questions.count) == want.key_questions(chosen)

    # sections
    keys = {key for s in want.shops for key in [x.key for x in want.scores[s.id].sections]}
    expected_sections = {
        key: want.section(want.shops, key) for key in keys if want.section(want.shops, key)[1] > 0
    }
    assert {s.key: (s.average.value, s.average.count) for s in board.sections} == (
        expected_sections
    )

    # the distribution
    bands = Counter(
        aggregates.band_for(want.scores[s.id].overall)
        for s in want.shops
        if want.scores[s.id].overall is not None
    )
    assert {b.label: b.count for b in board.bands} == {
        label: bands.get(label, 0) for _t, label in aggregates.DEFAULT_BANDS
    }

    # leaderboards
    for rows, attr in ((board.agents, "agent_id"), (board.properties, "property_id")):
        groups: dict[str, list[Shop]] = defaultdict(list)
        earlier: dict[str, list[Shop]] = defaultdict(list)
        for s in want.shops:
            groups[getattr(s, attr)].append(s)
        for s in want.before:
            earlier[getattr(s, attr)].append(s)
        assert {r.id for r in rows} == set(groups)
        for row in rows:
            chosen = groups[row.id]
            assert row.shops == len(chosen)
            assert (row.average.value, row.average.count) == want.overall(chosen)
            assert row.critical == sum(1 for s in chosen if want.scores[s.id].critical_failure)
            assert row.previous is not None
            assert (row.previous.value, row.previous.count) == want.overall(earlier[row.id])
            assert row.small_sample == (len(chosen) < 5)
        averages = [r.average.value for r in rows]
        assert averages == sorted(averages, key=lambda v: -(v or 0))

    # key questions: pass rates over the counted shops, matched across versions by path
    rates = scoring.pass_rates((by_id[s.rubric_id], s.answers) for s in want.shops)
    assert {k.path: k.rate for k in board.key_questions} == rates
    ordered = [k.rate.rate for k in board.key_questions]
    assert ordered == sorted(ordered, key=lambda r: r if r is not None else 2)
    assert len(board.key_questions) == 10

    # timing items (first response, first follow-up)
    for timing in board.timings:
        tally: Counter[str] = Counter()
        for s in want.shops:
            value = s.answers.get(timing.path)
            if value is not None and value != "na":
                tally[value] += 1
        assert dict(c for c in timing.counts if c[1]) == dict(tally)
        assert timing.total == sum(tally.values())


def test_drill_downs_give_exactly_the_shops_of_each_figure(world: tuple[Database, bool]) -> None:
    db, _review_required = world
    by_id = _rubrics(db)
    flt = dashboard.DashboardFilter(START, END)
    board = dashboard.build(db, flt, today=TODAY)
    head = board.headline

    def count(drill: dashboard.DrillDown) -> int:
        found = drill.count(db)
        assert len(drill.ids(db)) == found
        return found

    assert count(dashboard.drill_shops(board)) == head.shops
    assert count(dashboard.drill_scored(board)) == head.overall.count
    assert count(dashboard.drill_key_question_scored(board, by_id)) == head.key_questions.count
    assert count(dashboard.drill_shops(board, critical=True)) == head.critical.count
    assert count(dashboard.drill_waiting(board)) == head.awaiting
    assert count(dashboard.drill_waiting(board, overdue=True)) == head.overdue
    assert count(dashboard.drill_follow_up(board, by_id, True)) == head.follow_up.count
    made_and_not = count(dashboard.drill_follow_up(board, by_id, True)) + count(
        dashboard.drill_follow_up(board, by_id, False)
    )
    assert made_and_not == head.follow_up.of
    for point in board.months:
        assert count(dashboard.drill_month(board, point.month)) == point.shops
    for section in board.sections:
        assert count(dashboard.drill_section(board, section.key)) == section.average.count
    for band in board.bands:
        assert count(dashboard.drill_band(board, band.label)) == band.count
    for row in board.agents:
        assert count(dashboard.drill_agent(board, row.id)) == row.shops
    for row in board.properties:
        assert count(dashboard.drill_property(board, row.id)) == row.shops
    for k in board.key_questions:
        assert count(dashboard.drill_key_question(board, by_id, k.path, None)) == k.rate.counted
        assert count(dashboard.drill_key_question(board, by_id, k.path, True)) == k.rate.passed
        missed = count(dashboard.drill_key_question(board, by_id, k.path, False))
        assert missed == k.rate.counted - k.rate.passed
    for timing in board.timings:
        for label, n in timing.counts:
            assert count(dashboard.drill_timing(board, by_id, timing.path, label)) == n


def test_the_evaluation_list_shows_the_same_shops(world: tuple[Database, bool]) -> None:
    """Through the Evaluations list's own filter (counted shops of a period, an agent, a
    property), the counts are the dashboard's."""
    db, _review_required = world
    board = dashboard.build(db, dashboard.DashboardFilter(START, END), today=TODAY)
    base = EvaluationFilter(date_from=START, date_to=END, counted=True)
    assert evaluation_list.count(db, base) == board.headline.shops
    for point in board.months:
        month = EvaluationFilter(date_from=point.start, date_to=point.end, counted=True)
        assert evaluation_list.count(db, month) == point.shops
    for row in board.agents:
        agent = EvaluationFilter(date_from=START, date_to=END, counted=True, agent_id=row.id)
        assert evaluation_list.count(db, agent) == row.shops
        drilled = dashboard.drill_agent(board, row.id)
        assert set(evaluation_list.list_ids(db, agent)) == set(drilled.ids(db))
    for row in board.properties:
        prop = EvaluationFilter(date_from=START, date_to=END, counted=True, property_id=row.id)
        assert evaluation_list.count(db, prop) == row.shops


def test_filters_by_rubric_and_agent_group(db: Database) -> None:
    _world(db)
    by_id = _rubrics(db)
    shops = _shops(db)
    want = Expected(shops, by_id, False, START, END)
    group = tuple(sorted({s.agent_id for s in want.shops})[:2])
    board = dashboard.build(db, dashboard.DashboardFilter(START, END, agent_ids=group), today=TODAY)
    assert board.headline.shops == sum(1 for s in want.shops if s.agent_id in group)
    assert {r.id for r in board.agents} == set(group)
    v1 = rubrics.find(db, "leasing-tour", 1)
    old = dashboard.build(
        db, dashboard.DashboardFilter(START, END, rubric_key="leasing-tour"), today=TODAY
    )
    assert old.headline.shops == len(want.shops)
    only_v1 = [s for s in want.shops if s.rubric_id == v1.id]
    assert only_v1  # shops on version 1 count, but have no key-question score
    assert old.headline.key_questions.count == len(want.shops) - len(only_v1)
    none = dashboard.build(db, dashboard.DashboardFilter(START, END, rubric_key="nothing"))
    assert none.headline.shops == 0 and none.headline.overall.value is None
    assert none.months == () and none.agents == ()


def test_an_open_ended_period_has_no_comparison(db: Database) -> None:
    _world(db)
    board = dashboard.build(db, dashboard.DashboardFilter(None, END), today=TODAY)
    assert board.previous is None and board.previous_period is None
    assert all(t.change is None for t in board.tiles())
    assert all(r.trend is None for r in board.agents)


def test_tiles_and_json_say_the_figures(db: Database) -> None:
    _world(db)
    board = dashboard.build(db, dashboard.DashboardFilter(START, END), today=TODAY)
    tiles = {t.key: t for t in board.tiles()}
    assert tiles["shops"].value == f"{board.headline.shops:,}"
    assert tiles["overall"].value == scoring.format_pct(board.headline.overall.value)
    assert tiles["key_questions"].value == scoring.format_pct(board.headline.key_questions.value)
    assert board.previous is not None
    diff = board.headline.shops - board.previous.shops
    assert tiles["shops"].change == (f"+{diff}" if diff > 0 else f"−{-diff}" if diff else "±0")
    data = dashboard.as_json(board)
    assert data["headline"]["shops"] == board.headline.shops
    assert len(data["key_questions"]) == 10
    assert data["months"][0]["month"] == board.months[0].month
