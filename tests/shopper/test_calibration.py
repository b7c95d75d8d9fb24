"""Calibration sessions in the core (SQLite and PostgreSQL): sessions, raters, the reference
before or after the others, blindness before submission, results, trends across sessions,
and calibration shops kept out of every figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from fractions import Fraction

import pytest

from shopper.errors import ValidationError
from shopper.rubric import parse_rubric
from shopper.scoring import AnswerValue
from shopper.services import (
    agents,
    aggregates,
    calibration,
    evaluation_list,
    evaluations,
    people,
    properties,
    rubrics,
)
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database
from tests.shopper.rubric_factory import rubric_dict

DAY = dt.date(2026, 11, 20)

KEY: dict[str, AnswerValue] = {
    "greeting.prompt": "yes",
    "greeting.rapport": 4,
    "greeting.booking": "Agent offered",
    "greeting.note": "The Lofts",
    "follow_up.called": "na",
    "fair.no_steering": "yes",
    "cx.likely": 4,
}


def make_setup(db: Database) -> tuple[int, str]:
    info = rubrics.save_rubric(db, parse_rubric(rubric_dict())).info
    prop = properties.create_property(db, "Maple Court")
    agent = agents.create_agent(db, "José Núñez", prop.id)
    return info.id, agent.id


def score(
    db: Database, session_id: str, rater: str, answers: Mapping[str, AnswerValue], **kw: object
) -> str:
    """A rater scores the session in the usual way: start, save, submit."""
    evaluation_id = calibration.start_evaluation(db, session_id, rater, **kw)  # type: ignore[arg-type]
    data = evaluations.get(db, evaluation_id)
    saved = evaluations.save(
        db,
        evaluation_id,
        data.row_version,
        answers={p: AnswerData(v) for p, v in answers.items()},
        actor=rater,
    )
    evaluations.set_status(db, evaluation_id, "submitted", saved.row_version, actor=rater)
    return evaluation_id


def session_with_raters(db: Database) -> tuple[calibration.SessionInfo, str]:
    rubric_id, agent_id = make_setup(db)
    info = calibration.create_session(
        db,
        title="Tour of 3 November",
        rubric_id=rubric_id,
        recording="tours/2026-11-03-maple.mp4",
        notes="Score from the recording only",
        agent_id=agent_id,
    )
    info = calibration.invite(db, info.id, ["Ann", "Ben", "Cleo", "Dev"])
    return info, agent_id


def test_session_invite_and_results_by_hand(any_db: Database) -> None:
    db = any_db
    info, _agent = session_with_raters(db)
    assert [r.name for r in info.raters] == ["Ann", "Ben", "Cleo", "Dev"]
    assert all(r.invited and r.evaluation_id is None for r in info.raters)
    # the reference is entered first here
    ref = score(db, info.id, "Rita Expert", KEY, reference=True)
    score(db, info.id, "Ann", KEY)  # agrees everywhere
    score(db, info.id, "Ben", {**KEY, "greeting.prompt": "no", "greeting.rapport": 3})
    score(db, info.id, "Cleo", {**KEY, "greeting.prompt": "no", "follow_up.called": "yes"})
    score(db, info.id, "Dev", {**KEY, "greeting.prompt": "na"})

    result = calibration.results(db, info.id, viewer=None)
    assert result.session.reference_evaluation_id == ref
    assert result.reference_name == "Rita Expert"
    by_path = {i.path: i for i in result.items}
    # greeting.prompt: reference yes; Ann yes, Ben no, Cleo no, Dev na -> 1 of 4
    assert by_path["greeting.prompt"].agreement == Fraction(1, 4)
    # follow_up.called: reference na (N/A is an answer): Ann, Ben, Dev na; Cleo yes -> 3/4
    assert by_path["follow_up.called"].agreement == Fraction(3, 4)
    assert by_path["greeting.rapport"].agreement == Fraction(3, 4)
    assert by_path["greeting.booking"].agreement == 1
    assert "greeting.note" not in by_path  # text items are not scored
    # worst first; the rubric editor opens at the first
    assert result.items[0].path == "greeting.prompt"
    assert result.least_agreed_path == "greeting.prompt"

    # deviations: the test rubric's overall = (prompt 5 + rapport 10 + booking 4 +
    # called 6 + no_steering 0) over what is possible; the reference: prompt 5,
    # rapport 10*3/4, booking 4, called N/A -> (5 + 7.5 + 4) / 19
    reference_overall = Fraction(100) * (5 + Fraction(15, 2) + 4) / 19
    deviations = {r.name: r for r in result.raters}
    assert set(deviations) == {"Ann", "Ben", "Cleo", "Dev"}
    assert deviations["Ann"].deviation == 0 and deviations["Ann"].share == 1
    ben_overall = Fraction(100) * (0 + 5 + 4) / 19
    assert deviations["Ben"].deviation == ben_overall - reference_overall
    assert deviations["Ben"].share == Fraction(4, 6)
    cleo_overall = Fraction(100) * (0 + Fraction(15, 2) + 4 + 6) / 25
    assert deviations["Cleo"].deviation == cleo_overall - reference_overall
    dev_overall = Fraction(100) * (Fraction(15, 2) + 4) / 14  # prompt N/A
    assert deviations["Dev"].deviation == dev_overall - reference_overall
    assert deviations["Dev"].share == Fraction(5, 6)

    levels = {r.level: r for r in result.reliability}
    assert (levels["nominal"].raters, levels["interval"].raters) == (5, 5)
    assert levels["nominal"].alpha is not None and levels["nominal"].alpha < 1
    assert levels["interval"].items == 2


def test_reference_after_the_others_and_one_evaluation_per_rater(any_db: Database) -> None:
    db = any_db
    info, _agent = session_with_raters(db)
    ann = score(db, info.id, "Ann", KEY)
    assert calibration.start_evaluation(db, info.id, "ann") == ann  # the same, not a second
    before = calibration.results(db, info.id, viewer=None)
    assert before.reference_name is None
    assert all(i.agreement is None for i in before.items)
    expert = score(db, info.id, "Rita Expert", {**KEY, "greeting.rapport": 5})
    calibration.mark_reference(db, info.id, expert)
    after = calibration.results(db, info.id, viewer=None)
    assert after.reference_name == "Rita Expert"
    assert {i.path: i.agreement for i in after.items}["greeting.rapport"] == 0


def test_only_the_sessions_own_evaluations_can_be_its_reference(any_db: Database) -> None:
    db = any_db
    info, agent_id = session_with_raters(db)
    shop = evaluations.create(db, rubric_id=info.rubric_id, agent_id=agent_id, visited_on=DAY)
    with pytest.raises(ValidationError, match="not part of session"):
        calibration.mark_reference(db, info.id, shop.id)


def test_blind_until_submitted(any_db: Database) -> None:
    db = any_db
    info, _agent = session_with_raters(db)
    score(db, info.id, "Rita Expert", KEY, reference=True)
    score(db, info.id, "Ann", KEY)
    # Ben is invited and has not started: blind
    with pytest.raises(calibration.BlindError, match="hidden until you submit"):
        calibration.results(db, info.id, viewer="Ben")
    with pytest.raises(calibration.BlindError):
        calibration.session_answers(db, info.id, viewer="Ben")
    # Ben starts and saves a draft: still blind (by id as well as by name)
    ben_eval = calibration.start_evaluation(db, info.id, "Ben")
    ann_eval = calibration.start_evaluation(db, info.id, "Ann")  # hers, submitted already
    assert calibration.may_open(db, ben_eval, "Ben")  # his own
    assert not calibration.may_open(db, ann_eval, "Ben")  # hers, not yet
    assert calibration.may_open(db, ann_eval, "Paula Manager")
    ben = people.find(db, "Ben")
    assert ben is not None
    with pytest.raises(calibration.BlindError):
        calibration.results(db, info.id, viewer=ben.id)
    assert not calibration.can_see_others(db, info.id, "Ben")
    # a program manager (not a rater) sees everything
    assert calibration.can_see_others(db, info.id, "Paula Manager")
    assert len(calibration.session_answers(db, info.id, viewer="Paula Manager")) == 2
    # once Ben submits, he sees the others
    data = evaluations.get(db, ben_eval)
    saved = evaluations.save(
        db, ben_eval, data.row_version, answers={p: AnswerData(v) for p, v in KEY.items()}
    )
    evaluations.set_status(db, ben_eval, "submitted", saved.row_version, actor="Ben")
    assert len(calibration.results(db, info.id, viewer="Ben").raters) == 2
    assert calibration.may_open(db, ann_eval, "Ben")
    # Ann, who submitted, sees results; trends leave out sessions a viewer may not see yet
    assert calibration.rater_trends(db, viewer="Cleo") == []
    assert [t.name for t in calibration.rater_trends(db, viewer="Ann")] == ["Ann", "Ben"]


def test_rater_trends_across_sessions(any_db: Database) -> None:
    db = any_db
    first, _agent = session_with_raters(db)
    second = calibration.create_session(
        db, title="Second tour", rubric_id=first.rubric_id, agent_id=first.agent_id
    )
    for info in (first, second):
        score(db, info.id, "Rita Expert", {**KEY, "greeting.rapport": 3}, reference=True)
    score(db, first.id, "Ann", {**KEY, "greeting.rapport": 5})  # lenient
    score(db, second.id, "Ann", {**KEY, "greeting.rapport": 4})  # lenient
    score(db, first.id, "Ben", {**KEY, "greeting.rapport": 1})  # strict
    trends = {t.name: t for t in calibration.rater_trends(db)}
    assert trends["Ann"].sessions == 2 and trends["Ben"].sessions == 1
    # rapport is worth 10 of 19 possible points: one step = 10/4 points = 250/19 %
    step = 100 * Fraction(10, 4) / 19
    assert trends["Ann"].mean_deviation == pytest.approx(float((2 * step + step) / 2))
    assert trends["Ben"].mean_deviation == pytest.approx(float(-2 * step))
    assert [t.name for t in calibration.rater_trends(db)] == ["Ann", "Ben"]  # lenient first


def test_calibration_shops_count_nowhere(any_db: Database) -> None:
    db = any_db
    info, agent_id = session_with_raters(db)
    shop_answers = {**KEY, "greeting.prompt": "no"}
    shop = evaluations.create(
        db,
        rubric_id=info.rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        answers={p: AnswerData(v) for p, v in shop_answers.items()},
        status="submitted",
    )
    calibration_ids = [
        score(db, info.id, "Rita Expert", KEY, reference=True, visited_on=DAY),
        score(db, info.id, "Ann", KEY, visited_on=DAY),
    ]
    # aggregates: only the one shop
    figures = aggregates.period_aggregates(db, aggregates.Period())
    assert figures.portfolio_overall.count == 1
    assert figures.portfolio_overall.value == pytest.approx(shop.overall_pct)
    # scorecards: the agent's card lists only the shop
    rubric_map = aggregates.load_rubrics(db)
    cards, skipped = aggregates.scorecards(
        db,
        [aggregates.AgentRef(agent_id, "José Núñez", shop.property_id, "Maple Court")],
        figures,
        rubric_map,
    )
    assert not skipped
    assert [s.evaluation_id for s in cards[0].shops] == [shop.id]
    assert cards[0].overall.count == 1
    # the list's "counted" filter leaves them out
    counted = evaluation_list.list_ids(db, evaluation_list.EvaluationFilter(counted=True))
    assert counted == [shop.id]
    not_counted = evaluation_list.list_ids(
        db, evaluation_list.EvaluationFilter(counted=False, purpose=None)
    )
    assert set(not_counted) == set(calibration_ids)


def test_calibration_shops_are_not_on_the_dashboard(any_db: Database) -> None:
    dashboard = pytest.importorskip("shopper.services.dashboard")
    db = any_db
    info, agent_id = session_with_raters(db)
    evaluations.create(
        db,
        rubric_id=info.rubric_id,
        agent_id=agent_id,
        visited_on=DAY,
        answers={p: AnswerData(v) for p, v in KEY.items()},
        status="submitted",
    )
    score(db, info.id, "Rita Expert", KEY, reference=True, visited_on=DAY)
    score(db, info.id, "Ann", {**KEY, "greeting.prompt": "no"}, visited_on=DAY)
    board = dashboard.build(db, today=DAY)
    assert board.headline.shops == 1
    assert board.headline.overall.count == 1
    assert [row.shops for row in board.agents] == [1]


def test_default_list_filter_leaves_calibration_out(any_db: Database) -> None:
    db = any_db
    info, agent_id = session_with_raters(db)
    shop = evaluations.create(db, rubric_id=info.rubric_id, agent_id=agent_id, visited_on=DAY)
    score(db, info.id, "Ann", KEY, visited_on=DAY)
    assert evaluation_list.list_ids(db) == [shop.id]
