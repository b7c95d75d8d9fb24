"""Checking the evaluations of a package one at a time, fast: each rubric version's valid
answers and required items are prepared once; anything not certainly valid is judged by
the one definition (the JSON Schema, `scoring.answer_error`, `scoring.missing_items`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shopper import names, scoring
from shopper.errors import ValidationError
from shopper.exchange.common import parse_timestamp
from shopper.exchange.evaluation_shape import certainly_valid
from shopper.exchange.package_validation import (
    DatabaseFacts,
    PackageHeader,
    Where,
    clean_person,
    clean_text,
    fail,
    schema_check,
)
from shopper.limits import MAX_COMMENT_CHARS, MAX_NOTE_CHARS
from shopper.rubric import Rubric, rubric_from_stored


@dataclass(frozen=True)
class EventRecord:
    at: dt.datetime
    kind: str
    actor: str
    detail: str | None


@dataclass(frozen=True)
class HistoryRecord:
    """A version-2 history event as the file has it (`from`/`to` JSON values)."""

    id: str
    at: dt.datetime
    by_id: str | None
    by: str
    action: str
    field: str | None
    from_value: str | int | None
    to_value: str | int | None
    reason: str | None


@dataclass(frozen=True)
class DisputeItemRecord:
    item: str
    proposed: str | int
    original: str | int | None
    reason: str
    resolution: str | None
    resolved_answer: str | int | None
    resolved_by: str | None
    resolved_by_id: str | None
    resolved_at: dt.datetime | None
    resolution_reason: str | None


@dataclass(frozen=True)
class DisputeRecord:
    id: str
    raised_by: str
    raised_by_id: str | None
    raised_at: dt.datetime
    closed_at: dt.datetime | None
    items: tuple[DisputeItemRecord, ...]

    @property
    def resolved_until(self) -> dt.datetime:
        """How far its resolution went: the later-resolved state wins a merge."""
        stamps = [i.resolved_at for i in self.items if i.resolved_at is not None]
        return max([self.raised_at, *stamps, *([self.closed_at] if self.closed_at else [])])


@dataclass(frozen=True)
class Exclusion:
    reason: str
    by: str
    by_id: str | None
    at: dt.datetime


@dataclass(frozen=True)
class ParsedEvaluation:
    id: str
    rubric: Rubric
    property_id: str
    agent_id: str
    shopper: str
    visited_on: dt.date
    visited_time: dt.time | None
    channel: str
    status: str
    follow_up_due: dt.date | None
    notes: str | None
    created_at: dt.datetime | None
    updated_at: dt.datetime
    answers: dict[str, tuple[scoring.AnswerValue, str | None]]
    """item path -> (value, comment)"""
    history: tuple[EventRecord, ...]
    """Version-1 style entries (`history` of a version-1 file, `events` of version 2)."""
    events: tuple[HistoryRecord, ...] = ()
    """Version-2 history events."""
    disputes: tuple[DisputeRecord, ...] = ()
    released_at: dt.datetime | None = None
    excluded: Exclusion | None = None
    shopper_id: str | None = None
    purpose: str = "shop"
    session_id: str | None = None

    def values(self) -> dict[str, scoring.AnswerValue]:
        return {path: value for path, (value, _) in self.answers.items()}


@dataclass(frozen=True)
class _RubricIndex:
    """What checking answers against one rubric version needs, prepared once.

    `allowed` lists, per item, the answers that are certainly valid (None: any text); an
    answer not listed is judged by `scoring.answer_error`, the one definition of validity.
    """

    rubric: Rubric
    allowed: dict[str, frozenset[str | int] | None]
    required: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, rubric: Rubric) -> _RubricIndex:
        allowed: dict[str, frozenset[str | int] | None] = {}
        for path, _, item in rubric.items():
            values: set[str | int] = {scoring.NA} if item.allow_na else set()
            if item.type == "text":
                allowed[path] = None
                continue
            if item.type == "yes_no":
                values |= {"yes", "no"}
            elif item.type == "scale":
                values |= set(range(1, item.max + 1))
            else:
                values |= {o.label for o in item.options}
            allowed[path] = frozenset(values)
        required: dict[str, tuple[str, ...]] = {
            status: (
                ()
                if status == "returned"  # back with its shopper: edited like a draft
                else tuple(scoring.missing_items(rubric, {}, status))
            )
            for status in scoring.STATUSES
        }
        return cls(rubric, allowed, required)


class EvaluationChecker:
    """Checks evaluations one at a time against a validated header and the database."""

    def __init__(self, header: PackageHeader, facts: DatabaseFacts) -> None:
        self.rubrics = {ident: _RubricIndex.of(r) for ident, r in header.rubrics.items()}
        self._stored = facts.rubrics
        self.property_ids = {p.id for p in header.properties} | facts.property_ids
        self.agent_ids = {a.id for a in header.agents} | facts.agent_ids
        self.seen: dict[str, int] = {}

    def check(self, raw: Any, index: int) -> None:
        """Raise ValidationError naming the first problem of evaluation number `index`."""
        where: Where = ["evaluations", index]
        if not certainly_valid(raw):
            schema_check(raw, where, definition="evaluation")
        first = self.seen.setdefault(raw["id"], index)
        if first != index:
            raise fail(
                [*where, "id"],
                f"evaluation {raw['id']} is listed twice (also evaluations[{first}])",
            )
        rubric = self._rubric(raw["rubric_key"], int(raw["rubric_version"]), where)
        for ref, known, noun, nouns in (
            ("property_id", self.property_ids, "property", "properties"),
            ("agent_id", self.agent_ids, "agent", "agents"),
        ):
            if raw[ref] not in known:
                raise fail(
                    [*where, ref],
                    f"{noun} {raw[ref]} is neither in the file's {nouns} nor in this database",
                )
        self._check_answers(raw["answers"], rubric, where)
        self._check_status(raw["answers"], rubric, raw["status"], where)
        _date(raw["visited_on"], [*where, "visited_on"])
        _time(raw.get("visited_time"), [*where, "visited_time"])
        if raw.get("follow_up_due") is not None:
            _date(raw["follow_up_due"], [*where, "follow_up_due"])
        for name in ("created_at", "updated_at"):
            if name in raw:
                _timestamp(raw[name], [*where, name])
        for part in ("history", "events"):
            for i, event in enumerate(raw.get(part, ())):
                _timestamp(event["at"], [*where, part, i, "at"])
        _version_2(raw, where)
        _clean_texts(raw, rubric, where, check_only=True)

    def convert(self, raw: Any, index: int) -> ParsedEvaluation:
        """The evaluation as the merge needs it, for evaluations `check` accepted. The
        references are looked up again: the database may have changed since."""
        where: Where = ["evaluations", index]
        index_of = self._rubric(raw["rubric_key"], int(raw["rubric_version"]), where)
        rubric = index_of.rubric
        for ref, known in (("property_id", self.property_ids), ("agent_id", self.agent_ids)):
            if raw[ref] not in known:
                raise fail([*where, ref], f"{raw[ref]} is no longer in this database")
        shopper, notes, answers, history = _clean_texts(raw, index_of, where)
        events, disputes, excluded = _version_2(raw, where)
        released_at = raw.get("released_at")
        return ParsedEvaluation(
            id=raw["id"],
            rubric=rubric,
            property_id=raw["property_id"],
            agent_id=raw["agent_id"],
            shopper=shopper,
            visited_on=dt.date.fromisoformat(raw["visited_on"]),
            visited_time=(
                dt.time.fromisoformat(raw["visited_time"]) if raw.get("visited_time") else None
            ),
            channel=raw["channel"],
            status=raw["status"],
            follow_up_due=(
                dt.date.fromisoformat(raw["follow_up_due"]) if raw.get("follow_up_due") else None
            ),
            notes=notes,
            created_at=parse_timestamp(raw["created_at"].upper()) if "created_at" in raw else None,
            updated_at=parse_timestamp(raw["updated_at"].upper()),
            answers=answers,
            history=history,
            events=events,
            disputes=disputes,
            released_at=parse_timestamp(released_at.upper()) if released_at else None,
            excluded=excluded,
            shopper_id=raw.get("shopper_id"),
            purpose=raw.get("purpose") or "shop",
            session_id=raw.get("session_id"),
        )

    def _rubric(self, key: str, version: int, where: Where) -> _RubricIndex:
        index = self.rubrics.get((key, version))
        if index is not None:
            return index
        stored = self._stored.get((key, version))
        if stored is None:
            raise fail(
                [*where, "rubric_version"],
                f'rubric "{key}" version {version} is neither in the file\'s rubrics nor in '
                "this database",
            )
        index = _RubricIndex.of(rubric_from_stored(stored.content))
        self.rubrics[(key, version)] = index
        return index

    @staticmethod
    def _check_answers(raw: dict[str, Any], index: _RubricIndex, where: Where) -> None:
        allowed_of = index.allowed
        for path, answer in raw.items():
            if path not in allowed_of:
                rubric = index.rubric
                raise fail(
                    [*where, "answers", path],
                    f"{rubric.name} v{rubric.version} has no item {path!r}",
                )
            value = answer["value"]
            kind = type(value)
            if kind is str or kind is int:
                allowed = allowed_of[path]
                if (allowed is None and kind is str) or (allowed is not None and value in allowed):
                    continue
            found = index.rubric.find(path)
            assert found is not None
            problem = scoring.answer_error(found[1], value)
            if problem:
                raise fail([*where, "answers", path], problem)

    @staticmethod
    def _check_status(raw: dict[str, Any], index: _RubricIndex, status: str, where: Where) -> None:
        if all(raw.get(p, {}).get("value") is not None for p in index.required[status]):
            return
        values = {path: answer["value"] for path, answer in raw.items()}
        missing = scoring.missing_items(index.rubric, values, status)  # type: ignore[arg-type]
        if missing:
            raise fail(
                [*where, "status"],
                f"{status} needs every item answered; {len(missing)} unanswered, first "
                f"{missing[0]}",
            )


def _clean_texts(
    raw: dict[str, Any], index: _RubricIndex, where: Where, check_only: bool = False
) -> tuple[
    str, str | None, dict[str, tuple[scoring.AnswerValue, str | None]], tuple[EventRecord, ...]
]:
    """The shopper's name, the notes, the answers and the history with their text cleaned
    by the rule the UI uses (`shopper.names`); ValidationError naming where, if a name or a
    text is too long once cleaned. `check_only` skips the texts that cannot be: the reader
    refused any text over its limit, and cleaning at most triples a length (NFC)."""
    shopper = clean_person(raw["shopper"], [*where, "shopper"], "shopper name")
    notes = clean_text(raw.get("notes"), [*where, "notes"], "note", MAX_NOTE_CHARS)
    answers: dict[str, tuple[scoring.AnswerValue, str | None]] = {}
    allowed = index.allowed
    shortest = MAX_COMMENT_CHARS // 3 if check_only else -1
    for path, answer in raw["answers"].items():
        value = answer["value"]
        if type(value) is str and len(value) > shortest and allowed.get(path, ()) is None:
            value = _answer_text(value, where, path, "value")
        comment = answer.get("comment")
        if comment and len(comment) > shortest:
            comment = _answer_text(comment, where, path, "comment")
        answers[path] = (value, comment or None)
    history = []
    entries = [("history", i, e) for i, e in enumerate(raw.get("history", ())) if "kind" in e]
    entries += [("events", i, e) for i, e in enumerate(raw.get("events", ()))]
    for part, i, event in entries:
        actor = clean_person(event.get("actor", ""), [*where, part, i, "actor"])
        history.append(
            EventRecord(
                parse_timestamp(event["at"].upper()),
                event["kind"],
                actor,
                clean_text(
                    event.get("detail"), [*where, part, i, "detail"], "note", MAX_NOTE_CHARS
                ),
            )
        )
    return shopper, notes, answers, tuple(history)


def _answer_text(text: str, where: Where, path: str, part: str) -> str:
    """A comment, or a text item's answer, cleaned (the location is made only if needed)."""
    try:
        return names.clean_text(text, part if part == "comment" else "answer", MAX_COMMENT_CHARS)
    except ValidationError as exc:
        message = str(exc)
        raise fail([*where, "answers", path, part], message[:1].lower() + message[1:]) from None


def _date(text: str, where: Where) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(where, f"{text!r} is not a real date") from None


def _time(text: str | None, where: Where) -> dt.time | None:
    if text is None:
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        raise fail(where, f"{text!r} is not a time of day like 14:30") from None


def _timestamp(text: str, where: Where) -> dt.datetime:
    try:
        return parse_timestamp(text.upper())
    except ValueError:
        raise fail(where, f"{text!r} is not a date and time like 2026-11-20T16:02:11Z") from None


def _stamp(text: str | None, where: Where) -> dt.datetime | None:
    return _timestamp(text, where) if text else None


def _note(text: str | None, where: Where) -> str | None:
    return clean_text(text, where, "note", MAX_NOTE_CHARS)


def _version_2(
    raw: dict[str, Any], where: Where
) -> tuple[tuple[HistoryRecord, ...], tuple[DisputeRecord, ...], Exclusion | None]:
    """History events, disputes and exclusion of a version-2 evaluation, timestamps checked
    and texts cleaned like the app's."""
    events = []
    for i, event in enumerate(raw.get("history", ())):
        if "action" not in event:
            continue
        at = _timestamp(event["at"], [*where, "history", i, "at"])
        events.append(
            HistoryRecord(
                event["id"],
                at,
                event.get("by_id"),
                clean_person(event.get("by", ""), [*where, "history", i, "by"]),
                event["action"],
                event.get("field"),
                event.get("from"),
                event.get("to"),
                _note(event.get("reason"), [*where, "history", i, "reason"]),
            )
        )
    disputes = []
    for d, dispute in enumerate(raw.get("disputes", ())):
        base: Where = [*where, "disputes", d]
        items = []
        for n, item in enumerate(dispute["items"]):
            place: Where = [*base, "items", n]
            items.append(
                DisputeItemRecord(
                    item["item"],
                    item["proposed"],
                    item.get("original"),
                    _note(item["reason"], [*place, "reason"]) or "",
                    item.get("resolution"),
                    item.get("resolved_answer"),
                    clean_person(item["resolved_by"], [*place, "resolved_by"])
                    if item.get("resolved_by")
                    else None,
                    item.get("resolved_by_id"),
                    _stamp(item.get("resolved_at"), [*place, "resolved_at"]),
                    _note(item.get("resolution_reason"), [*place, "resolution_reason"]),
                )
            )
        raised_at = _timestamp(dispute["raised_at"], [*base, "raised_at"])
        disputes.append(
            DisputeRecord(
                dispute["id"],
                clean_person(dispute["raised_by"], [*base, "raised_by"]),
                dispute.get("raised_by_id"),
                raised_at,
                _stamp(dispute.get("closed_at"), [*base, "closed_at"]),
                tuple(items),
            )
        )
    excluded = None
    found = raw.get("excluded")
    if found:
        excluded = Exclusion(
            _note(found["reason"], [*where, "excluded", "reason"]) or "",
            clean_person(found["by"], [*where, "excluded", "by"]),
            found.get("by_id"),
            _timestamp(found["at"], [*where, "excluded", "at"]),
        )
    if raw.get("released_at"):
        _timestamp(raw["released_at"], [*where, "released_at"])
    return tuple(events), tuple(disputes), excluded
