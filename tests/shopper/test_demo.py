"""Demo data: reproducible and realistic enough to demo and benchmark with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from shopper import demo
from shopper.services import agents, evaluation_list, evaluations, rubrics
from shopper.storage.db import open_database

END = dt.date(2026, 11, 20)


def _snapshot(path: Path) -> list[tuple[object, ...]]:
    db = open_database(path)
    demo.generate(db, properties=4, agents=10, evaluations=300, seed=7, end_date=END)
    rows = evaluation_list.list_summaries(db)
    db.close()
    return [(r.id, r.agent_name, r.visited_on, r.status, r.overall_pct) for r in rows]


def test_same_seed_gives_the_same_data(tmp_path: Path) -> None:
    assert _snapshot(tmp_path / "a.db") == _snapshot(tmp_path / "b.db")


def test_data_looks_like_a_real_program(tmp_path: Path) -> None:
    db = open_database(tmp_path / "d.db")
    summary = demo.generate(db, properties=5, agents=25, evaluations=800, seed=3, end_date=END)
    assert (summary.properties, summary.agents, summary.evaluations) == (5, 25, 800)
    rows = evaluation_list.list_summaries(db)
    statuses = {r.status for r in rows}
    assert statuses == {"draft", "awaiting_follow_up", "submitted"}
    assert any(r.critical_failure for r in rows)
    dates = [r.visited_on for r in rows]
    assert min(dates) >= END - dt.timedelta(days=365) and max(dates) <= END
    names = [a.name for a in agents.list_agents(db)]
    assert any(not n.isascii() for n in names)
    submitted = [r for r in rows if r.status == "submitted" and r.overall_pct is not None]
    by_agent: dict[str, list[float]] = {}
    for r in submitted:
        by_agent.setdefault(r.agent_id, []).append(r.overall_pct or 0)
    means = sorted(sum(v) / len(v) for v in by_agent.values() if len(v) >= 5)
    assert means[-1] - means[0] > 15, "agents differ believably in skill"
    rubric = rubrics.get_rubric(db, rubrics.default_rubric(db).id)  # type: ignore[union-attr]
    sample = evaluations.get(db, submitted[0].id)
    recomputed = evaluations.score_of(db, sample)
    assert recomputed.overall is not None and float(recomputed.overall) == sample.overall_pct
    assert rubric.key == "leasing-tour"
    comments = [
        a.comment for r in submitted[:200] for a in evaluations.get(db, r.id).answers.values()
    ]
    assert any(comments)
    db.close()
