"""Leasing agents: each belongs to one property; deactivated agents keep their history.

An agent named by a person or a file is found with one rule, `name_key`: the name cleaned
by `shopper.names.clean_name`, then matched ignoring case and accents ("jose nunez" is
"José Núñez"). `find_or_create` is the one way a typed or imported name becomes an agent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shopper import names
from shopper.errors import NotFoundError, ValidationError
from shopper.services.properties import clean_name, normalize_name
from shopper.storage.db import Database
from shopper.storage.folding import fold_text
from shopper.storage.models import Agent, Evaluation, Property, utcnow


@dataclass(frozen=True)
class AgentInfo:
    id: str
    name: str
    property_id: str
    property_name: str
    active: bool
    evaluation_count: int


def list_agents(
    db: Database,
    property_id: str | None = None,
    include_inactive: bool = True,
    agent_id: str | None = None,
) -> list[AgentInfo]:
    """Agents by property then name, each with how many evaluations it has."""
    counted = select(Evaluation.agent_id, func.count().label("n"))
    if agent_id is not None:
        counted = counted.where(Evaluation.agent_id == agent_id)
    shops = counted.group_by(Evaluation.agent_id).subquery()
    query = (
        select(Agent, Property.name, func.coalesce(shops.c.n, 0))
        .join(Property, Property.id == Agent.property_id)
        .outerjoin(shops, shops.c.agent_id == Agent.id)
    )
    if property_id is not None:
        query = query.where(Agent.property_id == property_id)
    if agent_id is not None:
        query = query.where(Agent.id == agent_id)
    if not include_inactive:
        query = query.where(Agent.active.is_(True))
    with db.read() as session:
        rows = [
            AgentInfo(a.id, a.name, a.property_id, prop_name, a.active, n)
            for a, prop_name, n in session.execute(query)
        ]
    return sorted(rows, key=lambda a: (normalize_name(a.property_name), normalize_name(a.name)))


def get_agent(db: Database, agent_id: str) -> AgentInfo:
    for agent in list_agents(db, agent_id=agent_id):
        return agent
    raise NotFoundError(f"agent {agent_id} does not exist")


def find_in(session: Session, name: str, property_id: str) -> Agent | None:
    wanted = normalize_name(name)
    for row in session.scalars(select(Agent).where(Agent.property_id == property_id)):
        if normalize_name(row.name) == wanted:
            return row
    return None


def name_key(name: str) -> str:
    """How a typed or imported agent name is matched: cleaned, then case and accents folded.

    Empty when nothing is left of the name after cleaning."""
    try:
        cleaned = names.clean_name(name, "agent name")
    except ValidationError:
        cleaned = " ".join(name.split())
    return fold_text(cleaned) or ""


def match_in(session: Session, name: str, property_id: str) -> Agent | None:
    """The agent of that property whose name matches `name` by `name_key` (the oldest, if
    older data holds several), or None."""
    wanted = name_key(name)
    if not wanted:
        return None
    rows = session.scalars(select(Agent).where(Agent.property_id == property_id))
    found = [row for row in rows if name_key(row.name) == wanted]
    found.sort(key=lambda row: (row.created_at, row.id))
    return found[0] if found else None


def find_agents(db: Database, name: str, property_id: str | None = None) -> list[AgentInfo]:
    """Agents whose name matches `name` by `name_key`, optionally within one property."""
    wanted = name_key(name)
    return [a for a in list_agents(db, property_id) if name_key(a.name) == wanted]


def find(db: Database, name: str, property_id: str) -> AgentInfo | None:
    """The property's agent that `find_or_create` would take for `name`, or None (it would
    add one)."""
    with db.read() as session:
        row = match_in(session, name, property_id)
        agent_id = row.id if row is not None else None
    return get_agent(db, agent_id) if agent_id is not None else None


@dataclass(frozen=True)
class FoundAgent:
    agent: AgentInfo
    created: bool
    """A new agent was added."""
    reactivated: bool
    """An inactive agent of that name was made active again."""


def find_or_create_in(
    session: Session, name: str, property_id: str, *, agent_id: str | None = None
) -> tuple[Agent, bool, bool]:
    """Within a write session: (agent, created, reactivated) for `name` at the property.

    Used by the app and by imports alike, so a name finds the same agent everywhere."""
    cleaned = names.clean_name(name, "agent name")
    if session.get(Property, property_id) is None:
        raise NotFoundError(f"property {property_id} does not exist")
    row = match_in(session, cleaned, property_id)
    if row is not None:
        reactivated = not row.active
        if reactivated:
            row.active = True
            row.updated_at = utcnow()
        return row, False, reactivated
    row = Agent(id=agent_id or str(uuid.uuid4()), name=cleaned, property_id=property_id)
    session.add(row)
    session.flush()
    return row, True, False


def find_or_create(db: Database, name: str, property_id: str) -> FoundAgent:
    """The property's agent called `name` (ignoring case and accents; an inactive one is made
    active again), else a new agent with the cleaned name."""
    with db.write() as session:
        row, created, reactivated = find_or_create_in(session, name, property_id)
        agent_id = row.id
    return FoundAgent(get_agent(db, agent_id), created, reactivated)


def create_agent(
    db: Database, name: str, property_id: str, agent_id: str | None = None
) -> AgentInfo:
    name = clean_name(name, "agent")
    with db.write() as session:
        prop = session.get(Property, property_id)
        if prop is None:
            raise NotFoundError(f"property {property_id} does not exist")
        if find_in(session, name, property_id) is not None:
            raise ValidationError(f"{prop.name} already has an agent called {name!r}")
        row = Agent(id=agent_id or str(uuid.uuid4()), name=name, property_id=property_id)
        session.add(row)
        return AgentInfo(row.id, row.name, property_id, prop.name, True, 0)


def update_agent(
    db: Database,
    agent_id: str,
    *,
    name: str | None = None,
    property_id: str | None = None,
    active: bool | None = None,
) -> AgentInfo:
    """Rename, move to another property, or (de)activate an agent."""
    with db.write() as session:
        row = session.get(Agent, agent_id)
        if row is None:
            raise NotFoundError(f"agent {agent_id} does not exist")
        target_property = property_id or row.property_id
        if session.get(Property, target_property) is None:
            raise NotFoundError(f"property {target_property} does not exist")
        new_name = clean_name(name, "agent") if name is not None else row.name
        clash = find_in(session, new_name, target_property)
        if clash is not None and clash.id != agent_id:
            raise ValidationError(
                f"that property already has an agent called {new_name!r}; merge them instead"
            )
        row.name, row.property_id = new_name, target_property
        if active is not None:
            row.active = active
        row.updated_at = utcnow()
    return get_agent(db, agent_id)


def merge_agents(db: Database, keep_id: str, remove_id: str) -> AgentInfo:
    """Move every evaluation of `remove_id` to `keep_id`, then delete `remove_id`."""
    if keep_id == remove_id:
        raise ValidationError("choose two different agents to merge")
    with db.write() as session:
        keep, remove = session.get(Agent, keep_id), session.get(Agent, remove_id)
        if keep is None or remove is None:
            raise NotFoundError("one of the agents to merge no longer exists")
        session.execute(
            update(Evaluation)
            .where(Evaluation.agent_id == remove_id)
            .values(agent_id=keep_id, row_version=Evaluation.row_version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        session.delete(remove)
    return get_agent(db, keep_id)
