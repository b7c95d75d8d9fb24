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
from shopper.reports.scorecard import render_scorecard
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
