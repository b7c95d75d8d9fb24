"""Calibration statistics (SCORING.md, *Calibration*), without a database: item agreement and
Krippendorff's alpha against hand-computed and published examples, and against a second,
exact computation written here from the definition (Hypothesis)."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopper.services.calibration import alpha, matches, reliability
from tests.shopper.rubric_factory import make_rubric

_ = None  # missing


def test_agreement_counts_na_as_an_answer_and_skips_unanswered() -> None:
    # reference "no"; raters: no, yes, na, (unanswered), no -> 2 of 4 answered match
    assert matches("no", ["no", "yes", "na", None, "no"]) == (2, 4)
    # N/A equals N/A
    assert matches("na", ["na", "yes", None]) == (1, 2)
    # scale values compare as numbers
    assert matches(4, [4, 3, 4]) == (2, 3)
    # a reference that left the item unanswered gives no agreement at all
    assert matches(None, ["yes", "no"]) == (0, 0)


# Krippendorff, K. (2011). "Computing Krippendorff's Alpha-Reliability". Annenberg School for
# Communication, University of Pennsylvania, section C ("nominal data, any number of
# observers, missing data"): 4 observers x 12 units, values 1..5, "." missing.
# Published: alpha nominal = 0.743 (p. 5); the same data at interval level = 0.849 (p. 7).
PUBLISHED = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],  # observer A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],  # observer B
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],  # observer C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],  # observer D
]


def exact_alpha(rows: list[list[int | None]], level: str) -> Fraction | None:
    """Krippendorff's alpha from its definition (coincidence matrix), in exact arithmetic:
    alpha = 1 - (n - 1) * sum_ck o_ck d_ck / sum_ck n_c n_k d_ck, units with fewer than two
    values left out; d = 1 if c != k (nominal), (c - k)^2 (interval)."""
    coincidences: Counter[tuple[int, int]] = Counter()
    for unit in range(len(rows[0])):
        values = [row[unit] for row in rows if row[unit] is not None]
        m = len(values)
        if m < 2:
            continue
        for i, c in enumerate(values):
            for j, k in enumerate(values):
                if i != j:
                    coincidences[(c, k)] += Fraction(1, m - 1)  # type: ignore[assignment]
    marginals: Counter[int] = Counter()
    for (c, _k), o in coincidences.items():
        marginals[c] += o  # type: ignore[assignment]
    n = sum(marginals.values(), Fraction(0))

    def d(c: int, k: int) -> Fraction:
        return Fraction(c != k) if level == "nominal" else Fraction((c - k) ** 2)

    expected = sum(
        (Fraction(marginals[c]) * marginals[k] * d(c, k) for c in marginals for k in marginals),
        Fraction(0),
    )
    if n == 0 or expected == 0:
        return None
    observed = sum((Fraction(o) * d(c, k) for (c, k), o in coincidences.items()), Fraction(0))
    return 1 - (n - 1) * observed / expected


def test_published_worked_example_nominal_and_interval() -> None:
    nominal = alpha(PUBLISHED, "nominal")
    interval = alpha(PUBLISHED, "interval")
    assert nominal is not None and round(nominal, 3) == 0.743
    assert interval is not None and round(interval, 3) == 0.849
    # the second computation gives the same, exactly: 0.743 = 1 - 9 * 4 / ... (p. 5)
    assert exact_alpha(PUBLISHED, "nominal") == pytest.approx(nominal, abs=1e-12)
    assert exact_alpha(PUBLISHED, "interval") == pytest.approx(interval, abs=1e-12)


def test_hand_computed_two_raters() -> None:
    # A: a a b b, B: a b b b  (a=0, b=1). Coincidences o_aa=2, o_ab=o_ba=1, o_bb=4;
    # n_a=3, n_b=5, n=8: alpha = 1 - 7 * 2 / (2 * 3 * 5) = 16/30.
    rows: list[list[int | None]] = [[0, 0, 1, 1], [0, 1, 1, 1]]
    result = alpha(rows, "nominal")
    assert result == pytest.approx(16 / 30, abs=1e-12)


def test_undefined_alpha() -> None:
    assert alpha([[1, _], [_, 2]], "nominal") is None  # no unit with two values
    assert alpha([[1, 1], [1, 1]], "nominal") is None  # a single value: no disagreement to expect


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 5).flatmap(
        lambda raters: st.integers(1, 8).flatmap(
            lambda units: st.lists(
                st.lists(st.one_of(st.none(), st.integers(1, 4)), min_size=units, max_size=units),
                min_size=raters,
                max_size=raters,
            )
        )
    ),
    st.sampled_from(["nominal", "interval"]),
)
def test_alpha_matches_the_definition_on_random_sessions(
    rows: list[list[int | None]], level: str
) -> None:
    expected = exact_alpha(rows, level)
    found = alpha(rows, level)  # type: ignore[arg-type]
    if expected is None:
        assert found is None
    else:
        assert found == pytest.approx(float(expected), abs=1e-9)


def test_reliability_per_level_with_na_and_unanswered_missing() -> None:
    rubric = make_rubric()
    # nominal items in rubric order: greeting.prompt, greeting.booking, follow_up.called,
    # fair.no_steering; interval: greeting.rapport, cx.likely
    reference = {
        "greeting.prompt": "yes",
        "greeting.rapport": 4,
        "greeting.booking": "Agent offered",
        "follow_up.called": "na",
        "fair.no_steering": "yes",
        "cx.likely": 5,
    }
    rater_1 = {**reference, "greeting.prompt": "no", "greeting.rapport": 3}
    rater_2 = {**reference, "cx.likely": None, "follow_up.called": "no"}
    found = {r.level: r for r in reliability(rubric, [reference, rater_1, rater_2])}
    # nominal units: prompt (yes,no,yes), booking (x3), called (na,na,no -> only one value:
    # not pairable), no_steering (x3): 3 items, 3 raters
    codes = {"yes": 1, "no": 2, "Agent offered": 3}
    nominal_rows: list[list[int | None]] = [
        [codes["yes"], codes["Agent offered"], codes["yes"]],
        [codes["no"], codes["Agent offered"], codes["yes"]],
        [codes["yes"], codes["Agent offered"], codes["yes"]],
    ]
    assert (found["nominal"].raters, found["nominal"].items) == (3, 3)
    expected_nominal = exact_alpha(nominal_rows, "nominal")
    assert expected_nominal is not None
    assert found["nominal"].alpha == pytest.approx(float(expected_nominal), abs=1e-12)
    # interval units: rapport (4,3,4), likely (5,5,missing)
    interval_rows: list[list[int | None]] = [[4, 5], [3, 5], [4, None]]
    expected_interval = exact_alpha(interval_rows, "interval")
    assert expected_interval is not None
    assert (found["interval"].raters, found["interval"].items) == (3, 2)
    assert found["interval"].alpha == pytest.approx(float(expected_interval), abs=1e-12)


ANSWERS = {
    "greeting.prompt": ["yes", "no", "na", None],
    "greeting.rapport": [1, 2, 3, 4, 5, "na", None],
    "greeting.booking": ["Agent offered", "Shopper asked", "na", None],
    "follow_up.called": ["yes", "no", "na", None],
    "fair.no_steering": ["yes", "no", None],
    "cx.likely": [1, 2, 3, 4, 5, "na", None],
}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries({path: st.sampled_from(values) for path, values in ANSWERS.items()}),
        min_size=2,
        max_size=6,
    )
)
def test_random_sessions_agree_with_a_literal_reading(sessions: list[dict[str, object]]) -> None:
    """Agreement and per-level alpha of random sessions (the first set is the reference),
    against SCORING.md read literally: N/A an answer for agreement, missing for alpha."""
    rubric = make_rubric()
    reference, raters = sessions[0], sessions[1:]
    for path in ANSWERS:
        matching, rated = matches(reference[path], [r[path] for r in raters])  # type: ignore[arg-type]
        if reference[path] is None:
            assert (matching, rated) == (0, 0)
        else:
            answered = [r[path] for r in raters if r[path] is not None]
            assert rated == len(answered)
            assert matching == sum(1 for a in answered if a == reference[path])
    levels = {r.level: r for r in reliability(rubric, sessions)}  # type: ignore[arg-type]
    for level, paths in (
        (
            "nominal",
            ["greeting.prompt", "greeting.booking", "follow_up.called", "fair.no_steering"],
        ),
        ("interval", ["greeting.rapport", "cx.likely"]),
    ):
        codes: dict[object, int] = {}
        rows: list[list[int | None]] = []
        for answers in sessions:
            row: list[int | None] = []
            for path in paths:
                value = answers[path]
                if value is None or value == "na":
                    row.append(None)
                elif level == "interval":
                    row.append(int(value))  # type: ignore[call-overload]
                else:
                    row.append(codes.setdefault(value, len(codes)))
            rows.append(row)
        expected = exact_alpha(rows, level)
        found = levels[level]
        pairable = [u for u in range(len(paths)) if sum(r[u] is not None for r in rows) >= 2]
        assert found.items == len(pairable)
        if expected is None:
            assert found.alpha is None
        else:
            assert found.alpha == pytest.approx(float(expected), abs=1e-9)
