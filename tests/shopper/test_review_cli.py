"""`shopper review`, `disputes`, `history` and `people` as a user types them: the same rules
as the app, one-line errors, JSON where they list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shopper.services import evaluations
from shopper.storage.db import open_database
from tests.shopper.test_cli_paper_cuts import run
from tests.shopper.test_review import DAY, full_answers, make_setup


def _shops(target: str, n: int = 2) -> list[str]:
    db = open_database(target)
    try:
        _, rubric_id, agent_id = make_setup(db)
        return [
            evaluations.create(
                db,
                rubric_id=rubric_id,
                agent_id=agent_id,
                visited_on=DAY,
                answers=full_answers(),
                status="submitted",
                actor="Sam Lee",
                shopper="Sam Lee",
            ).id
            for _ in range(n)
        ]
    finally:
        db.close()


def test_review_dispute_and_history_from_the_command_line(
    db_target: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SHOPPER_PERSON", raising=False)
    first, second = _shops(db_target)
    db = ("--db", db_target)
    assert run(capsys, *db, "people", "add", "Rita Ortiz", "--role", "reviewer")[0] == 0
    assert run(capsys, *db, "people", "add", "Tom Baker", "--role", "trainer")[0] == 0
    code, out, _ = run(capsys, *db, "people", "list", "--json")
    assert code == 0
    assert {p["name"]: p["roles"] for p in json.loads(out)} == {
        "Rita Ortiz": ["reviewer"],
        "Sam Lee": [],
        "Tom Baker": ["trainer"],
    }

    code, out, _ = run(capsys, *db, "review", "list", "--json")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [first, second]
    assert json.loads(out)[0]["shopper"] == "Sam Lee"

    code, out, err = run(capsys, *db, "review", "release", first)
    assert code == 1 and err.count("\n") == 1 and "say who you are with --by" in err
    code, _, err = run(capsys, *db, "review", "return", first, "--by", "Rita")
    assert code == 2 and "--reason" in err  # argparse: the reason is required
    code, _, err = run(capsys, *db, "review", "release", first, "--by", "Rita")  # a typo
    assert code == 1 and err.strip() == (
        "shopper: error: there is no person called 'Rita'; see `shopper people list`, or add "
        "them with `shopper people add NAME --role ROLE`"
    )
    code, out, err = run(
        capsys, *db, "review", "release", first, second[:8], "nope", "--by", "rita ortiz"
    )
    assert code == 1
    assert out.splitlines() == [f"{first}: released", f"{second}: released"]
    assert err.strip() == "shopper: error: nope: evaluation nope does not exist; see " + (
        "`shopper evaluations list`"
    )
    code, out, _ = run(capsys, *db, "evaluations", "list", "--status", "released", "--json")
    assert code == 0 and len(json.loads(out)) == 2

    monkeypatch.setenv("SHOPPER_PERSON", "Tom Baker")
    code, out, err = run(
        capsys,
        *db,
        "disputes",
        "open",
        first,
        "--item",
        "greeting.rapport",
        "5",
        "Very warm on the recording",
    )
    assert code == 0, err
    dispute_id = out.split()[1]
    code, out, _ = run(capsys, *db, "disputes", "list", "--json")
    (listed,) = json.loads(out)
    assert listed["items"][0]["proposed"] == 5 and listed["items"][0]["original"] == 4
    code, out, err = run(
        capsys,
        *db,
        "disputes",
        "resolve",
        dispute_id,
        "greeting.rapport",
        "amended",
        "--answer",
        "9",
        "--reason",
        "x",
        "--by",
        "Rita Ortiz",
    )
    assert code == 1 and "above the scale maximum 5" in err and err.count("\n") == 1
    code, out, err = run(
        capsys,
        *db,
        "disputes",
        "resolve",
        dispute_id,
        "greeting.rapport",
        "accepted",
        "--reason",
        "Recording agrees",
        "--by",
        "Rita Ortiz",
    )
    assert code == 0 and "closed" in out
    code, out, err = run(
        capsys,
        *db,
        "disputes",
        "resolve",
        dispute_id,
        "greeting.rapport",
        "upheld",
        "--reason",
        "again",
        "--by",
        "Rita Ortiz",
    )
    assert code == 1 and "a closed dispute cannot be reopened" in err

    code, out, _ = run(capsys, *db, "history", first, "--json")
    assert code == 0
    assert [(e["action"], e["by"], e["reason"]) for e in json.loads(out)] == [
        ("submit", "Sam Lee", None),
        ("release", "Rita Ortiz", None),
        ("dispute_open", "Tom Baker", "Very warm on the recording"),
        ("dispute_accepted", "Rita Ortiz", "Recording agrees"),
        ("dispute_closed", "Rita Ortiz", None),
    ]
    code, out, _ = run(capsys, *db, "history", first)
    assert code == 0 and "greeting.rapport: 4 → 5 — Recording agrees" in out

    code, out, _ = run(capsys, *db, "review", "exclude", second, "--reason", "Test shop")
    assert code == 0 and out.strip() == f"{second}: released, excluded"
    code, out, _ = run(capsys, *db, "evaluations", "list", "--counted", "--json")
    assert [r["id"] for r in json.loads(out)] == [first]
    code, out, _ = run(capsys, *db, "disputes", "stats", "--json")
    stats = json.loads(out)
    assert (stats["disputes"], stats["released_shops"], stats["items_changed"]) == (1, 2, 1)


def test_history_of_an_unknown_shop_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = str(tmp_path / "s.db")
    _shops(target, 1)
    code, _, err = run(capsys, "--db", target, "history", "0000")
    assert code == 1 and err.strip() == (
        "shopper: error: evaluation 0000 does not exist; see `shopper evaluations list`"
    )


def test_review_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = str(tmp_path / "s.db")
    (shop,) = _shops(target, 1)
    code, out, _ = run(capsys, "--db", target, "review", "settings")
    assert code == 0 and out.splitlines() == [
        "review_required: off (submitted, reviewed and released shops count)",
        "dispute_days: 14",
    ]
    code, out, _ = run(capsys, "--db", target, "evaluations", "list", "--counted", "--json")
    assert [r["id"] for r in json.loads(out)] == [shop]
    code, out, _ = run(
        capsys, "--db", target, "review", "settings", "--required", "on", "--dispute-days", "30"
    )
    assert code == 0 and out.splitlines()[1] == "dispute_days: 30"
    code, out, _ = run(capsys, "--db", target, "evaluations", "list", "--counted", "--json")
    assert json.loads(out) == []
