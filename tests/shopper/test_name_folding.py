"""The evaluation list's text filter ignores case and accents, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from shopper.services import agents, evaluation_list, evaluations, properties, rubrics
from shopper.services.evaluation_list import EvaluationFilter
from shopper.storage.folding import fold_text, like_pattern


def test_fold_text() -> None:
    assert fold_text("José NÚÑEZ") == "jose nunez"
    assert fold_text("Łukasz Søren Åström") == "lukasz soren astrom"
    assert fold_text("ΑΛΈΞΑΝΔΡΟΣ") == fold_text("αλέξανδρος")
    assert like_pattern("  50%_off ") == "%50\\%\\_off%"


def test_text_filter_ignores_case_and_accents(any_db) -> None:  # type: ignore[no-untyped-def]
    rubric = rubrics.default_rubric(any_db)
    assert rubric is not None
    elan = properties.create_property(any_db, "Élan Flats")
    court = properties.create_property(any_db, "Maple Court")
    jose = agents.create_agent(any_db, "José Núñez", elan.id)
    anna = agents.create_agent(any_db, "Anna Smith", court.id)
    day = dt.date(2024, 3, 1)
    first = evaluations.create(
        any_db, rubric_id=rubric.id, agent_id=jose.id, visited_on=day, shopper="Mireille Gagné"
    )
    second = evaluations.create(
        any_db, rubric_id=rubric.id, agent_id=anna.id, visited_on=day, shopper="Sam 100%"
    )

    def found(text: str) -> set[str]:
        return set(evaluation_list.list_ids(any_db, EvaluationFilter(text=text)))

    assert found("jose nunez") == {first.id}
    assert found("NÚÑ") == {first.id}
    assert found("elan") == {first.id}
    assert found("gagne") == {first.id}
    assert found("maple") == {second.id}
    assert found("100%") == {second.id}
    assert found("0%") == {second.id}
    assert found("%") == {second.id}  # a literal percent sign, not a wildcard
    assert found("_") == set()
    assert evaluation_list.count(any_db, EvaluationFilter(text="SMITH")) == 1
