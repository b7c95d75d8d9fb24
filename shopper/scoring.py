"""The scoring rules of SCORING.md, implemented once. Pure functions over exact Fractions.

Everything that shows or stores a score (form, lists, PDFs, CSV, aggregates) calls this module.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from shopper.domain import STATUSES as STATUSES  # the one list of statuses
from shopper.domain import Status as Status
from shopper.rubric import Item, Rubric

NA = "na"
AnswerValue = str | int | None
HUNDRED = Fraction(100)


def answer_error(item: Item, value: AnswerValue) -> str | None:
    """Why `value` is not a valid answer to `item`, or None if it is. None means unanswered."""
    if value is None:
        return None
    if value == NA and item.type != "text":
        return None if item.allow_na else "N/A is not allowed for this item"
    if item.type == "yes_no":
        if value not in ("yes", "no"):
            return f"{value!r} is not an answer to a yes/no item (use yes, no or na)"
    elif item.type == "scale":
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{value!r} is not a whole number from 1 to {item.max}"
        if value < 1:
            return f"{value} is below the scale minimum 1"
        if value > item.max:
            return f"{value} is above the scale maximum {item.max}"
    elif item.type == "choice":
        if not isinstance(value, str) or item.option(value) is None:
            return f"{value!r} is not one of the options of this item"
    elif not isinstance(value, str):
        return f"{value!r} is not text"
    return None


def is_answered(item: Item, value: AnswerValue) -> bool:
    if item.type == "text":
        return isinstance(value, str) and value.strip() != ""
    return value is not None


def item_points(item: Item, value: AnswerValue) -> tuple[Fraction, Fraction] | None:
    """(earned, possible) for a scored, answered, non-N/A item; None when it does not count."""
    if not item.scored or value is None or value == NA:
        return None
    if item.type == "yes_no":
        return (item.points if value == "yes" else Fraction(0)), item.points
    if item.type == "scale":
        assert isinstance(value, int)
        return item.points * (value - 1) / (item.max - 1), item.points
    option = item.option(str(value))
    assert option is not None
    return option.points, item.possible


def is_critical_failure(item: Item, value: AnswerValue) -> bool:
    return item.critical and item.type == "yes_no" and value == "no"


@dataclass(frozen=True)
class SectionScore:
    key: str
    earned: Fraction
    possible: Fraction
    answered: int
    total: int

    @functools.cached_property
    def pct(self) -> Fraction | None:
        return HUNDRED * self.earned / self.possible if self.possible else None


@dataclass(frozen=True)
class ScoreResult:
    sections: tuple[SectionScore, ...]
    overall: Fraction | None
    critical_failure: bool
    critical_items: tuple[str, ...]
    answered: int
    total: int

    @property
    def complete(self) -> bool:
        return self.answered == self.total

    def section(self, key: str) -> SectionScore | None:
        return next((s for s in self.sections if s.key == key), None)


@dataclass(frozen=True)
class _ItemPoints:
    """One item's contribution for every valid answer, as integers over the rubric's common
    denominator, so that scoring a shop adds integers instead of Fractions."""

    path: str
    scored: bool
    critical: bool
    by_value: dict[AnswerValue, tuple[int, int]]
    item: Item


@dataclass(frozen=True)
class _PointsTable:
    denominator: int
    sections: tuple[tuple[str, bool, tuple[_ItemPoints, ...]], ...]


def _valid_values(item: Item) -> list[AnswerValue]:
    if item.type == "yes_no":
        return ["yes", "no"]
    if item.type == "scale":
        return list(range(1, item.max + 1))
    if item.type == "choice":
        return [o.label for o in item.options]
    return []


def _points_table(rubric: Rubric) -> _PointsTable:
    """Built once per rubric from `item_points`, which stays the one definition of the rules."""
    cached = rubric.derived.get("scoring.points")
    if isinstance(cached, _PointsTable):
        return cached
    exact = {
        path: {
            value: points
            for value in _valid_values(item)
            if (points := item_points(item, value)) is not None
        }
        for path, _section, item in rubric.items()
    }
    denominator = math.lcm(
        1, *(f.denominator for table in exact.values() for pair in table.values() for f in pair)
    )

    def scaled(pair: tuple[Fraction, Fraction]) -> tuple[int, int]:
        return int(pair[0] * denominator), int(pair[1] * denominator)

    sections = []
    for section in rubric.sections:
        entries = []
        for item in section.items:
            path = f"{section.key}.{item.key}"
            by_value = {value: scaled(pair) for value, pair in exact[path].items()}
            critical = item.critical and item.type == "yes_no"
            entries.append(_ItemPoints(path, item.scored, critical, by_value, item))
        sections.append((section.key, section.in_overall, tuple(entries)))
    table = _PointsTable(denominator, tuple(sections))
    rubric.derived["scoring.points"] = table
    return table


def score(rubric: Rubric, answers: Mapping[str, AnswerValue]) -> ScoreResult:
    """Score an evaluation. Unanswered items count like N/A; `answered/total` count items
    that need an answer to submit (every non-text item).

    Each item's points come from `item_points`, through a per-rubric table of exact integers
    over a common denominator: the sums are exact integers, and only section and overall
    results are Fractions."""
    table = _points_table(rubric)
    denominator = table.denominator
    sections: list[SectionScore] = []
    overall_earned = overall_possible = 0
    critical: list[str] = []
    all_answered = all_total = 0
    for key, in_overall, entries in table.sections:
        earned = possible = answered = total = 0
        for entry in entries:
            if not entry.scored:
                continue
            total += 1
            value = answers.get(entry.path)
            if value is None:
                continue
            answered += 1
            if entry.critical and value == "no":
                critical.append(entry.path)
            points = entry.by_value.get(value)
            if points is None and value != NA:  # not a valid answer: the plain rule decides
                plain = item_points(entry.item, value)
                points = (
                    None
                    if plain is None
                    else (int(plain[0] * denominator), int(plain[1] * denominator))
                )
            if points is not None:
                earned += points[0]
                possible += points[1]
        sections.append(
            SectionScore(
                key, Fraction(earned, denominator), Fraction(possible, denominator), answered, total
            )
        )
        if in_overall:
            overall_earned += earned
            overall_possible += possible
        all_answered += answered
        all_total += total
    overall = Fraction(100 * overall_earned, overall_possible) if overall_possible else None
    if critical:
        overall = Fraction(0)
    return ScoreResult(
        tuple(sections), overall, bool(critical), tuple(critical), all_answered, all_total
    )


def missing_items(rubric: Rubric, answers: Mapping[str, AnswerValue], status: Status) -> list[str]:
    """Paths that must be answered before an evaluation may have `status`, in rubric order."""
    if status == "draft":
        return []
    return [
        path
        for path, section, item in rubric.items()
        if item.scored
        and answers.get(path) is None
        and not (status == "awaiting_follow_up" and section.deferred)
    ]


def round_pct(value: Fraction | float | None, places: int = 1) -> Decimal | None:
    """Round half away from zero for display (87.25 -> 87.3). Exact for Fractions."""
    if value is None:
        return None
    if isinstance(value, float):
        exact = Decimal(repr(value))
    else:
        exact = Decimal(value.numerator) / Decimal(value.denominator)
    quantum = Decimal(1).scaleb(-places)
    return exact.quantize(quantum, rounding=ROUND_HALF_UP)


def format_pct(value: Fraction | float | None, places: int = 1) -> str:
    """`87.3%`, or `N/A` for a score of none."""
    rounded = round_pct(value, places)
    return "N/A" if rounded is None else f"{rounded}%"


def mean(values: Iterable[Fraction | None]) -> tuple[Fraction | None, int]:
    """Mean of the scores that are not none, and how many there were."""
    present = [v for v in values if v is not None]
    if not present:
        return None, 0
    return sum(present, Fraction(0)) / len(present), len(present)


def fraction_text(value: Fraction | None) -> str | None:
    """Exact storage form of a score ("349/4"); see `parse_fraction`."""
    return None if value is None else f"{value.numerator}/{value.denominator}"


def parse_fraction(text: str | None) -> Fraction | None:
    if text is None:
        return None
    numerator, _, denominator = text.partition("/")
    return Fraction(int(numerator), int(denominator or 1))


# --- key questions (SCORING.md, *Key questions*) ----------------------------------------------


@dataclass(frozen=True)
class KeyQuestionScore:
    """An evaluation's key-question points: Σ earned and Σ possible over its answered,
    non-N/A key-question items. A critical failure does not change it."""

    earned: Fraction
    possible: Fraction
    answered: int
    """Key-question items answered and not N/A."""
    total: int
    """Key-question items on the rubric."""

    @property
    def pct(self) -> Fraction | None:
        return HUNDRED * self.earned / self.possible if self.possible else None


def key_question_paths(rubric: Rubric) -> tuple[str, ...]:
    """The `section.item` paths of the rubric's key questions, in rubric order."""
    return tuple(path for path, _s, item in rubric.items() if item.key_question and item.scored)


def key_question_score(rubric: Rubric, answers: Mapping[str, AnswerValue]) -> KeyQuestionScore:
    """The key-question score of one evaluation (use `.pct`; none when nothing is possible)."""
    earned = possible = Fraction(0)
    answered = total = 0
    for path, _section, item in rubric.items():
        if not (item.key_question and item.scored):
            continue
        total += 1
        points = item_points(item, answers.get(path))
        if points is not None:
            answered += 1
            earned += points[0]
            possible += points[1]
    return KeyQuestionScore(earned, possible, answered, total)


def passed(item: Item, value: AnswerValue) -> bool | None:
    """Whether an answer earned the item's full points; None when it does not count for a
    pass rate (unanswered, N/A, or an item that is not scored)."""
    points = item_points(item, value)
    if points is None:
        return None
    return points[0] == points[1]


@dataclass(frozen=True)
class PassRate:
    path: str
    passed: int
    counted: int
    """Shops where the item was answered and not N/A."""

    @property
    def rate(self) -> Fraction | None:
        """The share of counted shops that passed (0..1); none when no shop counts."""
        return Fraction(self.passed, self.counted) if self.counted else None

    @property
    def pct(self) -> Fraction | None:
        rate = self.rate
        return None if rate is None else HUNDRED * rate


def pass_rates(
    shops: Iterable[tuple[Rubric, Mapping[str, AnswerValue]]],
) -> dict[str, PassRate]:
    """Each key question's pass rate over `shops` (each a rubric version and its answers),
    matched across rubric versions by `section.item` path."""
    tally: dict[str, list[int]] = {}
    for rubric, answers in shops:
        for path, _section, item in rubric.items():
            if not (item.key_question and item.scored):
                continue
            counts = tally.setdefault(path, [0, 0])
            outcome = passed(item, answers.get(path))
            if outcome is not None:
                counts[1] += 1
                counts[0] += outcome
    return {path: PassRate(path, p, n) for path, (p, n) in tally.items()}
