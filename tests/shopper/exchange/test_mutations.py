"""Hypothesis: random damage to a valid package is either harmless or refused whole with a
one-line message; and the importer's fast paths never accept what the slow rules refuse."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shopper import schemas, scoring
from shopper.errors import ShopperError
from shopper.exchange.evaluation_check import _RubricIndex
from shopper.exchange.evaluation_shape import KNOWN_FIELDS, certainly_valid
from shopper.exchange.file_import import import_file
from shopper.paths import DEFAULT_RUBRIC, SCHEMAS
from shopper.rubric import load_rubric_file
from shopper.storage.db import Database
from tests.shopper.exchange.conftest import checksum, write
from tests.shopper.exchange.test_bad_input import handmade_package

BASE = handmade_package()
SMALL = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def all_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from all_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from all_paths(child, (*prefix, index))


PATHS = list(all_paths(BASE))[1:]
EVALUATION_PATHS = list(all_paths(BASE["evaluations"][4]))[1:]
TRICKY = st.sampled_from(
    [
        "na", "yes", "no", "", " ", "2026-02-30", "2026-11-20", "2026-11-20\n", "٢٠٢٦-١١-٢٠",
        "2026-11-20T16:02:11Z", "2026-11-20t16:02:11z", "2026-11-20T16:02:60Z", "25:00",
        "10:30", "6f1c1e1a-0000-4000-8000-000000000001", "6F1C1E1A-0000-4000-8000-000000000002",
        "Agent offered", "draft", "submitted", "awaiting_follow_up", "phone", "test-tour",
        "greeting.rapport", 0, 1, 5, 6, -1, 1.0, 4.5, True, False, None, 10**30,
    ]
)  # fmt: skip
LEAVES = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12)
)
VALUES = st.recursive(
    TRICKY | LEAVES,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
HOW = st.sampled_from(["set", "delete", "add"])
MUTATION = st.tuples(st.sampled_from(PATHS), HOW, VALUES)
EVALUATION_MUTATION = st.tuples(st.sampled_from(EVALUATION_PATHS), HOW, VALUES)


def apply(data: Any, path: tuple[Any, ...], how: str, value: Any, key: str = "extra") -> None:
    target = data
    for part in path[:-1]:
        target = target[part]
    last = path[-1]
    if how == "set":
        target[last] = value
    elif how == "delete":
        del target[last]
    elif isinstance(target[last], dict):
        target[last][key] = value
    elif isinstance(target[last], list):
        target[last].append(value)
    else:
        target[last] = value


@SMALL
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_mutated_packages_are_refused_whole_or_imported(
    db: Database, tmp_path: Path, mutations: list[tuple[tuple[Any, ...], str, Any]]
) -> None:
    data = copy.deepcopy(BASE)
    for path, how, value in mutations:
        try:
            apply(data, path, how, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed the place
    path = write(tmp_path / "mutated.json", data)
    before = checksum(db)
    try:
        import_file(db, path)
    except ShopperError as exc:
        message = str(exc)
        assert message.startswith(f"{path}: ") and "\n" not in message
        assert checksum(db) == before


@SMALL
@given(
    cut=st.integers(min_value=0),
    flip=st.integers(min_value=0),
    byte=st.binary(min_size=1, max_size=1),
)
def test_damaged_bytes_are_refused_whole_or_imported(
    db: Database, tmp_path: Path, cut: int, flip: int, byte: bytes
) -> None:
    raw = bytearray(json.dumps(BASE).encode())
    raw[flip % len(raw)] = byte[0]
    path = tmp_path / "damaged.json"
    path.write_bytes(bytes(raw[: len(raw) - cut % 40]))
    before = checksum(db)
    try:
        import_file(db, path)
    except ShopperError as exc:
        assert str(exc).startswith(f"{path}: ") and "\n" not in str(exc)
        assert checksum(db) == before


def test_the_fast_check_knows_every_field_of_the_schema() -> None:
    schema = json.loads((SCHEMAS / "package.schema.json").read_text(encoding="utf-8"))
    assert set(schema["$defs"]["evaluation"]["properties"]) == KNOWN_FIELDS
    assert certainly_valid(BASE["evaluations"][4])


@settings(max_examples=300, deadline=None)
@given(mutations=st.lists(EVALUATION_MUTATION, min_size=1, max_size=2))
def test_the_fast_check_never_passes_what_the_schema_refuses(
    mutations: list[tuple[tuple[Any, ...], str, Any]],
) -> None:
    evaluation = copy.deepcopy(BASE["evaluations"][4])
    for path, how, value in mutations:
        try:
            apply(evaluation, path, how, value)
        except (KeyError, IndexError, TypeError):
            continue
    if certainly_valid(evaluation):
        schemas.validate(evaluation, "package", definition="evaluation")


@pytest.mark.parametrize("path", [p for p, _, _ in load_rubric_file(DEFAULT_RUBRIC).items()])
def test_fast_answer_sets_agree_with_answer_error(path: str) -> None:
    rubric = load_rubric_file(DEFAULT_RUBRIC)
    index = _RubricIndex.of(rubric)
    found = rubric.find(path)
    assert found is not None
    item = found[1]
    candidates: list[Any] = ["yes", "no", "na", "", "x", *range(-1, 12)]
    candidates += [o.label for o in item.options]
    allowed = index.allowed[path]
    for value in candidates:
        fast = (allowed is None and isinstance(value, str)) or (
            allowed is not None and value in allowed
        )
        assert fast == (scoring.answer_error(item, value) is None), value
