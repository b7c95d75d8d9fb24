"""`shopper scorecards` and `shopper shop-report` as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from shopper.paths import ROOT
from tests.shopper.reports.conftest import NAMES, World, pdftotext

pytestmark = pytest.mark.usefixtures("poppler")


def shopper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shopper", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "LANG": "en_US.UTF-8", "LC_ALL": "", "LC_PAPER": ""},
        timeout=120,
    )


def test_scorecards_into_a_folder_with_filters(world: World, tmp_path: Path) -> None:
    db = str(world.db.path)
    out = tmp_path / "cards"
    done = shopper(
        "--db", db, "scorecards", str(out), "--from", "2026-03-01", "--to", "2026-03-31",
        "--agent", NAMES["vietnamese"], "--agent", "idle agent", "--page-size", "a4",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 scorecard(s)" in done.stdout
    assert "Skipped 1 agent(s)" in done.stdout and "Idle Agent" in done.stdout
    [pdf] = out.iterdir()
    assert pdf.name == f"{NAMES['vietnamese']} - Café Élan & Lofts.pdf"
    assert round(float(PdfReader(pdf).pages[0].mediabox.height)) == 842  # A4


def test_scorecards_default_paper_follows_the_locale(world: World, tmp_path: Path) -> None:
    target = tmp_path / "all.pdf"
    done = shopper("--db", str(world.db.path), "scorecards", "--combined", str(target))
    assert done.returncode == 0, done.stderr
    reader = PdfReader(target)
    assert round(float(reader.pages[0].mediabox.height)) == 792  # Letter for en_US
    agents = [e for group in reader.outline if isinstance(group, list) for e in group]
    assert len(agents) == 7  # under their properties, after the summary


def test_scorecards_errors_are_one_line(world: World, tmp_path: Path) -> None:
    db = str(world.db.path)
    both = shopper("--db", db, "scorecards", str(tmp_path), "--combined", str(tmp_path / "a.pdf"))
    assert both.returncode == 1
    assert both.stderr.startswith("shopper: error: give either OUTDIR")
    unknown = shopper("--db", db, "scorecards", str(tmp_path), "--agent", "Nobody Here")
    assert unknown.returncode == 1
    assert "no agent called 'Nobody Here'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_shop_report_command(world: World, tmp_path: Path) -> None:
    target = tmp_path / "shop.pdf"
    evaluation_id = world.evaluation_ids["latin"][0]
    done = shopper("--db", str(world.db.path), "shop-report", evaluation_id, str(target))
    assert done.returncode == 0, done.stderr
    assert "Wrote" in done.stdout
    assert NAMES["latin"] in pdftotext(target)
    missing = shopper("--db", str(world.db.path), "shop-report", "nope", str(tmp_path / "x.pdf"))
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_help_does_not_import_reportlab() -> None:
    code = (
        "import sys\n"
        "from shopper.cli import build_parser\n"
        "build_parser()\n"
        "print(any(m.startswith('reportlab') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "False"
