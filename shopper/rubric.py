"""The rubric model: parse and validate rubric files, serialise them back, compare versions.

A rubric is immutable once parsed. Points are kept as exact Fractions so that scoring never
meets a binary rounding error; `to_dict()` writes them back as the JSON numbers they came from.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from shopper import schemas
from shopper.errors import ValidationError

RUBRIC_FORMAT = "shopper-rubric"
SUPPORTED_FORMAT_VERSIONS = (1,)
ItemType = Literal["yes_no", "scale", "choice", "text"]
SCORED_TYPES = ("yes_no", "scale", "choice")


def to_fraction(number: int | float) -> Fraction:
    """Exact value of a JSON number as written (2.1 is 21/10, not the nearest double)."""
    return Fraction(str(number)) if isinstance(number, float) else Fraction(number)


def _json_number(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


@dataclass(frozen=True)
class ChoiceOption:
    label: str
    points: Fraction


@dataclass(frozen=True)
class Item:
    key: str
    prompt: str
    type: ItemType
    points: Fraction = Fraction(0)
    max: int = 5
    options: tuple[ChoiceOption, ...] = ()
    critical: bool = False
    allow_na: bool = True
    guidance: str | None = None
    key_question: bool = False
    """One of the few behaviours a program benchmarks everywhere (SCORING.md, *Key questions*);
    scored items only."""

    @property
    def scored(self) -> bool:
        return self.type in SCORED_TYPES

    @functools.cached_property
    def possible(self) -> Fraction:
        """Points this item is worth when answered (0 for text)."""
        if self.type == "choice":
            return max((o.points for o in self.options), default=Fraction(0))
        return self.points if self.scored else Fraction(0)

    def option(self, label: str) -> ChoiceOption | None:
        return next((o for o in self.options if o.label == label), None)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: tuple[Item, ...]
    guidance: str | None = None
    deferred: bool = False
    in_overall: bool = True

    @functools.cached_property
    def possible(self) -> Fraction:
        return sum((i.possible for i in self.items), Fraction(0))


@dataclass(frozen=True)
class Rubric:
    key: str
    name: str
    version: int
    sections: tuple[Section, ...]
    description: str | None = None
    _index: dict[str, tuple[Section, Item]] = field(default_factory=dict, compare=False, repr=False)
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Values other modules compute once per rubric (e.g. scoring's points table)."""

    def __post_init__(self) -> None:
        for section in self.sections:
            for item in section.items:
                self._index[f"{section.key}.{item.key}"] = (section, item)

    def items(self) -> Iterator[tuple[str, Section, Item]]:
        """Every item in order, with its `section.item` path."""
        for section in self.sections:
            for item in section.items:
                yield f"{section.key}.{item.key}", section, item

    def find(self, path: str) -> tuple[Section, Item] | None:
        return self._index.get(path)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @functools.cached_property
    def possible(self) -> Fraction:
        return sum((s.possible for s in self.sections if s.in_overall), Fraction(0))

    def to_dict(self) -> dict[str, Any]:
        """The rubric as a rubric file (every field written out, defaults included)."""
        return {
            "format": RUBRIC_FORMAT,
            "format_version": 1,
            "key": self.key,
            "name": self.name,
            "version": self.version,
            **({"description": self.description} if self.description else {}),
            "sections": [_section_dict(s) for s in self.sections],
        }

    def content_hash(self) -> str:
        """Hash of the content that gives scores meaning (not the version number)."""
        body = self.to_dict()
        body.pop("version")
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def with_version(self, version: int) -> Rubric:
        return Rubric(self.key, self.name, version, self.sections, self.description)


def _section_dict(section: Section) -> dict[str, Any]:
    out: dict[str, Any] = {"key": section.key, "title": section.title}
    if section.guidance:
        out["guidance"] = section.guidance
    out["deferred"] = section.deferred
    out["in_overall"] = section.in_overall
    out["items"] = [_item_dict(i) for i in section.items]
    return out


def _item_dict(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"key": item.key, "prompt": item.prompt, "type": item.type}
    if item.type in ("yes_no", "scale"):
        out["points"] = _json_number(item.points)
    if item.type == "scale":
        out["max"] = item.max
    if item.type == "choice":
        out["options"] = [
            {"label": o.label, "points": _json_number(o.points)} for o in item.options
        ]
    if item.scored:
        out["critical"] = item.critical
        out["allow_na"] = item.allow_na
        if item.key_question:
            # Written only when set, so a rubric without key questions keeps the content
            # (and content hash) it had before the field existed.
            out["key_question"] = True
    if item.guidance:
        out["guidance"] = item.guidance
    return out


def parse_rubric(data: Any, where: list[str | int] | None = None) -> Rubric:
    """Validate a rubric object (schema first, then the rules a schema cannot say)."""
    prefix = where or []
    if isinstance(data, Mapping):
        version = data.get("format_version")
        if isinstance(version, int) and version not in SUPPORTED_FORMAT_VERSIONS:
            raise ValidationError(
                schemas.located(
                    schemas.format_path([*prefix, "format_version"]),
                    f"format version {version} is newer than this app reads "
                    f"({max(SUPPORTED_FORMAT_VERSIONS)}); update Shopper to open it",
                )
            )
    schemas.validate(data, "rubric", prefix)
    return _build(data, prefix)


def _fail(path: list[str | int], message: str) -> ValidationError:
    return ValidationError(schemas.located(schemas.format_path(path), message))


def _build(data: Mapping[str, Any], prefix: list[str | int]) -> Rubric:
    sections: list[Section] = []
    seen_sections: set[str] = set()
    for si, raw_section in enumerate(data["sections"]):
        spath: list[str | int] = [*prefix, "sections", si]
        if raw_section["key"] in seen_sections:
            raise _fail([*spath, "key"], f"section key {raw_section['key']!r} is used twice")
        seen_sections.add(raw_section["key"])
        items: list[Item] = []
        seen_items: set[str] = set()
        for ii, raw in enumerate(raw_section["items"]):
            ipath: list[str | int] = [*spath, "items", ii]
            if raw["key"] in seen_items:
                raise _fail([*ipath, "key"], f"item key {raw['key']!r} is used twice")
            seen_items.add(raw["key"])
            items.append(_build_item(raw, ipath))
        sections.append(
            Section(
                key=raw_section["key"],
                title=raw_section["title"],
                guidance=raw_section.get("guidance") or None,
                deferred=bool(raw_section.get("deferred", False)),
                in_overall=bool(raw_section.get("in_overall", True)),
                items=tuple(items),
            )
        )
    return Rubric(
        key=data["key"],
        name=data["name"],
        version=int(data["version"]),
        description=data.get("description") or None,
        sections=tuple(sections),
    )


def _build_item(raw: Mapping[str, Any], path: list[str | int]) -> Item:
    item_type: ItemType = raw["type"]
    critical = bool(raw.get("critical", False))
    if critical and item_type != "yes_no":
        raise _fail([*path, "critical"], "only yes/no items can be critical")
    key_question = bool(raw.get("key_question", False))
    if key_question and item_type not in SCORED_TYPES:
        raise _fail([*path, "key_question"], "only scored items can be key questions")
    options: list[ChoiceOption] = []
    if item_type == "choice":
        labels: set[str] = set()
        for oi, raw_option in enumerate(raw.get("options", [])):
            if raw_option["label"] in labels:
                raise _fail(
                    [*path, "options", oi, "label"],
                    f"option {raw_option['label']!r} is listed twice",
                )
            if raw_option["label"] == "na":
                raise _fail([*path, "options", oi, "label"], "'na' is reserved for N/A answers")
            labels.add(raw_option["label"])
            options.append(ChoiceOption(raw_option["label"], to_fraction(raw_option["points"])))
        if not options:
            raise _fail([*path, "options"], "a choice item needs at least one option")
    return Item(
        key=raw["key"],
        prompt=raw["prompt"],
        type=item_type,
        points=to_fraction(raw.get("points", 0))
        if item_type in ("yes_no", "scale")
        else Fraction(0),
        max=int(raw.get("max", 5)) if item_type == "scale" else 5,
        options=tuple(options),
        critical=critical,
        allow_na=bool(raw.get("allow_na", True)),
        guidance=raw.get("guidance") or None,
        key_question=key_question,
    )


def read_json_file(path: Path) -> Any:
    """Read a JSON file, turning every way it can fail into a message about the file.

    Read as a stream with the package reader's limits (nesting depth, text and file size,
    duplicate keys refused), so no file can exhaust memory. A small file that is not JSON
    is read once more by `json` for the line and column of the mistake."""
    from shopper.exchange.package_reader import JSONSyntaxError, load_bounded

    path = Path(path)
    try:
        return load_bounded(path)
    except JSONSyntaxError as exc:
        message = str(exc)
        try:
            if path.stat().st_size <= _LOCATE_UP_TO:
                json.loads(path.read_bytes().decode("utf-8-sig"))
        except json.JSONDecodeError as syntax:
            message = (
                f"{path}: not valid JSON (line {syntax.lineno}, column {syntax.colno}: "
                f"{syntax.msg})"
            )
        except (RecursionError, UnicodeDecodeError, OSError, ValueError):
            pass
        raise ValidationError(message) from None


_LOCATE_UP_TO = 4 * 1024 * 1024
"""Largest file whose JSON mistakes are located by line and column (json reads it whole)."""


def load_rubric_file(path: Path) -> Rubric:
    data = read_json_file(path)
    try:
        return parse_rubric(data)
    except ValidationError as exc:
        raise ValidationError(f"{path}: {exc}") from None


def save_rubric_file(rubric: Rubric, path: Path) -> None:
    from shopper.fileio import atomic_write_text

    atomic_write_text(path, json.dumps(rubric.to_dict(), indent=2, ensure_ascii=False) + "\n")


def rubric_from_stored(content: str) -> Rubric:
    """Rebuild a rubric from the content the database keeps (validated when it was saved)."""
    return _cached_stored(content)


@functools.lru_cache(maxsize=64)
def _cached_stored(content: str) -> Rubric:
    return _build(json.loads(content), [])


def stored_content(rubric: Rubric) -> str:
    return json.dumps(rubric.to_dict(), ensure_ascii=False, sort_keys=True)
