"""Names the whole app shares: evaluation statuses, people's roles, history actions.

Small and free of heavy imports, so the CLI, the exchange code and the UI can all read the
one list (SCORING.md, *Evaluation* and *Review and release*)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, get_args

Status = Literal["draft", "awaiting_follow_up", "submitted", "returned", "reviewed", "released"]


class EvaluationStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_FOLLOW_UP = "awaiting_follow_up"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    REVIEWED = "reviewed"
    RELEASED = "released"


STATUSES: tuple[Status, ...] = get_args(Status)
"""Every status, in the order a shop moves through them."""

EDITABLE_STATUSES: tuple[Status, ...] = ("draft", "awaiting_follow_up", "returned")
"""Statuses in which the shopper edits the shop like a draft."""

SUBMITTED_OR_LATER: tuple[Status, ...] = ("submitted", "reviewed", "released")
"""Statuses a shop has once submitted and not sent back; they may be excluded."""

STATUS_LABELS: dict[str, str] = {
    "draft": "Draft",
    "awaiting_follow_up": "Awaiting follow-up",
    "submitted": "Submitted",
    "returned": "Returned",
    "reviewed": "Reviewed",
    "released": "Released",
}

Role = Literal["shopper", "reviewer", "trainer", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

Purpose = Literal["shop", "calibration"]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)

REVIEW_REQUIRED = "review_required"
"""Database setting: "true" when only released shops count (default "false")."""
DISPUTE_DAYS = "dispute_days"
"""Database setting: days after release within which a dispute may be opened (default 14)."""

Resolution = Literal["upheld", "accepted", "amended"]
RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)

IMPORTED_REASON = "imported before history was kept"
