"""Calibration sessions travel in packages (FORMATS.md, version 2): a session of four raters and
a reference, two raters scoring offline on laptops (other databases) and merging back; a
second import changes nothing; a restore with sessions works."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from shopper.errors import NotFoundError
from shopper.exchange.common import PackageFilter
from shopper.exchange.package_export import export_package
from shopper.exchange.package_import import import_package
from shopper.services import calibration, people
from shopper.storage.db import Database, open_database
from tests.shopper.exchange.conftest import checksum
from tests.shopper.test_calibration import KEY, score, session_with_raters


def _laptop(tmp_path: Path, name: str, package: Path) -> Database:
    laptop = open_database(str(tmp_path / f"{name}.db"))
    import_package(laptop, package)
    return laptop


def test_four_raters_and_a_reference_two_offline(any_db: Database, tmp_path: Path) -> None:
    hq = any_db
    info, _agent = session_with_raters(hq)
    kit = tmp_path / "session.json"
    export_package(hq, kit)  # the program manager sends the session out
    header = json.loads(kit.read_text(encoding="utf-8"))
    (sent,) = header["calibration_sessions"]
    assert sent["title"] == "Tour of 3 November"
    assert sent["recording"] == "tours/2026-11-03-maple.mp4"
    assert len(sent["raters"]) == 4 and sent["reference_evaluation_id"] is None

    # two raters score at the office, the expert's key too
    score(hq, info.id, "Ann", KEY)
    score(hq, info.id, "Ben", {**KEY, "greeting.prompt": "no"})
    reference = score(hq, info.id, "Rita Expert", KEY, reference=True)

    # two raters score offline, each on a laptop with its own database
    answers = {"Cleo": {**KEY, "greeting.rapport": 5}, "Dev": {**KEY, "follow_up.called": "yes"}}
    for name, given in answers.items():
        laptop = _laptop(tmp_path, name, kit)
        try:
            (there,) = calibration.list_sessions(laptop)
            assert there.id == info.id and there.agent_id == info.agent_id
            assert name in [r.name for r in there.raters]
            with pytest.raises(calibration.BlindError):  # blind offline too, until submitted
                calibration.results(laptop, info.id, viewer=name)
            score(laptop, info.id, name, given)
            back = tmp_path / f"{name}-back.json"
            export_package(laptop, back)
        finally:
            laptop.close()
        import_package(hq, back)

    result = calibration.results(hq, info.id, viewer=None)
    assert result.reference_name == "Rita Expert"
    assert result.session.reference_evaluation_id == reference
    assert sorted(r.name for r in result.raters) == ["Ann", "Ben", "Cleo", "Dev"]
    assert {r.level: r.raters for r in result.reliability} == {"nominal": 5, "interval": 5}
    by_path = {i.path: i for i in result.items}
    assert by_path["greeting.rapport"].agreement == Fraction(3, 4)
    assert by_path["follow_up.called"].agreement == Fraction(3, 4)
    assert by_path["greeting.prompt"].agreement == Fraction(3, 4)
    # the laptops' raters are the invited people, not new namesakes
    assert [p.name for p in people.list_people(hq)].count("Cleo") == 1
    (session,) = calibration.list_sessions(hq)
    assert all(r.invited and r.submitted for r in session.raters if r.name != "Rita Expert")

    # importing the same package again changes nothing
    before = checksum(hq)
    import_package(hq, tmp_path / "Dev-back.json")
    assert checksum(hq) == before


def test_reference_set_on_a_laptop_reaches_the_office(any_db: Database, tmp_path: Path) -> None:
    hq = any_db
    info, _agent = session_with_raters(hq)
    kit = tmp_path / "session.json"
    export_package(hq, kit)
    laptop = _laptop(tmp_path, "expert", kit)
    try:
        reference = score(laptop, info.id, "Rita Expert", KEY, reference=True)
        back = tmp_path / "expert-back.json"
        export_package(laptop, back)
    finally:
        laptop.close()
    import_package(hq, back)
    assert calibration.get_session(hq, info.id).reference_evaluation_id == reference


def test_restore_of_a_database_with_sessions(db: Database, tmp_path: Path) -> None:
    info, _agent = session_with_raters(db)
    score(db, info.id, "Rita Expert", KEY, reference=True)
    score(db, info.id, "Ann", KEY)
    full = tmp_path / "full.json"
    export_package(db, full, include_settings=True)
    import_package(db, full, replace=True)
    (session,) = calibration.list_sessions(db)
    assert session.reference_evaluation_id is not None
    assert len(session.raters) == 5


def test_a_kit_carries_the_session_and_nobodys_answers(any_db: Database, tmp_path: Path) -> None:
    hq = any_db
    info, _agent = session_with_raters(hq)
    score(hq, info.id, "Rita Expert", KEY, reference=True)
    score(hq, info.id, "Ann", {**KEY, "greeting.prompt": "no"})
    kit = tmp_path / "kit.json"
    summary = export_package(hq, kit, PackageFilter(calibration_kit=info.id))
    assert (summary.evaluations, summary.rubrics, summary.agents) == (0, 1, 1)
    sent = json.loads(kit.read_text(encoding="utf-8"))
    assert sent["evaluations"] == []
    assert [s["id"] for s in sent["calibration_sessions"]] == [info.id]
    laptop = _laptop(tmp_path, "Ben", kit)
    try:
        (there,) = calibration.list_sessions(laptop)
        assert there.submitted_count == 0  # nobody's answers came along
        score(laptop, info.id, "Ben", KEY)
        back = tmp_path / "Ben-back.json"
        export_package(laptop, back)
    finally:
        laptop.close()
    import_package(hq, back)
    result = calibration.results(hq, info.id, viewer=None)
    assert sorted(r.name for r in result.raters) == ["Ann", "Ben"]
    with pytest.raises(NotFoundError):
        export_package(hq, tmp_path / "x.json", PackageFilter(calibration_kit="nope"))
