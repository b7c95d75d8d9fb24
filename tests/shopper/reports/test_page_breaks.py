"""Every page break of 100 generated scorecards and 100 shop reports: no heading, table
header or comment header is the last thing on a page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from shopper.reports import flow
from shopper.reports.scorecard import render_combined, render_scorecard
from shopper.reports.shop_report import render_shop_report, shop_report_data
from shopper.services import aggregates as ag
from tests.shopper.reports.conftest import END, NAMES, START, World, answers_for, pdftotext

WORDS = [
    "the",
    "agent",
    "was",
    "friendly",
    "but",
    "did",
    "not",
    "ask",
    "about",
    "pets",
    "or",
    "parking",
    "fees",
    "and",
]


def _comment(rng: random.Random) -> str:
    size = rng.choice([0, 20, 80, 300, 900, 3000])
    return " ".join(rng.choice(WORDS) for _ in range(size // 5)).capitalize()


def _page_ends(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[], Any]], list[Any]]:
    """Render with `draw()` and return the last visible flowable of every page but the last."""
    doc = flow.layout_doc_class()

    def collect(draw: Callable[[], Any]) -> list[Any]:
        ends: list[Any] = []
        monkeypatch.setattr(doc, "page_end_observer", ends.append)
        draw()
        return ends[:-1]

    return collect


def _stranded(ends: list[Any]) -> list[str]:
    return [
        f"page {page}: {flow.role_of(f)} {getattr(f, 'text', '')[:60]!r}"
        for page, f in enumerate(ends, start=1)
        if flow.role_of(f) is not None
    ]


def _variant(card: ag.ScorecardData, rng: random.Random) -> ag.ScorecardData:
    shops = []
    for n in range(rng.choice([1, 2, 3, 8, 20, 45])):
        critical = rng.random() < 0.15
        shops.append(
            ag.Shop(
                f"e{n}",
                START + dt.timedelta(days=n % 28),
                "in_person",
                rng.choice(list(NAMES.values())),
                Fraction(0) if critical else Fraction(rng.randint(500, 1000), 10),
                critical,
                Fraction(rng.randint(0, 100)),
            )
        )
    failures = tuple(
        ag.CriticalFailure(
            f"e{n}", START, rng.choice(list(NAMES.values())), "Avoided steering", _comment(rng)
        )
        for n in range(rng.choice([0, 0, 1, 3]))
    )

    def stats(items: tuple[ag.ItemStat, ...]) -> tuple[ag.ItemStat, ...]:
        return tuple(
            dataclasses.replace(
                s,
                comments=tuple(
                    ag.ItemComment(START, rng.choice(list(NAMES.values())), "No", _comment(rng))
                    for _ in range(rng.choice([0, 1, 2, 5]))
                ),
            )
            for s in items
        )

    return dataclasses.replace(
        card,
        shops=tuple(shops),
        critical_failures=failures,
        strengths=stats(card.strengths),
        coaching=stats(card.coaching),
    )


def _first_page_text(pdf: bytes, folder: Path) -> str:
    path = folder / "card.pdf"
    path.write_bytes(pdf)
    return " ".join(pdftotext(path, "-f", "1", "-l", "1").split())


def test_no_heading_ends_a_scorecard_page_and_the_score_is_on_page_1(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rubrics = ag.load_rubrics(world.db)
    aggregates = ag.period_aggregates(world.db, ag.Period(START, END), rubrics)
    cards, _ = ag.scorecards(world.db, ag.list_agent_refs(world.db), aggregates, rubrics)
    rng = random.Random(11)
    collect = _page_ends(monkeypatch)
    problems, breaks = [], 0
    for number in range(100):
        card = _variant(cards[number % len(cards)], rng)
        size = "letter" if number % 2 else "a4"
        out = io.BytesIO()
        ends = collect(lambda c=card, s=size, o=out: render_scorecard(c, o, s))
        breaks += len(ends)
        problems += [f"scorecard {number}: {p}" for p in _stranded(ends)]
        first = _first_page_text(out.getvalue(), tmp_path)
        if "Overall average" not in first or card.overall.text not in first:
            problems.append(f"scorecard {number}: the overall score is not on page 1")
    assert breaks > 150
    assert problems == []


def test_no_heading_ends_a_shop_report_page(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(19)
    paths = [p for p, _s, item in world.v1.items() if item.type != "text"]
    collect = _page_ends(monkeypatch)
    problems, breaks = [], 0
    for number in range(100):
        commented = rng.sample(paths, rng.choice([1, 3, 8]))
        evaluation_id = world.shop(
            "latin",
            START + dt.timedelta(days=number % 28),
            answers_for(world.v1, miss=tuple(commented[:2])),
            comments={p: _comment(rng) or "Fine." for p in commented},
            notes=_comment(rng) or None,
        )
        data = shop_report_data(world.db, evaluation_id)
        size = "letter" if number % 2 else "a4"
        ends = collect(lambda d=data, s=size: render_shop_report(d, io.BytesIO(), s))
        breaks += len(ends)
        problems += [f"shop report {number}: {p}" for p in _stranded(ends)]
    assert breaks > 150
    assert problems == []


def _table_splits(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """(rows left on the page, rows carried over), body rows only, for every table split."""
    cls = flow._table_class()
    original = cls.split
    splits: list[tuple[int, int]] = []

    def split(self: Any, width: float, height: float) -> list[Any]:
        parts: list[Any] = original(self, width, height)
        if len(parts) == 2:
            header = self.repeatRows
            splits.append((len(parts[0]._cellvalues) - header, len(parts[1]._cellvalues) - header))
        return parts

    monkeypatch.setattr(cls, "split", split)
    return splits


def _widowed(splits: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [
        (kept, carried)
        for kept, carried in splits
        if carried < flow.MIN_TAIL_ROWS and kept > flow.MIN_HEAD_ROWS
    ]


def _long_tables(world: World, rng: random.Random) -> list[ag.ScorecardData]:
    rubrics = ag.load_rubrics(world.db)
    aggregates = ag.period_aggregates(world.db, ag.Period(START, END), rubrics)
    cards, _ = ag.scorecards(world.db, ag.list_agent_refs(world.db), aggregates, rubrics)
    return [_variant(cards[n % len(cards)], rng) for n in range(60)]


def test_a_split_table_carries_at_least_a_few_rows_to_the_next_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No "3-row last page": every table split (shops, sections, summary; Letter and A4)
    carries at least MIN_TAIL_ROWS rows over, or leaves only MIN_HEAD_ROWS behind; and no
    heading is stranded by the rows moved."""
    splits = _table_splits(monkeypatch)
    collect = _page_ends(monkeypatch)
    cards = _long_tables(world, random.Random(5))
    problems = []
    for number, card in enumerate(cards):
        size = "letter" if number % 2 else "a4"
        ends = collect(lambda c=card, s=size: render_scorecard(c, io.BytesIO(), s))
        problems += [f"scorecard {number}: {p}" for p in _stranded(ends)]
    combined = collect(lambda: render_combined(cards, io.BytesIO(), "letter"))
    problems += [f"combined: {p}" for p in _stranded(combined)]
    assert len(splits) > 20
    assert _widowed(splits) == []
    assert any(carried == flow.MIN_TAIL_ROWS for _kept, carried in splits)  # rows were moved
    assert problems == []


def test_without_widow_control_tails_of_a_few_rows_happen(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above would see the defect: with the control off, some splits carry fewer
    than MIN_TAIL_ROWS rows over."""
    monkeypatch.setattr(flow, "MIN_TAIL_ROWS", 0)
    splits = _table_splits(monkeypatch)
    for number, card in enumerate(_long_tables(world, random.Random(5))):
        render_scorecard(card, io.BytesIO(), "letter" if number % 2 else "a4")
    monkeypatch.setattr(flow, "MIN_TAIL_ROWS", 5)
    assert _widowed(splits)


def test_widow_control_moves_rows_at_every_height() -> None:
    from reportlab.platypus import Table

    rows = [["Header"]] + [[f"row {n}"] for n in range(12)]
    for height in range(30, 240, 3):
        plain = Table(rows, repeatRows=1).split(400, height)
        parts = flow.table(rows, repeatRows=1).split(400, height)
        assert len(parts) == len(plain)
        if len(parts) == 2:
            kept, carried = (len(p._cellvalues) - 1 for p in parts)
            assert kept + carried == 12
            assert carried >= flow.MIN_TAIL_ROWS or kept == flow.MIN_HEAD_ROWS, height
            assert kept <= len(plain[0]._cellvalues) - 1
