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


def test_a_batch_that_cannot_write_a_file_exits_1_listing_the_files(
    world: World, tmp_path: Path
) -> None:
    out = tmp_path / "cards"
    out.mkdir()
    third = f"{NAMES['cyrillic']} - Café Élan & Lofts.pdf"  # the third agent in name order
    (out / third).mkdir()  # a folder where the PDF should go: it cannot be replaced
    done = shopper("--db", str(world.db.path), "scorecards", str(out), "--workers", "1")
    assert done.returncode == 1
    written = [p for p in out.iterdir() if p.is_file()]
    assert done.stderr.startswith(
        f"shopper: error: The scorecards stopped after {len(written)} of 7 files"
    ), done.stderr
    assert f"Not written ({7 - len(written)}):" in done.stderr and third in done.stderr
    assert "Traceback" not in done.stderr


def test_ctrl_c_cancels_the_batch_and_lists_the_files_not_written(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The first Ctrl+C (a real SIGINT, sent once the first file is written) lets the
    batch stop between files: the summary lists the files not written, exit code 1."""
    import signal

    from shopper.cli import main
    from shopper.reports import batch

    monkeypatch.setattr(batch, "CHUNK", 1)
    real = batch._render_files

    def render_then_interrupt(*args: object, **kwargs: object) -> object:
        result = real(*args, **kwargs)  # type: ignore[arg-type]
        os.kill(os.getpid(), signal.SIGINT)
        return result

    monkeypatch.setattr(batch, "_render_files", render_then_interrupt)
    out = tmp_path / "cards"
    code = main(["--db", str(world.db.path), "scorecards", str(out), "--workers", "1"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.startswith("Cancelled after 1 scorecard(s)")
    assert "Not written (6):" in captured.out
    assert "cancelled; 6 scorecard file(s) were not written" in captured.err
    assert len(list(out.iterdir())) == 1
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
