"""Properties (apartment communities)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopper.errors import NotFoundError, ValidationError
from shopper.storage.db import Database
from shopper.storage.models import Agent, Evaluation, Property, utcnow


@dataclass(frozen=True)
class PropertyInfo:
    id: str
    name: str
    address: str | None
    agent_count: int
    evaluation_count: int


def normalize_name(name: str) -> str:
    """How names are matched: trimmed, inner spaces collapsed, case-insensitive."""
    return " ".join(name.split()).casefold()


def clean_name(name: str, what: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError(f"the {what} name is empty; type a name")
    if len(cleaned) > 200:
        raise ValidationError(f"the {what} name is longer than 200 characters")
    return cleaned


def list_properties(db: Database, property_id: str | None = None) -> list[PropertyInfo]:
    """Properties by name, each with its number of agents and evaluations."""
    agents = select(Agent.property_id, func.count().label("n"))
    shops = select(Evaluation.property_id, func.count().label("n"))
    if property_id is not None:
        agents = agents.where(Agent.property_id == property_id)
        shops = shops.where(Evaluation.property_id == property_id)
    agents_counted = agents.group_by(Agent.property_id).subquery()
    shops_counted = shops.group_by(Evaluation.property_id).subquery()
    query = (
        select(Property, func.coalesce(agents_counted.c.n, 0), func.coalesce(shops_counted.c.n, 0))
        .outerjoin(agents_counted, agents_counted.c.property_id == Property.id)
        .outerjoin(shops_counted, shops_counted.c.property_id == Property.id)
    )
    if property_id is not None:
        query = query.where(Property.id == property_id)
    with db.read() as session:
        rows = [
            PropertyInfo(p.id, p.name, p.address, n_agents, n_shops)
            for p, n_agents, n_shops in session.execute(query)
        ]
    return sorted(rows, key=lambda p: normalize_name(p.name))


def find_in(session: Session, name: str) -> Property | None:
    wanted = normalize_name(name)
    for row in session.scalars(select(Property)):
        if normalize_name(row.name) == wanted:
            return row
    return None


def find_property(db: Database, name: str) -> PropertyInfo:
    """The property called `name` (matched trimmed and case-insensitively)."""
    for prop in list_properties(db):
        if normalize_name(prop.name) == normalize_name(name):
            return prop
    raise NotFoundError(f"there is no property called {name!r}")


def get_property(db: Database, property_id: str) -> PropertyInfo:
    for prop in list_properties(db, property_id):
        return prop
    raise NotFoundError(f"property {property_id} does not exist")


def create_property(
    db: Database, name: str, address: str | None = None, property_id: str | None = None
) -> PropertyInfo:
    name = clean_name(name, "property")
    with db.write() as session:
        if find_in(session, name) is not None:
            raise ValidationError(f"a property called {name!r} already exists")
        row = Property(id=property_id or str(uuid.uuid4()), name=name, address=address or None)
        session.add(row)
    return PropertyInfo(row.id, row.name, row.address, 0, 0)


def update_property(
    db: Database, property_id: str, *, name: str | None = None, address: str | None = None
) -> PropertyInfo:
    with db.write() as session:
        row = session.get(Property, property_id)
        if row is None:
            raise NotFoundError(f"property {property_id} does not exist")
        if name is not None:
            name = clean_name(name, "property")
            other = find_in(session, name)
            if other is not None and other.id != property_id:
                raise ValidationError(f"a property called {name!r} already exists")
            row.name = name
        if address is not None:
            row.address = address or None
        row.updated_at = utcnow()
    return get_property(db, property_id)
