"""The `shopper` command's paper cuts (issue 12), as a user meets them: a mistyped --db,
--db after the command, a folder where a file is expected, unknown agent and property names,
impossible dates, scorecards with nothing to print, --workers 0, and help for everything."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shopper.cli import build_parser, main
from shopper.paths import ROOT


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """The command in this process: (exit code, stdout, stderr); usage errors exit 2."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exited:
        code = int(exited.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def init(capsys: pytest.CaptureFixture[str], target: str | Path) -> None:
    assert run(capsys, "--db", target, "init")[0] == 0


def add_people(target: str) -> None:
    """Two properties; Maria Lopez works at Maple Court, Ken Ito (inactive) at Birch Hall."""
    from shopper.services import agents, properties
    from shopper.storage.db import open_database

    db = open_database(target)
    try:
        maple = properties.create_property(db, "Maple Court", "12 Main St")
        birch = properties.create_property(db, "Birch Hall")
        agents.create_agent(db, "Maria Lopez", maple.id)
        ken = agents.create_agent(db, "Ken Ito", birch.id)
        agents.update_agent(db, ken.id, active=False)
    finally:
        db.close()


def files_under(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


# --- a mistyped --db -------------------------------------------------------------------


def test_a_mistyped_db_is_refused_and_not_created(tmp_path: Path) -> None:
    """The issue's own example, as a subprocess in the user's folder."""
    result = subprocess.run(
        [sys.executable, "-m", "shopper", "--db", "nope-typo.db", "evaluations", "list"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"shopper: error: no database at {tmp_path.resolve() / 'nope-typo.db'}; check --db, "
        "or create it with `shopper --db nope-typo.db init`\n"
    )
    assert list(tmp_path.iterdir()) == []


COMMANDS_NEEDING_A_DATABASE = [
    ("evaluations", "list"),
    ("rubric", "list"),
    ("rubric", "export", "leasing-tour", "{out}/r.json"),
    ("rubric", "import", str(ROOT / "resources/rubrics/leasing-tour.json")),
    ("agents", "list"),
    ("properties", "list"),
    ("import", "{out}/package.json"),
    ("export", "{out}/package.json"),
    ("export-csv", "{out}/e.csv"),
    ("backup", "{out}/b.db"),
    ("scorecards", "{out}/cards"),
    ("scorecards", "--combined", "{out}/all.pdf"),
    ("shop-report", "0000", "{out}/shop.pdf"),
]


@pytest.mark.parametrize("command", COMMANDS_NEEDING_A_DATABASE, ids=" ".join)
def test_every_command_but_init_refuses_a_missing_database_file(
    command: tuple[str, ...], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "typo.db"
    args = [a.format(out=tmp_path) for a in command]
    code, out, err = run(capsys, "--db", missing, *args)
    assert (code, out) == (1, "")
    assert err.startswith(f"shopper: error: no database at {missing}; check --db")
    assert err.count("\n") == 1
    assert files_under(tmp_path) == set()


def test_a_missing_file_named_by_the_environment_or_a_sqlite_url_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "typo.db"
    code, _, err = run(capsys, "--db", f"sqlite:///{missing}", "rubric", "list")
    assert code == 1 and f"no database at {missing}; check --db" in err
    monkeypatch.setenv("SHOPPER_DB", str(missing))
    code, _, err = run(capsys, "evaluations", "list")
    assert code == 1
    assert err == (
        f"shopper: error: no database at {missing}; check SHOPPER_DB, or create it with "
        "`shopper init`\n"
    )
    assert not missing.exists()
    init(capsys, missing)  # `shopper init` with SHOPPER_DB set creates it, as the message says
    assert run(capsys, "evaluations", "list")[:2] == (0, "No evaluations match.\n")


def test_init_demo_data_and_restore_may_create_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--db", tmp_path / "new.db", "init")
    assert code == 0 and out.startswith("Database ready:") and (tmp_path / "new.db").exists()
    code, out, err = run(
        capsys, "--db", tmp_path / "demo.db", "demo-data", "--properties", "1", "--agents", "2",
        "--evaluations", "3", "--end-date", "2026-06-01",
    )  # fmt: skip
    assert code == 0, err
    assert f"to {tmp_path / 'demo.db'}" in out
    assert run(capsys, "--db", tmp_path / "demo.db", "backup", tmp_path / "backup.db")[0] == 0
    code, out, err = run(
        capsys, "--db", tmp_path / "restored.db", "restore", tmp_path / "backup.db"
    )
    assert code == 0, err
    listed = run(capsys, "--db", tmp_path / "restored.db", "evaluations", "list", "--json")
    assert len(json.loads(listed[1])) == 3


def test_the_default_database_is_still_created_on_first_use(
    isolated_user_folders: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No --db and no $SHOPPER_DB: the database in the user data folder, as the app does."""
    default = isolated_user_folders / "data" / "Shopper" / "shopper.db"
    assert not default.exists()
    code, out, _ = run(capsys, "rubric", "list", "--json")
    assert code == 0 and json.loads(out)[0]["key"] == "leasing-tour"
    assert default.exists()


# --- --db after the command ------------------------------------------------------------


def test_db_may_come_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    code, out, err = run(capsys, "init", "--db", first)
    assert (code, err) == (0, "") and out.startswith(f"Database ready: {first}")
    assert run(capsys, "rubric", "list", "--json", "--db", first)[0] == 0
    assert run(capsys, "rubric", "--db", first, "list")[0] == 0
    assert run(capsys, "evaluations", "list", "--db", first)[:2] == (0, "No evaluations match.\n")
    # Given twice, the one after the command wins; given before only, it is kept.
    code, out, _ = run(capsys, "--db", second, "init", "--db", first)
    assert code == 0 and str(first) in out and not second.exists()
    code, out, _ = run(capsys, "--db", first, "evaluations", "list")
    assert code == 0


def test_db_after_the_command_on_postgresql(
    db_target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "init", "--db", db_target)[0] == 0
    code, out, _ = run(capsys, "properties", "list", "--json", "--db", db_target)
    assert (code, json.loads(out)) == (0, [])


# --- a folder where a file is expected -------------------------------------------------


@pytest.mark.parametrize(
    ("command", "example"),
    [
        (("export", "{folder}"), "package.json"),
        (("export-csv", "{folder}"), "evaluations.csv"),
        (("backup", "{folder}"), "shopper-backup.db"),
        (("rubric", "export", "leasing-tour", "{folder}"), "leasing-tour.json"),
        (("scorecards", "--combined", "{folder}"), "scorecards.pdf"),
        (("shop-report", "0000", "{folder}"), "shop.pdf"),
    ],
    ids=lambda v: v[0] if isinstance(v, tuple) else "",
)
def test_a_folder_for_an_output_file_says_so(
    command: tuple[str, ...], example: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "s.db"
    init(capsys, db)
    folder = tmp_path / "out"
    folder.mkdir()
    code, out, err = run(capsys, "--db", db, *(a.format(folder=folder) for a in command))
    assert (code, out) == (1, "")
    assert err == (
        f"shopper: error: {folder} is a folder; give a file name such as {folder / example}\n"
    )
    assert list(folder.iterdir()) == []


# --- agents and properties --------------------------------------------------------------


def test_agents_and_properties_are_listed(
    db_target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, db_target)
    assert run(capsys, "--db", db_target, "properties", "list")[1].startswith("No properties yet")
    assert run(capsys, "--db", db_target, "agents", "list")[1].startswith("No agents yet")
    assert run(capsys, "--db", db_target, "agents", "list", "--json")[1].strip() == "[]"
    add_people(db_target)

    code, out, _ = run(capsys, "--db", db_target, "properties", "list", "--json")
    assert code == 0
    assert [(p["name"], p["address"], p["agents"], p["evaluations"]) for p in json.loads(out)] == [
        ("Birch Hall", None, 1, 0),
        ("Maple Court", "12 Main St", 1, 0),
    ]
    code, out, _ = run(capsys, "--db", db_target, "properties", "list")
    assert "Maple Court" in out and "12 Main St" in out and out.endswith("2 properties\n")

    code, out, _ = run(capsys, "--db", db_target, "agents", "list", "--json")
    assert [(a["name"], a["property"], a["active"]) for a in json.loads(out)] == [
        ("Ken Ito", "Birch Hall", False),
        ("Maria Lopez", "Maple Court", True),
    ]
    code, out, _ = run(capsys, "--db", db_target, "agents", "list")
    assert "Ken Ito" in out and "(inactive)" in out and out.endswith("2 agent(s)\n")
    code, out, _ = run(capsys, "--db", db_target, "agents", "list", "--active", "--json")
    assert [a["name"] for a in json.loads(out)] == ["Maria Lopez"]
    code, out, _ = run(
        capsys, "--db", db_target, "agents", "list", "--property", "  birch   HALL ", "--json"
    )
    assert [a["name"] for a in json.loads(out)] == ["Ken Ito"]
    code, out, err = run(capsys, "--db", db_target, "agents", "list", "--property", "Elm")
    assert (code, out) == (1, "")
    assert err == (
        "shopper: error: there is no property called 'Elm'; see `shopper properties list`\n"
    )


@pytest.fixture
def people_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Path]:
    db = tmp_path / "s.db"
    init(capsys, db)
    add_people(str(db))
    yield db


AGENTS = "see `shopper agents list`"
PROPERTIES = "see `shopper properties list`"


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            ("evaluations", "list", "--agent", "Nobody Here"),
            f"agent called 'Nobody Here'; {AGENTS}",
        ),
        (("evaluations", "list", "--property", "Elm"), f"property called 'Elm'; {PROPERTIES}"),
        (
            ("evaluations", "list", "--property", "Birch Hall", "--agent", "Maria Lopez"),
            "agent called 'Maria Lopez' at 'Birch Hall'; see `shopper agents list --property "
            "'Birch Hall'`",
        ),
        (("export", "{tmp}/p.json", "--property", "Elm"), f"property called 'Elm'; {PROPERTIES}"),
        (("export-csv", "{tmp}/e.csv", "--agent", "Nobody"), f"agent called 'Nobody'; {AGENTS}"),
        (
            ("export-csv", "{tmp}/e.csv", "--property", "Elm"),
            f"property called 'Elm'; {PROPERTIES}",
        ),
        (("scorecards", "{tmp}/cards", "--agent", "Nobody"), f"agent called 'Nobody'; {AGENTS}"),
        (
            ("scorecards", "{tmp}/cards", "--property", "Elm"),
            f"property called 'Elm'; {PROPERTIES}",
        ),
    ],
    ids=lambda v: " ".join(v[:3]) if isinstance(v, tuple) else "",
)
def test_unknown_names_exit_1_and_say_where_to_look(
    command: tuple[str, ...],
    message: str,
    people_db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = files_under(tmp_path)
    code, out, err = run(capsys, "--db", people_db, *(a.format(tmp=tmp_path) for a in command))
    assert (code, out) == (1, "")
    assert err == f"shopper: error: there is no {message}\n"
    assert files_under(tmp_path) == before


def test_known_names_match_in_any_case_and_spacing(
    people_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "--db", people_db, "evaluations", "list", "--agent", " maria  LOPEZ",
        "--property", "maple court",
    )  # fmt: skip
    assert (code, out, err) == (0, "No evaluations match.\n", "")


# --- dates, numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-02-30", "2026-02-30 is not a real date (February has 28 days in 2026)"),
        ("2028-02-30", "2028-02-30 is not a real date (February has 29 days in 2028)"),
        ("2026-04-31", "2026-04-31 is not a real date (April has 30 days in 2026)"),
        ("2026-13-01", "2026-13-01 is not a real date (there is no month 13"),
        ("2026-11-00", "2026-11-00 is not a real date (days start at 01)"),
        ("next tuesday", "'next tuesday' is not a date like 2026-11-20"),
    ],
)
def test_impossible_dates_say_why(
    text: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "evaluations", "list", "--from", text)
    assert code == 2
    assert f"argument --from: {message}" in err


def test_a_leap_day_is_a_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init(capsys, tmp_path / "s.db")
    code, _, err = run(
        capsys, "--db", tmp_path / "s.db", "evaluations", "list", "--from", "2028-02-29"
    )
    assert (code, err) == (0, "")


@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_workers_must_be_one_or_more(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "--db", tmp_path / "s.db", "scorecards", tmp_path, "--workers", value
    )
    assert code == 2 and "argument --workers:" in err
    assert list(tmp_path.iterdir()) == []


def test_demo_counts_cannot_be_negative(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", tmp_path / "s.db", "demo-data", "--agents", "-1")
    assert code == 2 and "argument --agents: -1 is negative; give 0 or more" in err
    assert not (tmp_path / "s.db").exists()


# --- scorecards with nothing to print --------------------------------------------------


def test_scorecards_with_nothing_to_print_write_nothing(
    db_target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init(capsys, db_target)
    add_people(db_target)  # agents, but no submitted shop
    folder = tmp_path / "cards" / "q1"
    expected = (
        "shopper: error: no agent has a submitted shop visited in this period; nothing was "
        "written (see `shopper evaluations list --status submitted`)\n"
    )
    code, out, err = run(capsys, "--db", db_target, "scorecards", folder, "--from", "2026-01-01")
    assert (code, out, err) == (1, "", expected)
    assert not (tmp_path / "cards").exists()
    combined = tmp_path / "all.pdf"
    code, out, err = run(capsys, "--db", db_target, "scorecards", "--combined", combined)
    assert (code, out, err) == (1, "", expected)
    assert not combined.exists()


# --- help for everything ---------------------------------------------------------------


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ("shopper",)
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, (*path, name))


def test_every_command_and_option_is_described() -> None:
    """Walk the whole argparse tree: each parser has a description, each subcommand a one-line
    help (shown in its parent's list), each argument a help text."""
    found = list(_parsers(build_parser()))
    assert len(found) >= 20
    names = {" ".join(path) for path, _ in found}
    assert {"shopper agents list", "shopper properties list", "shopper rubric export"} <= names
    for path, parser in found:
        where = " ".join(path)
        assert parser.description and parser.description.strip(), f"{where}: no description"
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                listed = {choice.dest: choice.help for choice in action._choices_actions}
                assert set(listed) == set(action.choices), where
                missing = [name for name, text in listed.items() if not text]
                assert not missing, f"{where}: subcommands without help: {missing}"
            else:
                assert action.help, f"{where}: {action.dest} has no help"


def test_every_command_accepts_db_after_it() -> None:
    for path, parser in _parsers(build_parser()):
        assert any("--db" in a.option_strings for a in parser._actions), " ".join(path)


def test_shop_report_help_says_where_ids_come_from() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "shopper", "shop-report", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0
    assert "shopper evaluations list" in " ".join(result.stdout.split())


# --- documents -------------------------------------------------------------------------


def test_the_readme_links_only_to_files_in_the_repository() -> None:
    """The scoring rules and formats are documents of the project (docs/), not of a folder
    beside the clone."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme
    targets = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", readme)
    assert "docs/SCORING.md" in targets and "docs/FORMATS.md" in targets
    for target in targets:
        assert (ROOT / target).exists(), target
    from shopper import limits

    formats = (ROOT / "docs/FORMATS.md").read_text(encoding="utf-8")
    for figure in (
        f"| {limits.MAX_COMMENT_CHARS:,} characters |",
        f"| {limits.MAX_NOTE_CHARS:,} characters |",
        f"| {limits.MAX_NAME_CHARS:,} characters |",
        f"| {limits.MAX_STRING_CHARS:,} characters |",
        f"| {limits.MAX_JSON_DEPTH} levels deep |",
        f"| {limits.MAX_FILE_BYTES // 1024**3} GiB |",
        "**Duplicate keys**",
    ):
        assert figure in formats, figure
