"""Everything a package must satisfy before it may touch the database, with messages that
name where the problem is: `evaluations[3].answers["greeting.rapport"]: 7 is above the scale
maximum 5`.

First the format and the JSON Schema, then what a schema cannot say: rubric content, answers
against their exact rubric version, real dates, references between the parts of the file
(or to the database), completeness of the status, and rubric conflicts with the database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopper import names, schemas
from shopper.domain import ROLES
from shopper.errors import ConflictError, ValidationError
from shopper.exchange.common import (
    PACKAGE_FORMAT,
    SUPPORTED_PACKAGE_VERSIONS,
    parse_timestamp,
)
from shopper.limits import MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_STRING_CHARS
from shopper.rubric import RUBRIC_FORMAT, Rubric, parse_rubric
from shopper.storage.db import Database
from shopper.storage.models import Agent, Property, RubricVersion

Where = list[str | int]
NAME_LIMIT = MAX_NAME_CHARS
KEY_LIMIT = 100


def fail(where: Where, message: str) -> ValidationError:
    return ValidationError(schemas.located(schemas.format_path(where), message))


_PATTERN_WORDS = {
    r"^\d{4}-\d{2}-\d{2}$": "is not a date like 2026-11-20",
    r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$": "is not a time of day like 14:30",
    r"^[a-z0-9][a-z0-9_-]*$": "is not a key (lowercase letters, digits, - and _)",
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$": (
        "is not an id (a UUID like 6f1c1e1a-0000-4000-8000-000000000001)"
    ),
}
_DOES_NOT_MATCH = re.compile(r" does not match (?P<pattern>'.*')$")


def schema_check(data: Any, where: Where | None = None, definition: str | None = None) -> None:
    """The package schema, with its regular expressions said in words."""
    try:
        schemas.validate(data, "package", where, definition=definition)
    except ValidationError as exc:
        message = str(exc)
        found = _DOES_NOT_MATCH.search(message)
        if found is not None:
            for pattern, words in _PATTERN_WORDS.items():
                if found["pattern"] == repr(pattern):
                    raise ValidationError(f"{message[: found.start()]} {words}") from None
        raise


@dataclass(frozen=True)
class StoredRubric:
    id: int
    name: str
    content_hash: str
    content: str


@dataclass
class DatabaseFacts:
    """What the database already holds that a package may refer to or clash with."""

    rubrics: dict[tuple[str, int], StoredRubric] = field(default_factory=dict)
    property_ids: set[str] = field(default_factory=set)
    agent_ids: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, session: Session) -> DatabaseFacts:
        return cls(
            rubrics={
                (r.key, r.version): StoredRubric(r.id, r.name, r.content_hash, r.content)
                for r in session.scalars(select(RubricVersion))
            },
            property_ids=set(session.scalars(select(Property.id))),
            agent_ids=set(session.scalars(select(Agent.id))),
        )

    @classmethod
    def of(cls, db: Database) -> DatabaseFacts:
        with db.read() as session:
            return cls.load(session)


@dataclass(frozen=True)
class PropertyRecord:
    id: str
    name: str
    address: str | None


@dataclass(frozen=True)
class AgentRecord:
    id: str
    name: str
    property_id: str
    active: bool


@dataclass(frozen=True)
class PersonRecord:
    id: str
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class CalibrationSessionRecord:
    id: str
    title: str
    rubric: tuple[str, int]
    recording: str | None
    notes: str | None
    agent_id: str | None
    reference_evaluation_id: str | None
    raters: tuple[str, ...]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


@dataclass(frozen=True)
class PackageHeader:
    """The validated small parts of a package."""

    rubrics: dict[tuple[str, int], Rubric]
    properties: list[PropertyRecord]
    agents: list[AgentRecord]
    settings: dict[str, str]
    has_evaluations: bool
    people: list[PersonRecord] = field(default_factory=list)
    format_version: int = 1
    calibration_sessions: list[CalibrationSessionRecord] = field(default_factory=list)


def check_format(data: Any) -> None:
    """The `format` and `format_version` fields, before anything else is looked at."""
    if not isinstance(data, Mapping):
        raise ValidationError('not a Shopper file (expected a JSON object with a "format" field)')
    found = data.get("format")
    if found is None:
        raise fail(["format"], f'missing; not a Shopper package (expected "{PACKAGE_FORMAT}")')
    if found == RUBRIC_FORMAT:
        raise fail(["format"], "this is a rubric file, not a package; use `shopper import`")
    if found != PACKAGE_FORMAT:
        raise fail(["format"], f'expected "{PACKAGE_FORMAT}", found {show(found)}')
    version = data.get("format_version")
    newest = max(SUPPORTED_PACKAGE_VERSIONS)
    if isinstance(version, int) and not isinstance(version, bool) and version > newest:
        raise fail(
            ["format_version"],
            f"format version {version} is newer than this app reads ({newest}); "
            "update Shopper to open it",
        )


def show(value: Any) -> str:
    """A value from a file as it was written, cut short."""
    try:
        return json.dumps(value, ensure_ascii=False)[:60]
    except (TypeError, ValueError):
        return repr(value)[:60]


def check_header(data: dict[str, Any], facts: DatabaseFacts) -> PackageHeader:
    """Validate everything but the evaluations (which are checked one at a time)."""
    check_format(data)
    schema_check(data)
    rubrics = _check_rubrics(data["rubrics"], facts)
    properties = _check_properties(data["properties"])
    known_properties = {p.id for p in properties} | facts.property_ids
    agents = _check_agents(data["agents"], known_properties)
    return PackageHeader(
        rubrics=rubrics,
        properties=properties,
        agents=agents,
        settings=dict(data.get("settings") or {}),
        has_evaluations="evaluations" in data,
        people=_check_people(data.get("people") or []),
        format_version=int(data["format_version"]),
        calibration_sessions=_check_sessions(
            data.get("calibration_sessions") or [], set(rubrics) | set(facts.rubrics)
        ),
    )


def _check_rubrics(raw: list[Any], facts: DatabaseFacts) -> dict[tuple[str, int], Rubric]:
    found: dict[tuple[str, int], tuple[int, Rubric]] = {}
    for index, item in enumerate(raw):
        where: Where = ["rubrics", index]
        rubric = parse_rubric(item, where)
        _check_rubric_lengths(item, rubric, where)
        ident = (rubric.key, rubric.version)
        label = f'rubric "{rubric.key}" version {rubric.version}'
        if ident in found:
            first, other = found[ident]
            if other.content_hash() != rubric.content_hash() or other.name != rubric.name:
                raise ConflictError(
                    schemas.located(
                        schemas.format_path(where),
                        f"{label} is listed twice with different content (also rubrics[{first}])",
                    )
                )
            continue
        stored = facts.rubrics.get(ident)
        if stored is not None and (
            stored.content_hash != rubric.content_hash() or stored.name != rubric.name
        ):
            raise ConflictError(
                schemas.located(
                    schemas.format_path(where),
                    f"{label} conflicts with the {label} already in this database (same key "
                    "and version, different content); nothing was imported. Whoever changed "
                    "the rubric must save it as a new version and export again",
                )
            )
        found[ident] = (index, rubric)
    return {ident: rubric for ident, (_, rubric) in found.items()}


def _check_rubric_lengths(raw: Any, rubric: Rubric, where: Where) -> None:
    """The database's column sizes, which the rubric schema does not state."""
    if len(rubric.key) > KEY_LIMIT:
        raise fail([*where, "key"], f"longer than {KEY_LIMIT} characters")
    if len(rubric.name) > NAME_LIMIT:
        raise fail([*where, "name"], f"longer than {NAME_LIMIT} characters")
    for si, section in enumerate(rubric.sections):
        if len(section.key) > KEY_LIMIT:
            raise fail([*where, "sections", si, "key"], f"longer than {KEY_LIMIT} characters")
        for ii, item in enumerate(section.items):
            if len(item.key) > KEY_LIMIT:
                raise fail(
                    [*where, "sections", si, "items", ii, "key"],
                    f"longer than {KEY_LIMIT} characters",
                )


def clean_name(name: str, where: Where, what: str = "name") -> str:
    """A name from a file as the UI would store it (`shopper.names.clean_name`): control
    and bidi characters and lone surrogates removed, spaces collapsed."""
    try:
        cleaned = names.clean_name(name, what, max_chars=sys.maxsize)
    except ValidationError:
        raise fail(where, "the name is empty") from None
    if len(cleaned) > MAX_NAME_CHARS:
        raise fail(
            where, f"the name is {len(cleaned):,} characters long; the limit is {MAX_NAME_CHARS:,}"
        )
    return cleaned


def clean_person(name: str, where: Where, what: str = "name") -> str:
    """A person's name (a shopper, an actor) from a file, cleaned like `clean_name`; may be
    empty, as in the app."""
    if not names.clean_text(name, what, sys.maxsize).strip():
        return ""
    return clean_name(name, where, what)


def clean_text(
    text: str | None, where: Where, what: str = "comment", limit: int = MAX_STRING_CHARS
) -> str | None:
    """Free text from a file as the UI would store it (`shopper.names.clean_text`); None
    when nothing is left."""
    if text is None:
        return None
    try:
        return names.clean_text(text, what, limit) or None
    except ValidationError as exc:
        raise fail(where, _lower_first(str(exc))) from None


def _lower_first(message: str) -> str:
    return message[:1].lower() + message[1:]


def _check_properties(raw: list[Any]) -> list[PropertyRecord]:
    seen: dict[str, int] = {}
    out = []
    for index, item in enumerate(raw):
        where: Where = ["properties", index]
        if item["id"] in seen:
            raise fail([*where, "id"], f"listed twice (also properties[{seen[item['id']]}])")
        seen[item["id"]] = index
        name = clean_name(item["name"], [*where, "name"], "property name")
        address = clean_text(item.get("address"), [*where, "address"], "address")
        out.append(PropertyRecord(item["id"], name, address))
    return out


def _check_agents(raw: list[Any], known_properties: set[str]) -> list[AgentRecord]:
    seen: dict[str, int] = {}
    out = []
    for index, item in enumerate(raw):
        where: Where = ["agents", index]
        if item["id"] in seen:
            raise fail([*where, "id"], f"listed twice (also agents[{seen[item['id']]}])")
        seen[item["id"]] = index
        if item["property_id"] not in known_properties:
            raise fail(
                [*where, "property_id"],
                f"property {item['property_id']} is neither in the file's properties nor in "
                "this database",
            )
        name = clean_name(item["name"], [*where, "name"], "agent name")
        out.append(AgentRecord(item["id"], name, item["property_id"], item.get("active", True)))
    return out


def _check_people(raw: list[Any]) -> list[PersonRecord]:
    seen: dict[str, int] = {}
    out = []
    for index, item in enumerate(raw):
        where: Where = ["people", index]
        if item["id"] in seen:
            raise fail([*where, "id"], f"listed twice (also people[{seen[item['id']]}])")
        seen[item["id"]] = index
        name = clean_name(item["name"], [*where, "name"], "person's name")
        roles = tuple(r for r in ROLES if r in set(item.get("roles") or ()))
        out.append(PersonRecord(item["id"], name, roles))
    return out


def _check_sessions(
    raw: list[Any], known_rubrics: set[tuple[str, int]]
) -> list[CalibrationSessionRecord]:
    """Calibration sessions: each on a rubric version of the file or of the database."""
    seen: dict[str, int] = {}
    out = []
    for index, item in enumerate(raw):
        where: Where = ["calibration_sessions", index]
        if item["id"] in seen:
            raise fail(
                [*where, "id"], f"listed twice (also calibration_sessions[{seen[item['id']]}])"
            )
        seen[item["id"]] = index
        rubric = (item["rubric_key"], item["rubric_version"])
        if rubric not in known_rubrics:
            raise fail(
                [*where, "rubric_key"],
                f'rubric "{rubric[0]}" version {rubric[1]} is neither in the file\'s rubrics '
                "nor in this database",
            )
        stamps = [
            parse_timestamp(item[name].upper()) if item.get(name) else None
            for name in ("created_at", "updated_at")
        ]
        out.append(
            CalibrationSessionRecord(
                id=item["id"],
                title=clean_name(item["title"], [*where, "title"], "session title"),
                rubric=rubric,
                recording=_note(item.get("recording"), "recording"),
                notes=_note(item.get("notes"), "notes"),
                agent_id=item.get("agent_id"),
                reference_evaluation_id=item.get("reference_evaluation_id"),
                raters=tuple(dict.fromkeys(item.get("raters") or ())),
                created_at=stamps[0],
                updated_at=stamps[1],
            )
        )
    return out


def _note(text: str | None, what: str) -> str | None:
    return (names.clean_text(text, what, MAX_NOTE_CHARS) or None) if text else None
