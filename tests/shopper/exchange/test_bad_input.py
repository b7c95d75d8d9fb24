"""Bad input, each refused whole: a clear one-line message naming the file and where the
problem is, no traceback, and the database exactly as it was (checksum of every table)."""

from __future__ import annotations

import copy
import json
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shopper.cli import main
from shopper.errors import ShopperError
from shopper.exchange.file_import import import_file
from shopper.storage.db import Database
from tests.shopper.exchange.conftest import checksum, load, write
from tests.shopper.rubric_factory import rubric_dict

PROPERTY = "6f1c1e1a-0000-4000-8000-000000000001"
AGENT = "6f1c1e1a-0000-4000-8000-000000000002"


def handmade_package() -> dict[str, Any]:
    """A package written by hand around the small test rubric (greeting.rapport: scale 1–5)."""
    evaluations = []
    for number in range(5):
        evaluations.append(
            {
                "id": f"6f1c1e1a-0000-4000-8000-0000000001{number:02d}",
                "rubric_key": "test-tour",
                "rubric_version": 1,
                "property_id": PROPERTY,
                "agent_id": AGENT,
                "shopper": "Sam Lee",
                "visited_on": f"2026-11-{10 + number}",
                "channel": "in_person",
                "status": "draft",
                "answers": {
                    "greeting.prompt": {"value": "yes", "comment": "Quick"},
                    "greeting.rapport": {"value": 4},
                    "greeting.booking": {"value": "Agent offered"},
                },
                "updated_at": "2026-11-20T16:02:11Z",
            }
        )
    evaluations[4]["status"] = "submitted"
    evaluations[4]["answers"].update(
        {
            "follow_up.called": {"value": "na"},
            "fair.no_steering": {"value": "yes"},
            "cx.likely": {"value": 5},
        }
    )
    return {
        "format": "shopper-package",
        "format_version": 1,
        "exported_at": "2026-11-23T10:00:00Z",
        "rubrics": [rubric_dict()],
        "properties": [{"id": PROPERTY, "name": "Maple Court"}],
        "agents": [{"id": AGENT, "name": "José Núñez", "property_id": PROPERTY}],
        "evaluations": evaluations,
    }


def refused(db: Database, path: Path) -> str:
    """Import `path`, which must be refused without changing the database; the message."""
    before = checksum(db)
    with pytest.raises(ShopperError) as caught:
        import_file(db, path)
    assert checksum(db) == before
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_the_handmade_package_is_valid(db: Database, tmp_path: Path) -> None:
    summary = import_file(db, write(tmp_path / "ok.json", handmade_package()))
    assert summary.counts["evaluations"].added == 5


Mutation = Callable[[dict[str, Any]], None]


def _set(path: list[str | int], value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        target: Any = data
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = value

    return mutate


def _conflicting_rubric(data: dict[str, Any]) -> None:
    data["rubrics"][0]["sections"][0]["items"][1]["points"] = 11


def _unanswered(data: dict[str, Any]) -> None:
    del data["evaluations"][4]["answers"]["cx.likely"]


CASES: list[tuple[str, Mutation, str]] = [
    (
        "scale out of range",
        _set(["evaluations", 3, "answers", "greeting.rapport", "value"], 7),
        'evaluations[3].answers["greeting.rapport"]: 7 is above the scale maximum 5',
    ),
    (
        "unknown choice label",
        _set(["evaluations", 1, "answers", "greeting.booking", "value"], "Whenever"),
        "evaluations[1].answers[\"greeting.booking\"]: 'Whenever' is not one of the options",
    ),
    (
        "N/A where not allowed",
        _set(["evaluations", 2, "answers", "fair.no_steering"], {"value": "na"}),
        'evaluations[2].answers["fair.no_steering"]: N/A is not allowed for this item',
    ),
    (
        "unknown item",
        _set(["evaluations", 2, "answers", "greeting.smile"], {"value": "yes"}),
        "evaluations[2].answers[\"greeting.smile\"]: Test Tour v1 has no item 'greeting.smile'",
    ),
    (
        "impossible date",
        _set(["evaluations", 3, "visited_on"], "2026-02-30"),
        "evaluations[3].visited_on: '2026-02-30' is not a real date",
    ),
    (
        "not a date at all",
        _set(["evaluations", 3, "visited_on"], "20/11/2026"),
        "evaluations[3].visited_on: '20/11/2026' is not a date like 2026-11-20",
    ),
    (
        "impossible time stamp",
        _set(["evaluations", 0, "updated_at"], "2026-02-30T10:00:00Z"),
        "evaluations[0].updated_at: '2026-02-30T10:00:00Z' is not a 'date-time'",
    ),
    (
        "unknown rubric version",
        _set(["evaluations", 3, "rubric_version"], 9),
        'evaluations[3].rubric_version: rubric "test-tour" version 9 is neither in the '
        "file's rubrics nor in this database",
    ),
    (
        "dangling agent id",
        _set(["evaluations", 2, "agent_id"], str(uuid.UUID(int=7))),
        f"evaluations[2].agent_id: agent {uuid.UUID(int=7)} is neither in the file's agents "
        "nor in this database",
    ),
    (
        "dangling property id of an evaluation",
        _set(["evaluations", 0, "property_id"], str(uuid.UUID(int=8))),
        f"evaluations[0].property_id: property {uuid.UUID(int=8)} is neither in the file's "
        "properties nor in this database",
    ),
    (
        "dangling property id of an agent",
        _set(["agents", 0, "property_id"], str(uuid.UUID(int=9))),
        f"agents[0].property_id: property {uuid.UUID(int=9)} is neither in the file's "
        "properties nor in this database",
    ),
    (
        "submitted with unanswered items",
        _unanswered,
        "evaluations[4].status: submitted needs every item answered; 1 unanswered, first cx.likely",
    ),
    ("rubric conflict", _conflicting_rubric, 'rubrics[0]: rubric "test-tour" version 1 conflicts'),
    (
        "wrong format",
        _set(["format"], "shopper-pakage"),
        'format: expected "shopper-package" or "shopper-rubric", found "shopper-pakage"',
    ),
    (
        "future format version",
        _set(["format_version"], 3),
        "format_version: format version 3 is newer than this app reads (2); update Shopper",
    ),
    (
        "missing field",
        lambda d: d["evaluations"][1].pop("channel"),
        "evaluations[1]: 'channel' is a required property",
    ),
    (
        "unknown channel",
        _set(["evaluations", 1, "channel"], "pigeon"),
        "evaluations[1].channel: 'pigeon' is not one of",
    ),
    (
        "a number where a date belongs",
        _set(["evaluations", 1, "visited_on"], 20261110),
        "evaluations[1].visited_on: 20261110 is not of type 'string'",
    ),
    (
        "duplicate evaluation",
        _set(["evaluations", 3, "id"], "6f1c1e1a-0000-4000-8000-000000000100"),
        "evaluations[3].id: evaluation 6f1c1e1a-0000-4000-8000-000000000100 is listed twice "
        "(also evaluations[0])",
    ),
    (
        "empty property name",
        _set(["properties", 0, "name"], "   "),
        "properties[0].name: the name is empty",
    ),
    (
        "bad uuid",
        _set(["evaluations", 0, "id"], "not-a-uuid"),
        "evaluations[0].id: 'not-a-uuid' is not a 'uuid'",
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_package_is_refused_whole(
    db: Database, tmp_path: Path, mutate: Mutation, expected: str
) -> None:
    import_file(db, write(tmp_path / "first.json", handmade_package()))
    data = handmade_package()
    for evaluation in data["evaluations"]:  # would be an update, if it went through
        evaluation["updated_at"] = "2027-01-01T00:00:00Z"
    mutate(data)
    message = refused(db, write(tmp_path / "bad.json", data))
    assert message.startswith(expected), message


def test_the_message_matches_formats_md_through_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = handmade_package()
    data["evaluations"][3]["answers"]["greeting.rapport"]["value"] = 7
    path = write(tmp_path / "bad.json", data)
    assert main(["--db", str(tmp_path / "x.db"), "init"]) == 0
    capsys.readouterr()
    assert main(["--db", str(tmp_path / "x.db"), "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f'shopper: error: {path}: evaluations[3].answers["greeting.rapport"]: '
        "7 is above the scale maximum 5\n"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"  \n\t ", "the file is empty"),
        (b"hello, world", "not valid JSON (invalid char in json text)"),
        (b"[1, 2, 3]", "not a Shopper file (expected a JSON object"),
        (b'{"format": "shopper-package", "evaluations": [{"id": ', "the file ends too early"),
        (b'{"format": "shopper-package"} and more', "not valid JSON (trailing garbage)"),
        (b'{"format": "shop\xffper"}', "not a text file (expected UTF-8 JSON)"),
        (b'{"no_format": 1}', "format: missing; not a Shopper file"),
        (b'{"format": {"x": 1}}', "format: expected"),
    ],
    ids=[
        "empty",
        "blank",
        "not JSON",
        "not an object",
        "truncated",
        "trailing junk",
        "not UTF-8",
        "no format",
        "format not text",
    ],
)
def test_broken_files(db: Database, tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    assert refused(db, path).startswith(expected)


def test_truncated_real_package(db: Database, package: Path, tmp_path: Path) -> None:
    raw = package.read_bytes()
    for cut in (len(raw) // 3, len(raw) - 5):
        path = tmp_path / f"cut{cut}.json"
        path.write_bytes(raw[:cut])
        assert refused(db, path).startswith("the file ends too early")


def test_fifty_megabytes_of_junk(db: Database, tmp_path: Path) -> None:
    for seed in range(3):
        junk = tmp_path / f"junk{seed}.json"
        junk.write_bytes(random.Random(seed).randbytes(50 * 1024 * 1024))
        message = refused(db, junk)
        assert message.startswith(("not valid JSON", "not a text file", "not a Shopper file"))
    plausible = tmp_path / "plausible.json"
    with plausible.open("wb") as handle:
        handle.write(b'{"format": "shopper-package", "format_version": 1, "evaluations": [')
        for _ in range(50):
            handle.write(b"x" * (1024 * 1024))
    assert refused(db, plausible).startswith("not valid JSON")


def test_a_package_saved_with_a_byte_order_mark_reads(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(handmade_package()).encode())
    assert import_file(db, path).counts["evaluations"].added == 5


def test_a_later_bad_evaluation_refuses_the_earlier_good_ones(
    db: Database, package: Path, tmp_path: Path
) -> None:
    data = load(package)
    data["evaluations"][-1]["visited_on"] = "2026-13-01"
    message = refused(db, write(tmp_path / "late.json", data))
    assert message.startswith(f"evaluations[{len(data['evaluations']) - 1}].visited_on: ")


def test_header_keys_after_the_evaluations_still_read(db: Database, tmp_path: Path) -> None:
    data = handmade_package()
    reordered = {"evaluations": data.pop("evaluations"), **data}
    assert import_file(db, write(tmp_path / "late.json", reordered)).counts["evaluations"].added
    bad = copy.deepcopy(reordered)
    bad["format_version"] = 3
    assert refused(db, write(tmp_path / "bad.json", bad)).startswith("format_version: ")
