"""The Calibration page as a trainer and a rater use it: a session of four raters and a
reference, two raters scoring offline in other databases and merging back through packages;
blind before submission; results least-agreed first with the guidance beside; one click opens
the rubric editor at the least-agreed item; the PDF report read back."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import shiboken6

from shopper.exchange.package_export import export_package
from shopper.exchange.package_import import import_package
from shopper.services import calibration
from shopper.storage.db import open_database
from tests.shopper.test_calibration import KEY, score, session_with_raters
from ui.operations import Change
from ui.rubric_editor import RubricEditor


@pytest.fixture(autouse=True)
def never_ask(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(RubricEditor, "ask_unsaved", lambda self: "discard")


@pytest.fixture
def page(ctx, qtbot):  # type: ignore[no-untyped-def]
    from ui.pages.calibration import CalibrationPage

    ctx.tasks.synchronous = True
    widget = CalibrationPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    yield widget
    for editor in list(widget.editors):
        if shiboken6.isValid(editor):
            editor.close()


def _rows(model: Any) -> list[tuple[str, ...]]:
    return list(model.rows)


def test_a_session_end_to_end(page: Any, ctx: Any, db: Any, tmp_path: Path, qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    info, _agent = session_with_raters(db)
    kit = tmp_path / "session.json"
    export_package(db, kit)
    score(db, info.id, "Ann", KEY)
    score(db, info.id, "Ben", {**KEY, "greeting.prompt": "no"})
    reference = score(db, info.id, "Rita Expert", KEY, reference=True)

    # Cleo, a rater, opens the page before scoring: the session is listed, results hidden
    page.viewer = "Cleo"
    ctx.announce(Change.EVALUATIONS)
    assert [r[0] for r in _rows(page.session_model)] == ["Tour of 3 November"]
    assert "cannot see this session's results yet" in page.summary.text()
    assert _rows(page.item_model) == [] and _rows(page.rater_model) == []
    assert not page.sharpen_button.isEnabled() and not page.report_button.isEnabled()

    # Cleo and Dev score offline on laptops; their packages merge back
    for name, given in {
        "Cleo": {**KEY, "greeting.prompt": "no", "greeting.rapport": 5},
        "Dev": {**KEY, "greeting.prompt": "na"},
    }.items():
        laptop = open_database(str(tmp_path / f"{name}.db"))
        try:
            import_package(laptop, kit)
            score(laptop, info.id, name, given)
            back = tmp_path / f"{name}-back.json"
            export_package(laptop, back)
        finally:
            laptop.close()
        import_package(db, back)
    ctx.announce(Change.EVALUATIONS)

    # now Cleo has submitted: she sees everything
    assert "Reference: Rita Expert; 4 rater(s) submitted." in page.summary.text()
    assert "Krippendorff's alpha, nominal" in page.summary.text()
    items = _rows(page.item_model)
    assert items[0][:3] == ("1 of 4 (25%)", "Greeting › Greeted promptly", "Yes")
    assert items[0][3] == "No guidance written."
    assert _rows(page.rater_model)[0][:3] == ("Ann", "86.8%", "±0.0 pts")  # most lenient
    assert {r[0] for r in _rows(page.rater_model)} == {"Ann", "Ben", "Cleo", "Dev"}
    assert calibration.get_session(db, info.id).reference_evaluation_id == reference
    for model in (page.session_model, page.item_model, page.rater_model, page.trend_model):
        qtmodeltester.check(model)

    # one click: the rubric editor at the least-agreed item
    editor = page.open_least_agreed()
    assert isinstance(editor, RubricEditor) and editor.isVisible()
    assert editor.current_path() == (0, 0)  # greeting.prompt

    # a kit for one more rater: the session and nobody's answers
    kit_file = tmp_path / "kit.json"
    page.export_kit(info.id, kit_file)
    assert "Wrote kit.json" in page.status.text()
    assert json.loads(kit_file.read_text(encoding="utf-8"))["evaluations"] == []

    # the PDF report, read back
    pdf = tmp_path / "calibration.pdf"
    page.export_report(pdf)
    assert "Wrote calibration.pdf" in page.status.text()
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDF back")
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    for expected in ("Tour of 3 November", "Rita Expert (reference)", "Cleo", "Dev", "1 of 4"):
        assert expected in text, expected


def test_no_sessions_yet(page: Any) -> None:
    assert "No calibration sessions yet" in page.summary.text()
    assert _rows(page.session_model) == []
