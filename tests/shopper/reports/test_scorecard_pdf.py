"""Scorecards read back from the PDF: every script, the aggregate numbers, fonts, comments."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from shopper import scoring
from shopper.reports.scorecard import render_scorecard
from shopper.services import aggregates as ag
from tests.shopper.reports.conftest import (
    END,
    LONG_COMMENT,
    MARKUP_COMMENT,
    NAMES,
    PROPERTY,
    START,
    World,
    answers_for,
    long_comment_is_whole,
    pdftotext,
    squash,
)

pytestmark = pytest.mark.usefixtures("poppler")
PERIOD = ag.Period(START, END)


def cards(world: World) -> dict[str, ag.ScorecardData]:
    rubrics = ag.load_rubrics(world.db)
    aggregates = ag.period_aggregates(world.db, PERIOD, rubrics)
    built, _ = ag.scorecards(world.db, ag.list_agent_refs(world.db), aggregates, rubrics)
    by_id = {c.agent_id: c for c in built}
    return {script: by_id[agent_id] for script, agent_id in world.agent_ids.items()}


@pytest.fixture
def latin_pdf(world: World, tmp_path: Path) -> tuple[Path, ag.ScorecardData]:
    card = cards(world)["latin"]
    path = tmp_path / "latin.pdf"
    render_scorecard(card, path, "letter")
    return path, card


def test_every_script_prints_and_extracts(world: World, tmp_path: Path) -> None:
    for script, card in cards(world).items():
        if script == "other":
            continue
        path = tmp_path / f"{script}.pdf"
        render_scorecard(card, path, "a4")
        text = pdftotext(path)
        assert NAMES[script] in text, script
        assert squash(PROPERTY) in squash(text)
        assert "Page 1 of" in text


def test_shopper_names_in_every_script_print_in_the_shops_table(
    latin_pdf: tuple[Path, ag.ScorecardData],
) -> None:
    text = pdftotext(latin_pdf[0])
    for script in ("arabic", "chinese", "greek"):
        assert NAMES[script] in text, script


def test_numbers_are_the_scoring_aggregates(latin_pdf: tuple[Path, ag.ScorecardData]) -> None:
    path, card = latin_pdf
    text = pdftotext(path)
    flat = " ".join(text.split())
    assert scoring.format_pct(card.overall.value) in flat
    assert f"{card.overall.count} shops" in flat
    assert card.band in flat
    assert scoring.format_pct(card.property_overall.value) in flat
    assert f"{card.property_overall.count} shops" in flat
    assert scoring.format_pct(card.portfolio_overall.value) in flat
    assert f"{card.portfolio_overall.count} shops" in flat
    for section in card.sections:
        row = (
            f"{section.agent.text} ({section.agent.count}) "
            f"{section.property.text} ({section.property.count}) "
            f"{section.portfolio.text} ({section.portfolio.count})"
        )
        assert row in flat, section.title
    for shop in card.shops:
        assert f"{shop.visited_on}" in flat
        assert scoring.format_pct(shop.overall) in flat
    assert "CRITICAL FAILURE" in flat
    assert "Steered me away from the ground floor." in flat


def test_comments_are_whole_and_markup_is_escaped(
    latin_pdf: tuple[Path, ag.ScorecardData],
) -> None:
    text = pdftotext(latin_pdf[0])
    assert long_comment_is_whole(text)
    assert len(LONG_COMMENT) == 5000
    assert squash(MARKUP_COMMENT) in squash(text)


def test_every_font_is_embedded(latin_pdf: tuple[Path, ag.ScorecardData]) -> None:
    out = subprocess.run(
        ["pdffonts", str(latin_pdf[0])], check=True, capture_output=True, text=True
    ).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    names = " ".join(r.split()[0] for r in rows)
    assert "DejaVuSans" in names
    for row in rows:
        assert re.search(r"\s+yes\s+yes\s+yes\s+", row), row  # emb, sub, uni
    assert "Helvetica" not in out and "Times" not in out


def test_chinese_uses_the_embedded_fallback_font(world: World, tmp_path: Path) -> None:
    path = tmp_path / "zh.pdf"
    render_scorecard(cards(world)["chinese"], path, "a4")
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    fallback = [r for r in out.splitlines()[2:] if "DejaVu" not in r]
    assert fallback, "the Chinese name needs a fallback font"
    assert all(re.search(r"\s+yes\s+yes\s+yes\s+", r) for r in fallback)


@pytest.mark.parametrize(("size", "points"), [("letter", (612, 792)), ("a4", (595, 842))])
def test_page_sizes(world: World, tmp_path: Path, size: str, points: tuple[int, int]) -> None:
    path = tmp_path / f"{size}.pdf"
    pages = render_scorecard(cards(world)["latin"], path, size)  # type: ignore[arg-type]
    reader = PdfReader(path)
    assert len(reader.pages) == pages
    for page in reader.pages:
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == points
    text = pdftotext(path)
    assert f"Page {pages} of {pages}" in text
    assert f"Page 1 of {pages}" in text


def test_metadata(latin_pdf: tuple[Path, ag.ScorecardData]) -> None:
    meta = PdfReader(latin_pdf[0]).metadata
    assert meta is not None
    assert meta.title == f"Scorecard — {NAMES['latin']} — {START} – {END}"
    assert meta.author == "Shopper"


def test_a_light_agent_prints_too(world: World, tmp_path: Path) -> None:
    card = cards(world)["other"]
    assert card.overall.count == 2
    path = tmp_path / "light.pdf"
    render_scorecard(card, path, "letter")
    text = " ".join(pdftotext(path).split())
    assert "Grace Rossi" in text
    assert "Maple Court" in text
    assert scoring.format_pct(card.overall.value) in text


def test_a_long_critical_comment_leaves_the_overall_on_page_1(world: World, tmp_path: Path) -> None:
    long = " ".join(f"steer{i:04d}" for i in range(400))  # 4,000 characters
    world.shop(
        "latin",
        dt.date(2026, 3, 16),
        answers_for(world.v1, fair_housing__no_steering="no"),
        comments={"fair_housing.no_steering": long},
    )
    card = cards(world)["latin"]
    path = tmp_path / "long.pdf"
    render_scorecard(card, path, "letter")
    first = " ".join(pdftotext(path, "-f", "1", "-l", "1").split())
    assert "Overall average" in first
    assert scoring.format_pct(card.overall.value) in first
    assert "steer0000 steer0001" in first  # the start of the comment in the box
    assert "steer0399" not in first
    assert "(in full under “Critical failures in full”)" in first
    whole = re.findall(r"steer\d{4}", pdftotext(path))
    assert whole[-400:] == long.split()  # the whole comment, later


def test_the_band_is_qualified_by_critical_failures_and_small_samples_say_so(
    latin_pdf: tuple[Path, ag.ScorecardData],
) -> None:
    path, card = latin_pdf
    assert card.critical_shops == 1 and card.overall.count == 3
    flat = " ".join(pdftotext(path, "-f", "1", "-l", "1").split())
    assert f"{card.band} · 1 critical failure" in flat
    assert "3 shops · small sample" in flat


def test_a_single_scorecard_has_a_bookmark_and_a_language(
    latin_pdf: tuple[Path, ag.ScorecardData],
) -> None:
    reader = PdfReader(latin_pdf[0])
    assert [o.title for o in reader.outline] == [f"{NAMES['latin']} ({PROPERTY})"]
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_customer_experience_per_shop_is_the_rating_given(
    latin_pdf: tuple[Path, ag.ScorecardData],
) -> None:
    path, card = latin_pdf
    assert [s.experience_rating for s in card.shops] == ["4 of 5", "5 of 5", "3 of 5"]
    flat = " ".join(pdftotext(path).split())
    for shop in card.shops:
        assert f"{scoring.format_pct(shop.overall)} {shop.experience_rating}" in flat


def test_each_shop_row_carries_its_evaluation_id(
    latin_pdf: tuple[Path, ag.ScorecardData],
) -> None:
    path, card = latin_pdf
    flat = " ".join(pdftotext(path).split())
    for shop in card.shops:
        assert shop.evaluation_id in flat


def test_rank_response_times_and_follow_ups_are_printed(
    latin_pdf: tuple[Path, ag.ScorecardData],
) -> None:
    path, card = latin_pdf
    flat = " ".join(pdftotext(path).split())
    assert card.rank is not None
    assert f"of {card.ranked} agents at the property" in flat
    assert "Response and follow-up" in flat
    for dist in card.response_times:
        for label, n in dist.counts:
            assert f"{label}: {n} of {dist.total}" in flat
    assert "Awaiting follow-up: 1 shop of this period, 1 overdue" in flat


def test_the_shoppers_words_are_quoted(world: World, tmp_path: Path) -> None:
    world.shop(
        "latin",
        dt.date(2026, 3, 20),
        answers_for(world.v1, narrative__overall_impression="Warm, unhurried and honest."),
    )
    card = cards(world)["latin"]
    path = tmp_path / "words.pdf"
    render_scorecard(card, path, "a4")
    flat = " ".join(pdftotext(path).split())
    section = flat.split("In the shoppers' words", 1)[1]
    assert "2026-03-31" in section and "Warm, unhurried and honest." in section
    assert section.index("2026-03-31") < section.index("2026-03-20")  # most recent first


def test_the_trend_against_the_previous_period(latin_pdf: tuple[Path, ag.ScorecardData]) -> None:
    path, card = latin_pdf
    assert card.previous is not None and card.previous.value is not None
    assert card.overall.value is not None
    flat = " ".join(pdftotext(path).split())
    change = card.overall.value - card.previous.value
    arrow = "▲" if change > 0 else "▼"
    assert f"the 31 days before (2026-01-29 – 2026-02-28): {card.previous.text} (1 shop" in flat
    assert f"{arrow} {scoring.format_pct(abs(change)).rstrip('%')} points" in flat


def test_coaching_points_show_the_comparison_and_the_points_at_stake(
    latin_pdf: tuple[Path, ag.ScorecardData],
) -> None:
    path, card = latin_pdf
    flat = " ".join(pdftotext(path).split())
    first = card.coaching[0]
    assert first.property_share is not None
    assert f"property {scoring.format_pct(first.property_share * 100)} (gap −" in flat
    stake = scoring.format_pct(first.stake).rstrip("%")
    assert f"fixing it adds about {stake} points to the overall" in flat
