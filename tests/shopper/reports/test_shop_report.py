"""The shop report of one evaluation, read back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shopper import scoring
from shopper.limits import MAX_COMMENT_CHARS
from shopper.reports.shop_report import render_shop_report, shop_report_data
from shopper.services import evaluations
from tests.shopper.reports.conftest import (
    MARKUP_COMMENT,
    NAMES,
    World,
    answers_for,
    long_comment_is_whole,
    pdftotext,
    squash,
)

pytestmark = pytest.mark.usefixtures("poppler")


def test_every_item_answer_points_comment_scores_notes_and_log(
    world: World, tmp_path: Path
) -> None:
    evaluation_id = world.evaluation_ids["latin"][0]
    evaluations.add_event(world.db, evaluation_id, "follow_up_call", "Called back on day 2", "Dana")
    data = shop_report_data(world.db, evaluation_id)
    path = tmp_path / "shop.pdf"
    pages = render_shop_report(data, path, "letter")
    text = pdftotext(path)
    flat = " ".join(text.split())
    assert pages >= 2
    assert NAMES["latin"] in flat and NAMES["arabic"] in flat
    raw = pdftotext(path, "-raw")  # content order: a wrapped prompt stays together
    for _path, _section, item in world.v1.items():
        assert squash(item.prompt) in squash(raw), item.prompt
    assert "3/3" in squash(text)  # greeted promptly: yes, 3 of 3 points
    assert "0/2" in squash(text)  # pets: no
    assert "No" in flat and "Yes" in flat and "4 of 5" in flat
    assert long_comment_is_whole(text)
    assert squash(MARKUP_COMMENT) in squash(text)
    result = scoring.score(world.v1, data.evaluation.values())
    assert f"Overall {scoring.format_pct(result.overall)}" in flat
    for section in result.sections:
        if section.pct is not None:
            assert scoring.format_pct(section.pct) in flat
    assert "Visit went well overall." in flat
    assert "Called back on day 2" in flat and "Dana" in flat
    assert "Submitted" in flat


def test_critical_failure_is_called_out(world: World, tmp_path: Path) -> None:
    evaluation_id = world.evaluation_ids["latin"][2]
    path = tmp_path / "critical.pdf"
    render_shop_report(shop_report_data(world.db, evaluation_id), path, "a4")
    flat = " ".join(pdftotext(path).split())
    assert "CRITICAL FAILURE" in flat
    assert "Overall 0.0%" in flat
    assert "Steered me away from the ground floor." in flat


def test_a_fair_housing_failure_reads_failed_and_names_the_item(
    world: World, tmp_path: Path
) -> None:
    evaluation_id = world.evaluation_ids["latin"][2]  # no steering: answered No
    path = tmp_path / "critical.pdf"
    render_shop_report(shop_report_data(world.db, evaluation_id), path, "letter")
    flat = " ".join(pdftotext(path).split())
    prompt = world.v1.find("fair_housing.no_steering")[1].prompt  # type: ignore[index]
    assert f"CRITICAL FAILURE: “{prompt}” was answered No" in flat
    assert "Fair housing Failed" in flat  # the scores table
    assert "Fair housing — Failed (1 critical item answered No)" in flat
    assert "Fair housing N/A" not in flat


@pytest.mark.parametrize(
    "comment",
    [
        ("The agent never asked about my dog and rushed the tour. " * 400)[:MAX_COMMENT_CHARS],
        "x" * MAX_COMMENT_CHARS,
        ("لم يسأل الموظف عن الحيوانات الأليفة " * 600)[:MAX_COMMENT_CHARS],
    ],
    ids=["words", "one-word", "arabic"],
)
def test_the_largest_comment_prints_whole_in_linear_time(
    world: World, tmp_path: Path, comment: str
) -> None:
    import time

    evaluation_id = world.shop(
        "greek",
        dt.date(2026, 3, 9),
        answers_for(world.v1, miss=("needs.pets",)),
        comments={"needs.pets": comment},
    )
    data = shop_report_data(world.db, evaluation_id)
    path = tmp_path / "big.pdf"
    started = time.perf_counter()
    render_shop_report(data, path, "a4")
    assert time.perf_counter() - started < 15  # about 0.3 s when the machine is idle
    body = squash(pdftotext(path))
    if comment.startswith("x"):
        assert body.count("x") >= MAX_COMMENT_CHARS
    else:
        words = comment.split()
        assert squash(" ".join(words[:200])) in body  # the first pages, in order
        assert squash(" ".join(words[-50:])) in body  # and the end


@pytest.mark.parametrize("status", ["awaiting_follow_up", "draft"])
def test_an_unfinished_shop_says_so(world: World, tmp_path: Path, status: str) -> None:
    from shopper.services import evaluations as ev

    index = 6 if status == "awaiting_follow_up" else 5  # see conftest: 2026-03-11, 03-10
    evaluation_id = world.evaluation_ids["latin"][index]
    data = shop_report_data(world.db, evaluation_id)
    assert data.evaluation.status == status
    path = tmp_path / "unfinished.pdf"
    render_shop_report(data, path, "a4")
    flat = " ".join(pdftotext(path).split())
    done, total = data.answered()
    assert done < total
    assert (
        f"PROVISIONAL: this shop is {ev.STATUS_LABELS[status].lower()}; {done} of {total}" in flat
    )
    assert "Overall (provisional)" in flat
    if status == "awaiting_follow_up":
        due = data.evaluation.follow_up_due
        assert due is not None
        days = (data.today - due).days
        assert f"Follow-up due {due.isoformat()}: OVERDUE by {days} days" in flat


def test_follow_up_log_times_are_local(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from shopper.services import evaluations as ev

    monkeypatch.setenv("TZ", "Asia/Kolkata")  # UTC+05:30, no summer time
    time.tzset()
    try:
        evaluation_id = world.evaluation_ids["latin"][0]
        ev.add_event(world.db, evaluation_id, "follow_up_call", "Called back", "Dana")
        data = shop_report_data(world.db, evaluation_id)
        at = data.evaluation.events[-1].at
        path = tmp_path / "log.pdf"
        render_shop_report(data, path, "a4")
        flat = " ".join(pdftotext(path).split())
        local = at + dt.timedelta(hours=5, minutes=30)
        assert "When (IST)" in flat
        assert local.strftime("%Y-%m-%d %H:%M") in flat
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_shop_report_has_a_bookmark_and_a_language(world: World, tmp_path: Path) -> None:
    from pypdf import PdfReader

    path = tmp_path / "shop.pdf"
    render_shop_report(shop_report_data(world.db, world.evaluation_ids["latin"][0]), path)
    reader = PdfReader(path)
    assert [o.title for o in reader.outline] == [f"Shop report — {NAMES['latin']} — 2026-03-01"]
    assert reader.trailer["/Root"]["/Lang"] == "en"
