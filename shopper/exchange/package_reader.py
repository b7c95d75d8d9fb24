"""Reading big JSON files as a stream (ijson): the small top-level parts whole, the
evaluations one at a time, and every way a file can be broken turned into one clear line.

A package written by Shopper has its header (format, rubrics, properties, agents) before
the evaluations, so the header is read by looking at the first few events only. A file
written by other tools in another key order still reads; it just takes one more pass.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from shopper.errors import ValidationError

BOM = b"\xef\xbb\xbf"
HEADER_KEYS = (
    "format",
    "format_version",
    "exported_at",
    "rubrics",
    "properties",
    "agents",
    "settings",
)
"""Top-level keys read whole; `evaluations` is streamed; anything else is skipped."""


class CountingReader:
    """A binary file that skips a UTF-8 byte-order mark and counts what was read."""

    def __init__(self, handle: BinaryIO, on_read: Callable[[int], None] | None = None) -> None:
        self.handle = handle
        self.position = 0
        self.on_read = on_read
        if handle.read(3) != BOM:
            handle.seek(0)
        else:
            self.position = 3

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.position += len(chunk)
        if self.on_read is not None and chunk:
            self.on_read(self.position)
        return chunk


@contextlib.contextmanager
def open_json(path: Path, on_read: Callable[[int], None] | None = None) -> Iterator[CountingReader]:
    """Open `path` for streaming; missing, unreadable and empty files get a clear message."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ValidationError(f"{path}: no such file; check the name and folder") from None
    except IsADirectoryError:
        raise ValidationError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise ValidationError(f"{path}: cannot be read ({exc.strerror})") from None
    with handle:
        start = handle.read(65536)
        if not start.removeprefix(BOM).strip() and len(start) < 65536:
            raise ValidationError(f"{path}: the file is empty")
        handle.seek(0)
        with json_errors(path):
            yield CountingReader(handle, on_read)


@contextlib.contextmanager
def json_errors(path: Path) -> Iterator[None]:
    """Turn the JSON parser's errors into one line about the file."""
    try:
        yield
    except ijson.IncompleteJSONError as exc:
        raise ValidationError(f"{path}: {describe_json_error(exc)}") from None
    except ijson.JSONError as exc:
        raise ValidationError(f"{path}: {describe_json_error(exc)}") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{path}: not a text file (expected UTF-8 JSON)") from None
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
    return f"not valid JSON ({detail}); is it really a Shopper file?"


def read_format(path: Path) -> tuple[Any, Any]:
    """(`format`, `format_version`) of a JSON file, reading no further than needed."""
    found: dict[str, Any] = {}
    with open_json(path) as stream:
        events = ijson.parse(stream, use_float=True)
        _expect_object(path, events)
        for prefix, event, value in events:
            if prefix in ("format", "format_version") and event in ("string", "number"):
                found[prefix] = value
            elif prefix == "format" or prefix == "format_version":
                found[prefix] = _Unreadable()
            if len(found) == 2:
                break
    return found.get("format"), found.get("format_version")


class _Unreadable:
    """A `format` that is not a plain string or number (an object, a list...)."""

    def __repr__(self) -> str:
        return "a non-text value"


def _expect_object(path: Path, events: Iterator[tuple[str, str, Any]]) -> None:
    try:
        _, event, _ = next(events)
    except StopIteration:
        raise ValidationError(f"{path}: the file is empty") from None
    if event != "start_map":
        raise ValidationError(
            f'{path}: not a Shopper file (expected a JSON object with a "format" field)'
        )


def read_header(path: Path) -> dict[str, Any]:
    """Every top-level part except the evaluations, which become `[]` when present.

    Looks only at the start of the file when the header comes before the evaluations
    (as Shopper writes it); otherwise reads on past the evaluations without keeping them.
    """
    header: dict[str, Any] = {}
    with open_json(path) as stream:
        events = ijson.parse(stream, use_float=True)
        _expect_object(path, events)
        seen_evaluations = False
        for prefix, event, value in events:
            if prefix != "" or event != "map_key":
                if prefix == "" and event == "end_map":
                    break
                continue
            if value == "evaluations":
                header["evaluations"] = []
                seen_evaluations = True
                if all(k in header for k in ("format", "format_version", "rubrics")) and all(
                    k in header for k in ("properties", "agents", "exported_at")
                ):
                    break
                _skip_value(events)
            elif value in HEADER_KEYS:
                header[value] = _build_value(events)
            else:
                _skip_value(events)
        if not seen_evaluations:
            header.pop("evaluations", None)
    return header


def _build_value(events: Iterator[tuple[str, str, Any]]) -> Any:
    builder = ijson.ObjectBuilder()
    depth = 0
    for _, event, value in events:
        builder.event(event, value)
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
        if depth == 0:
            return builder.value
    return builder.value


def _skip_value(events: Iterator[tuple[str, str, Any]]) -> None:
    depth = 0
    for _, event, _ in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
        if depth == 0:
            return


def iter_evaluations(
    path: Path, on_read: Callable[[int], None] | None = None
) -> Iterator[tuple[int, Any]]:
    """(index, evaluation as parsed JSON) for every evaluation, one at a time. Reads the whole
    file, so a break anywhere in it (even after the evaluations) raises ValidationError."""
    with open_json(path, on_read) as stream:
        yield from enumerate(ijson.items(stream, "evaluations.item", use_float=True))
