"""The stored key-question score (`evaluations.key_question_exact` / `key_question_pct`):
equal to `scoring.key_question_score` of the shop's answers after every create, save,
rescore and package import; filled for existing shops by migration 0007 (batched); read
by the dashboard. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import select, text, update

from shopper import scoring
from shopper.exchange.package_export import export_package
from shopper.exchange.package_import import import_package
from shopper.exchange.scoring_pool import Scorer, score_requests
from shopper.paths import DEFAULT_RUBRIC
from shopper.rubric import (
    Rubric,
    load_rubric_file,
    parse_rubric,
    rubric_from_stored,
    stored_content,
)
from shopper.services import agents, dashboard, evaluations, properties, rubrics
from shopper.services.evaluations import AnswerData, decode_value
from shopper.storage import migrate
from shopper.storage.db import Database, create_db_engine, open_database, resolve_url
from shopper.storage.models import Answer, Evaluation, RubricVersion
from tests.shopper.rubric_factory import rubric_dict
from tests.shopper.test_key_questions import KQ

DAY = dt.date(2026, 11, 2)
NOW = dt.datetime(2026, 11, 3, 9, 30)


def _answers(rubric: Rubric, rng: random.Random, fill: float = 1.0) -> dict[str, Any]:
    """Answers to (a share `fill` of) the rubric's items, N/A included where allowed."""
    out: dict[str, Any] = {}
    for path, _section, item in rubric.items():
        if rng.random() > fill:
            continue
        if item.type == "yes_no":
            choices: list[Any] = ["yes", "no"]
        elif item.type == "scale":
            choices = list(range(1, item.max + 1))
        elif item.type == "choice":
            choices = [o.label for o in item.options]
        else:
            out[path] = "a note"
            continue
        if item.allow_na and item.type != "choice":
            choices.append("na")
        out[path] = rng.choice(choices)
    return out


def _expected(rubric: Rubric, values: dict[str, Any]) -> tuple[str | None, float | None]:
    pct = scoring.key_question_score(rubric, values).pct
    return scoring.fraction_text(pct), None if pct is None else float(pct)


def _stored(db: Database) -> dict[str, tuple[str | None, float | None]]:
    with db.read() as session:
        return {
            i: (e, p)
            for i, e, p in session.execute(
                select(Evaluation.id, Evaluation.key_question_exact, Evaluation.key_question_pct)
            )
        }


def _recomputed(db: Database) -> dict[str, tuple[str | None, float | None]]:
    """Each shop's key-question score computed again from its stored answers and rubric."""
    with db.read() as session:
        by_id = {
            r.id: rubric_from_stored(r.content) for r in session.scalars(select(RubricVersion))
        }
        values: dict[str, dict[str, Any]] = {}
        for eid, path, value in session.execute(
            select(Answer.evaluation_id, Answer.item_path, Answer.value)
        ):
            values.setdefault(eid, {})[path] = decode_value(value)
        return {
            i: _expected(by_id[r], values.get(i, {}))
            for i, r in session.execute(select(Evaluation.id, Evaluation.rubric_id))
        }


def _default(db: Database) -> tuple[int, Rubric, str]:
    info = rubrics.default_rubric(db)
    assert info is not None
    rubric = rubrics.get_rubric(db, info.id)
    assert scoring.key_question_paths(rubric)  # version 2 marks key questions
    prop = properties.create_property(db, "Maple Court")
    agent = agents.create_agent(db, "José Núñez", prop.id)
    return info.id, rubric, agent.id


def test_create_and_save_store_the_key_question_score(any_db: Database) -> None:
    rubric_id, rubric, agent_id = _default(any_db)
    rng = random.Random(5)
    made = []
    for n in range(12):
        values = _answers(rubric, rng, fill=0.3 + n / 20)
        created = evaluations.create(
            any_db,
            rubric_id=rubric_id,
            agent_id=agent_id,
            visited_on=DAY,
            answers={p: AnswerData(v) for p, v in values.items()},
        )
        want = _expected(rubric, values)
        assert (created.key_question_exact, created.key_question_pct) == want
        made.append(created)
    assert len({m.key_question_exact for m in made}) > 3  # the shops differ
    assert _stored(any_db) == _recomputed(any_db)

    # a save with other answers stores the new score; all N/A gives none
    first = made[0]
    values = _answers(rubric, random.Random(99))
    saved = evaluations.save(
        any_db, first.id, first.row_version, answers={p: AnswerData(v) for p, v in values.items()}
    )
    assert (saved.key_question_exact, saved.key_question_pct) == _expected(rubric, values)
    assert saved.key_question_exact is not None
    assert evaluations.get(any_db, first.id).key_question_exact == saved.key_question_exact
    only_na = {  # N/A where allowed, else unanswered: nothing possible
        p: AnswerData("na")
        for p, _s, item in rubric.items()
        if item.key_question and item.allow_na and item.type != "choice"
    }
    again = evaluations.save(any_db, first.id, saved.row_version, answers=only_na)
    assert (again.key_question_exact, again.key_question_pct) == (None, None)
    assert _stored(any_db) == _recomputed(any_db)


def test_exact_fraction_and_critical_failure(any_db: Database) -> None:
    """349 of 400 is 87.25 exactly; a critical failure zeroes the overall, not this."""
    data = rubric_dict(
        key="kq",
        name="KQ",
        sections=[
            {
                "key": "s",
                "title": "S",
                "items": [
                    {"key": "a", "prompt": "A", "type": "yes_no", "points": 349,
                     "key_question": True},
                    {"key": "b", "prompt": "B", "type": "yes_no", "points": 51,
                     "key_question": True},
                    {"key": "gate", "prompt": "G", "type": "yes_no", "points": 0,
                     "critical": True},
                ],
            }
        ],
    )  # fmt: skip
    rubric_id = rubrics.save_rubric(any_db, parse_rubric(data)).info.id
    prop = properties.create_property(any_db, "Maple Court")
    agent = agents.create_agent(any_db, "Kai", prop.id)
    shop = evaluations.create(
        any_db,
        rubric_id=rubric_id,
        agent_id=agent.id,
        visited_on=DAY,
        answers={"s.a": AnswerData("yes"), "s.b": AnswerData("no"), "s.gate": AnswerData("no")},
    )
    assert shop.key_question_exact == "349/4"
    assert shop.key_question_pct == 87.25
    assert shop.overall_pct == 0.0 and shop.critical_failure


def test_rescore_restores_the_stored_score(any_db: Database) -> None:
    rubric_id, rubric, agent_id = _default(any_db)
    rng = random.Random(8)
    for _ in range(10):
        evaluations.create(
            any_db,
            rubric_id=rubric_id,
            agent_id=agent_id,
            visited_on=DAY,
            answers={p: AnswerData(v) for p, v in _answers(rubric, rng, 0.8).items()},
        )
    good = _stored(any_db)
    with any_db.write() as session:
        ids = sorted(good)
        session.execute(
            update(Evaluation)
            .where(Evaluation.id.in_(ids[:4]))
            .values(key_question_exact=None, key_question_pct=None)
        )
        session.execute(
            update(Evaluation)
            .where(Evaluation.id.in_(ids[4:6]))
            .values(key_question_exact="1/1", key_question_pct=1.0)
        )
    damaged = sum(1 for i in ids[:6] if _stored(any_db)[i] != good[i])
    assert damaged >= 5
    assert evaluations.rescore_all(any_db, batch=3) == damaged
    assert _stored(any_db) == good == _recomputed(any_db)
    assert evaluations.rescore_all(any_db) == 0


def test_package_import_stores_the_score(any_db: Database, tmp_path: Path) -> None:
    source = open_database(str(tmp_path / "source.db"))
    try:
        from shopper.services.rubrics import ensure_default_rubric

        ensure_default_rubric(source)
        rubric_id, rubric, agent_id = _default(source)
        rng = random.Random(3)
        for _ in range(15):
            evaluations.create(
                source,
                rubric_id=rubric_id,
                agent_id=agent_id,
                visited_on=DAY,
                answers={p: AnswerData(v) for p, v in _answers(rubric, rng, 0.7).items()},
            )
        package = tmp_path / "p.json"
        export_package(source, package)
        want = _stored(source)
    finally:
        source.close()
    assert sum(1 for e, _p in want.values() if e is not None) > 5
    import_package(any_db, package)
    assert _stored(any_db) == want == _recomputed(any_db)


def test_the_scoring_workers_return_the_score() -> None:
    values = {"greeting.prompt": "yes", "greeting.rapport": 2, "cx.likely": "na"}
    with Scorer(1) as scorer:
        [(columns, _sections)] = score_requests([scorer.request("e1", KQ, values)])
    assert (columns["key_question_exact"], columns["key_question_pct"]) == _expected(KQ, values)
    assert columns["key_question_exact"] is not None


# --- migration 0007 ---------------------------------------------------------------------------


def _filled_0006(target: str, rubric: Rubric, shops: int) -> dict[str, dict[str, Any]]:
    """A revision-0006 database (no key-question columns) with shops on `rubric` and on a
    rubric without key questions; returns each shop's answers."""
    db = Database(resolve_url(target), create_db_engine(resolve_url(target)))
    plain = rubric_from_stored(stored_content(parse_rubric(rubric_dict())))
    answers: dict[str, dict[str, Any]] = {}
    try:
        migrate.upgrade(db, "0006")
        with db.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO properties VALUES ('p1', 'Maple Court', NULL, :now, :now)"),
                {"now": NOW},
            )
            conn.execute(
                text("INSERT INTO agents VALUES ('a1', 'Kai', 'p1', :t, :now, :now)"),
                {"now": NOW, "t": True},
            )
            ids = {}
            for version in (rubric, plain):
                conn.execute(
                    text(
                        "INSERT INTO rubrics (key, version, name, content, content_hash, "
                        "created_at) VALUES (:k, :v, :n, :c, :h, :now)"
                    ),
                    {
                        "k": version.key,
                        "v": version.version,
                        "n": version.name,
                        "c": stored_content(version),
                        "h": version.content_hash(),
                        "now": NOW,
                    },
                )
                ids[version.key] = conn.execute(
                    text("SELECT id FROM rubrics WHERE key = :k"), {"k": version.key}
                ).scalar_one()
            rng = random.Random(21)
            for n in range(shops):
                which = plain if n % 7 == 6 else rubric
                values = _answers(which, rng, fill=0.2 + (n % 5) / 5)
                eid = f"e{n:03d}"
                answers[eid] = values
                conn.execute(
                    text(
                        "INSERT INTO evaluations (id, rubric_id, property_id, agent_id, "
                        "shopper, visited_on, channel, status, created_at, updated_at, "
                        "row_version, overall_pct, overall_exact, critical_failure, "
                        "answered_count, total_count) VALUES (:id, :r, 'p1', 'a1', 'Sam', "
                        ":day, 'phone', 'submitted', :now, :now, 3, NULL, NULL, :f, 0, 0)"
                    ),
                    {"id": eid, "r": ids[which.key], "day": DAY, "now": NOW, "f": False},
                )
                for path, value in values.items():
                    conn.execute(
                        text("INSERT INTO answers VALUES (:id, :p, :v, NULL)"),
                        {"id": eid, "p": path, "v": evaluations.encode_value(value)},
                    )
    finally:
        db.close()
    return answers


def test_migration_0007_fills_every_existing_shop(db_target: str) -> None:
    rubric = load_rubric_file(DEFAULT_RUBRIC)
    answers = _filled_0006(db_target, rubric, shops=40)
    db = Database(resolve_url(db_target), create_db_engine(resolve_url(db_target)))
    try:
        with db.engine.connect() as conn:
            before = list(conn.execute(text("SELECT * FROM evaluations ORDER BY id")))
        migrate.upgrade(db, "0007")
        assert migrate.current_revision(db) == ("0007", True)
        stored = _stored(db)
        assert stored == _recomputed(db)
        plain_ids = {f"e{n:03d}" for n in range(40) if n % 7 == 6}
        for eid, values in answers.items():
            want = (None, None) if eid in plain_ids else _expected(rubric, values)
            assert stored[eid] == want
        assert sum(1 for e, _p in stored.values() if e is not None) > 20
        with db.engine.connect() as conn:  # nothing else changed
            after = list(conn.execute(text("SELECT * FROM evaluations ORDER BY id")))
        assert [tuple(r)[: len(before[0])] for r in after] == [tuple(r) for r in before]

        # batches of 3 give the same, from scratch
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE evaluations SET key_question_exact = NULL"))
            module = importlib.import_module(
                "shopper.storage.migrations.versions.0007_key_question_score"
            )
            assert module.fill(conn, batch=3) == sum(1 for e, _p in stored.values() if e)
        assert {i: v[0] for i, v in _stored(db).items()} == {i: v[0] for i, v in stored.items()}

        from alembic import command

        with db.engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0006")
        with db.engine.connect() as conn:
            assert list(conn.execute(text("SELECT * FROM evaluations ORDER BY id"))) == before
        migrate.upgrade(db, "0007")
        assert _stored(db) == stored
    finally:
        db.close()


# --- the dashboard reads the stored score ---------------------------------------------------


def test_the_dashboard_averages_the_stored_scores(any_db: Database) -> None:
    rubric_id, rubric, agent_id = _default(any_db)
    rng = random.Random(12)
    scores = []
    for n in range(9):
        values = _answers(rubric, rng)
        shop = evaluations.create(
            any_db,
            rubric_id=rubric_id,
            agent_id=agent_id,
            visited_on=DAY - dt.timedelta(days=n),
            answers={p: AnswerData(v) for p, v in values.items()},
            status="submitted",
        )
        if (pct := scoring.key_question_score(rubric, values).pct) is not None:
            scores.append(pct)
    flt = dashboard.DashboardFilter(DAY - dt.timedelta(days=30), DAY, review_required=False)
    board = dashboard.build(any_db, flt, today=DAY)
    assert board.headline.key_questions.count == len(scores) > 0
    assert board.headline.key_questions.value == sum(scores, Fraction(0)) / len(scores)

    # what is stored is what counts: the dashboard does not read the answers again
    with any_db.write() as session:
        session.execute(
            update(Evaluation)
            .where(Evaluation.id == shop.id)
            .values(key_question_exact="0/1", key_question_pct=0.0)
        )
    board = dashboard.build(any_db, flt, today=DAY)
    others = scores[:-1] if shop.key_question_exact is not None else scores
    assert board.headline.key_questions.count == len(others) + 1
    assert board.headline.key_questions.value == sum(others, Fraction(0)) / (len(others) + 1)


def test_the_stored_columns_equal_scoring_for_many_answer_sets() -> None:
    """`key_question_columns` (memoised per rubric) against `scoring.key_question_score`,
    on the default rubric, the test rubric and one with fractional points."""
    data = rubric_dict(
        key="frac",
        name="Frac",
        sections=[
            {
                "key": "s",
                "title": "S",
                "items": [
                    {"key": "a", "prompt": "A", "type": "scale", "max": 4, "points": 7,
                     "key_question": True},
                    {"key": "b", "prompt": "B", "type": "yes_no", "points": 1.5,
                     "key_question": True},
                    {"key": "c", "prompt": "C", "type": "choice", "key_question": True,
                     "options": [{"label": "x", "points": 2.25}, {"label": "y", "points": 0}]},
                ],
            }
        ],
    )  # fmt: skip
    rng = random.Random(17)
    for rubric in (load_rubric_file(DEFAULT_RUBRIC), KQ, parse_rubric(data)):
        for n in range(300):
            values = _answers(rubric, rng, fill=(n % 10) / 9)
            assert evaluations.key_question_columns(rubric, values) == _expected(rubric, values)
