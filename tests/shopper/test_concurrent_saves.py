"""Two people saving the same evaluation: one save wins, the other is told, nothing is lost.

Runs on SQLite and PostgreSQL. The simultaneous case uses two worker *processes* (each with
its own database connection) released together by a barrier, the way two laptops on a
shared database save at once. SHOPPER_CONCURRENT_ROUNDS sets how many rounds it runs.
"""

from __future__ import annotations

import collections
import datetime as dt
import multiprocessing
import os
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from shopper.errors import ConflictError
from shopper.rubric import parse_rubric
from shopper.services import agents, evaluations, properties, rubrics
from shopper.services.evaluations import AnswerData
from shopper.storage.db import Database, open_database
from tests.shopper.rubric_factory import rubric_dict

ROUNDS = int(os.environ.get("SHOPPER_CONCURRENT_ROUNDS", "200"))
KINDS = ("answers", "comments", "header", "status")
BASE_ANSWERS = {
    "greeting.prompt": AnswerData("yes"),
    "greeting.rapport": AnswerData(3, "Asked about my commute"),
    "greeting.booking": AnswerData("Agent offered"),
    "greeting.note": AnswerData("The Lofts"),
    "fair.no_steering": AnswerData("yes"),
    "cx.likely": AnswerData(4),
}
WAIT_SECONDS = 60


def _draft(target: str) -> str:
    db = open_database(target)
    try:
        rubric = rubrics.save_rubric(db, parse_rubric(rubric_dict())).info
        prop = properties.create_property(db, "Maple Court")
        agent = agents.create_agent(db, "José Núñez", prop.id)
        return evaluations.create(
            db,
            rubric_id=rubric.id,
            agent_id=agent.id,
            visited_on=dt.date(2026, 11, 20),
            answers=BASE_ANSWERS,
            shopper="Sam",
        ).id
    finally:
        db.close()


@pytest.fixture
def draft(db_target: str) -> tuple[str, str]:
    return db_target, _draft(db_target)


# -- the same second, one after the other --------------------------------------------------


def test_a_save_from_before_the_last_save_is_refused_even_within_the_same_second(
    draft: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """X saves twice within one second; Y opened between X's saves. Y must get a conflict."""
    target, evaluation_id = draft
    # Every save happens "at the same instant", as on a coarse or stepped clock.
    instant = dt.datetime(2026, 11, 20, 16, 2, 11, 500_000)
    monkeypatch.setattr(evaluations, "utcnow", lambda: instant)
    x, y = open_database(target, migrate=False), open_database(target, migrate=False)
    try:
        opened_by_x = evaluations.get(x, evaluation_id)
        first = evaluations.save(
            x, evaluation_id, opened_by_x.row_version, answers=_with_comment("X: first look")
        )
        opened_by_y = evaluations.get(y, evaluation_id)
        assert opened_by_y.row_version == first.row_version
        second = evaluations.save(
            x, evaluation_id, first.row_version, answers=_with_comment("X: the comment to keep")
        )
        assert second.row_version == first.row_version + 1
        with pytest.raises(ConflictError, match="someone else saved this evaluation"):
            evaluations.save(
                y, evaluation_id, opened_by_y.row_version, answers=_with_comment("Y: stale")
            )
        stored = evaluations.get(x, evaluation_id)
        assert stored.answers["greeting.rapport"].comment == "X: the comment to keep"
        assert stored.row_version == second.row_version
    finally:
        x.close()
        y.close()


def test_every_save_bumps_the_version_and_keeps_microseconds(draft: tuple[str, str]) -> None:
    target, evaluation_id = draft
    db = open_database(target, migrate=False)
    try:
        data = evaluations.get(db, evaluation_id)
        versions, stamps = [data.row_version], [data.updated_at]
        for text in ("one", "two", "three"):  # comments only: no column of the row changes
            answers = _with_comment(text)
            data = evaluations.save(db, evaluation_id, data.row_version, answers=answers)
            versions.append(data.row_version)
            stamps.append(data.updated_at)
        assert versions == list(range(versions[0], versions[0] + 4))
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    finally:
        db.close()


def _with_comment(comment: str) -> dict[str, AnswerData]:
    answers = dict(BASE_ANSWERS)
    answers["greeting.rapport"] = AnswerData(3, comment)
    return answers


# -- two processes at the same moment ------------------------------------------------------


def _payload(
    kind: str, name: str, round_no: int, current: evaluations.EvaluationData
) -> dict[str, Any]:
    """What `name` saves in round `round_no` on top of `current`: keyword arguments of
    evaluations.save (like the form, it sends every answer), or {"status": ...} for a
    status change. In a "status" round X changes the status while Y edits a comment."""
    answers = dict(current.answers)
    if kind == "status" and name == "X":
        return {"status": "awaiting_follow_up" if current.status == "draft" else "draft"}
    if kind == "answers":  # an unscored text answer: no score changes with it
        answers["greeting.note"] = AnswerData(f"{name} round {round_no}")
        return {"answers": answers}
    if kind in ("comments", "status"):
        rapport = answers["greeting.rapport"]
        answers["greeting.rapport"] = AnswerData(rapport.value, f"{name} comment {round_no}")
        return {"answers": answers}
    return {"shopper": f"{name} {round_no}"}


def _saver(
    target: str, name: str, tasks: Any, results: Any, barrier: Any
) -> None:  # pragma: no cover - runs in a worker process
    from shopper.processes import die_with_parent

    die_with_parent()
    db = open_database(target, migrate=False)
    try:
        while True:
            task = tasks.get()
            if task is None:
                return
            evaluation_id, expected, kind, round_no, current = task
            evaluations.get(db, evaluation_id)  # connected and warm before the start line
            payload = _payload(kind, name, round_no, current)
            barrier.wait(WAIT_SECONDS)
            try:
                data = (
                    evaluations.set_status(
                        db, evaluation_id, payload["status"], expected, actor=name
                    )
                    if "status" in payload
                    else evaluations.save(db, evaluation_id, expected, **payload)
                )
                results.put((name, "saved", data.row_version))
            except ConflictError as error:
                results.put((name, "conflict", str(error)))
            except Exception as error:
                results.put((name, "error", f"{type(error).__name__}: {error}"))
    finally:
        db.close()


@pytest.fixture
def savers(
    draft: tuple[str, str],
) -> Iterator[tuple[Database, str, dict[str, Any], Any]]:
    target, evaluation_id = draft
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    tasks = {name: ctx.Queue() for name in ("X", "Y")}
    workers = [
        ctx.Process(target=_saver, args=(target, name, tasks[name], results, barrier), daemon=True)
        for name in tasks
    ]
    for worker in workers:
        worker.start()
    db = open_database(target, migrate=False)
    try:
        yield db, evaluation_id, tasks, results
    finally:
        for name in tasks:
            tasks[name].put(None)
        for worker in workers:
            worker.join(10)
            if worker.is_alive():
                worker.kill()
        db.close()


def test_two_processes_saving_at_once_give_one_save_and_one_conflict(
    savers: tuple[Database, str, dict[str, Any], Any],
) -> None:
    db, evaluation_id, tasks, results = savers
    outcomes: collections.Counter[str] = collections.Counter()
    problems: list[str] = []
    for round_no in range(ROUNDS):
        kind = KINDS[round_no % len(KINDS)]
        before = evaluations.get(db, evaluation_id)
        for name in tasks:
            task = (evaluation_id, before.row_version, kind, round_no, before)
            tasks[name].put(task)
        try:
            got = {name: (status, detail) for name, status, detail in _collect(results, 2)}
        except queue.Empty:
            pytest.fail(f"round {round_no}: a saver did not answer within {WAIT_SECONDS} s")
        statuses = sorted(status for status, _ in got.values())
        after = evaluations.get(db, evaluation_id)
        if statuses == ["conflict", "saved"]:
            winner = next(name for name, (status, _) in got.items() if status == "saved")
            lost = _lost(_payload(kind, winner, round_no, before), winner, before, after)
            if lost or after.row_version != before.row_version + 1:
                outcome = "one saved, but its change is not what is stored"
                problems.append(f"round {round_no} ({kind}): {lost or 'version'}")
            else:
                outcome = "one saved, one conflict"
        elif statuses == ["saved", "saved"]:
            outcome = "both told saved (lost update)"
        else:
            outcome = " + ".join(
                str(detail).split(":", 1)[0] if status == "error" else status
                for status, detail in got.values()
            )
            problems.append(f"round {round_no} ({kind}): {got}")
        outcomes[f"{kind}: {outcome}"] += 1
    summary = ", ".join(f"{text}: {n}" for text, n in sorted(outcomes.items()))
    good = sum(n for text, n in outcomes.items() if text.endswith("one saved, one conflict"))
    assert good == ROUNDS, f"{ROUNDS} rounds -> {summary}; first problems: {problems[:3]}"


def _collect(results: Any, count: int) -> Iterator[tuple[str, str, Any]]:
    for _ in range(count):
        yield results.get(timeout=WAIT_SECONDS)


def _lost(
    expected: dict[str, Any],
    winner: str,
    before: evaluations.EvaluationData,
    stored: evaluations.EvaluationData,
) -> str:
    """What of the winner's save is not stored, or what else changed ('' when neither)."""
    want = {
        "answers": dict(expected.get("answers", before.answers)),
        "shopper": expected.get("shopper", before.shopper),
        "status": expected.get("status", before.status),
    }
    got = {"answers": dict(stored.answers), "shopper": stored.shopper, "status": stored.status}
    wrong = [f"{key} is {got[key]!r}, not {want[key]!r}" for key in want if got[key] != want[key]]
    return f"after {winner}'s save: " + "; ".join(wrong) if wrong else ""


# -- a rescore while someone saves ---------------------------------------------------------


def test_a_rescore_waits_for_a_save_in_progress_and_stores_matching_scores(
    draft: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The save holds its evaluation from its first statement: a rescore started meanwhile
    waits for it, then scores what the save stored (no duplicate score rows, no old scores
    over new answers)."""
    target, evaluation_id = draft
    inside_save, finish_save = threading.Event(), threading.Event()
    write_children = evaluations._replace_children

    def paused(*args: Any) -> None:
        inside_save.set()
        finish_save.wait(WAIT_SECONDS)
        write_children(*args)

    monkeypatch.setattr(evaluations, "_replace_children", paused)
    saver_db, rescore_db = (open_database(target, migrate=False) for _ in range(2))
    failures: list[BaseException] = []

    def run(job: Any) -> threading.Thread:
        def target_() -> None:
            try:
                job()
            except BaseException as error:  # reported by the test thread
                failures.append(error)

        thread = threading.Thread(target=target_, daemon=True)
        thread.start()
        return thread

    try:
        opened = evaluations.get(saver_db, evaluation_id)
        answers = dict(opened.answers)
        answers["greeting.rapport"] = AnswerData(5, "Best of the week")  # the score changes
        saving = run(lambda: evaluations.save(saver_db, evaluation_id, 1, answers=answers))
        assert inside_save.wait(WAIT_SECONDS)
        rescoring = run(lambda: evaluations.rescore_all(rescore_db))
        rescoring.join(1.0)
        assert rescoring.is_alive(), "the rescore did not wait for the save in progress"
        finish_save.set()
        saving.join(WAIT_SECONDS)
        rescoring.join(WAIT_SECONDS)
        assert not failures, failures
        stored = evaluations.get(saver_db, evaluation_id)
        expected = evaluations.score_of(saver_db, stored)
        assert stored.answers["greeting.rapport"] == AnswerData(5, "Best of the week")
        assert stored.overall_pct == float(expected.overall or 0)
        assert evaluations.rescore_all(rescore_db) == 0, "stored scores match stored answers"
    finally:
        finish_save.set()
        saver_db.close()
        rescore_db.close()
