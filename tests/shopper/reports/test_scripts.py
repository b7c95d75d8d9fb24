"""Names and comments in every script, upright and italic, on scorecards and shop reports:
each is found in the extracted text in logical order, and no character is drawn with a face
that has no glyph for it."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest

from shopper.reports.scorecard import render_scorecard
from shopper.reports.shop_report import render_shop_report, shop_report_data
from shopper.services import aggregates as ag
from tests.shopper.reports.conftest import (
    COMMENTS,
    END,
    NAMES,
    START,
    World,
    answers_for,
    pdftotext,
    squash,
)

pytestmark = pytest.mark.usefixtures("poppler")
SCRIPTS = tuple(NAMES)
SHOPPER_OF = dict(zip(SCRIPTS, SCRIPTS[1:] + SCRIPTS[:1], strict=True))
"""Each agent's shops are by a shopper named in another script."""


@pytest.fixture
def scripted(world: World) -> dict[str, str]:
    """For each script: a shop failing a critical item and missing the pets question, both
    commented in that script. Returns the shop ids."""
    ids: dict[str, str] = {}
    for script in SCRIPTS:
        ids[script] = world.shop(
            script,
            dt.date(2026, 3, 20),
            answers_for(world.v1, miss=("needs.pets",), fair_housing__no_steering="no"),
            shopper=NAMES[SHOPPER_OF[script]],
            comments={
                "needs.pets": COMMENTS[script],
                "fair_housing.no_steering": COMMENTS[script],
            },
        )
    return ids


def _folded(comment: str) -> str:
    """As `pdftotext` gives it back (NFKC: full-width punctuation to ASCII), no spaces, no
    final full stop (poppler puts the stop ending a right-to-left paragraph first)."""
    return squash(unicodedata.normalize("NFKC", comment)).replace(".", "")


def _starts_line_with(path: Path, name: str, then: str) -> bool:
    """Whether, on page 1, the words of `name` are drawn left of the word starting with
    `then` on the same line (the line keeps the document's left-to-right direction)."""
    import html
    import re

    bbox = pdftotext(path, "-bbox", "-f", "1", "-l", "1")
    words = [
        (float(x), float(y), html.unescape(w))
        for x, y, w in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)<', bbox)
    ]
    anchor = next((x, y) for x, y, w in words if w.startswith(then))
    parts = name.split()
    # Right-to-left words come back in presentation forms, in drawing order: compare
    # their letters, not their spelling.
    letters = set(name.replace(" ", ""))
    mine = [x for x, y, w in words if abs(y - anchor[1]) < 2 and w.strip() and set(w) <= letters]
    return len(mine) == len(parts) and max(mine) < anchor[0]


def _card(world: World, script: str) -> ag.ScorecardData:
    rubrics = ag.load_rubrics(world.db)
    aggregates = ag.period_aggregates(world.db, ag.Period(START, END), rubrics)
    refs = ag.list_agent_refs(world.db, agent_ids=[world.agent_ids[script]])
    cards, _ = ag.scorecards(world.db, refs, aggregates, rubrics)
    return cards[0]


@pytest.mark.parametrize("script", SCRIPTS)
def test_scorecard_in_every_script(
    world: World,
    scripted: dict[str, str],
    drawn_glyphs: list[tuple[str, str]],
    tmp_path: Path,
    script: str,
) -> None:
    path = tmp_path / f"{script}.pdf"
    pages = render_scorecard(_card(world, script), path, "a4")
    text = pdftotext(path)
    flat = squash(text).replace(".", "")
    assert NAMES[script] in text
    assert NAMES[SHOPPER_OF[script]] in text
    # Once in the critical box (italic), once under the coaching point (upright).
    assert flat.count(_folded(COMMENTS[script])) >= 2, text
    assert drawn_glyphs == []
    if pages > 1:
        assert NAMES[script] in pdftotext(path, "-f", "2", "-l", "2"), "running header"


@pytest.mark.parametrize("script", SCRIPTS)
def test_shop_report_in_every_script(
    world: World,
    scripted: dict[str, str],
    drawn_glyphs: list[tuple[str, str]],
    tmp_path: Path,
    script: str,
) -> None:
    path = tmp_path / f"{script}.pdf"
    render_shop_report(shop_report_data(world.db, scripted[script]), path, "letter")
    text = pdftotext(path)
    flat = squash(text).replace(".", "")
    assert NAMES[script] in text
    assert NAMES[SHOPPER_OF[script]] in text
    assert flat.count(_folded(COMMENTS[script])) >= 2, text
    assert drawn_glyphs == []
    assert _starts_line_with(path, NAMES[script], "Café"), "title: the name is on the left"
    assert NAMES[script] in pdftotext(path, "-f", "2", "-l", "2"), "running header"
