"""Rubric files: the default rubric, validation messages with locations, round trips."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from shopper.errors import ValidationError
from shopper.paths import DEFAULT_RUBRIC
from shopper.rubric import load_rubric_file, parse_rubric, save_rubric_file
from tests.shopper.rubric_factory import rubric_dict


def test_default_rubric_has_the_promised_shape() -> None:
    rubric = load_rubric_file(DEFAULT_RUBRIC)
    assert rubric.key == "leasing-tour"
    totals = {s.key: s.possible for s in rubric.sections}
    assert totals == {
        "first_contact": 15,
        "greeting": 10,
        "needs": 15,
        "knowledge": 10,
        "tour": 15,
        "conviction": 10,
        "closing": 15,
        "follow_up": 10,
        "fair_housing": 0,
        "customer_experience": 10,
        "narrative": 0,
    }
    assert rubric.possible == 100
    assert rubric.section("follow_up").deferred  # type: ignore[union-attr]
    assert not rubric.section("customer_experience").in_overall  # type: ignore[union-attr]
    fair = rubric.section("fair_housing")
    assert fair is not None
    assert all(i.critical and not i.allow_na and i.type == "yes_no" for i in fair.items)
    assert all(i.type == "text" for i in rubric.section("narrative").items)  # type: ignore[union-attr]
    assert all(i.guidance for _p, _s, i in rubric.items())
    assert all(s.guidance for s in rubric.sections)


def test_round_trip_through_a_file_keeps_content(tmp_path: Path) -> None:
    rubric = load_rubric_file(DEFAULT_RUBRIC)
    out = tmp_path / "copy.json"
    save_rubric_file(rubric, out)
    again = load_rubric_file(out)
    assert again == rubric
    assert again.content_hash() == rubric.content_hash()


def test_version_number_is_not_part_of_the_content_hash() -> None:
    rubric = parse_rubric(rubric_dict())
    assert rubric.with_version(7).content_hash() == rubric.content_hash()
    changed = rubric_dict()
    changed["sections"][0]["items"][0]["points"] = 6
    assert parse_rubric(changed).content_hash() != rubric.content_hash()


def _broken(mutate: Any) -> dict[str, Any]:
    data = copy.deepcopy(rubric_dict())
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("format"), "'format' is a required property"),
        (
            lambda d: d.update(format_version=2),
            "format_version: format version 2 is newer than this app reads (1); update Shopper",
        ),
        (lambda d: d.update(key="Leasing Tour"), "key: 'Leasing Tour' does not match"),
        (
            lambda d: d["sections"][0]["items"][1].update(max=11),
            "sections[0].items[1].max: 11 is greater than the maximum of 10",
        ),
        (
            lambda d: d["sections"][0]["items"][0].update(points=-1),
            "sections[0].items[0].points: -1 is less than the minimum of 0",
        ),
        (
            lambda d: d["sections"][0]["items"][2].pop("options"),
            "sections[0].items[2]: 'options' is a required property",
        ),
        (
            lambda d: d["sections"][1]["items"].append(
                {"key": "called", "prompt": "again", "type": "yes_no", "points": 1}
            ),
            "sections[1].items[1].key: item key 'called' is used twice",
        ),
        (
            lambda d: d["sections"][1].update(key="greeting"),
            "sections[1].key: section key 'greeting' is used twice",
        ),
        (
            lambda d: d["sections"][0]["items"][1].update(critical=True),
            "sections[0].items[1].critical: only yes/no items can be critical",
        ),
        (
            lambda d: d["sections"][0]["items"][2]["options"].append(
                {"label": "Agent offered", "points": 1}
            ),
            "sections[0].items[2].options[2].label: option 'Agent offered' is listed twice",
        ),
    ],
)
def test_problems_are_reported_with_their_location(mutate: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_rubric(_broken(mutate))
    assert str(caught.value).startswith(message)


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(ValidationError, match=r"nope\.json: no such file"):
        load_rubric_file(missing)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(ValidationError, match=r"empty\.json: the file is empty"):
        load_rubric_file(empty)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "shopper-rubric",')
    with pytest.raises(ValidationError, match=r"bad.json: not valid JSON \(line 1"):
        load_rubric_file(bad)
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(_broken(lambda d: d["sections"][0].update(items=[]))))
    with pytest.raises(ValidationError, match=r"wrong.json: sections\[0\].items"):
        load_rubric_file(wrong)


def test_unknown_fields_are_accepted() -> None:
    data = rubric_dict(colour="teal")
    data["sections"][0]["items"][0]["icon"] = "door"
    assert parse_rubric(data).key == "test-tour"
