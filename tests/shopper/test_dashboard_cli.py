"""`shopper stats` and `shopper dashboard`: the same figures as the core, as a user runs them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from shopper import scoring
from shopper.cli import main
from shopper.demo import generate
from shopper.services import dashboard, properties
from shopper.storage.db import Database

END = dt.date(2026, 6, 30)
START = dt.date(2026, 1, 1)


@pytest.fixture
def demo(db: Database) -> Database:
    generate(db, properties=3, agents=8, evaluations=150, end_date=END)
    return db


def _run(db: Database, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db.path), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_stats_json_gives_the_dashboard_figures(
    demo: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = _run(demo, capsys, "stats", "--from", str(START), "--to", str(END), "--json")
    assert code == 0
    data = json.loads(out)
    board = dashboard.build(demo, dashboard.DashboardFilter(START, END))
    head = board.headline
    assert data["period"] == {"from": str(START), "to": str(END)}
    assert data["headline"]["shops"] == head.shops
    assert data["headline"]["overall"]["pct"] == float(scoring.round_pct(head.overall.value) or 0)
    assert data["headline"]["key_questions"]["count"] == head.key_questions.count
    assert data["headline"]["critical_failures"]["count"] == head.critical.count
    assert [m["shops"] for m in data["months"]] == [m.shops for m in board.months]
    assert [a["id"] for a in data["agents"]] == [a.id for a in board.agents]
    assert [k["item"] for k in data["key_questions"]] == [k.path for k in board.key_questions]


def test_stats_text_names_every_tile_and_a_property_narrows_it(
    demo: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    first = properties.list_properties(demo)[0]
    code, out, _err = _run(
        demo, capsys, "stats", "--from", str(START), "--to", str(END), "--property", first.name
    )
    assert code == 0
    board = dashboard.build(demo, dashboard.DashboardFilter(START, END, property_id=first.id))
    for tile in board.tiles():
        assert tile.label in out and tile.value in out
    assert f"(compared with {dt.date(2025, 7, 4)} – {dt.date(2025, 12, 31)})" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--property", "Nowhere"), "there is no property called 'Nowhere'"),
        (("--rubric", "nope"), "there is no rubric 'nope'"),
        (("--from", "2026-05-01", "--to", "2026-04-01"), "--from 2026-05-01 is after --to"),
    ],
)
def test_stats_refuses_bad_filters_in_one_line(
    demo: Database, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    code, _out, err = _run(demo, capsys, "stats", *args)
    assert code == 1
    assert message in err and err.count("\n") == 1


def test_dashboard_pdf_has_two_pages_with_embedded_fonts(
    demo: Database, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "dashboard.pdf"
    code, text, _err = _run(demo, capsys, "dashboard", str(out), "--from", str(START),
                            "--to", str(END))  # fmt: skip
    assert code == 0 and text.strip() == f"Wrote {out} (2 pages)"
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows)  # every font embedded
    words = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    board = dashboard.build(demo, dashboard.DashboardFilter(START, END))
    assert "Key questions, worst first" in words
    assert board.headline.overall.text in words
    assert board.key_questions[0].prompt in words


def test_stats_takes_a_section_target(demo: Database, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = _run(demo, capsys, "stats", "--target", "85", "--json")
    assert code == 0 and json.loads(out)["target"] == 85.0
    with pytest.raises(SystemExit):
        main(["--db", str(demo.path), "stats", "--target", "120"])
    assert "120 is not from 0 to 100" in capsys.readouterr().err
