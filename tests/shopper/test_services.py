"""Services on SQLite and PostgreSQL: evaluations, statuses, conflicts, rubric versions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shopper import scoring
from shopper.errors import ConflictError, IncompleteError, ReadOnlyError, ValidationError
from shopper.rubric import parse_rubric
from shopper.services import agents, evaluations, properties, rubrics, settings
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database
from tests.shopper.rubric_factory import rubric_dict

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def setup(any_db: Database) -> tuple[Database, int, str]:
    info = rubrics.save_rubric(any_db, parse_rubric(rubric_dict())).info
    prop = properties.create_property(any_db, "Maple Court")
    agent = agents.create_agent(any_db, "José Núñez", prop.id)
    return any_db, info.id, agent.id


def _full_answers() -> dict[str, AnswerData]:
    return {
        "greeting.prompt": AnswerData("yes"),
        "greeting.rapport": AnswerData(4, "Warm, asked about my commute"),
        "greeting.booking": AnswerData("Shopper asked"),
        "greeting.note": AnswerData("The Lofts down the street"),
        "follow_up.called": AnswerData("no", "No call after three days"),
        "fair.no_steering": AnswerData("yes"),
        "cx.likely": AnswerData(4),
    }


def test_scores_are_stored_with_the_evaluation(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    answers = _full_answers()
    created = evaluations.create(
        db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY, answers=answers, shopper="Sam"
    )
    expected = scoring.score(rubrics.get_rubric(db, rubric_id), created.values())
    # 5 + 7.5 + 1 out of 5 + 10 + 4, then follow-up 0 of 6: 13.5 / 25
    assert expected.overall == scoring.Fraction(54)
    assert created.overall_pct == 54.0
    assert created.answers["greeting.rapport"] == AnswerData(4, "Warm, asked about my commute")
    assert created.property_name == "Maple Court" and created.agent_name == "José Núñez"
    assert created.rubric_version == 1 and created.row_version == 1


def test_status_moves_forward_only_when_complete(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    draft = evaluations.create(db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY)
    with pytest.raises(IncompleteError) as caught:
        evaluations.set_status(db, draft.id, "submitted", draft.row_version)
    assert caught.value.missing[0] == "greeting.prompt"
    answers = {k: v for k, v in _full_answers().items() if not k.startswith("follow_up")}
    saved = evaluations.save(db, draft.id, draft.row_version, answers=answers)
    waiting = evaluations.set_status(db, draft.id, "awaiting_follow_up", saved.row_version)
    assert waiting.follow_up_due == DAY + dt.timedelta(days=3)
    with pytest.raises(IncompleteError, match=r"first: follow_up\.called"):
        evaluations.set_status(db, draft.id, "submitted", waiting.row_version)
    done = evaluations.save(db, draft.id, waiting.row_version, answers=_full_answers())
    submitted = evaluations.set_status(db, draft.id, "submitted", done.row_version, actor="Sam")
    assert submitted.status == "submitted"
    assert [e.kind for e in submitted.events] == ["created", "awaiting_follow_up", "submitted"]


def test_follow_up_days_come_from_the_database_settings(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    settings.put(db, settings.FOLLOW_UP_DAYS, "5")
    answers = {k: v for k, v in _full_answers().items() if not k.startswith("follow_up")}
    created = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        answers=answers,
        status="awaiting_follow_up",
    )
    assert created.follow_up_due == DAY + dt.timedelta(days=5)


def test_submitted_is_read_only_until_reopened_with_a_reason(
    setup: tuple[Database, int, str],
) -> None:
    db, rubric_id, agent_id = setup
    done = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        answers=_full_answers(),
        status="submitted",
    )
    with pytest.raises(ReadOnlyError):
        evaluations.save(db, done.id, done.row_version, notes="late edit")
    with pytest.raises(ValidationError, match="say why"):
        evaluations.set_status(db, done.id, "draft", done.row_version, reason="  ")
    reopened = evaluations.set_status(
        db, done.id, "draft", done.row_version, actor="Trainer Tina", reason="Wrong agent"
    )
    event = reopened.events[-1]
    assert (event.kind, event.actor, event.detail) == ("reopened", "Trainer Tina", "Wrong agent")
    assert evaluations.save(db, done.id, reopened.row_version, notes="fixed").notes == "fixed"


def test_second_save_from_a_stale_copy_is_a_conflict(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    draft = evaluations.create(db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY)
    first = evaluations.save(db, draft.id, draft.row_version, notes="mine")
    with pytest.raises(ConflictError, match="someone else saved this evaluation"):
        evaluations.save(db, draft.id, draft.row_version, notes="theirs")
    assert evaluations.get(db, draft.id).notes == "mine"
    assert first.row_version == draft.row_version + 1


def test_a_status_change_from_before_a_comment_only_save_is_a_conflict(
    setup: tuple[Database, int, str],
) -> None:
    db, rubric_id, agent_id = setup
    draft = evaluations.create(
        db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY, answers=_full_answers()
    )
    answers = _full_answers()
    answers["greeting.rapport"] = AnswerData(4, "Warm; offered water")  # comment only
    saved = evaluations.save(db, draft.id, draft.row_version, answers=answers)
    assert saved.row_version == draft.row_version + 1
    with pytest.raises(ConflictError, match="someone else saved this evaluation"):
        evaluations.set_status(db, draft.id, "submitted", draft.row_version, actor="Sam")
    stored = evaluations.get(db, draft.id)
    assert (stored.status, stored.row_version) == ("draft", saved.row_version)
    assert stored.answers["greeting.rapport"].comment == "Warm; offered water"
    # Asking for the status it already has writes nothing.
    same = evaluations.set_status(db, draft.id, "draft", saved.row_version)
    assert same.row_version == saved.row_version


def test_free_text_is_stored_clean(setup: tuple[Database, int, str]) -> None:
    """Control characters, bidi overrides and lone surrogates never reach the database."""
    db, rubric_id, agent_id = setup
    draft = evaluations.create(
        db,
        rubric_id=rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        shopper="  Sam\u202e  Okafor\x00 ",
        notes="Visit\x07 notes\ud800",
    )
    assert (draft.shopper, draft.notes) == ("Sam Okafor", "Visit notes")
    answers = _full_answers()
    answers["greeting.rapport"] = AnswerData(4, "Line one\nsaid \u202egpj.exe\x1b[31m\ud83d")
    answers["greeting.note"] = AnswerData("The \u2066Lofts\u2069\r\n")
    saved = evaluations.save(
        db, draft.id, draft.row_version, answers=answers, shopper="\u202e", notes="\x00"
    )
    assert saved.answers["greeting.rapport"].comment == "Line one\nsaid gpj.exe[31m"
    assert saved.answers["greeting.note"].value == "The Lofts"
    assert (saved.shopper, saved.notes) == ("", None)
    done = evaluations.set_status(db, draft.id, "submitted", saved.row_version, actor="Dana\u202e")
    reopened = evaluations.set_status(
        db, draft.id, "draft", done.row_version, actor="Dana", reason="Wrong\x00 agent\u202e"
    )
    assert [(e.actor, e.detail) for e in reopened.events[-2:]] == [
        ("Dana", None),
        ("Dana", "Wrong agent"),
    ]


def test_an_over_long_comment_is_refused_and_nothing_changes(
    setup: tuple[Database, int, str],
) -> None:
    from shopper.limits import MAX_COMMENT_CHARS, MAX_NOTE_CHARS

    db, rubric_id, agent_id = setup
    draft = evaluations.create(
        db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY, answers=_full_answers()
    )
    answers = _full_answers()
    answers["greeting.rapport"] = AnswerData(4, "x" * (MAX_COMMENT_CHARS + 1))
    with pytest.raises(ValidationError, match=r"comment on greeting\.rapport is 20,001 char"):
        evaluations.save(db, draft.id, draft.row_version, answers=answers)
    with pytest.raises(ValidationError, match="note is"):
        evaluations.save(db, draft.id, draft.row_version, notes="n" * (MAX_NOTE_CHARS + 1))
    with pytest.raises(ValidationError, match="shopper name is"):
        evaluations.save(db, draft.id, draft.row_version, shopper="S" * 201)
    stored = evaluations.get(db, draft.id)
    assert stored.row_version == draft.row_version
    assert stored.answers == draft.answers
    answers["greeting.rapport"] = AnswerData(4, "x" * MAX_COMMENT_CHARS)
    assert evaluations.save(db, draft.id, draft.row_version, answers=answers).row_version == 2


@pytest.mark.parametrize("refusal", ["duplicate key", "serialization failure", "deadlock"])
def test_a_write_refused_because_of_a_concurrent_writer_is_a_conflict(
    setup: tuple[Database, int, str], monkeypatch: pytest.MonkeyPatch, refusal: str
) -> None:
    """However the database refuses a write that raced another, the user reads a conflict."""
    from sqlalchemy import exc

    db, rubric_id, agent_id = setup
    draft = evaluations.create(db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY)

    class DriverError(Exception):
        sqlstate = {"serialization failure": "40001", "deadlock": "40P01"}.get(refusal)

    def refuse(*_args: object) -> None:
        if refusal == "duplicate key":
            raise exc.IntegrityError("INSERT INTO answers", {}, DriverError(refusal))
        raise exc.OperationalError("INSERT INTO answers", {}, DriverError(refusal))

    monkeypatch.setattr(evaluations, "_replace_children", refuse)
    with pytest.raises(ConflictError, match="someone else saved this evaluation") as caught:
        evaluations.save(db, draft.id, draft.row_version, answers=_full_answers())
    assert "INSERT" not in str(caught.value)
    assert evaluations.get(db, draft.id).row_version == draft.row_version


def test_invalid_answers_are_refused_and_nothing_changes(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    draft = evaluations.create(db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY)
    with pytest.raises(ValidationError, match=r'answers\["greeting.rapport"\]: 7 is above'):
        evaluations.save(
            db, draft.id, draft.row_version, answers={"greeting.rapport": AnswerData(7)}
        )
    with pytest.raises(ValidationError, match=r"has no item .greeting\.nope."):
        evaluations.save(db, draft.id, draft.row_version, answers={"greeting.nope": AnswerData(1)})
    assert evaluations.get(db, draft.id).row_version == draft.row_version


def test_a_used_rubric_version_is_frozen_and_edits_make_the_next(
    setup: tuple[Database, int, str],
) -> None:
    db, rubric_id, agent_id = setup
    shop = evaluations.create(
        db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY, answers=_full_answers()
    )
    changed = rubric_dict()
    changed["sections"][0]["items"][0]["points"] = 20
    result = rubrics.save_rubric(db, parse_rubric(changed), edit_unused_in_place=True)
    assert result.outcome == "new_version" and result.info.version == 2
    assert rubrics.info(db, rubric_id).frozen
    again = evaluations.get(db, shop.id)
    assert (again.rubric_version, again.overall_pct) == (1, shop.overall_pct)
    assert rubrics.save_rubric(db, parse_rubric(changed)).outcome == "new_version"
    same = rubrics.save_rubric(db, parse_rubric({**changed, "version": 2}))
    assert same.outcome == "unchanged"


def test_an_unused_version_can_be_edited_in_place(any_db: Database) -> None:
    first = rubrics.save_rubric(any_db, parse_rubric(rubric_dict()))
    changed = rubric_dict(name="Renamed")
    result = rubrics.save_rubric(any_db, parse_rubric(changed), edit_unused_in_place=True)
    assert (result.outcome, result.info.id, result.info.name) == (
        "updated",
        first.info.id,
        "Renamed",
    )


def test_stored_rubric_content_is_the_exact_rubric(any_db: Database) -> None:
    rubric = parse_rubric(rubric_dict())
    info = rubrics.save_rubric(any_db, rubric).info
    assert rubrics.get_rubric(any_db, info.id) == rubric
    assert json.loads(json.dumps(rubric.to_dict()))["sections"][0]["items"][1]["max"] == 5


def test_agents_merge_moves_every_evaluation(setup: tuple[Database, int, str]) -> None:
    db, rubric_id, agent_id = setup
    prop = agents.get_agent(db, agent_id).property_id
    duplicate = agents.create_agent(db, "Jose Nunez", prop)
    for who in (agent_id, duplicate.id, duplicate.id):
        evaluations.create(db, rubric_id=rubric_id, agent_id=who, visited_on=DAY)
    merged = agents.merge_agents(db, agent_id, duplicate.id)
    assert merged.evaluation_count == 3
    assert [a.name for a in agents.list_agents(db)] == ["José Núñez"]


def test_names_match_trimmed_and_case_insensitively(any_db: Database) -> None:
    prop = properties.create_property(any_db, "  Maple   Court ")
    assert prop.name == "Maple Court"
    assert properties.find_property(any_db, "maple court").id == prop.id
    with pytest.raises(ValidationError, match="already exists"):
        properties.create_property(any_db, "MAPLE COURT")
    agents.create_agent(any_db, "Zoë Müller", prop.id)
    assert agents.find_agents(any_db, " zoë müller ")[0].property_id == prop.id


def test_deactivated_agents_keep_history_and_leave_pickers(
    setup: tuple[Database, int, str],
) -> None:
    db, rubric_id, agent_id = setup
    evaluations.create(db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY)
    agents.update_agent(db, agent_id, active=False)
    assert agents.list_agents(db, include_inactive=False) == []
    assert agents.get_agent(db, agent_id).evaluation_count == 1


def test_rescore_all_restores_stored_scores(setup: tuple[Database, int, str]) -> None:
    from sqlalchemy import update

    from shopper.storage.models import Evaluation, SectionScoreRow

    db, rubric_id, agent_id = setup
    shops = [
        evaluations.create(
            db, rubric_id=rubric_id, agent_id=agent_id, visited_on=DAY, answers=_full_answers()
        )
        for _ in range(3)
    ]
    assert evaluations.rescore_all(db) == 0, "nothing to change"
    with db.write() as session:
        session.execute(
            update(Evaluation)
            .where(Evaluation.id == shops[0].id)
            .values(overall_pct=1.0, overall_exact="1/1"),
            execution_options={"synchronize_session": False},
        )
        session.execute(
            update(SectionScoreRow)
            .where(SectionScoreRow.evaluation_id == shops[1].id)
            .values(exact="1/1", pct=1.0),
            execution_options={"synchronize_session": False},
        )
    assert evaluations.rescore_all(db, batch=2) == 2
    assert [evaluations.get(db, s.id).overall_pct for s in shops] == [54.0] * 3
    stored = evaluation_list_sections(db, shops[1].id)
    expected = {
        s.key: scoring.fraction_text(s.pct)
        for s in scoring.score(rubrics.get_rubric(db, rubric_id), shops[1].values()).sections
    }
    assert stored == expected
    assert evaluations.rescore_all(db) == 0


def evaluation_list_sections(db: Database, evaluation_id: str) -> dict[str, str | None]:
    from sqlalchemy import select

    from shopper.storage.models import SectionScoreRow

    with db.read() as session:
        return dict(
            session.execute(
                select(SectionScoreRow.section_key, SectionScoreRow.exact).where(
                    SectionScoreRow.evaluation_id == evaluation_id
                )
            ).all()
        )
