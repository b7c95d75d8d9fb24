"""Reading big JSON files as a stream (ijson), bounded: no file can make the reader hold
more than a few tens of megabytes, and every way a file can be broken or hostile becomes
one clear line that names the limit and where it was crossed.

The file is read in blocks and pushed through ijson's C tokenizer; each block's events are
checked before the next block is read, so nothing grows before it is checked:
- nesting deeper than `MAX_JSON_DEPTH` (ijson's own path tracking grows with the square of
  the depth: 100,000 `[` took 24 GB), duplicate keys in any object (the reader would keep
  one and silently drop the other), more than `MAX_KEYS` keys in one object;
- text longer than its limit (`MAX_COMMENT_CHARS` for comments, `MAX_NOTE_CHARS` for notes,
  `MAX_STRING_CHARS` for everything else), and any single token the tokenizer is still
  collecting after `MAX_TOKEN_BYTES` (a 10 MB string is refused at its first megabyte);
- files over `MAX_FILE_BYTES`, and parts read whole (one evaluation, the header) over
  `MAX_PART_VALUES` values or `MAX_PART_CHARS` characters.

A package written by Shopper has its header (format, rubrics, properties, agents) before
the evaluations, so the header is read by looking at the first few events only. A file
written by other tools in another key order still reads; it just takes one more pass.

The import reads the evaluations twice: once checked as above (`iter_evaluations`, which
can record a `Fingerprint` of the file's blocks) and once fast, without Python looking at
each token (`iter_same_evaluations`), which refuses any block that differs from the one
checked, before the parser sees it.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from shopper.errors import ValidationError
from shopper.limits import (
    MAX_COMMENT_CHARS,
    MAX_FILE_BYTES,
    MAX_HEADER_CHARS,
    MAX_HEADER_VALUES,
    MAX_JSON_DEPTH,
    MAX_KEYS,
    MAX_NOTE_CHARS,
    MAX_PART_CHARS,
    MAX_PART_VALUES,
    MAX_STRING_CHARS,
    MAX_TOKEN_BYTES,
)
from shopper.schemas import format_path

BOM = b"\xef\xbb\xbf"
BLOCK = 64 * 1024
"""Bytes read and checked at a time."""
TEXT_LIMITS = {
    "comment": MAX_COMMENT_CHARS,
    "value": MAX_COMMENT_CHARS,  # a text item's answer
    "notes": MAX_NOTE_CHARS,
    "detail": MAX_NOTE_CHARS,
    "reason": MAX_NOTE_CHARS,
    "resolution_reason": MAX_NOTE_CHARS,
}
"""Text limits by field name; any other string may have `MAX_STRING_CHARS`."""
_SHORTEST_TEXT_LIMIT = min(MAX_STRING_CHARS, *TEXT_LIMITS.values())
_HASHED_KEY_FROM = 64
HEADER_KEYS = (
    "format",
    "format_version",
    "exported_at",
    "rubrics",
    "properties",
    "agents",
    "people",
    "calibration_sessions",
    "settings",
)
"""Top-level keys read whole; `evaluations` is streamed; anything else is skipped."""

Fingerprint = list[bytes]
"""Digests of a file's blocks, in order, as the checking pass read them."""


class CountingReader:
    """A binary file read in blocks: skips a UTF-8 byte-order mark, counts what was read,
    refuses a file over `MAX_FILE_BYTES`, and records or compares each block's digest."""

    def __init__(
        self,
        handle: BinaryIO,
        path: Path,
        on_read: Callable[[int], None] | None = None,
        record: Fingerprint | None = None,
        compare: Fingerprint | None = None,
    ) -> None:
        self.handle, self.path = handle, path
        self.position = 0
        self.on_read = on_read
        self.record, self.compare = record, compare
        self.blocks = 0
        self.surrogates = LoneSurrogates()
        if handle.read(3) != BOM:
            handle.seek(0)
        else:
            self.position = 3

    def read(self, size: int = BLOCK) -> bytes:
        """The next block, lone surrogate escapes removed; b"" only at the end."""
        if size == 0:  # ijson asks for nothing to learn whether the file gives bytes
            return b""
        while True:
            chunk = self._raw()
            out = self.surrogates.feed(chunk) if chunk else self.surrogates.flush()
            if out or not chunk:
                return out

    def _raw(self) -> bytes:
        chunk = self.handle.read(BLOCK)
        self.position += len(chunk)
        if self.position > MAX_FILE_BYTES:
            raise ValidationError(
                f"{self.path}: the file is over {MAX_FILE_BYTES:,} bytes; the limit is "
                f"{MAX_FILE_BYTES:,}"
            )
        if self.record is not None or self.compare is not None:
            digest = hashlib.blake2b(chunk, digest_size=16).digest()
            if self.record is not None:
                self.record.append(digest)
            if self.compare is not None and (
                self.blocks >= len(self.compare) or self.compare[self.blocks] != digest
            ):
                raise changed_while_reading(self.path)
            self.blocks += 1
        if self.on_read is not None and chunk:
            self.on_read(self.position)
        return chunk


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_HIGH_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}")
_LOW_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_ESCAPE_TAIL = 11
"""Bytes at the end of a block that may hold an unfinished surrogate escape or pair."""


class LoneSurrogates:
    """Removes `\\uD800`-`\\uDFFF` escapes that are not half of a pair from JSON bytes fed
    in blocks: the C parser would turn each into "?", while names and text lose them
    (shopper.names), so a file's text is cleaned by the same rule as typed text. Escaped
    backslashes (`\\\\ud800` is text, not an escape) are told apart by counting them."""

    def __init__(self) -> None:
        self.carry = b""
        self.backslashes = 0
        """Backslashes that ended the bytes handed on so far."""

    def feed(self, block: bytes) -> bytes:
        data = self.carry + block
        cut = len(data)
        tail = data.find(b"\\", max(0, cut - _ESCAPE_TAIL))
        if tail >= 0:
            cut = tail
            if _HIGH_SURROGATE_ESCAPE.match(data, max(0, cut - 6)) is not None and cut >= 6:
                cut -= 6  # never part a pair
        self.carry = data[cut:]
        return self._hand_on(data[:cut])

    def flush(self) -> bytes:
        data, self.carry = self.carry, b""
        return self._hand_on(data)

    def _hand_on(self, data: bytes) -> bytes:
        if _SURROGATE_ESCAPE.search(data) is not None:
            data = self._drop_lone(data)
        run = len(data) - len(data.rstrip(b"\\"))
        self.backslashes = run + self.backslashes if run == len(data) else run
        return data

    def _drop_lone(self, data: bytes) -> bytes:
        out: list[bytes] = []
        start = 0
        position = 0
        while True:
            found = _SURROGATE_ESCAPE.search(data, position)
            if found is None:
                break
            at = found.start()
            before = at - 1
            while before >= 0 and data[before] == 0x5C:
                before -= 1
            run = at - 1 - before + (self.backslashes if before < 0 else 0)
            position = found.end()
            if run % 2:  # an escaped backslash, then the text "ud800"
                continue
            high = found.group()[3:4].lower() in b"89ab"
            if high and _LOW_SURROGATE_ESCAPE.match(data, position) is not None:
                position += 6  # a pair: one character outside the BMP
                continue
            out.append(data[start:at])
            start = position
        out.append(data[start:])
        return b"".join(out)


def changed_while_reading(path: Path) -> ValidationError:
    return ValidationError(
        f"{path}: the file changed while it was being imported; nothing was imported. "
        "Import it again once it is complete"
    )


@contextlib.contextmanager
def open_json(
    path: Path,
    on_read: Callable[[int], None] | None = None,
    record: Fingerprint | None = None,
    compare: Fingerprint | None = None,
) -> Iterator[CountingReader]:
    """Open `path` for streaming; missing, unreadable, empty and too big files get a clear
    message."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file; check the name and folder") from None
    except IsADirectoryError:
        raise ValidationError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot be read ({exc.strerror})") from None
    with handle:
        with json_errors(path):
            size = handle.seek(0, 2)
            handle.seek(0)
        if size > MAX_FILE_BYTES:
            raise ValidationError(
                f"{path}: the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"
            )
        start = handle.read(65536)
        if not start.removeprefix(BOM).strip() and len(start) < 65536:
            raise ValidationError(f"{path}: the file is empty")
        handle.seek(0)
        with json_errors(path):
            yield CountingReader(handle, path, on_read, record, compare)


class JSONSyntaxError(ValidationError):
    """The file is not JSON (or not UTF-8), as opposed to JSON that crosses a limit."""


@contextlib.contextmanager
def json_errors(path: Path) -> Iterator[None]:
    """Turn the JSON parser's errors into one line about the file."""
    try:
        yield
    except ijson.IncompleteJSONError as exc:
        raise JSONSyntaxError(f"{path}: {describe_json_error(exc)}") from None
    except ijson.JSONError as exc:
        raise JSONSyntaxError(f"{path}: {describe_json_error(exc)}") from None
    except UnicodeDecodeError:
        raise JSONSyntaxError(f"{path}: not a text file (expected UTF-8 JSON)") from None
    except (ValueError, OverflowError) as exc:  # e.g. a number with 5,000 digits
        raise JSONSyntaxError(f"{path}: not valid JSON ({exc})") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot be read ({exc.strerror})") from None


def describe_json_error(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    detail = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    if "premature EOF" in detail or "Incomplete" in detail:
        return "the file ends too early; it was probably cut off while being copied or saved"
    if "UTF8" in detail or "utf-8" in detail.lower():
        return "not a text file (expected UTF-8 JSON)"
    detail = detail.removeprefix("parse error: ").removeprefix("lexical error: ").rstrip(".")
    return f"not valid JSON ({detail[:80]}); is it really a Shopper file?"


class _Budget:
    """How much a part read whole may still hold."""

    def __init__(self, values: int, chars: int, what: str) -> None:
        self.values, self.chars, self.what = values, chars, what
        self.limits = (values, chars)


_ARRAY = None
"""The frame of an open array (an open object's frame is the set of its keys)."""


class Scanner:
    """The events of one JSON file, checked as they come (see the module's docstring), with
    the location of the current value in `where` for messages."""

    def __init__(self, path: Path, reader: CountingReader) -> None:
        self.path = path
        self.reader = reader
        self.where: list[str | int] = []
        self.frames: list[set[str | bytes] | None] = []
        self.events: Iterator[tuple[str, Any]] = itertools.chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[list[tuple[str, Any]]]:
        """The events of each block read, checked for a token that never ends."""
        pending: list[tuple[str, Any]] = ijson.sendable_list()
        parser = ijson.basic_parse_coro(pending, use_float=True)
        quiet = 0
        while True:
            block = self.reader.read(BLOCK)
            if not block:
                parser.close()
                yield pending
                return
            parser.send(block)
            if pending:
                quiet = 0
                yield list(pending)
                del pending[:]
            else:
                quiet += len(block)
                if quiet > MAX_TOKEN_BYTES:
                    raise self.fail(
                        f"a single value of more than {MAX_TOKEN_BYTES:,} bytes; the limit "
                        f"for text is {MAX_STRING_CHARS:,} characters",
                        self._next_location(),
                    )

    def _next_location(self) -> list[str | int]:
        where = list(self.where)
        if self.frames and self.frames[-1] is _ARRAY:
            where[-1] = int(where[-1]) + 1
        return where

    def too_deep(self) -> ValidationError:
        shown = format_path(self.where[:4]) + ("…" if len(self.where) > 4 else "")
        return ValidationError(
            f"{self.path}: {shown}: nested more than {MAX_JSON_DEPTH} levels deep; the limit "
            f"is {MAX_JSON_DEPTH}"
        )

    def fail(self, message: str, where: list[str | int] | None = None) -> ValidationError:
        located = format_path(self.where if where is None else where)
        return ValidationError(
            f"{self.path}: {located}: {message}" if located else f"{self.path}: {message}"
        )

    def next(self) -> tuple[str, Any]:
        try:
            return next(self.events)
        except StopIteration:
            raise JSONSyntaxError(
                f"{self.path}: the file ends too early; it was probably cut off while being "
                "copied or saved"
            ) from None

    def top_level(self) -> Iterator[str]:
        """The keys of the top-level object, in file order. After each, the caller reads
        its value with `build` or `skip`. Raises ValidationError if the file holds no
        object, or anything after it."""
        event, _ = self.next()
        if event != "start_map":
            raise ValidationError(
                f'{self.path}: not a Shopper file (expected a JSON object with a "format" field)'
            )
        self.frames.append(set())
        self.where.append("")
        while True:
            event, value = self.next()
            if event == "end_map":
                self.frames.pop()
                self.where.pop()
                break
            self._key(value)
            yield value
        for _ in self.events:  # the parser refuses anything after the object
            pass

    def _key(self, key: str) -> None:
        keys = self.frames[-1]
        assert keys is not None
        if len(key) > MAX_STRING_CHARS:
            self.where[-1] = key[:40] + "…"
            raise self.fail(
                f"a key of {len(key):,} characters; the limit is {MAX_STRING_CHARS:,}",
                self.where[:-1],
            )
        seen: str | bytes = key
        if len(key) > _HASHED_KEY_FROM:
            seen = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        if seen in keys:
            where = format_path(self.where[:-1])
            if where:
                raise ValidationError(f"{self.path}: {where}: duplicate key {key!r}")
            raise ValidationError(f"{self.path}: duplicate key {key!r} at the top level")
        if len(keys) >= MAX_KEYS:
            raise self.fail(f"more than {MAX_KEYS:,} keys in one object", self.where[:-1])
        keys.add(seen)
        self.where[-1] = key

    def _text(self, text: str) -> None:
        last = self.where[-1] if self.where else None
        limit = (
            TEXT_LIMITS.get(last, MAX_STRING_CHARS) if isinstance(last, str) else MAX_STRING_CHARS
        )
        if len(text) > limit:
            raise self.fail(f"{len(text):,} characters; the limit is {limit:,}")

    def build(self, budget: _Budget | None = None) -> Any:
        """The next value, whole (checked)."""
        event, value = self.next()
        return self._value(event, value, True, budget)

    def skip(self) -> None:
        """Read past the next value (checked, not kept)."""
        event, value = self.next()
        self._value(event, value, False, None)

    def _value(self, first: str, first_value: Any, build: bool, budget: _Budget | None) -> Any:
        """Consume the value that starts with (`first`, `first_value`); return it if `build`.

        The hot loop of an import (a few million events per 10,000 evaluations): locals
        only, the rare cases in methods."""
        frames, where = self.frames, self.where
        base = depth = len(frames)
        in_array = depth > 0 and frames[-1] is _ARRAY
        stack: list[Any] = []
        budget = budget or _Budget(MAX_PART_VALUES, MAX_PART_CHARS, "one part")
        values = chars = 0
        done: Any = None
        hashed_from, most_keys, shortest_limit = _HASHED_KEY_FROM, MAX_KEYS, _SHORTEST_TEXT_LIMIT
        for event, value in itertools.chain(((first, first_value),), self.events):
            if event == "map_key":
                keys: Any = frames[-1]
                if len(value) > hashed_from or value in keys or len(keys) >= most_keys:
                    self._key(value)
                else:
                    keys.add(value)
                    where[-1] = value
                chars += len(value)
                continue
            if in_array:
                where[-1] += 1  # type: ignore[operator]
            if event == "string":
                length = len(value)
                if length > shortest_limit:
                    self._text(value)
                chars += length
                done = value
            elif event == "start_map":
                if depth >= MAX_JSON_DEPTH:
                    raise self.too_deep()
                depth += 1
                frames.append(set())
                where.append("")
                in_array = False
                if build:
                    stack.append({})
                continue
            elif event == "end_map" or event == "end_array":
                frames.pop()
                where.pop()
                depth -= 1
                in_array = depth > 0 and frames[-1] is _ARRAY
                done = stack.pop() if build else None
            elif event == "start_array":
                if depth >= MAX_JSON_DEPTH:
                    raise self.too_deep()
                depth += 1
                frames.append(_ARRAY)
                where.append(-1)
                in_array = True
                if build:
                    stack.append([])
                continue
            else:
                done = value
            values += 1
            if depth == base:
                if build:
                    self._spend(budget, values, chars, base)
                return done
            if build:
                if values > 1023:
                    self._spend(budget, values, chars, base)
                    values = chars = 0
                if in_array:
                    stack[-1].append(done)
                else:
                    stack[-1][where[-1]] = done
        raise JSONSyntaxError(
            f"{self.path}: the file ends too early; it was probably cut off while being "
            "copied or saved"
        )

    def _spend(self, budget: _Budget, values: int, chars: int, base: int) -> None:
        budget.values -= values
        budget.chars -= chars
        if budget.values < 0 or budget.chars < 0:
            most_values, most_chars = budget.limits
            found = (
                f"more than {most_values:,} values"
                if budget.values < 0
                else f"more than {most_chars:,} characters of text"
            )
            raise self.fail(
                f"too big to read: {found} in {budget.what}", self.where[: max(base, 1)]
            )

    def items(self) -> Iterator[Any]:
        """Each item of the array that is the next value, built one at a time; nothing if
        the next value is not an array (it is read past, checked)."""
        event, value = self.next()
        if event != "start_array":
            self._value(event, value, False, None)
            return
        self.frames.append(_ARRAY)
        self.where.append(-1)
        while True:
            event, value = self.next()
            if event == "end_array":
                self.frames.pop()
                self.where.pop()
                return
            budget = _Budget(MAX_PART_VALUES, MAX_PART_CHARS, "one evaluation")
            yield self._value(event, value, True, budget)


@contextlib.contextmanager
def scan(
    path: Path,
    on_read: Callable[[int], None] | None = None,
    record: Fingerprint | None = None,
) -> Iterator[Scanner]:
    with open_json(path, on_read, record) as reader:
        yield Scanner(path, reader)


def read_format(path: Path) -> tuple[Any, Any]:
    """(`format`, `format_version`) of a JSON file, reading no further than needed."""
    found: dict[str, Any] = {}
    with scan(path) as scanner:
        for key in scanner.top_level():
            if key in ("format", "format_version"):
                value = scanner.build()
                found[key] = value if not isinstance(value, dict | list) else _Unreadable()
                if len(found) == 2:
                    break
            else:
                scanner.skip()
    return found.get("format"), found.get("format_version")


class _Unreadable:
    """A `format` that is not a plain string or number (an object, a list...)."""

    def __repr__(self) -> str:
        return "a non-text value"


def read_header(path: Path) -> dict[str, Any]:
    """Every top-level part except the evaluations, which become `[]` when present.

    Looks only at the start of the file when the header comes before the evaluations
    (as Shopper writes it); otherwise reads on past the evaluations without keeping them.
    """
    header: dict[str, Any] = {}
    budget = _Budget(MAX_HEADER_VALUES, MAX_HEADER_CHARS, "the file's header")
    with scan(path) as scanner:
        for key in scanner.top_level():
            if key == "evaluations":
                event, value = scanner.next()
                if event != "start_array":  # the schema names what it is instead
                    header[key] = scanner._value(event, value, True, None)
                    continue
                header["evaluations"] = []
                if all(k in header for k in ("format", "format_version", "rubrics")) and all(
                    k in header for k in ("properties", "agents", "exported_at")
                ):
                    break
                scanner._value(event, value, False, None)
            elif key in HEADER_KEYS:
                header[key] = scanner.build(budget)
            else:
                scanner.skip()
    return header


def iter_evaluations(
    path: Path,
    on_read: Callable[[int], None] | None = None,
    record: Fingerprint | None = None,
) -> Iterator[tuple[int, Any]]:
    """(index, evaluation as parsed JSON) for every evaluation, one at a time, checked as
    the module's docstring says. Reads the whole file, so a break or a crossed limit
    anywhere in it (even after the evaluations) raises ValidationError. With `record`, the
    digests of the file's blocks are appended to it for `iter_same_evaluations`."""
    with scan(path, on_read, record) as scanner:
        for key in scanner.top_level():
            if key == "evaluations":
                yield from enumerate(scanner.items())
            else:
                scanner.skip()


def iter_same_evaluations(path: Path, fingerprint: Fingerprint) -> Iterator[tuple[int, Any, int]]:
    """(index, evaluation, about how many bytes of the file it took) for every evaluation of
    a file `iter_evaluations` has checked and fingerprinted; fast (the C parser builds the
    evaluations). A block that differs from the one checked is refused before it is parsed
    (`the file changed while it was being imported`)."""
    with open_json(path, compare=fingerprint) as reader:
        taken = reader.position
        for index, raw in enumerate(ijson.items(reader, "evaluations.item", use_float=True)):
            yield index, raw, reader.position - taken
            taken = reader.position
        if reader.blocks != len(fingerprint):
            raise changed_while_reading(path)


def load_bounded(path: Path) -> Any:
    """A whole small JSON file (a rubric file), read with the same checks and limits."""
    with scan(path) as scanner:
        event, value = scanner.next()
        result = scanner._value(event, value, True, None)
        for _ in scanner.events:
            pass
    return result
