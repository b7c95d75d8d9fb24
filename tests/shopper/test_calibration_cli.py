"""`shopper calibration` as a user types it, and the PDF calibration report read back: the
session, the raters, the reference, results (JSON), the report with its fonts embedded."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shopper.storage.db import open_database
from tests.shopper.test_calibration import KEY, make_setup, score
from tests.shopper.test_cli_paper_cuts import run


def test_a_session_from_the_command_line(
    db_target: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SHOPPER_PERSON", raising=False)
    db = open_database(db_target)
    try:
        make_setup(db)
    finally:
        db.close()
    at = ("--db", db_target)
    code, out, err = run(
        capsys,
        *at,
        "calibration",
        "create",
        "Tour of 3 November",
        "--rubric",
        "test-tour:1",
        "--recording",
        "https://example.org/tours/3-nov",
        "--agent",
        "jose nunez",
    )
    assert code == 0, err
    session_id = out.strip().rsplit(" ", 1)[-1]
    code, out, err = run(capsys, *at, "calibration", "invite", session_id[:8], "Ann", "Bé Ngọc")
    assert code == 0, err
    assert "Ann, Bé Ngọc invited" in out

    db = open_database(db_target)
    try:
        reference = score(db, session_id, "Rita Expert", KEY)
        score(db, session_id, "Ann", {**KEY, "greeting.prompt": "no"})
        score(db, session_id, "Bé Ngọc", {**KEY, "greeting.rapport": 5})
    finally:
        db.close()
    code, out, err = run(capsys, *at, "calibration", "reference", session_id, reference)
    assert code == 0, err

    code, out, _ = run(capsys, *at, "calibration", "list", "--json")
    (listed,) = json.loads(out)
    assert listed["reference_evaluation_id"] == reference
    assert listed["recording"] == "https://example.org/tours/3-nov"
    assert {r["name"] for r in listed["raters"]} == {"Ann", "Bé Ngọc", "Rita Expert"}

    code, out, _ = run(capsys, *at, "calibration", "stats", session_id, "--json")
    stats = json.loads(out)
    assert stats["reference"] == "Rita Expert"
    assert {i["path"]: i["agreement"] for i in stats["items"]}["greeting.prompt"] == 0.5
    assert stats["least_agreed_path"] in ("greeting.prompt", "greeting.rapport")
    assert [r["level"] for r in stats["reliability"]] == ["nominal", "interval"]

    code, out, _ = run(capsys, *at, "calibration", "stats", "--json")
    assert {t["name"] for t in json.loads(out)} == {"Ann", "Bé Ngọc"}

    # a rater who has not submitted is refused, in one line
    code, out, _ = run(capsys, *at, "calibration", "invite", session_id, "Cleo")
    code, out, err = run(capsys, *at, "calibration", "stats", session_id, "--by", "Cleo")
    assert code == 1 and "hidden until you submit" in err and "Traceback" not in err

    kit = tmp_path / "kit.json"
    code, out, err = run(capsys, *at, "calibration", "kit", session_id, kit)
    assert code == 0, err
    sent = json.loads(kit.read_text(encoding="utf-8"))
    assert sent["evaluations"] == [] and sent["calibration_sessions"][0]["id"] == session_id

    pdf = tmp_path / "calibration.pdf"
    code, out, err = run(capsys, *at, "calibration", "report", session_id, pdf, "--page-size", "a4")
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        pytest.fail("pdftotext and pdffonts (poppler-utils) are needed to read the PDF back")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for expected in (
        "Tour of 3 November",
        "Krippendorff",
        "Bé Ngọc",
        "Rita Expert (reference)",
        "Greeted promptly",
        "1 of 2 (50%)",
    ):
        assert expected in text, expected
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], check=True, capture_output=True, text=True
    ).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(re.search(r"\s+yes\s+yes\s+yes\s+", r) for r in rows), fonts
    assert "Helvetica" not in fonts and "Times" not in fonts
