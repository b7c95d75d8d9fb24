"""People: whoever shops, reviews, trains or administers. The history names a person (id and
name), never an operating-system login. On a laptop the app's profile is the person.

Core functions take `actor`: a person's id, or a name. A name is matched like agent names
(cleaned, ignoring case and accents: "Jose" is "José"); a name nobody has yet becomes a new
person with no roles, so a profile name always has a person behind it. Roles say what the UI
offers (who may do what on a shared database is a separate matter)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopper.domain import ROLES, Role
from shopper.errors import NotFoundError, ValidationError
from shopper.names import clean_name
from shopper.services.agents import name_key
from shopper.storage.db import Database
from shopper.storage.models import Person, utcnow


@dataclass(frozen=True)
class PersonInfo:
    id: str
    name: str
    roles: tuple[Role, ...]

    def has_role(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Actor:
    """Who did something, as the history records it; id None when nobody was named."""

    id: str | None
    name: str


NOBODY = Actor(None, "")


def check_roles(roles: Iterable[str]) -> tuple[Role, ...]:
    wanted = {r.strip().lower() for r in roles if r.strip()}
    unknown = sorted(wanted - set(ROLES))
    if unknown:
        raise ValidationError(f"{unknown[0]!r} is not a role; use any of {', '.join(ROLES)}")
    return tuple(r for r in ROLES if r in wanted)


def roles_text(roles: Iterable[str]) -> str:
    return ",".join(check_roles(roles))


def _info(row: Person) -> PersonInfo:
    return PersonInfo(row.id, row.name, check_roles(row.roles.split(",")))


def list_people(db: Database) -> list[PersonInfo]:
    with db.read() as session:
        rows = list(session.scalars(select(Person)))
    return sorted((_info(r) for r in rows), key=lambda p: (name_key(p.name), p.id))


def get_person(db: Database, person_id: str) -> PersonInfo:
    with db.read() as session:
        row = session.get(Person, person_id)
        if row is None:
            raise NotFoundError(f"person {person_id} does not exist; see `shopper people list`")
        return _info(row)


def match_in(session: Session, name: str) -> Person | None:
    """The person called `name` (by `agents.name_key`; the oldest if several), or None."""
    wanted = name_key(name)
    if not wanted:
        return None
    found = [row for row in session.scalars(select(Person)) if name_key(row.name) == wanted]
    found.sort(key=lambda row: (row.created_at, row.id))
    return found[0] if found else None


def find(db: Database, id_or_name: str) -> PersonInfo | None:
    with db.read() as session:
        row = session.get(Person, id_or_name) or match_in(session, id_or_name)
        return _info(row) if row is not None else None


def add_in(
    session: Session, name: str, roles: Iterable[str] = (), person_id: str | None = None
) -> Person:
    """A new person, or the one already called `name` with `roles` added to theirs."""
    cleaned = clean_name(name, "person's name")
    wanted = check_roles(roles)
    row = match_in(session, cleaned)
    if row is not None:
        have = check_roles(row.roles.split(","))
        if set(wanted) - set(have):
            row.roles = roles_text((*have, *wanted))
            row.updated_at = utcnow()
        return row
    row = Person(id=person_id or str(uuid.uuid4()), name=cleaned, roles=roles_text(wanted))
    session.add(row)
    session.flush()
    return row


def add(db: Database, name: str, roles: Iterable[str] = ()) -> PersonInfo:
    """Add a person (or roles to the person already called that); returns them."""
    with db.write() as session:
        return _info(add_in(session, name, roles))


def set_roles(db: Database, person_id: str, roles: Iterable[str]) -> PersonInfo:
    with db.write() as session:
        row = session.get(Person, person_id)
        if row is None:
            raise NotFoundError(f"person {person_id} does not exist; see `shopper people list`")
        row.roles = roles_text(roles)
        row.updated_at = utcnow()
        return _info(row)


def actor_in(session: Session, actor: str | None) -> Actor:
    """The person acting, from an id or a name (a new name becomes a person); NOBODY when
    `actor` is empty."""
    if actor is None or not actor.strip():
        return NOBODY
    row = session.get(Person, actor.strip())
    if row is None:
        row = add_in(session, actor)
    return Actor(row.id, row.name)


def require_actor(session: Session, actor: str | None, doing: str) -> Actor:
    """`actor_in`, refusing nobody: a review step names who took it."""
    found = actor_in(session, actor)
    if found.id is None:
        raise ValidationError(f"say who {doing}: the history names a person for it")
    return found
