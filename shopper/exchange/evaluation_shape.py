"""A fast pre-check of one package evaluation against `$defs/evaluation` of the schema.

jsonschema takes over a millisecond per evaluation, two minutes for a 100,000-evaluation
package. This check is conservative: it says True only for evaluations that certainly pass
the schema (ASCII digits, canonical UUIDs, exact types), and the importer runs the real
schema validator on everything else, which either names the problem or lets it through.
So the schema stays the single definition of the format, and the common case stays fast.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from shopper.domain import STATUSES
from shopper.limits import MAX_COMMENT_CHARS, MAX_NOTE_CHARS

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_PATH = re.compile(r"[a-z0-9][a-z0-9_-]*\.[a-z0-9][a-z0-9_-]*\Z")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_TIME = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?\Z")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])\Z"
)
_CHANNELS = ("in_person", "phone", "email", "web", "video")
_STATUSES = STATUSES
_REQUIRED = (
    "id",
    "rubric_key",
    "rubric_version",
    "property_id",
    "agent_id",
    "shopper",
    "visited_on",
    "channel",
    "status",
    "answers",
    "updated_at",
)
_VERSION_2 = (
    "events",
    "released_at",
    "excluded",
    "shopper_id",
    "purpose",
    "session_id",
    "disputes",
)
KNOWN_FIELDS = frozenset(
    (*_REQUIRED, "visited_time", "follow_up_due", "notes", "created_at", "history", *_VERSION_2)
)
"""Every field `$defs/evaluation` describes; a test keeps this in step with the schema."""


def _uuid(value: Any) -> bool:
    return type(value) is str and _UUID.match(value) is not None


def _datetime(value: Any) -> bool:
    if type(value) is not str or _DATETIME.match(value) is None:
        return False
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


_TEXT_LIMIT = min(MAX_COMMENT_CHARS, MAX_NOTE_CHARS)
"""Longest comment, note, text answer or event detail certainly within the schema's
`maxLength` (a test keeps those equal to the limits)."""


def _optional_text(value: Any) -> bool:
    return value is None or (type(value) is str and len(value) <= _TEXT_LIMIT)


def _answers_ok(answers: Any) -> bool:
    if type(answers) is not dict:
        return False
    for path, answer in answers.items():
        if _PATH.match(path) is None or type(answer) is not dict:
            return False
        if "value" not in answer:
            return False
        value = answer["value"]
        if type(value) is str:
            if len(value) > _TEXT_LIMIT:
                return False
        elif value is not None and type(value) is not int:
            return False
        if "comment" in answer and not _optional_text(answer["comment"]):
            return False
    return True


def _event_ok(event: Any) -> bool:
    if type(event) is not dict or not _datetime(event.get("at")):
        return False
    kind = event.get("kind")
    if type(kind) is not str or not 1 <= len(kind) <= 40:
        return False
    actor = event.get("actor", "")
    if type(actor) is not str or len(actor) > 200:
        return False
    return "detail" not in event or _optional_text(event["detail"])


def _history_event_ok(event: Any) -> bool:
    """A version-2 history event (or a version-1 entry)."""
    if type(event) is not dict or "action" not in event:
        return _event_ok(event)
    action = event["action"]
    if not _uuid(event.get("id")) or not _datetime(event.get("at")):
        return False
    if type(action) is not str or not 1 <= len(action) <= 40:
        return False
    by = event.get("by", "")
    if type(by) is not str or len(by) > 200:
        return False
    if event.get("by_id") is not None and not _uuid(event["by_id"]):
        return False
    field = event.get("field")
    if field is not None and (type(field) is not str or len(field) > 210):
        return False
    for name in ("from", "to"):
        value = event.get(name)
        if value is not None and not (type(value) is int or _optional_text(value)):
            return False
    return "reason" not in event or _optional_text(event["reason"])


def _version_2_ok(evaluation: dict[str, Any]) -> bool:
    if "events" in evaluation:
        events = evaluation["events"]
        if type(events) is not list or not all(_event_ok(e) for e in events):
            return False
    for name in ("released_at",):
        value = evaluation.get(name)
        if value is not None and not _datetime(value):
            return False
    for name in ("shopper_id", "session_id"):
        value = evaluation.get(name)
        if value is not None and not _uuid(value):
            return False
    if "purpose" in evaluation and evaluation["purpose"] not in ("shop", "calibration"):
        return False
    # rare: judged by the schema itself
    return not evaluation.get("excluded") and not evaluation.get("disputes")


def _optional_ok(evaluation: dict[str, Any]) -> bool:
    if "visited_time" in evaluation:
        value = evaluation["visited_time"]
        if value is not None and (type(value) is not str or _TIME.match(value) is None):
            return False
    if "follow_up_due" in evaluation:
        value = evaluation["follow_up_due"]
        if value is not None and (type(value) is not str or _DATE.match(value) is None):
            return False
    if "notes" in evaluation and not _optional_text(evaluation["notes"]):
        return False
    if "created_at" in evaluation and not _datetime(evaluation["created_at"]):
        return False
    if "history" in evaluation:
        history = evaluation["history"]
        if type(history) is not list or not all(_history_event_ok(e) for e in history):
            return False
    return _version_2_ok(evaluation)


def certainly_valid(evaluation: Any) -> bool:
    """True only if `evaluation` passes the schema's `$defs/evaluation`."""
    if type(evaluation) is not dict or not all(k in evaluation for k in _REQUIRED):
        return False
    version = evaluation["rubric_version"]
    key = evaluation["rubric_key"]
    return (
        _uuid(evaluation["id"])
        and _uuid(evaluation["property_id"])
        and _uuid(evaluation["agent_id"])
        and type(key) is str
        and _KEY.match(key) is not None
        and type(version) is int
        and version >= 1
        and type(evaluation["shopper"]) is str
        and type(evaluation["visited_on"]) is str
        and _DATE.match(evaluation["visited_on"]) is not None
        and type(evaluation["channel"]) is str
        and evaluation["channel"] in _CHANNELS
        and type(evaluation["status"]) is str
        and evaluation["status"] in _STATUSES
        and _datetime(evaluation["updated_at"])
        and _answers_ok(evaluation["answers"])
        and _optional_ok(evaluation)
    )
