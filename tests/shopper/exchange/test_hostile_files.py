"""Hostile and broken files, imported by `shopper import` in a child process held to 1 GB of
address space: each is refused within 10 s with one line naming the file, the limit and
where it was crossed (exit 1, no traceback), peak memory stays under 500 MB, and the
database is exactly as it was.

Before the reader was bounded, 30,000 nested `[` under an unknown key took 2.2 GB and
ended in `unexpected problem (MemoryError: )` under this limit; 100,000 took 24 GB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from shopper.limits import MAX_FILE_BYTES
from shopper.storage.db import Database
from tests.shopper.exchange.conftest import checksum
from tests.shopper.exchange.test_bad_input import handmade_package

ROOT = Path(__file__).parents[3]
MEMORY_LIMIT = 1024**3
PEAK_LIMIT_MB = 500
TIME_LIMIT_S = 10.0

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from shopper.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:  # this process's own peak (ru_maxrss survives exec)
    sys.stdout.write(next(line for line in status if line.startswith("VmHWM:")))
sys.exit(code)
"""


def import_in_child(target: str, path: Path) -> tuple[int, str, str, float]:
    """`shopper --db target import path` under the memory limit: code, out, err, seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            CHILD.format(limit=MEMORY_LIMIT),
            "--db",
            target,
            "import",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.environ.get("HOSTILE_CODE", str(ROOT))},
        cwd=path.parent,
    )
    return done.returncode, done.stdout, done.stderr, time.perf_counter() - started


def peak_mb(out: str) -> float:
    line = next(line for line in out.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def assert_refused(db: Database, target: str, path: Path, expected: str) -> str:
    before = checksum(db)
    code, out, err, seconds = import_in_child(target, path)
    assert checksum(db) == before
    assert code == 1, (code, err)
    assert "Traceback" not in err and "unexpected problem" not in err, err
    assert err.endswith("\n") and err.count("\n") == 1, err
    message = err.removeprefix(f"shopper: error: {path}: ").rstrip("\n")
    assert message != err.rstrip("\n"), err
    assert message.startswith(expected), message
    assert seconds < TIME_LIMIT_S, f"{seconds:.1f} s"
    assert peak_mb(out) < PEAK_LIMIT_MB
    return message


# -- the files ------------------------------------------------------------------------


def header_json() -> str:
    data = handmade_package()
    data.pop("evaluations")
    return json.dumps(data)[:-1]  # without the closing brace


def nested(depth: int, key: str) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_text(f'{header_json()}, "{key}": {"[" * depth}{"]" * depth}}}')

    return make


def nested_objects(depth: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        opening, closing = '{"a": ' * depth, "}" * depth
        path.write_text(header_json() + ', "x": ' + opening + "1" + closing + "}")

    return make


def huge_string(megabytes: int) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with path.open("w") as handle:
            handle.write(f'{header_json()}, "notes_from_elsewhere": "')
            for _ in range(megabytes):
                handle.write("a" * 1024 * 1024)
            handle.write('"}')

    return make


def package_where(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        data = handmade_package()
        change(data)
        path.write_text(json.dumps(data))

    return make


def comment_of(length: int) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["evaluations"][1]["answers"]["greeting.prompt"]["comment"] = "é" * length

    return change


def notes_of(length: int) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["evaluations"][2]["notes"] = "n" * length

    return change


def text_with(replace: tuple[str, str]) -> Callable[[Path], None]:
    """The handmade package's JSON with one piece of text replaced, as written."""

    def make(path: Path) -> None:
        text = json.dumps(handmade_package())
        assert replace[0] in text
        path.write_text(text.replace(replace[0], replace[1], 1))

    return make


def raw(content: bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        path.write_bytes(content)

    return make


def too_big_file(path: Path) -> None:
    with path.open("wb") as handle:
        handle.write(b'{"format": "shopper-package", "x": "')
        handle.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk space used


def many_keys(path: Path) -> None:
    keys = ", ".join(f'"k{i}": 0' for i in range(10_001))
    path.write_text(f'{header_json()}, "x": {{{keys}}}}}')


def many_values(data: dict[str, Any]) -> None:
    data["evaluations"][0]["extra"] = [[0] * 1000 for _ in range(300)]


def set_name(name: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data["properties"][0]["name"] = name

    return change


def rubric_file(change: Callable[[str], str]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        from tests.shopper.rubric_factory import rubric_dict

        path.write_text(change(json.dumps({"format": "shopper-rubric", **rubric_dict()})))

    return make


CASES: list[tuple[str, Callable[[Path], None], str]] = [
    (
        "100,000 [ under an unknown key",
        nested(100_000, "junk"),
        "junk[0][0][0]…: nested more than 32 levels deep; the limit is 32",
    ),
    (
        "100,000 [ as the evaluations",
        nested(100_000, "evaluations"),
        "evaluations[0][0][0]…: nested more than 32 levels deep",
    ),
    ("100,000 nested objects", nested_objects(100_000), "x.a.a.a…: nested more than 32 levels"),
    (
        "a 64 MB string",
        huge_string(64),
        "notes_from_elsewhere: a single value of more than 1,048,576 bytes; the limit for text "
        "is 20,000 characters",
    ),
    (
        "a 10 MB comment",
        package_where(comment_of(10 * 1024 * 1024)),
        'evaluations[1].answers["greeting.prompt"].comment: a single value of more than',
    ),
    (
        "a comment one character too long",
        package_where(comment_of(20_001)),
        'evaluations[1].answers["greeting.prompt"].comment: 20,001 characters; the limit is 20,000',
    ),
    (
        "notes one character too long",
        package_where(notes_of(20_001)),
        "evaluations[2].notes: 20,001 characters; the limit is 20,000",
    ),
    (
        "two evaluations arrays",
        text_with(('"evaluations": [', '"evaluations": [], "evaluations": [')),
        "duplicate key 'evaluations' at the top level",
    ),
    (
        "two formats",
        text_with(('"format": "shopper-package"', '"format": "shopper-package", "format": "x"')),
        "duplicate key 'format' at the top level",
    ),
    (
        "a duplicate answer",
        text_with(
            (
                '"greeting.rapport": {"value": 4}',
                '"greeting.rapport": {"value": 4}, "greeting.rapport": {"value": 1}',
            )
        ),
        "evaluations[0].answers: duplicate key 'greeting.rapport'",
    ),
    (
        "a duplicate key in an unknown part",
        text_with(('"format_version": 1', '"format_version": 1, "x": [{"a": 1, "a": 2}]')),
        "x[0]: duplicate key 'a'",
    ),
    ("10,001 keys in one object", many_keys, "x: more than 10,000 keys in one object"),
    (
        "300,000 values in one evaluation",
        package_where(many_values),
        "evaluations[0]: too big to read: more than 250,000 values in one evaluation",
    ),
    (
        "a name of control characters only",
        package_where(set_name("\x00\u202e\u2066")),
        "properties[0].name: the name is empty",
    ),
    ("a file over the size limit", too_big_file, f"the file is {MAX_FILE_BYTES + 1:,} bytes"),
    (
        "truncated",
        raw(b'{"format": "shopper-package", "evaluations": [[[[{"a": "b'),
        "the file ends too early",
    ),
    (
        "deep and truncated",
        raw(b'{"format": "shopper-package", "x": ' + b"[" * 100_000),
        "x[0][0][0]…: nested more than 32",
    ),
    ("trailing junk", raw(b'{"format": "shopper-package"} {"format": 1}'), "not valid JSON"),
    ("not UTF-8", raw(b'{"format": "shopper-package", "x": "\xed\xa0\x80"}'), "not a text file"),
    (
        "a number of 5,000 digits",
        raw(b'{"format": "shopper-package", "x": 1' + b"0" * 5000 + b"}"),
        "not valid JSON (integer overflow",
    ),
    ("an array, not an object", raw(b"[" * 100_000), "not a Shopper file"),
    (
        "a rubric file with a duplicate key",
        rubric_file(lambda text: text.replace('"key": ', '"key": "x", "key": ', 1)),
        "duplicate key 'key' at the top level",
    ),
    (
        "a rubric file nested 100,000 deep",
        rubric_file(lambda text: text[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        "x[0][0][0]…: nested more than 32 levels deep",
    ),
    (
        "a rubric file with a 64 MB prompt",
        rubric_file(lambda text: text.replace('"prompt": "', '"prompt": "' + "p" * 2**26, 1)),
        "sections[0].items[0].prompt: a single value of more than",
    ),
]


@pytest.mark.parametrize(("make", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_file_is_refused_quickly_in_bounded_memory(
    db: Database, tmp_path: Path, make: Callable[[Path], None], expected: str
) -> None:
    target = str(tmp_path / "shopper.db")
    path = tmp_path / "hostile.json"
    make(path)
    assert_refused(db, target, path, expected)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        c[1:]
        for c in CASES
        if c[0] in ("100,000 [ under an unknown key", "a 10 MB comment", "two evaluations arrays")
    ],
)
def test_hostile_files_on_any_database(
    any_db: Database, db_target: str, tmp_path: Path, make: Callable[[Path], None], expected: str
) -> None:
    path = tmp_path / "hostile.json"
    make(path)
    assert_refused(any_db, db_target, path, expected)


def test_a_valid_package_imports_under_the_same_limit(db: Database, tmp_path: Path) -> None:
    """The limit leaves room for a real import: the refusals above are the reader's."""
    path = tmp_path / "fine.json"
    path.write_text(json.dumps(handmade_package()))
    code, out, err, _ = import_in_child(str(tmp_path / "shopper.db"), path)
    assert (code, err) == (0, "")
    assert peak_mb(out) < PEAK_LIMIT_MB


def test_names_and_text_are_cleaned_like_the_ui(db: Database, tmp_path: Path) -> None:
    """NUL, bidi overrides and the like are dropped from names and text, not stored."""
    from shopper.exchange.file_import import import_file
    from shopper.exchange.package_export import export_package

    data = handmade_package()
    data["properties"][0]["name"] = "Maple\x00 \u202eCourt"
    data["agents"][0]["name"] = "Jos\u00e9\u2066 N\u00fa\u00f1ez\x07"
    data["evaluations"][0]["shopper"] = "Sam\x1b[31m Lee"
    data["evaluations"][0]["notes"] = "line one\r\nline\u202e two\x00"
    data["evaluations"][0]["answers"]["greeting.prompt"]["comment"] = "gpj.exe\u202e"
    data["evaluations"][1]["shopper"] = "Ana\udc00 Lima"  # json.dumps writes \udc00
    data["evaluations"][1]["notes"] = "fine\ud800 \U0001f600 \\ud800"  # a pair; text
    import_file(db, _write(tmp_path / "dirty.json", data))
    out = tmp_path / "out.json"
    export_package(db, out)
    exported = json.loads(out.read_text(encoding="utf-8"))
    text = json.dumps(exported, ensure_ascii=False)
    for bad in ("\x00", "\u202e", "\u2066", "\x07", "\x1b", "\r"):
        assert bad not in text
    names = {p["name"] for p in exported["properties"]} | {a["name"] for a in exported["agents"]}
    assert {"Maple Court", "José Núñez"} <= names
    first = next(e for e in exported["evaluations"] if e["id"] == data["evaluations"][0]["id"])
    assert first["shopper"] == "Sam[31m Lee"
    assert first["notes"] == "line one\nline two"
    assert first["answers"]["greeting.prompt"]["comment"] == "gpj.exe"
    second = next(e for e in exported["evaluations"] if e["id"] == data["evaluations"][1]["id"])
    assert second["shopper"] == "Ana Lima"  # not "Ana? Lima", as the C parser makes it
    assert second["notes"] == "fine \U0001f600 \\ud800"


def test_lone_surrogate_escapes_go_in_any_block_split() -> None:
    import random

    from shopper.exchange.package_reader import LoneSurrogates

    pieces = ["a", "\\", "\ud800", "\udc00", "\U0001f600", "é", '"', "\udbff", "u", "d8"]
    rng = random.Random(19)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 20)))
        raw = json.dumps({"k": text}).encode()
        lone = LoneSurrogates()
        out, start = [], 0
        for size in (rng.randint(1, 14) for _ in range(rng.randint(0, 8))):
            out.append(lone.feed(raw[start : start + size]))
            start += size
        out += [lone.feed(raw[start:]), lone.flush()]
        expected = "".join(c for c in json.loads(raw)["k"] if not 0xD800 <= ord(c) <= 0xDFFF)
        assert json.loads(b"".join(out))["k"] == expected, raw


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_csv_cells_carry_no_control_or_bidi_characters(db: Database, tmp_path: Path) -> None:
    """Names stored before the cleaning rule (written here straight into the tables) are
    cleaned on the way out, and a formula hidden behind a bidi override is still caught."""
    import csv

    from sqlalchemy import update

    from shopper.exchange.csv_export import export_csv
    from shopper.exchange.file_import import import_file
    from shopper.storage.models import Agent, Evaluation, Property

    import_file(db, _write(tmp_path / "fine.json", handmade_package()))
    with db.write() as session:
        session.execute(update(Property).values(name='\u202e=HYPERLINK("http://x")'))
        session.execute(update(Agent).values(name="Jos\u00e9\x00\u2066 N\u00fa\u00f1ez"))
        session.execute(update(Evaluation).values(shopper="Sam\r\n\tLee\x1b"))
    out = tmp_path / "out.csv"
    export_csv(db, out)
    text = out.read_text(encoding="utf-8-sig")
    for bad in ("\x00", "\u202e", "\u2066", "\x1b", "\t"):
        assert bad not in text
    rows = list(csv.reader(text.splitlines()))
    assert {tuple(row[2:5]) for row in rows[1:]} == {
        ('\'=HYPERLINK("http://x")', "José Núñez", "Sam Lee")
    }


def test_the_schemas_state_the_text_limits() -> None:
    from shopper.limits import MAX_COMMENT_CHARS, MAX_NOTE_CHARS, MAX_STRING_CHARS
    from shopper.paths import SCHEMAS

    package = json.loads((SCHEMAS / "package.schema.json").read_text(encoding="utf-8"))
    defs = package["$defs"]
    assert defs["answer"]["properties"]["comment"]["maxLength"] == MAX_COMMENT_CHARS
    assert defs["answer"]["properties"]["value"]["maxLength"] == MAX_COMMENT_CHARS
    assert defs["evaluation"]["properties"]["notes"]["maxLength"] == MAX_NOTE_CHARS
    assert defs["event"]["properties"]["detail"]["maxLength"] == MAX_NOTE_CHARS
    rubric = json.loads((SCHEMAS / "rubric.schema.json").read_text(encoding="utf-8"))
    assert rubric["properties"]["description"]["maxLength"] == MAX_STRING_CHARS


def test_the_number_of_evaluations_is_bounded(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each evaluation's id is kept to find duplicates: the count bounds that memory."""
    from shopper.errors import ValidationError
    from shopper.exchange import package_import
    from shopper.exchange.file_import import import_file

    monkeypatch.setattr(package_import, "MAX_EVALUATIONS", 3)
    path = _write(tmp_path / "five.json", handmade_package())
    before = checksum(db)
    with pytest.raises(ValidationError) as caught:
        import_file(db, path)
    assert str(caught.value) == (
        f"{path}: evaluations[3]: more than 3 evaluations in one package; the limit is 3. "
        "Export in parts (e.g. `shopper export --property`) and import each"
    )
    assert checksum(db) == before


def test_random_damage_is_refused_cleanly_or_imported(db: Database, tmp_path: Path) -> None:
    """Fuzz: bytes flipped, cut, doubled or inserted ({, [, ", \\, NUL, U+202E, deep
    nesting) anywhere in a good package. Each import either succeeds or raises a one-line
    ShopperError naming the file, with the database unchanged; nothing else escapes."""
    import random

    from shopper.errors import ShopperError
    from shopper.exchange.file_import import import_file

    good = json.dumps(handmade_package()).encode()
    inserts = [b"{", b"[", b'"', b"\\", b"\x00", "\u202e".encode(), b"[" * 40, b'"a": 1, ']
    rng = random.Random(2026)
    path = tmp_path / "fuzz.json"
    outcomes = {"imported": 0, "refused": 0}
    for _ in range(150):
        data = bytearray(good)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(data))
            action = rng.randrange(4)
            if action == 0:
                data[at] = rng.randrange(256)
            elif action == 1:
                del data[at:]
            elif action == 2:
                data[at:at] = data[at : at + rng.randint(1, 40)]
            else:
                data[at:at] = rng.choice(inserts)
        path.write_bytes(bytes(data))
        before = checksum(db)
        try:
            import_file(db, path)
        except ShopperError as exc:
            message = str(exc)
            assert message.startswith(f"{path}: ") and "\n" not in message, message
            assert checksum(db) == before
            outcomes["refused"] += 1
        else:
            outcomes["imported"] += 1
    assert outcomes["refused"] > 100


def test_the_fast_pass_reads_only_the_bytes_the_checked_pass_read(tmp_path: Path) -> None:
    """The merge pass parses without the checks, so a file swapped after the check (even
    for one of the same size, e.g. deeply nested) is refused before its first block is
    parsed."""
    from shopper.errors import ValidationError
    from shopper.exchange.package_reader import iter_evaluations, iter_same_evaluations

    path = _write(tmp_path / "p.json", handmade_package())
    fingerprint: list[bytes] = []
    assert len(list(iter_evaluations(path, record=fingerprint))) == 5
    assert [i for i, _, _ in iter_same_evaluations(path, fingerprint)] == [0, 1, 2, 3, 4]
    size, stat = path.stat().st_size, path.stat()
    swapped = b'{"evaluations": ' + b"[" * (size - 16)
    path.write_bytes(swapped[:size])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(ValidationError, match="the file changed while it was being imported"):
        list(iter_same_evaluations(path, fingerprint))
