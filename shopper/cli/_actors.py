"""What the review, dispute and history commands share: who is acting, and evaluation ids."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shopper.storage.db import Database

PERSON_ENV = "SHOPPER_PERSON"
BY_HELP = f"who is doing it: a person's name or id (default ${PERSON_ENV}); kept in the history"


def add_by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--by", metavar="NAME", help=BY_HELP)


def add_reason(parser: argparse.ArgumentParser, why: str) -> None:
    parser.add_argument("--reason", required=True, metavar="TEXT", help=why)


def actor(args: argparse.Namespace) -> str:
    """The person named by --by or $SHOPPER_PERSON; refused when neither says."""
    from shopper.errors import ValidationError

    given = (getattr(args, "by", None) or os.environ.get(PERSON_ENV) or "").strip()
    if not given:
        raise ValidationError(
            f"say who you are with --by NAME (or set {PERSON_ENV}); the history names a person"
        )
    return given


def person_id(db: Database, args: argparse.Namespace) -> str:
    """The id of the person named by --by or $SHOPPER_PERSON (a name, ignoring case and
    accents, or an id). Unlike the app's profile, an unknown name is refused rather than
    added: a typo must not become a new person in the history."""
    from shopper.errors import NotFoundError
    from shopper.services import people

    given = actor(args)
    found = people.find(db, given)
    if found is None:
        raise NotFoundError(
            f"there is no person called {given!r}; see `shopper people list`, or add them "
            "with `shopper people add NAME --role ROLE`"
        )
    return found.id


def evaluation_id(db: Database, given: str) -> str:
    """A whole evaluation id, or the one id starting with `given` (8 characters or more)."""
    from sqlalchemy import select

    from shopper.errors import NotFoundError, ValidationError
    from shopper.storage.models import Evaluation

    given = given.strip()
    with db.read() as session:
        if session.get(Evaluation, given) is not None:
            return given
        if len(given) >= 8:
            found = list(
                session.scalars(
                    select(Evaluation.id).where(Evaluation.id.startswith(given)).limit(2)
                )
            )
            if len(found) == 1:
                return found[0]
            if found:
                raise ValidationError(f"{given!r} starts more than one evaluation id; give more")
    raise NotFoundError(f"evaluation {given} does not exist; see `shopper evaluations list`")
