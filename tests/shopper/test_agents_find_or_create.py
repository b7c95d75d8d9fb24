"""One way a typed or imported name becomes an agent: `agents.find_or_create`."""

from __future__ import annotations

import pytest

from shopper.errors import NotFoundError, ValidationError
from shopper.services import agents, properties
from shopper.storage.db import Database


@pytest.fixture
def prop(any_db: Database) -> str:
    return properties.create_property(any_db, "Maple Court").id


def test_a_name_finds_its_agent_ignoring_case_accents_and_spaces(
    any_db: Database, prop: str
) -> None:
    jose = agents.create_agent(any_db, "José Núñez", prop)
    for typed in ("José Núñez", "jose nunez", "  JOSE   NÚÑEZ ", "Jose\u202e Nunez"):
        found = agents.find_or_create(any_db, typed, prop)
        assert (found.agent.id, found.created, found.reactivated) == (jose.id, False, False)
    assert [a.name for a in agents.list_agents(any_db)] == ["José Núñez"]
    assert agents.find(any_db, "JOSE NUNEZ", prop) == agents.get_agent(any_db, jose.id)


def test_a_new_name_is_added_once_cleaned(any_db: Database, prop: str) -> None:
    assert agents.find(any_db, "Begoña", prop) is None
    first = agents.find_or_create(any_db, "  Begoña \t Núñez\u200f ", prop)
    assert first.created and first.agent.name == "Begoña Núñez"
    again = agents.find_or_create(any_db, "begona nunez", prop)
    assert again.agent.id == first.agent.id and not again.created
    assert len(agents.list_agents(any_db, prop)) == 1


def test_an_inactive_agent_is_made_active_again(any_db: Database, prop: str) -> None:
    anna = agents.create_agent(any_db, "Anna Smith", prop)
    agents.update_agent(any_db, anna.id, active=False)
    found = agents.find_or_create(any_db, "anna smith", prop)
    assert (found.agent.id, found.created, found.reactivated) == (anna.id, False, True)
    assert found.agent.active


def test_same_name_at_another_property_is_another_agent(any_db: Database, prop: str) -> None:
    other = properties.create_property(any_db, "Juniper Station").id
    mine = agents.find_or_create(any_db, "Sam Lee", prop)
    theirs = agents.find_or_create(any_db, "Sam Lee", other)
    assert theirs.created and theirs.agent.id != mine.agent.id


def test_empty_or_unknown_is_refused(any_db: Database, prop: str) -> None:
    with pytest.raises(ValidationError, match="empty"):
        agents.find_or_create(any_db, " \u202e ", prop)
    with pytest.raises(NotFoundError):
        agents.find_or_create(any_db, "Sam", "no-such-property")
    assert agents.list_agents(any_db) == []
