"""The exchange commands as a user types them, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import pytest

from shopper.cli import main
from tests.shopper.exchange.conftest import load
from tests.shopper.exchange.test_bad_input import handmade_package, write


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def init(capsys: pytest.CaptureFixture[str], target: str | Path) -> None:
    """Create the database first: commands other than init refuse a SQLite file that does
    not exist (a mistyped --db must not become a new, empty database)."""
    assert main(["--db", str(target), "init"]) == 0
    capsys.readouterr()


def test_round_trip_through_the_commands(
    db_target: str, package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, db_target)
    code, out, err = run(capsys, "--db", db_target, "import", package)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "Imported package.json:"
    assert "evaluations       40 added       0 updated       0 unchanged" in out

    code, out, _ = run(capsys, "--db", db_target, "import", package)
    assert "evaluations        0 added       0 updated      40 unchanged" in out

    again = tmp_path / "again.json"
    code, out, _ = run(capsys, "--db", db_target, "export", again)
    assert code == 0
    assert out.strip() == (
        f"Wrote 40 evaluation(s), 6 agent(s), 3 properties and 1 rubric version(s) to {again}"
    )
    assert load(again)["evaluations"] == load(package)["evaluations"]

    drafts = tmp_path / "drafts.json"
    run(capsys, "--db", db_target, "export", drafts, "--status", "draft", "--since", "2020-01-01")
    assert {e["status"] for e in load(drafts)["evaluations"]} == {"draft"}

    out_csv = tmp_path / "out.csv"
    code, out, _ = run(capsys, "--db", db_target, "export-csv", out_csv, "--to", "2026-12-31")
    assert out.strip() == f"Wrote 40 evaluation(s) to {out_csv}"
    rows = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 41 and rows[0][0] == "evaluation_id"


def test_import_tells_packages_and_rubric_files_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    init(capsys, db)
    rubric = write(tmp_path / "rubric.json", handmade_package()["rubrics"][0])
    package = write(tmp_path / "package.json", handmade_package())
    code, out, err = run(capsys, "--db", db, "import", rubric, package, rubric)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "rubric.json: Added Test Tour (test-tour v1)"
    assert lines[1] == "Imported package.json:"
    assert lines[-1] == "rubric.json: Test Tour (test-tour v1) is already stored; unchanged"


def test_the_first_bad_file_stops_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "x.db"
    init(capsys, db)
    good = write(tmp_path / "good.json", handmade_package())
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "shopper-package", "format_version": 7}', encoding="utf-8")
    code, out, err = run(capsys, "--db", db, "import", good, bad, good)
    assert code == 1
    assert out.count("Imported good.json") == 1
    assert err == (
        f"shopper: error: {bad}: format_version: format version 7 is newer than this app "
        "reads (2); update Shopper to open it\n"
    )


def test_backup_and_restore_commands(
    db_target: str, package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, db_target)
    run(capsys, "--db", db_target, "import", package)
    out_file = tmp_path / ("backup.db" if "://" not in db_target else "backup.json")
    code, out, _ = run(capsys, "--db", db_target, "backup", out_file)
    assert code == 0 and out.startswith("Backed up ")

    code, _, err = run(capsys, "--db", db_target, "restore", out_file)
    assert code == 1
    assert err == (
        "shopper: error: the database already has 40 evaluation(s); use --force to replace them\n"
    )
    code, out, err = run(capsys, "--db", db_target, "restore", out_file, "--force")
    assert (code, err) == (0, "")
    assert "40 evaluation(s), 6 agent(s), 3 properties" in out

    empty = tmp_path / "empty.db"
    code, out, _ = run(capsys, "--db", empty, "restore", out_file)
    assert code == 0 and "40 evaluation(s)" in out


def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "x.db"
    init(capsys, db)
    code, _, err = run(capsys, "--db", db, "export", tmp_path / "p.json", "--property", "Nope")
    assert (
        code == 1
        and err
        == "shopper: error: there is no property called 'Nope'; see `shopper properties list`\n"
    )
    code, _, err = run(capsys, "--db", db, "export", tmp_path / "missing" / "p.json")
    assert code == 1 and "does not exist" in err and err.count("\n") == 1
    with pytest.raises(SystemExit) as exited:
        main(["--db", str(db), "export", str(tmp_path / "p.json"), "--since", "2026-02-30"])
    assert exited.value.code == 2
    assert "2026-02-30 is not a real date (February has 28 days in 2026)" in (
        capsys.readouterr().err
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_only_on_a_terminal(
    package: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    init(capsys, tmp_path / "a.db")
    init(capsys, tmp_path / "b.db")
    code, _, err = run(capsys, "--db", tmp_path / "a.db", "import", package)
    assert code == 0 and err == ""  # not a terminal: no bar

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["--db", str(tmp_path / "b.db"), "import", str(package)]) == 0
    drawn = terminal.getvalue()
    assert "Checking package.json (MB) [" in drawn
    assert "Importing package.json [##############################] 40/40" in drawn
    assert drawn.endswith("\n")
