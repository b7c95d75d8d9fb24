"""CSV export exactly as FORMATS.md says."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from shopper.errors import NotFoundError, ValidationError
from shopper.exchange.csv_export import (
    FIXED_COLUMNS,
    TRAILING_COLUMNS,
    CsvFilter,
    export_csv,
    neutralise,
    pct_cell,
)
from shopper.rubric import parse_rubric
from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database
from tests.shopper.exchange.conftest import add_demo
from tests.shopper.rubric_factory import rubric_dict


def read_csv(path: Path) -> tuple[bytes, list[list[str]]]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    return raw[:3], list(csv.reader(io.StringIO(text, newline="")))


def _tiny_rubric(db: Database) -> int:
    """greeting: a (349 points) and b (51 points); cx (not in overall): c (4 points)."""
    data = rubric_dict(
        key="tiny",
        name="Tiny",
        sections=[
            {
                "key": "greeting",
                "title": "Greeting",
                "items": [
                    {"key": "a", "prompt": "A", "type": "yes_no", "points": 349},
                    {"key": "b", "prompt": "B", "type": "yes_no", "points": 51},
                ],
            },
            {
                "key": "fair",
                "title": "Fair",
                "items": [
                    {
                        "key": "gate",
                        "prompt": "Gate",
                        "type": "yes_no",
                        "points": 0,
                        "critical": True,
                    }
                ],
            },
            {
                "key": "cx",
                "title": "CX",
                "in_overall": False,
                "items": [{"key": "c", "prompt": "C", "type": "yes_no", "points": 4}],
            },
        ],
    )
    return rubrics.save_rubric(db, parse_rubric(data)).info.id


def _shop(db: Database, rubric_id: int, agent_id: str, day: int, **answers: str) -> str:
    return evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=dt.date(2026, 11, day),
        shopper="Sam Lee",
        answers={path.replace("__", "."): AnswerData(v) for path, v in answers.items()},
    ).id


def test_layout_rounding_none_and_critical(db: Database, tmp_path: Path) -> None:
    rubric_id = _tiny_rubric(db)
    prop = properties.create_property(db, "Café Lofts")
    agent = agents.create_agent(db, "Zoë Brontë", prop.id)
    exact = _shop(db, rubric_id, agent.id, 5, greeting__a="yes", greeting__b="no")
    failed = _shop(db, rubric_id, agent.id, 5, greeting__a="yes", fair__gate="no")
    empty = _shop(db, rubric_id, agent.id, 4)

    out = tmp_path / "scores.csv"
    assert export_csv(db, out) == 3
    bom, rows = read_csv(out)
    assert bom == b"\xef\xbb\xbf"
    assert rows[0] == [*FIXED_COLUMNS, "greeting_pct", "fair_pct", "cx_pct", *TRAILING_COLUMNS]
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert [row[0] for row in rows[1:]] == [empty, *sorted([exact, failed])]

    assert by_id[exact]["overall_pct"] == "87.3"  # 349/400 = 87.25%, half away from zero
    assert by_id[exact]["greeting_pct"] == "87.3"
    assert by_id[exact]["fair_pct"] == ""  # a section worth 0 points has no score
    assert by_id[exact]["cx_pct"] == ""
    assert by_id[exact]["critical_failure"] == "false"
    assert by_id[failed]["overall_pct"] == "0.0"
    assert by_id[failed]["greeting_pct"] == "100.0"
    assert by_id[failed]["critical_failure"] == "true"
    assert by_id[empty]["overall_pct"] == ""
    row = by_id[exact]
    assert (row["visited_on"], row["property"], row["agent"], row["shopper"]) == (
        "2026-11-05",
        "Café Lofts",
        "Zoë Brontë",
        "Sam Lee",
    )
    assert (row["channel"], row["status"], row["rubric_key"], row["rubric_version"]) == (
        "in_person",
        "draft",
        "tiny",
        "1",
    )
    assert out.read_bytes().count(b"\r\n") == 4  # header and three rows, CRLF as RFC 4180


def test_formula_cells_are_neutralised(db: Database, tmp_path: Path) -> None:
    prop = properties.create_property(db, '=HYPERLINK("http://x")')
    agent = agents.create_agent(db, "@Dana", prop.id)
    rubric = rubrics.default_rubric(db)
    assert rubric is not None
    evaluations.create(
        db, rubric_id=rubric.id, agent_id=agent.id, visited_on=dt.date(2026, 1, 2), shopper="+1 555"
    )
    other = agents.create_agent(db, "-Lee", prop.id)
    evaluations.create(
        db, rubric_id=rubric.id, agent_id=other.id, visited_on=dt.date(2026, 1, 3), shopper="Ann"
    )
    out = tmp_path / "x.csv"
    export_csv(db, out)
    _, rows = read_csv(out)
    assert rows[1][2:5] == ['\'=HYPERLINK("http://x")', "'@Dana", "'+1 555"]
    assert rows[2][3] == "'-Lee"
    for cell, expected in (("\tx", "'\tx"), ("\rx", "'\rx"), ("a=b", "a=b"), ("", "")):
        assert neutralise(cell) == expected


def test_filters_and_order(db: Database, tmp_path: Path) -> None:
    add_demo(db, evaluations=60)
    out = tmp_path / "all.csv"
    export_csv(db, out)
    _, rows = read_csv(out)
    keys = [(row[1], row[0]) for row in rows[1:]]
    assert keys == sorted(keys) and len(keys) == 60

    prop = properties.list_properties(db)[0]
    agent = agents.list_agents(db)[0]
    start, end = dt.date(2026, 6, 1), dt.date(2026, 9, 30)
    export_csv(db, out, CsvFilter(start, end, f" {prop.name.lower()} ", None))
    _, rows = read_csv(out)
    assert rows[1:] and all(row[2] == prop.name for row in rows[1:])
    assert all(start.isoformat() <= row[1] <= end.isoformat() for row in rows[1:])

    export_csv(db, out, CsvFilter(agent_name=agent.name.upper()))
    _, rows = read_csv(out)
    assert rows[1:] and {row[3] for row in rows[1:]} == {agent.name}

    with pytest.raises(NotFoundError, match="no agent called 'Nobody'"):
        export_csv(db, out, CsvFilter(agent_name="Nobody"))
    with pytest.raises(ValidationError, match="after"):
        export_csv(db, out, CsvFilter(end, start))


def test_sections_of_several_rubric_versions_in_rubric_order(db: Database, tmp_path: Path) -> None:
    first = _tiny_rubric(db)
    later = rubric_dict(key="tiny", name="Tiny", version=2)
    later["sections"] = [
        {"key": "intro", "title": "Intro", "items": [{"key": "x", "prompt": "X", "type": "text"}]},
        {
            "key": "greeting",
            "title": "G",
            "items": [{"key": "a", "prompt": "A", "type": "yes_no", "points": 1}],
        },
    ]
    second = rubrics.save_rubric(db, parse_rubric(later)).info.id
    prop = properties.create_property(db, "Maple Court")
    agent = agents.create_agent(db, "Kai", prop.id)
    _shop(db, first, agent.id, 1)
    _shop(db, second, agent.id, 2)
    out = tmp_path / "v.csv"
    export_csv(db, out)
    _, rows = read_csv(out)
    assert rows[0][len(FIXED_COLUMNS) : -len(TRAILING_COLUMNS)] == [
        "greeting_pct",
        "fair_pct",
        "cx_pct",
        "intro_pct",
    ]


def test_pct_cells_round_the_exact_fraction() -> None:
    assert pct_cell("349/4") == "87.3"
    assert pct_cell("-349/4") == "-87.3"  # half away from zero both ways (never stored, though)
    assert pct_cell("100/1") == "100.0"
    assert pct_cell("1/3") == "0.3"
    assert pct_cell(None) == ""


def test_big_exports_read_section_scores_in_one_pass_with_the_same_result(
    any_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shopper.exchange import csv_export

    add_demo(any_db, evaluations=50)
    export_csv(any_db, tmp_path / "batched.csv", CsvFilter(agent_name=_some_agent(any_db)))
    export_csv(any_db, tmp_path / "all-batched.csv")
    monkeypatch.setattr(csv_export, "SCAN_FROM", 0)
    export_csv(any_db, tmp_path / "scanned.csv", CsvFilter(agent_name=_some_agent(any_db)))
    export_csv(any_db, tmp_path / "all-scanned.csv")
    assert (tmp_path / "batched.csv").read_bytes() == (tmp_path / "scanned.csv").read_bytes()
    assert (tmp_path / "all-batched.csv").read_bytes() == (
        tmp_path / "all-scanned.csv"
    ).read_bytes()
    _, rows = read_csv(tmp_path / "all-scanned.csv")
    assert len(rows) == 51 and all(len(row) == len(rows[0]) for row in rows)


def _some_agent(db: Database) -> str:
    return agents.list_agents(db)[0].name


def test_key_question_pct_is_the_last_column_from_the_stored_score(
    any_db: Database, tmp_path: Path
) -> None:
    """The header is a public contract: `key_question_pct` comes after the review columns,
    and its cell is the shop's key-question score (a critical failure does not change it;
    empty for none)."""
    data = rubric_dict(
        key="kq",
        name="Key questions",
        sections=[
            {
                "key": "greeting",
                "title": "Greeting",
                "items": [
                    {"key": "a", "prompt": "A", "type": "yes_no", "points": 349,
                     "key_question": True},
                    {"key": "b", "prompt": "B", "type": "yes_no", "points": 51,
                     "key_question": True, "allow_na": True},
                    {"key": "c", "prompt": "C", "type": "yes_no", "points": 600},
                ],
            },
            {
                "key": "fair",
                "title": "Fair",
                "items": [
                    {"key": "gate", "prompt": "Gate", "type": "yes_no", "points": 0,
                     "critical": True}
                ],
            },
        ],
    )  # fmt: skip
    rubric_id = rubrics.save_rubric(any_db, parse_rubric(data)).info.id
    prop = properties.create_property(any_db, "Maple Court")
    agent = agents.create_agent(any_db, "Kai", prop.id)
    mixed = _shop(any_db, rubric_id, agent.id, 1, greeting__a="yes", greeting__b="no")
    failed = _shop(any_db, rubric_id, agent.id, 2, greeting__a="no", greeting__b="yes",
                   greeting__c="yes", fair__gate="no")  # fmt: skip
    none = _shop(any_db, rubric_id, agent.id, 3, greeting__b="na", greeting__c="yes")
    plain = _shop(any_db, _tiny_rubric(any_db), agent.id, 4, greeting__a="yes")

    out = tmp_path / "kq.csv"
    assert export_csv(any_db, out) == 4
    _, rows = read_csv(out)
    assert rows[0][-4:] == ["excluded", "excluded_reason", "released_at", "key_question_pct"]
    assert rows[0][: len(FIXED_COLUMNS)] == list(FIXED_COLUMNS)
    by_id = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert by_id[mixed]["key_question_pct"] == "87.3"  # 349 of 400
    assert by_id[failed]["key_question_pct"] == "12.8"  # 51 of 400, critical failure or not
    assert by_id[failed]["overall_pct"] == "0.0"
    assert by_id[none]["key_question_pct"] == ""  # only N/A: none
    assert by_id[plain]["key_question_pct"] == ""  # no key questions on its rubric
    for evaluation_id, row in by_id.items():
        stored = evaluations.get(any_db, evaluation_id)
        expected = pct_cell(stored.key_question_exact)
        assert row["key_question_pct"] == expected
