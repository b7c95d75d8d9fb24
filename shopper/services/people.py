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
from shopper.storage.models import Person, PersonProperty, utcnow


@dataclass(frozen=True)
class PersonInfo:
    id: str
    name: str
    roles: tuple[Role, ...]
    login: str | None = None
    """Their PostgreSQL login role, on a shared database (see `shopper.storage.access`)."""
    active: bool = True
    properties: tuple[str, ...] = ()
    """Ids of the properties assigned to them (a trainer reads these)."""

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


def _info(row: Person, properties: Iterable[str] = ()) -> PersonInfo:
    return PersonInfo(
        row.id,
        row.name,
        check_roles(row.roles.split(",")),
        row.login,
        bool(row.active) if row.active is not None else True,
        tuple(sorted(properties)),
    )


def _assigned(session: Session) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for person_id, property_id in session.execute(
        select(PersonProperty.person_id, PersonProperty.property_id)
    ):
        found.setdefault(person_id, []).append(property_id)
    return found


def list_people(db: Database) -> list[PersonInfo]:
    with db.read() as session:
        rows = list(session.scalars(select(Person)))
        assigned = _assigned(session)
    return sorted(
        (_info(r, assigned.get(r.id, ())) for r in rows), key=lambda p: (name_key(p.name), p.id)
    )


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
    """Set a person's roles; on a shared database their login's groups follow."""
    with db.write() as session:
        row = session.get(Person, person_id)
        if row is None:
            raise NotFoundError(f"person {person_id} does not exist; see `shopper people list`")
        row.roles = roles_text(roles)
        row.updated_at = utcnow()
        if row.login and not db.is_sqlite:
            from shopper.storage import access

            conn = session.connection()
            prefix = access.prefix_of(conn)
            if prefix is not None:
                access.set_login_roles(conn, row.login, check_roles(row.roles.split(",")), prefix)
        return _info(row)


def add_with_login(
    db: Database,
    name: str,
    *,
    login: str,
    password: str,
    roles: Iterable[str],
    properties: Iterable[str] = (),
) -> PersonInfo:
    """A new person with their own PostgreSQL login role (SCRAM password), a member of the
    groups of `roles`, with `properties` (ids) assigned; one transaction (admins only: the
    database refuses anyone else)."""
    from shopper.storage import access

    if db.is_sqlite:
        raise ValidationError(
            "database logins exist only on a shared PostgreSQL database; on a laptop the "
            "person is added without one (leave out --login)"
        )
    wanted = check_roles(roles)
    login = access.check_login(login)
    with db.write() as session:
        conn = session.connection()
        prefix = access.prefix_of(conn)
        if prefix is None:
            raise ValidationError(
                "this database has no roles yet: its owner runs `shopper init` on it first"
            )
        if session.scalar(select(Person.id).where(Person.login == login)) is not None:
            raise ValidationError(f"{login!r} is already someone's login; pick another")
        cleaned = clean_name(name, "person's name")
        if match_in(session, cleaned) is not None:
            raise ValidationError(
                f"{cleaned!r} is already a person; give them a login with another name, "
                "or pick another name"
            )
        row = Person(id=str(uuid.uuid4()), name=cleaned, roles=roles_text(wanted), login=login)
        session.add(row)
        session.flush()
        assigned = list(dict.fromkeys(p.strip() for p in properties if p.strip()))
        for property_id in assigned:
            session.add(PersonProperty(person_id=row.id, property_id=property_id))
        session.flush()
        access.create_login(conn, login, password, wanted, prefix)
        return _info(row, assigned)


def assign_properties(db: Database, person_id: str, properties: Iterable[str]) -> PersonInfo:
    """Exactly these properties (ids) are assigned to the person."""
    with db.write() as session:
        row = session.get(Person, person_id)
        if row is None:
            raise NotFoundError(f"person {person_id} does not exist; see `shopper people list`")
        wanted = list(dict.fromkeys(p.strip() for p in properties if p.strip()))
        for old in session.scalars(
            select(PersonProperty).where(PersonProperty.person_id == person_id)
        ):
            session.delete(old)
        session.flush()
        for property_id in wanted:
            session.add(PersonProperty(person_id=person_id, property_id=property_id))
        row.updated_at = utcnow()
        return _info(row, wanted)


def deactivate(db: Database, person_id: str) -> PersonInfo:
    """The person stays in the history but is no longer active; on a shared database their
    login can no longer connect."""
    with db.write() as session:
        row = session.get(Person, person_id)
        if row is None:
            raise NotFoundError(f"person {person_id} does not exist; see `shopper people list`")
        row.active = False
        row.updated_at = utcnow()
        if row.login and not db.is_sqlite:
            from shopper.storage import access

            conn = session.connection()
            if access.role_exists(conn, row.login):
                access.disable_login(conn, row.login)
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
