"""Key questions (SCORING.md, *Key questions*): the rubric field, the per-shop key-question
score and the per-item pass rate, checked against a literal second reading of the rules; and
the default rubric's version 2, which marks them, reaching new and existing databases."""

from __future__ import annotations

import copy
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopper import scoring
from shopper.errors import ValidationError
from shopper.paths import DEFAULT_RUBRIC
from shopper.rubric import (
    Rubric,
    load_rubric_file,
    parse_rubric,
    rubric_from_stored,
    save_rubric_file,
    stored_content,
)
from shopper.rubric_edit import from_rubric, set_field, to_rubric, validate
from shopper.services import rubrics
from shopper.storage.db import open_database
from tests.shopper.rubric_factory import rubric_dict

V1 = DEFAULT_RUBRIC.with_name("leasing-tour.v1.json")


def _with_key_questions(*paths: str) -> dict[str, Any]:
    data = copy.deepcopy(rubric_dict())
    for section in data["sections"]:
        for item in section["items"]:
            if f"{section['key']}.{item['key']}" in paths:
                item["key_question"] = True
    return data


KQ = parse_rubric(
    _with_key_questions(
        "greeting.prompt", "greeting.rapport", "greeting.booking", "follow_up.called", "cx.likely"
    )
)


# --- the rubric field ---------------------------------------------------------------------


def test_key_question_defaults_to_false_and_round_trips(tmp_path: Path) -> None:
    plain = parse_rubric(rubric_dict())
    assert not any(item.key_question for _p, _s, item in plain.items())
    assert scoring.key_question_paths(KQ) == (
        "greeting.prompt",
        "greeting.rapport",
        "greeting.booking",
        "follow_up.called",
        "cx.likely",
    )
    out = tmp_path / "kq.json"
    save_rubric_file(KQ, out)
    again = load_rubric_file(out)
    assert again == KQ and scoring.key_question_paths(again) == scoring.key_question_paths(KQ)
    assert rubric_from_stored(stored_content(KQ)) == KQ


def test_a_rubric_without_key_questions_keeps_its_content_hash() -> None:
    """Old versions stored before the field existed must still match their files."""
    plain = parse_rubric(rubric_dict())
    assert "key_question" not in json.dumps(plain.to_dict())
    explicit = _with_key_questions()
    explicit["sections"][0]["items"][0]["key_question"] = False
    assert parse_rubric(explicit).content_hash() == plain.content_hash()
    assert KQ.content_hash() != plain.content_hash()


def test_text_items_cannot_be_key_questions() -> None:
    with pytest.raises(ValidationError, match=r"sections\[0\]\.items\[3\]\.key_question: only"):
        parse_rubric(_with_key_questions("greeting.note"))


def test_schema_refuses_a_key_question_that_is_not_a_boolean() -> None:
    data = _with_key_questions()
    data["sections"][0]["items"][0]["key_question"] = "yes"
    with pytest.raises(ValidationError, match="key_question: 'yes' is not of type 'boolean'"):
        parse_rubric(data)


def test_the_draft_model_sets_and_keeps_the_flag() -> None:
    draft = from_rubric(parse_rubric(rubric_dict()))
    assert draft.sections[0].items[0].key_question is False
    assert set_field(draft, (0, 0), "key_question", True) is False
    assert draft.sections[0].items[0].key_question is True
    assert scoring.key_question_paths(to_rubric(draft)) == ("greeting.prompt",)
    assert from_rubric(to_rubric(draft)).sections[0].items[0].key_question is True
    set_field(draft, (0, 3), "key_question", True)  # a text item
    problems = validate(draft)
    assert [(p.path, p.field) for p in problems] == [((0, 3), "key_question")]


# --- the key-question score, literally ------------------------------------------------------


def _literal_key_question_pct(rubric: Rubric, answers: dict[str, Any]) -> Fraction | None:
    """100 × Σ earned ÷ Σ possible over answered, non-N/A key-question items; none if nothing
    is possible; a critical failure does not change it. Read from the table in SCORING.md."""
    earned = possible = Fraction(0)
    for section in rubric.sections:
        for item in section.items:
            if not item.key_question:
                continue
            value = answers.get(f"{section.key}.{item.key}")
            if value is None or value == "na":
                continue
            if item.type == "yes_no":
                earned += item.points if value == "yes" else 0
                possible += item.points
            elif item.type == "scale":
                earned += item.points * Fraction(value - 1, item.max - 1)
                possible += item.points
            elif item.type == "choice":
                earned += next(o.points for o in item.options if o.label == value)
                possible += max(o.points for o in item.options)
    return 100 * earned / possible if possible else None


def _literal_passed(rubric: Rubric, path: str, value: Any) -> bool | None:
    found = rubric.find(path)
    assert found is not None
    item = found[1]
    if value is None or value == "na":
        return None
    if item.type == "yes_no":
        return value == "yes" or item.points == 0
    if item.type == "scale":
        return value == item.max or item.points == 0
    best = max(o.points for o in item.options)
    return next(o.points for o in item.options if o.label == value) == best


def test_key_question_score_by_hand() -> None:
    answers = {
        "greeting.prompt": "yes",  # 5 of 5
        "greeting.rapport": 3,  # 5 of 10
        "greeting.booking": "Shopper asked",  # 1 of 4
        "follow_up.called": "na",  # not counted
        "cx.likely": 5,  # 4 of 4: key questions ignore in_overall
        "fair.no_steering": "no",  # critical failure: overall 0, key questions unchanged
    }
    result = scoring.key_question_score(KQ, answers)
    assert (result.earned, result.possible) == (15, 23)
    assert result.pct == Fraction(1500, 23)
    assert (result.answered, result.total) == (4, 5)
    assert scoring.score(KQ, answers).overall == 0


def test_key_question_score_is_none_when_nothing_is_possible() -> None:
    assert scoring.key_question_score(KQ, {"greeting.prompt": "na"}).pct is None
    assert scoring.key_question_score(parse_rubric(rubric_dict()), {}).pct is None


def _answers(rubric: Rubric) -> st.SearchStrategy[dict[str, Any]]:
    per_item: dict[str, st.SearchStrategy[Any]] = {}
    for path, _section, item in rubric.items():
        if item.type == "yes_no":
            choices: list[Any] = ["yes", "no"]
        elif item.type == "scale":
            choices = list(range(1, item.max + 1))
        elif item.type == "choice":
            choices = [o.label for o in item.options]
        else:
            choices = ["some words"]
        if item.allow_na and item.scored:
            choices.append("na")
        per_item[path] = st.sampled_from([*choices, None])
    return st.fixed_dictionaries(per_item)


DEFAULT = load_rubric_file(DEFAULT_RUBRIC)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([KQ, DEFAULT]).flatmap(lambda r: st.tuples(st.just(r), _answers(r))))
def test_key_question_score_matches_the_literal_reading(
    case: tuple[Rubric, dict[str, Any]],
) -> None:
    rubric, answers = case
    expected = _literal_key_question_pct(rubric, answers)
    got = scoring.key_question_score(rubric, answers).pct
    assert got == expected
    if got is not None:
        assert 0 <= got <= 100


@settings(max_examples=100, deadline=None)
@given(st.lists(_answers(DEFAULT), max_size=12))
def test_pass_rates_match_the_literal_reading(shops: list[dict[str, Any]]) -> None:
    rates = scoring.pass_rates((DEFAULT, answers) for answers in shops)
    assert set(rates) == (set(scoring.key_question_paths(DEFAULT)) if shops else set())
    for path, rate in rates.items():
        outcomes = [_literal_passed(DEFAULT, path, answers.get(path)) for answers in shops]
        counted = [o for o in outcomes if o is not None]
        assert (rate.passed, rate.counted) == (sum(counted), len(counted))
        assert rate.rate == (Fraction(sum(counted), len(counted)) if counted else None)


def test_pass_rates_match_across_versions_by_path() -> None:
    older = parse_rubric(_with_key_questions("greeting.prompt"))
    newer = parse_rubric({**_with_key_questions("greeting.prompt"), "version": 2})
    rates = scoring.pass_rates(
        [
            (older, {"greeting.prompt": "yes"}),
            (newer, {"greeting.prompt": "no"}),
            (newer, {"greeting.prompt": "na"}),
            (newer, {}),
        ]
    )
    assert rates == {"greeting.prompt": scoring.PassRate("greeting.prompt", 1, 2)}
    assert rates["greeting.prompt"].pct == 50


def test_a_choice_passes_only_with_its_best_option_and_a_scale_only_at_the_top() -> None:
    booking = KQ.find("greeting.booking")[1]  # type: ignore[index]
    rapport = KQ.find("greeting.rapport")[1]  # type: ignore[index]
    assert scoring.passed(booking, "Agent offered") is True
    assert scoring.passed(booking, "Shopper asked") is False
    assert scoring.passed(rapport, 5) is True
    assert scoring.passed(rapport, 4) is False
    assert scoring.passed(rapport, "na") is None
    assert scoring.passed(rapport, None) is None


# --- the default rubric, version 2 ----------------------------------------------------------


def test_default_rubric_version_2_marks_ten_key_questions_and_keeps_version_1() -> None:
    v1, v2 = load_rubric_file(V1), load_rubric_file(DEFAULT_RUBRIC)
    assert (v1.key, v1.version, v2.key, v2.version) == ("leasing-tour", 1, "leasing-tour", 2)
    assert scoring.key_question_paths(v1) == ()
    assert len(scoring.key_question_paths(v2)) == 10
    # Only the flags differ: scores of the two versions are the same.
    strip = json.loads(json.dumps(v2.to_dict()).replace(', "key_question": true', ""))
    assert parse_rubric({**strip, "version": 1, "description": v1.description}) == v1


def _database(tmp_path: Path, name: str = "s.db") -> Any:
    return open_database(f"sqlite:///{tmp_path / name}")


def test_a_new_database_gets_version_2_as_its_default(tmp_path: Path) -> None:
    db = _database(tmp_path)
    try:
        info = rubrics.ensure_default_rubric(db)
        assert info is not None and (info.key, info.version) == ("leasing-tour", 2)
        assert len(scoring.key_question_paths(rubrics.get_rubric(db, info.id))) == 10
    finally:
        db.close()


def test_a_database_on_version_1_gets_version_2_and_keeps_version_1(tmp_path: Path) -> None:
    db = _database(tmp_path)
    try:
        first = rubrics.save_rubric(db, load_rubric_file(V1)).info
        default = rubrics.ensure_default_rubric(db)
        assert default is not None and default.version == 2 and default.is_default
        versions = [(i.version, i.id) for i in rubrics.list_rubrics(db, "leasing-tour")]
        assert versions[0] == (1, first.id)
        assert rubrics.get_rubric(db, first.id) == load_rubric_file(V1)  # old shops keep it
        again = rubrics.ensure_default_rubric(db)  # idempotent
        assert again is not None and again.id == default.id
        assert len(rubrics.list_rubrics(db, "leasing-tour")) == 2
    finally:
        db.close()


def test_a_database_with_its_own_version_is_left_alone(tmp_path: Path) -> None:
    db = _database(tmp_path)
    try:
        own = json.loads(V1.read_text(encoding="utf-8"))
        own["sections"][0]["items"][1]["points"] = 3
        rubrics.save_rubric(db, parse_rubric(own))
        default = rubrics.ensure_default_rubric(db)
        assert default is not None and default.version == 1
        assert len(rubrics.list_rubrics(db, "leasing-tour")) == 1
    finally:
        db.close()


def test_a_login_that_may_not_change_rubrics_still_opens_an_old_database(
    db, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """On a shared database a reviewer's or shopper's login may not add the newer bundled
    rubric: the open goes on with the stored default (an admin's next open adds it)."""
    from shopper.services import rubrics as rubric_service
    from shopper.storage.db import AccessDeniedError

    def refused(_db: object) -> None:
        raise AccessDeniedError("Refused by the database: only admins can change rubrics")

    monkeypatch.setattr(rubric_service, "_upgrade_bundled", refused)
    info = rubric_service.ensure_default_rubric(db)
    assert info is not None and info.key == "leasing-tour"
