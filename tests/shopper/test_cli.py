"""The `shopper` command as a user runs it: real subprocesses, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shopper.paths import ROOT


def shopper(
    *args: str, db: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "shopper"]
    if db is not None:
        command += ["--db", db]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_init_demo_data_and_list_json(db_target: str) -> None:
    assert shopper("init", db=db_target).returncode == 0
    made = shopper("demo-data", "--evaluations", "120", "--agents", "12", db=db_target)
    assert made.returncode == 0, made.stderr
    listed = shopper("evaluations", "list", "--json", db=db_target)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 120
    assert {"draft", "submitted"} <= {r["status"] for r in rows}
    assert [r["visited_on"] for r in rows] == sorted(r["visited_on"] for r in rows)
    scored = [r for r in rows if r["overall_pct"] is not None]
    assert scored and all(0 <= r["overall_pct"] <= 100 for r in scored)
    one = rows[0]
    filtered = json.loads(
        shopper(
            "evaluations", "list", "--json", "--agent", one["agent"].upper(), db=db_target
        ).stdout
    )
    assert filtered and {r["agent"] for r in filtered} == {one["agent"]}


def test_rubric_import_export_list(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    out = tmp_path / "rubric.json"
    assert shopper("init", db=db).returncode == 0
    assert shopper("rubric", "export", "leasing-tour", str(out), db=db).returncode == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    # A new database holds the bundled default only (version 2, with key questions).
    assert data["format"] == "shopper-rubric" and data["version"] == 2
    again = shopper("rubric", "import", str(out), db=db)
    assert "already stored; unchanged" in again.stdout
    data["sections"][0]["items"][1]["points"] = 3
    out.write_text(json.dumps(data), encoding="utf-8")
    changed = shopper("rubric", "import", str(out), db=db)
    assert "saved as v3" in changed.stdout, changed.stdout + changed.stderr
    listed = json.loads(shopper("rubric", "list", "--json", db=db).stdout)
    assert [(r["key"], r["version"]) for r in listed] == [("leasing-tour", 2), ("leasing-tour", 3)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--db", "mysql://x@y/z", "rubric", "list"), "'mysql' databases are not supported"),
        (("--db", "/no/such/folder/s.db", "init"), "/no/such/folder does not exist"),
        (("rubric", "import", "/no/such/rubric.json"), "/no/such/rubric.json: no such file"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(args: tuple[str, ...], message: str) -> None:
    result = shopper(*args)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert message in result.stderr


def test_malformed_rubric_is_one_line_with_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    data = json.loads((ROOT / "resources/rubrics/leasing-tour.json").read_text(encoding="utf-8"))
    data["sections"][1]["items"][3]["max"] = 12
    bad.write_text(json.dumps(data), encoding="utf-8")
    result = shopper("rubric", "import", str(bad), db=str(tmp_path / "s.db"))
    assert result.returncode == 1
    assert result.stderr == (
        f"shopper: error: {bad}: sections[1].items[3].max: 12 is greater than the maximum of 10\n"
    )


def test_usage_errors_exit_2() -> None:
    assert shopper("no-such-command").returncode == 2
    assert shopper("evaluations", "list", "--from", "2026-02-30").returncode == 2


def test_every_command_has_help() -> None:
    for args in (
        (),
        ("init",),
        ("rubric",),
        ("rubric", "import"),
        ("rubric", "export"),
        ("rubric", "list"),
        ("evaluations", "list"),
        ("agents", "list"),
        ("properties", "list"),
        ("demo-data",),
    ):
        result = shopper(*args, "--help")
        assert result.returncode == 0 and "usage: shopper" in result.stdout


def test_help_imports_no_qt_database_or_pdf_library() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['shopper', '--help']\n"
        "try:\n    runpy.run_module('shopper', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'sqlalchemy', 'reportlab', 'alembic', 'jsonschema')]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert "HEAVY []" in result.stderr


def test_environment_variable_selects_the_database(tmp_path: Path) -> None:
    target = tmp_path / "from-env.db"
    result = shopper("init", env={"SHOPPER_DB": str(target)})
    assert result.returncode == 0 and target.exists()


@pytest.mark.postgres
def test_first_commands_on_a_new_shared_database_at_once(pg_url: str) -> None:
    """Four people run their first command on an empty shared database at the same moment:
    each gets the default rubric, stored once."""
    command = [sys.executable, "-m", "shopper", "--db", pg_url, "rubric", "list", "--json"]
    runs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0, 0], [err for _out, err in outputs]
    final = json.loads(shopper("rubric", "list", "--json", db=pg_url).stdout)
    assert [(r["key"], r["version"]) for r in final] == [("leasing-tour", 2)]
