"""Which shops count (SCORING.md, *Review and release*): the one rule, as a SQL filter and as
a Python predicate, used by aggregates, scorecards, dashboards and the list's filter.

- `review_required` off (the default): `submitted`, `reviewed` and `released` shops count;
  on: `released` only.
- Never an excluded shop, a calibration shop, a draft, a returned shop or one awaiting
  follow-up.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, func, or_, select

from shopper.domain import REVIEW_REQUIRED, SUBMITTED_OR_LATER
from shopper.storage.models import Evaluation, Setting

TRUE_WORDS = ("true", "1", "yes", "on")
"""How the `review_required` setting says yes (see `settings.review_required_in`)."""


def counts(
    status: str, excluded: bool | dt.datetime | None, purpose: str, review_required: bool
) -> bool:
    """Whether one shop counts in aggregates (the Python form of `counted`)."""
    if excluded or purpose != "shop":
        return False
    if review_required:
        return status == "released"
    return status in SUBMITTED_OR_LATER


def counted(review_required: bool | None = None) -> ColumnElement[bool]:
    """A WHERE clause on `Evaluation` keeping the shops that count.

    With `review_required` None the clause reads the setting itself (a scalar subquery the
    database evaluates once), so a query needs no session beforehand and always follows the
    setting as stored in the same transaction."""
    base = and_(Evaluation.excluded_at.is_(None), Evaluation.purpose == "shop")
    if review_required is True:
        return and_(base, Evaluation.status == "released")
    if review_required is False:
        return and_(base, Evaluation.status.in_(SUBMITTED_OR_LATER))
    setting = (
        select(func.lower(func.trim(Setting.value)))
        .where(Setting.key == REVIEW_REQUIRED)
        .scalar_subquery()
    )
    not_required = func.coalesce(setting, "false").not_in(TRUE_WORDS)
    return and_(
        base,
        or_(
            Evaluation.status == "released",
            and_(Evaluation.status.in_(("submitted", "reviewed")), not_required),
        ),
    )
