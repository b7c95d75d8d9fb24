"""Erasure and retention: after `agents erase` the name appears nowhere in the database, its
files, a CSV export or the PDFs; `purge --dry-run` changes nothing, `purge` deletes old
shops with their history in one transaction, backed up first, and both are recorded."""

from __future__ import annotations

import datetime as dt
import subprocess
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import exc, inspect, text

from shopper.cli import main
from shopper.rubric import parse_rubric
from shopper.services import (
    agents,
    calibration,
    disputes,
    evaluations,
    history,
    privacy,
    properties,
    review,
)
from shopper.services import rubrics as rubric_service
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database, open_database
from tests.shopper.rubric_factory import rubric_dict

OLD_DAY = dt.date(2023, 3, 1)
NEW_DAY = dt.date(2026, 11, 20)
NAME = "Ana Lucía Pérez"
FORBIDDEN = ("Lucía", "Lucia", "Pérez", "Perez", "Ana ")


def _answers(comment: str | None) -> dict[str, AnswerData]:
    return {
        "greeting.prompt": AnswerData("yes"),
        "greeting.rapport": AnswerData(4, comment),
        "greeting.booking": AnswerData("Shopper asked"),
        "follow_up.called": AnswerData("no"),
        "fair.no_steering": AnswerData("yes"),
        "cx.likely": AnswerData(4),
    }


def _world(db: Database) -> dict[str, str]:
    info = rubric_service.save_rubric(db, parse_rubric(rubric_dict())).info
    prop = properties.create_property(db, "Maple Court")
    ana = agents.create_agent(db, NAME, prop.id)
    bo = agents.create_agent(db, "Bo Chen", prop.id)
    ids = {"ana": ana.id, "bo": bo.id, "rubric": str(info.id)}
    ids["shop_ana"] = evaluations.create(
        db,
        rubric_id=info.id,
        agent_id=ana.id,
        visited_on=NEW_DAY,
        answers=_answers("Ana Lucía was warm and knew every unit"),
        notes="Met Ana at the door",
        status="submitted",
        actor="Sam",
        shopper="Sam",
    ).id
    ids["shop_bo"] = evaluations.create(
        db,
        rubric_id=info.id,
        agent_id=bo.id,
        visited_on=NEW_DAY,
        answers=_answers("Bo said Pérez usually does tours"),
        status="submitted",
        actor="Sam",
        shopper="Sam",
    ).id
    ids["old"] = evaluations.create(
        db,
        rubric_id=info.id,
        agent_id=bo.id,
        visited_on=OLD_DAY,
        answers=_answers("Old tour"),
        status="submitted",
        actor="Sam",
        shopper="Sam",
    ).id
    # The history quotes comments and reasons naming her.
    review.exclude(db, ids["shop_ana"], actor="Rita", reason="Ana Lucía was covering that day")
    review.include(db, ids["shop_ana"], actor="Rita", reason="she was not")
    review.release(db, ids["shop_ana"], actor="Rita")
    disputes.open_dispute(
        db,
        ids["shop_ana"],
        [disputes.ProposedItem("greeting.prompt", "no", "Ms Pérez kept us waiting")],
        actor="Tara",
    )
    calibration.create_session(
        db,
        title="Ana Lucía's tour of May",
        rubric_id=info.id,
        recording="tours/ana-lucia-perez.mp4",
        notes="Pérez was nervous",
        agent_id=ana.id,
    )
    return ids


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().casefold()


def _dump(db: Database) -> str:
    """Every value of every table, as text."""
    out: list[str] = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                out.extend(str(v) for v in row)
    return "\n".join(out)


def _assert_nameless(content: str, where: str) -> None:
    folded = _fold(content)
    for word in ("lucia", "perez"):
        assert word not in folded, f"{word!r} still in {where}"
    assert "ana " not in folded and "ana\n" not in folded, where


def test_erasure_leaves_the_name_nowhere(db_target: str, tmp_path: Path) -> None:
    db = open_database(db_target)
    try:
        ids = _world(db)
        events_before = {
            s: len(history.timeline(db, ids[s])) for s in ("shop_ana", "shop_bo", "old")
        }
        plan = privacy.erasure_plan(db, "ana lucia perez")
        assert plan.agent_ids == (ids["ana"],)
        shown = "\n".join(t.text for t in plan.texts)
        assert "knew every unit" in shown and "Pérez usually" in shown
        assert "Met Ana at the door" in shown and "covering that day" in shown
        assert "kept us waiting" in shown
        done = privacy.erase_agent(db, NAME, actor="Admin")
        pseudonym = privacy.pseudonym(ids["ana"])
        assert done.pseudonyms == (pseudonym,)
        dump = _dump(db)
        _assert_nameless(dump, "the database")
        assert pseudonym in dump
        # Nothing else was lost: every history event is still there.
        assert {
            s: len(history.timeline(db, ids[s])) for s in ("shop_ana", "shop_bo", "old")
        } == events_before
        assert evaluations.get(db, ids["shop_bo"]).answers["greeting.rapport"].value == 4
        with db.engine.connect() as conn:
            event = conn.execute(text("SELECT action, detail FROM admin_events")).one()
        assert event[0] == "erase_agent" and ids["ana"] in event[1]
        # The history guard is back.
        with pytest.raises(exc.DBAPIError), db.engine.begin() as conn:
            conn.execute(text("UPDATE history_events SET reason = 'x'"))
        target = db.describe()
        path = db.path
    finally:
        db.close()
    if path is not None:  # the file itself: no old text in free pages or the log
        for name in (path, Path(f"{path}-wal")):
            if name.exists():
                raw = name.read_bytes()
                for word in ("Lucía", "Pérez"):
                    assert word.encode() not in raw, f"{word} in {name}"
    csv_path = tmp_path / "shops.csv"
    assert main(["--db", target, "export-csv", str(csv_path)]) == 0
    _assert_nameless(csv_path.read_text(encoding="utf-8"), "the CSV")
    assert pseudonym in csv_path.read_text(encoding="utf-8")
    shop_pdf = tmp_path / "shop.pdf"
    assert main(["--db", target, "shop-report", ids["shop_ana"], str(shop_pdf)]) == 0
    cards = tmp_path / "cards"
    assert main(["--db", target, "scorecards", str(cards)]) == 0
    pdfs = [shop_pdf, *sorted(cards.glob("*.pdf"))]
    assert len(pdfs) >= 2
    for pdf in pdfs:
        assert "Lucía" not in pdf.name and "Perez" not in pdf.name
        content = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        _assert_nameless(content, pdf.name)


def _checksum(db: Database) -> str:
    return _dump(db)


def test_purge_dry_run_changes_nothing_and_purge_deletes_old_shops(db_target: str) -> None:
    db = open_database(db_target)
    try:
        ids = _world(db)
        before = _checksum(db)
        plan = privacy.purge_plan(db, dt.date(2024, 1, 1))
        assert (plan.shops, plan.history_events) == (1, 1)
        assert _checksum(db) == before
        assert main(["--db", db_target, "purge", "--before", "2024-01-01", "--dry-run"]) == 0
        assert _checksum(db) == before
        done = privacy.purge(db, dt.date(2024, 1, 1), actor="Admin")
        assert done.shops == 1
        if db.path is not None:
            assert done.backup is not None and Path(done.backup).is_file()
        with db.engine.connect() as conn:
            shops = {r[0] for r in conn.execute(text("SELECT id FROM evaluations"))}
            old_events = conn.execute(
                text("SELECT count(*) FROM history_events WHERE evaluation_id = :i"),
                {"i": ids["old"]},
            ).scalar_one()
            event = conn.execute(text("SELECT action, detail FROM admin_events")).one()
        assert shops == {ids["shop_ana"], ids["shop_bo"]}
        assert old_events == 0
        assert event[0] == "purge" and "1 shop(s)" in event[1]
        with pytest.raises(exc.DBAPIError), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM history_events"))
    finally:
        db.close()


def test_retention_setting_gives_purge_its_date(db: Database) -> None:
    with pytest.raises(Exception, match="no retention period"):
        privacy.retention_cutoff(db)
    privacy.set_retention_months(db, 24)
    assert privacy.retention_cutoff(db, dt.date(2026, 11, 28)) == dt.date(2024, 11, 28)
    assert privacy.retention_cutoff(db, dt.date(2026, 3, 31)) == dt.date(2024, 3, 31)
