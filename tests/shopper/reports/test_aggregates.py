"""The SCORING.md aggregates, checked against an independent computation from the answers."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from shopper import scoring
from shopper.services import aggregates as ag
from shopper.services import evaluations
from shopper.services.evaluations import EvaluationData
from tests.shopper.reports.conftest import END, MARKUP_COMMENT, NAMES, START, World

PERIOD = ag.Period(START, END)


def expected_scores(world: World, include: list[EvaluationData]) -> list[scoring.ScoreResult]:
    rubric_of = {world.v1_id: world.v1, world.v2_id: world.v2}
    return [scoring.score(rubric_of[e.rubric_id], e.values()) for e in include]


def counted(world: World, agent: str | None = None, property_id: str | None = None) -> list:
    """Evaluations that must count: submitted, visited within the period."""
    out = []
    for name, ids in world.evaluation_ids.items():
        if agent is not None and name != agent:
            continue
        for evaluation_id in ids:
            e = evaluations.get(world.db, evaluation_id)
            if e.status != "submitted" or not (START <= e.visited_on <= END):
                continue
            if property_id is not None and e.property_id != property_id:
                continue
            out.append(e)
    return out


def card_of(world: World, script: str) -> ag.ScorecardData:
    rubrics = ag.load_rubrics(world.db)
    aggregates = ag.period_aggregates(world.db, PERIOD, rubrics)
    refs = [r for r in ag.list_agent_refs(world.db) if r.id == world.agent_ids[script]]
    cards, _ = ag.scorecards(world.db, refs, aggregates, rubrics)
    return cards[0]


def test_agent_overall_average_counts_submitted_shops_in_the_inclusive_period(
    world: World,
) -> None:
    card = card_of(world, "latin")
    results = expected_scores(world, counted(world, "latin"))
    assert len(results) == 3  # the first and last day of the period are both in
    assert card.overall == ag.Average(*scoring.mean(r.overall for r in results))
    assert card.overall.count == 3
    assert [s.visited_on for s in card.shops] == [START, dt.date(2026, 3, 15), END]


def test_critical_failure_counts_as_zero_and_is_listed(world: World) -> None:
    card = card_of(world, "latin")
    assert [s.critical_failure for s in card.shops] == [False, False, True]
    assert card.shops[-1].overall == 0
    [failure] = card.critical_failures
    assert failure.visited_on == END
    assert failure.shopper == NAMES["greek"]
    assert failure.comment == "Steered me away from the ground floor."
    assert "steering" in failure.prompt.lower() or "matched" in failure.prompt.lower()


def test_section_averages_match_by_key_across_rubric_versions(world: World) -> None:
    card = card_of(world, "latin")
    results = expected_scores(world, counted(world, "latin"))
    greeting = next(s for s in card.sections if s.key == "greeting")
    # The newest version's title wins; both versions' greeting scores are in the mean.
    assert greeting.title == "Welcome"
    expected = scoring.mean(r.section("greeting").pct for r in results)  # type: ignore[union-attr]
    assert (greeting.agent.value, greeting.agent.count) == expected
    for section in card.sections:
        values = [r.section(section.key) for r in results]
        assert (section.agent.value, section.agent.count) == scoring.mean(
            v.pct if v is not None else None for v in values
        )


def test_property_and_portfolio_averages_cover_the_same_period(world: World) -> None:
    card = card_of(world, "latin")
    prop = expected_scores(world, counted(world, property_id=world.property_id))
    everyone = expected_scores(world, counted(world))
    assert card.property_overall == ag.Average(*scoring.mean(r.overall for r in prop))
    assert card.portfolio_overall == ag.Average(*scoring.mean(r.overall for r in everyone))
    assert card.property_overall.count == 3 + 5
    assert card.portfolio_overall.count == 3 + 5 + 2
    needs = next(s for s in card.sections if s.key == "needs")
    assert (needs.portfolio.value, needs.portfolio.count) == scoring.mean(
        r.section("needs").pct  # type: ignore[union-attr]
        for r in everyone
    )


def test_customer_experience_is_reported_beside_not_inside_the_overall(world: World) -> None:
    card = card_of(world, "latin")
    [experience] = card.experience
    assert experience.title == "Customer experience"
    assert all(s.key != "customer_experience" for s in card.sections)
    # ratings 4, 5 and 3 on a 1-5 scale
    assert experience.scale_mean == Fraction(4)
    assert experience.scale_max == 5
    assert experience.agent == ag.Average(Fraction(75), 3)


def test_coaching_points_are_the_items_missed_most_with_the_comments(world: World) -> None:
    card = card_of(world, "latin")
    first = card.coaching[0]
    assert first.path == "needs.pets"
    assert (first.share, first.answered, first.full_marks) == (Fraction(1, 3), 3, 1)
    assert card.coaching[1].path == "closing.handed_over_materials"
    assert [c.comment for c in first.comments] == [MARKUP_COMMENT, "Never asked about my cat."]
    assert [c.shopper for c in first.comments] == [NAMES["arabic"], NAMES["chinese"]]
    assert all(s.share == 1 for s in card.strengths)
    assert len(card.strengths) == 3
    assert not {s.path for s in card.strengths} & {c.path for c in card.coaching}


def test_agents_without_submitted_shops_in_the_period_are_skipped(world: World) -> None:
    rubrics = ag.load_rubrics(world.db)
    aggregates = ag.period_aggregates(world.db, PERIOD, rubrics)
    refs = ag.list_agent_refs(world.db, property_name="café élan & <lofts>")
    cards, skipped = ag.scorecards(world.db, refs, aggregates, rubrics)
    assert [s.name for s in skipped] == ["Idle Agent"]
    assert len(cards) == 6


def test_unknown_agent_names_are_refused(world: World) -> None:
    from shopper.errors import NotFoundError

    with pytest.raises(NotFoundError, match="Nobody"):
        ag.list_agent_refs(world.db, agent_names=["Nobody"])


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (Fraction(90), "Excellent"),
        (Fraction(8996, 100), "Excellent"),  # shown as 90.0%
        (Fraction(8994, 100), "Good"),
        (Fraction(80), "Good"),
        (Fraction(7999, 100), "Good"),  # shown as 80.0%
        (Fraction(7994, 100), "Fair"),
        (Fraction(70), "Fair"),
        (Fraction(6994, 100), "Needs coaching"),
        (Fraction(0), "Needs coaching"),
        (None, "No score"),
    ],
)
def test_bands_follow_the_displayed_score(value: Fraction | None, band: str) -> None:
    assert ag.band_for(value) == band


def test_bands_are_configurable() -> None:
    bands = ag.parse_bands("Top=95, Solid=75")
    assert ag.band_for(Fraction(96), bands) == "Top"
    assert ag.band_for(Fraction(80), bands) == "Solid"
    assert ag.band_for(Fraction(50), bands) == "Needs coaching"
    from shopper.errors import ValidationError

    with pytest.raises(ValidationError, match="not a band"):
        ag.parse_bands("Top:95")


def test_bands_setting_is_read_from_the_database(world: World) -> None:
    from shopper.services import settings

    assert ag.bands_setting(world.db) == ag.DEFAULT_BANDS
    settings.put(world.db, ag.BANDS_SETTING, "Great=85,Okay=60")
    assert ag.band_for(Fraction(86), ag.bands_setting(world.db)) == "Great"


def test_aggregates_agree_on_sqlite_and_postgresql(any_db) -> None:  # type: ignore[no-untyped-def]
    from shopper.demo import generate
    from shopper.services import evaluation_list

    generate(any_db, properties=2, agents=4, evaluations=60, end_date=dt.date(2026, 6, 30))
    period = ag.Period(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    rubrics = ag.load_rubrics(any_db)
    aggregates = ag.period_aggregates(any_db, period, rubrics)
    refs = ag.list_agent_refs(any_db)
    cards, _ = ag.scorecards(any_db, refs, aggregates, rubrics)
    flt = evaluation_list.EvaluationFilter(
        status="submitted", date_from=period.start, date_to=period.end
    )
    shops = [evaluations.get(any_db, s.id) for s in evaluation_list.list_summaries(any_db, flt)]
    results = {e.id: evaluations.score_of(any_db, e) for e in shops}
    assert aggregates.portfolio_overall == ag.Average(
        *scoring.mean(r.overall for r in results.values())
    )
    for card in cards:
        mine = [r for e, r in ((e, results[e.id]) for e in shops) if e.agent_id == card.agent_id]
        assert card.overall == ag.Average(*scoring.mean(r.overall for r in mine))
        for section in card.sections:
            expected = scoring.mean(
                s.pct for r in mine if (s := r.section(section.key)) is not None
            )
            assert (section.agent.value, section.agent.count) == expected


def test_a_section_only_in_a_newer_rubric_is_not_an_empty_row(world: World) -> None:
    import dataclasses

    from shopper.rubric import Rubric
    from shopper.services import rubrics

    closing = next(s for s in world.v2.sections if s.key == "closing")
    extra = dataclasses.replace(closing, key="virtual_tour", title="Virtual tour")
    v3 = Rubric(world.v2.key, world.v2.name, 3, (*world.v2.sections, extra))
    rubrics.save_rubric(world.db, v3)
    card = card_of(world, "latin")  # shops on versions 1 and 2 only
    assert "virtual_tour" not in [s.key for s in card.sections]
    assert "closing" in [s.key for s in card.sections]


def test_agents_are_ordered_by_collation_not_code_point(world: World) -> None:
    from shopper.services import agents, properties

    prop = properties.create_property(world.db, "Alder Square")
    for name in ("Zoë Park", "Thảo Nguyen", "Åsa Berg", "Çağrı Demir", "anna Lind"):
        agents.create_agent(world.db, name, prop.id)
    names = [r.name for r in ag.list_agent_refs(world.db, property_name="Alder Square")]
    assert names == ["anna Lind", "Åsa Berg", "Çağrı Demir", "Thảo Nguyen", "Zoë Park"]


def test_rank_among_the_property_agents(world: World) -> None:
    means = {}
    for script in ("latin", "vietnamese", "greek", "cyrillic", "chinese", "arabic"):
        results = expected_scores(world, counted(world, script))
        means[script] = scoring.mean(r.overall for r in results)[0]
    for script, mine in means.items():
        card = card_of(world, script)
        assert card.ranked == 6  # Grace Rossi is at another property; Idle Agent has none
        assert card.rank == 1 + sum(1 for v in means.values() if v > mine)


def test_response_times_and_waiting_follow_ups(world: World) -> None:
    from collections import Counter

    card = card_of(world, "latin")
    shops = counted(world, "latin")
    for dist in card.response_times:
        path = next(p for p, _s, i in world.v2.items() if i.prompt == dist.prompt)
        expected = Counter(str(e.answers[path].value) for e in shops if path in e.answers)
        assert dict(dist.counts) == dict(expected)
        assert dist.total == sum(expected.values())
    assert [d.prompt for d in card.response_times] == [
        world.v1.find("first_contact.response_time")[1].prompt,  # type: ignore[index]
        world.v1.find("follow_up.first_follow_up_time")[1].prompt,  # type: ignore[index]
    ]
    waiting = [
        evaluations.get(world.db, i)
        for i in world.evaluation_ids["latin"]
        if evaluations.get(world.db, i).status == "awaiting_follow_up"
    ]
    assert card.follow_ups.waiting == len(waiting) == 1
    due = waiting[0].follow_up_due
    assert due is not None and card.follow_ups.oldest_due == due
    assert card.follow_ups.overdue == (1 if due < dt.date.today() else 0)


def test_the_shoppers_words_most_recent_first(world: World) -> None:
    card = card_of(world, "latin")
    shops = sorted(counted(world, "latin"), key=lambda e: e.visited_on, reverse=True)
    expected = []
    for e in shops:
        rubric = world.v1 if e.rubric_id == world.v1_id else world.v2
        answers = tuple(
            (item.prompt, str(e.answers[path].value).strip())
            for path, _s, item in rubric.items()
            if item.type == "text" and path in e.answers and str(e.answers[path].value).strip()
        )
        if answers:
            expected.append((e.id, answers))
    assert [(n.evaluation_id, n.answers) for n in card.narratives] == expected
    assert len(expected) == 3


def test_this_period_against_the_one_before(world: World) -> None:
    card = card_of(world, "latin")
    assert ag.previous_period(PERIOD) == ag.Period(dt.date(2026, 1, 29), dt.date(2026, 2, 28))
    before = [
        e
        for e in (evaluations.get(world.db, i) for i in world.evaluation_ids["latin"])
        if e.status == "submitted" and dt.date(2026, 1, 29) <= e.visited_on <= dt.date(2026, 2, 28)
    ]
    assert len(before) == 1
    results = expected_scores(world, before)
    assert card.previous == ag.Average(*scoring.mean(r.overall for r in results))
    assert ag.previous_period(ag.Period(START, None)) is None


def test_monthly_averages_with_a_rolling_mean() -> None:
    def shop(day: dt.date, overall: int | None) -> ag.Shop:
        value = None if overall is None else Fraction(overall)
        return ag.Shop("e", day, "in_person", "", value, False, None)

    shops = [
        shop(dt.date(2025, 11, 3), 60),
        shop(dt.date(2025, 12, 9), 80),
        shop(dt.date(2025, 12, 10), 90),
        shop(dt.date(2026, 1, 2), None),  # no score: not counted
        shop(dt.date(2026, 1, 5), 100),
        shop(dt.date(2026, 3, 1), 70),  # February has no shops
    ]
    months = ag.monthly(shops)
    assert [m.month for m in months] == ["2025-11", "2025-12", "2026-01", "2026-03"]
    assert [m.average.count for m in months] == [1, 2, 1, 1]
    assert months[1].average.value == Fraction(85)
    assert months[2].rolling == ag.Average(Fraction(60 + 80 + 90 + 100, 4), 4)
    assert months[3].rolling == ag.Average(Fraction(100 + 70, 2), 2)  # Jan–Mar


def _item_totals(world: World, shops: list[EvaluationData]) -> dict[str, list[Fraction]]:
    """Item path → [earned, possible] over `shops`, from the answers (scored items of sections
    in the overall, critical gates aside), computed without the aggregates module."""
    rubric_of = {world.v1_id: world.v1, world.v2_id: world.v2}
    totals: dict[str, list[Fraction]] = {}
    for e in shops:
        for path, section, item in rubric_of[e.rubric_id].items():
            if not section.in_overall or item.critical or path not in e.answers:
                continue
            points = scoring.item_points(item, e.answers[path].value)
            if points is not None and points[1]:
                pair = totals.setdefault(path, [Fraction(0), Fraction(0)])
                pair[0] += points[0]
                pair[1] += points[1]
    return totals


def test_coaching_points_compare_with_the_property_and_rank_by_points_at_stake(
    world: World,
) -> None:
    card = card_of(world, "latin")
    mine = _item_totals(world, counted(world, "latin"))
    place = _item_totals(world, counted(world, property_id=world.property_id))
    everyone = _item_totals(world, counted(world))
    possible = sum(t for _e, t in mine.values())
    stakes = {p: 100 * (t - e) / possible for p, (e, t) in mine.items()}
    for stat in (*card.strengths, *card.coaching):
        e, t = mine[stat.path]
        assert stat.share == e / t
        assert stat.property_share == place[stat.path][0] / place[stat.path][1]
        assert stat.portfolio_share == everyone[stat.path][0] / everyone[stat.path][1]
        assert stat.stake == stakes[stat.path]
    top = sorted((s for p, s in stakes.items() if s > 0), reverse=True)[:3]
    assert [c.stake for c in card.coaching] == top
