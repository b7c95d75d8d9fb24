"""Every rule of SCORING.md, one test each, plus property tests."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopper import scoring
from shopper.rubric import Rubric
from tests.shopper.rubric_factory import make_rubric

RUBRIC = make_rubric()


def test_yes_earns_points_and_no_earns_zero() -> None:
    yes = scoring.score(RUBRIC, {"greeting.prompt": "yes"})
    no = scoring.score(RUBRIC, {"greeting.prompt": "no"})
    assert yes.section("greeting").earned == 5 and yes.section("greeting").possible == 5
    assert no.section("greeting").earned == 0 and no.section("greeting").possible == 5


@pytest.mark.parametrize(
    ("value", "earned"), [(1, 0), (2, Fraction(10, 4)), (4, Fraction(30, 4)), (5, 10)]
)
def test_scale_earns_points_times_value_minus_one_over_max_minus_one(
    value: int, earned: Fraction
) -> None:
    result = scoring.score(RUBRIC, {"greeting.rapport": value})
    assert result.section("greeting").earned == earned
    assert result.section("greeting").possible == 10


def test_scale_with_max_three_is_exact() -> None:
    rubric = make_rubric(
        sections=[
            {
                "key": "s",
                "title": "S",
                "items": [{"key": "q", "prompt": "Q", "type": "scale", "max": 4, "points": 1}],
            }
        ]
    )
    assert scoring.score(rubric, {"s.q": 2}).section("s").pct == Fraction(100, 3)


def test_choice_earns_the_option_points_out_of_the_largest_option() -> None:
    result = scoring.score(RUBRIC, {"greeting.booking": "Shopper asked"})
    assert (result.section("greeting").earned, result.section("greeting").possible) == (1, 4)


def test_choice_ignores_the_item_points_field() -> None:
    rubric = make_rubric(
        sections=[
            {
                "key": "s",
                "title": "S",
                "items": [
                    {
                        "key": "c",
                        "prompt": "C",
                        "type": "choice",
                        "points": 50,
                        "options": [{"label": "a", "points": 2}, {"label": "b", "points": 3}],
                    }
                ],
            }
        ]
    )
    assert rubric.sections[0].items[0].possible == 3
    assert scoring.score(rubric, {"s.c": "a"}).overall == Fraction(200, 3)


def test_text_items_are_not_scored_and_not_required() -> None:
    result = scoring.score(RUBRIC, {"greeting.note": "The Lofts"})
    assert result.section("greeting").possible == 0
    assert "greeting.note" not in scoring.missing_items(RUBRIC, {}, "submitted")


def test_na_counts_in_neither_earned_nor_possible() -> None:
    base = {"greeting.prompt": "yes"}
    with_na = scoring.score(RUBRIC, {**base, "greeting.rapport": "na"}).section("greeting")
    without = scoring.score(RUBRIC, base).section("greeting")
    assert (with_na.earned, with_na.possible) == (without.earned, without.possible) == (5, 5)
    assert with_na.answered == without.answered + 1


def test_na_is_refused_where_not_allowed() -> None:
    item = RUBRIC.find("fair.no_steering")[1]  # type: ignore[index]
    assert scoring.answer_error(item, "na") == "N/A is not allowed for this item"
    allowed = RUBRIC.find("greeting.prompt")[1]  # type: ignore[index]
    assert scoring.answer_error(allowed, "na") is None


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("greeting.rapport", 7, "7 is above the scale maximum 5"),
        ("greeting.rapport", 0, "0 is below the scale minimum 1"),
        ("greeting.rapport", "4", "'4' is not a whole number from 1 to 5"),
        ("greeting.rapport", True, "True is not a whole number from 1 to 5"),
        (
            "greeting.prompt",
            "maybe",
            "'maybe' is not an answer to a yes/no item (use yes, no or na)",
        ),
        ("greeting.booking", "Phoned", "'Phoned' is not one of the options of this item"),
    ],
)
def test_invalid_answers_are_explained(path: str, value: object, message: str) -> None:
    item = RUBRIC.find(path)[1]  # type: ignore[index]
    assert scoring.answer_error(item, value) == message  # type: ignore[arg-type]


def test_critical_no_is_a_critical_failure_with_zero_overall_and_sections_kept() -> None:
    answers = {"greeting.prompt": "yes", "greeting.rapport": 5, "fair.no_steering": "no"}
    result = scoring.score(RUBRIC, answers)
    assert result.critical_failure and result.critical_items == ("fair.no_steering",)
    assert result.overall == 0
    assert result.section("greeting").pct == 100


def test_zero_point_item_adds_nothing() -> None:
    result = scoring.score(RUBRIC, {"greeting.prompt": "yes", "fair.no_steering": "yes"})
    assert result.overall == 100 and not result.critical_failure
    assert result.section("fair").pct is None


def test_section_with_nothing_possible_is_none_not_zero() -> None:
    result = scoring.score(RUBRIC, {"greeting.prompt": "na", "greeting.rapport": "na"})
    assert result.section("greeting").pct is None
    assert scoring.format_pct(result.section("greeting").pct) == "N/A"


def test_overall_is_points_weighted_not_an_average_of_sections() -> None:
    # greeting 5/5 (100 %), follow-up 0/6 (0 %): points-weighted is 5/11, not 50 %.
    result = scoring.score(RUBRIC, {"greeting.prompt": "yes", "follow_up.called": "no"})
    assert result.overall == Fraction(500, 11)


def test_sections_not_in_overall_are_scored_but_left_out() -> None:
    result = scoring.score(RUBRIC, {"greeting.prompt": "no", "cx.likely": 5})
    assert result.section("cx").pct == 100
    assert result.overall == 0


def test_overall_is_none_when_nothing_possible() -> None:
    assert scoring.score(RUBRIC, {}).overall is None
    assert scoring.score(RUBRIC, {"cx.likely": 3}).overall is None


def test_unanswered_items_count_like_na_and_are_counted_as_missing() -> None:
    result = scoring.score(RUBRIC, {"greeting.prompt": "yes"})
    assert result.overall == 100
    assert (result.answered, result.total) == (1, 6)
    assert not result.complete


def test_submitting_requires_every_non_text_item() -> None:
    assert scoring.missing_items(RUBRIC, {"greeting.prompt": "na"}, "submitted") == [
        "greeting.rapport",
        "greeting.booking",
        "follow_up.called",
        "fair.no_steering",
        "cx.likely",
    ]
    assert scoring.missing_items(RUBRIC, {}, "draft") == []


def test_awaiting_follow_up_allows_deferred_items_unanswered() -> None:
    answers = {
        "greeting.prompt": "yes",
        "greeting.rapport": 3,
        "greeting.booking": "na",
        "fair.no_steering": "yes",
        "cx.likely": 4,
    }
    assert scoring.missing_items(RUBRIC, answers, "awaiting_follow_up") == []
    assert scoring.missing_items(RUBRIC, answers, "submitted") == ["follow_up.called"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Fraction(8725, 100), "87.3%"),
        (Fraction(8724, 100), "87.2%"),
        (Fraction(1, 8), "0.1%"),
        (Fraction(-8725, 100), "-87.3%"),
        (Fraction(100), "100.0%"),
        (Fraction(200, 3), "66.7%"),
        (12.35, "12.4%"),
        (None, "N/A"),
    ],
)
def test_display_rounds_half_away_from_zero(value: Fraction | float | None, shown: str) -> None:
    assert scoring.format_pct(value) == shown


def test_round_pct_is_exact_decimal() -> None:
    assert scoring.round_pct(Fraction(8725, 100)) == Decimal("87.3")


def test_mean_skips_none_and_counts() -> None:
    assert scoring.mean([Fraction(80), None, Fraction(90)]) == (Fraction(85), 2)
    assert scoring.mean([None]) == (None, 0)


def test_fraction_storage_round_trips() -> None:
    value = Fraction(349, 4)
    assert scoring.parse_fraction(scoring.fraction_text(value)) == value
    assert scoring.parse_fraction(None) is None


# --- property tests --------------------------------------------------------------------------


def _answer_strategy(rubric: Rubric) -> st.SearchStrategy[dict[str, scoring.AnswerValue]]:
    per_item = {}
    for path, _section, item in rubric.items():
        choices: list[scoring.AnswerValue] = [None]
        if item.allow_na and item.type != "text":
            choices.append("na")
        if item.type == "yes_no":
            choices += ["yes", "no"]
        elif item.type == "scale":
            choices += list(range(1, item.max + 1))
        elif item.type == "choice":
            choices += [o.label for o in item.options]
        else:
            choices += ["some text"]
        per_item[path] = st.sampled_from(choices)
    return st.fixed_dictionaries(per_item).map(
        lambda d: {k: v for k, v in d.items() if v is not None}
    )


@settings(max_examples=200, deadline=None)
@given(_answer_strategy(RUBRIC))
def test_scores_stay_within_0_and_100(answers: dict[str, scoring.AnswerValue]) -> None:
    result = scoring.score(RUBRIC, answers)
    for section in result.sections:
        assert section.pct is None or 0 <= section.pct <= 100
    assert result.overall is None or 0 <= result.overall <= 100


@settings(max_examples=200, deadline=None)
@given(
    _answer_strategy(RUBRIC),
    st.sampled_from(
        ["greeting.prompt", "greeting.rapport", "greeting.booking", "follow_up.called"]
    ),
)
def test_na_on_one_item_never_changes_another_items_contribution(
    answers: dict[str, scoring.AnswerValue], path: str
) -> None:
    with_na = {**answers, path: "na"}
    for other, _section, item in RUBRIC.items():
        if other != path:
            assert scoring.item_points(item, answers.get(other)) == scoring.item_points(
                item, with_na.get(other)
            )
    before = scoring.score(RUBRIC, {k: v for k, v in answers.items() if k != path})
    after = scoring.score(RUBRIC, with_na)
    assert before.overall == after.overall


@settings(max_examples=50, deadline=None)
@given(st.just(None))
def test_all_na_gives_none_not_zero(_: None) -> None:
    answers = {
        path: "na" for path, _s, item in RUBRIC.items() if item.allow_na and item.type != "text"
    }
    answers["fair.no_steering"] = "yes"
    result = scoring.score(RUBRIC, answers)
    assert result.overall is None
    assert all(s.pct is None for s in result.sections)


@settings(max_examples=200, deadline=None)
@given(_answer_strategy(RUBRIC))
def test_critical_failure_gives_zero_overall_and_keeps_section_scores(
    answers: dict[str, scoring.AnswerValue],
) -> None:
    failed = {**answers, "fair.no_steering": "no"}
    passed = {**answers, "fair.no_steering": "yes"}
    result, reference = scoring.score(RUBRIC, failed), scoring.score(RUBRIC, passed)
    assert result.critical_failure and result.overall == 0
    assert [s.pct for s in result.sections] == [s.pct for s in reference.sections]


def _reference_score(rubric: Rubric, answers: dict[str, scoring.AnswerValue]) -> tuple[object, ...]:
    """SCORING.md read literally, with Fractions throughout: what `score` must equal."""
    sections = []
    earned_all = possible_all = Fraction(0)
    critical = False
    for section in rubric.sections:
        earned = possible = Fraction(0)
        for item in section.items:
            value = answers.get(f"{section.key}.{item.key}")
            critical |= item.critical and value == "no"
            points = scoring.item_points(item, value)
            if points is not None:
                earned, possible = earned + points[0], possible + points[1]
        sections.append(100 * earned / possible if possible else None)
        if section.in_overall:
            earned_all, possible_all = earned_all + earned, possible_all + possible
    overall = 100 * earned_all / possible_all if possible_all else None
    return tuple(sections), (Fraction(0) if critical else overall), critical


ODD_RUBRIC = make_rubric(
    sections=[
        {
            "key": "odd",
            "title": "Odd numbers",
            "items": [
                {"key": "a", "prompt": "A", "type": "scale", "max": 7, "points": 2.5},
                {"key": "b", "prompt": "B", "type": "scale", "max": 4, "points": 1.1},
                {"key": "c", "prompt": "C", "type": "yes_no", "points": 0.3},
                {
                    "key": "d",
                    "prompt": "D",
                    "type": "choice",
                    "options": [{"label": "x", "points": 1.25}, {"label": "y", "points": 0.1}],
                },
            ],
        },
        *make_rubric().to_dict()["sections"],
    ]
)


@settings(max_examples=300, deadline=None)
@given(_answer_strategy(ODD_RUBRIC))
def test_score_equals_the_rules_read_literally(answers: dict[str, scoring.AnswerValue]) -> None:
    result = scoring.score(ODD_RUBRIC, answers)
    sections, overall, critical = _reference_score(ODD_RUBRIC, answers)
    assert tuple(s.pct for s in result.sections) == sections
    assert (result.overall, result.critical_failure) == (overall, critical)
