"""Recompute the stored scores of every evaluation, e.g. after a scoring fix.

Every evaluation is read and scored again; only those whose stored scores differ are
written, so a rescore that changes a few shops costs little more than reading them.

Each batch first locks its evaluation rows (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite
has one writer at a time anyway), so a save running at the same moment either finishes
before the batch reads its answers or waits until the rescore commits: stored scores
always match stored answers, and the two never collide on the score rows. The row version
is not bumped: scores follow from the answers, so an open form's next save is still
valid and stores the same scores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import bindparam, delete, select

from shopper import scoring
from shopper.rubric import rubric_from_stored
from shopper.scoring import AnswerValue
from shopper.services.evaluations import decode_value, key_question_columns, section_rows
from shopper.storage.db import Database
from shopper.storage.models import Answer, Evaluation, RubricVersion, SectionScoreRow, table_of

SCORE_COLUMNS = (
    "overall_exact",
    "overall_pct",
    "critical_failure",
    "answered_count",
    "total_count",
    "key_question_exact",
    "key_question_pct",
)


def rescore_all(
    db: Database, batch: int = 2000, progress: Callable[[int, int], None] | None = None
) -> int:
    """Rescore every evaluation in one transaction. Returns how many scores changed."""
    changed = 0
    with db.write() as session:
        rubrics = {
            r.id: rubric_from_stored(r.content) for r in session.scalars(select(RubricVersion))
        }
        ids = list(session.scalars(select(Evaluation.id).order_by(Evaluation.id)))
        for start in range(0, len(ids), batch):
            chunk = ids[start : start + batch]
            session.execute(  # in id order, as every locker of many evaluations must
                select(Evaluation.id)
                .where(Evaluation.id.in_(chunk))
                .order_by(Evaluation.id)
                .with_for_update()
            ).all()
            values: dict[str, dict[str, AnswerValue]] = {i: {} for i in chunk}
            for eid, path, value in session.execute(
                select(Answer.evaluation_id, Answer.item_path, Answer.value).where(
                    Answer.evaluation_id.in_(chunk)
                )
            ):
                values[eid][path] = decode_value(value)
            stored_sections: dict[str, set[tuple[Any, ...]]] = {i: set() for i in chunk}
            for row in session.execute(
                select(
                    SectionScoreRow.evaluation_id,
                    SectionScoreRow.section_key,
                    SectionScoreRow.exact,
                    SectionScoreRow.answered,
                    SectionScoreRow.total,
                ).where(SectionScoreRow.evaluation_id.in_(chunk))
            ):
                stored_sections[row[0]].add(tuple(row[1:]))
            updates: list[dict[str, Any]] = []
            new_sections: list[dict[str, Any]] = []
            for row in session.execute(
                select(
                    Evaluation.id,
                    Evaluation.rubric_id,
                    *(getattr(Evaluation, c) for c in SCORE_COLUMNS),
                ).where(Evaluation.id.in_(chunk))
            ):
                rubric = rubrics[row.rubric_id]
                result = scoring.score(rubric, values[row.id])
                kq_exact, kq_pct = key_question_columns(rubric, values[row.id])
                fresh = {
                    "overall_exact": scoring.fraction_text(result.overall),
                    "overall_pct": None if result.overall is None else float(result.overall),
                    "critical_failure": result.critical_failure,
                    "answered_count": result.answered,
                    "total_count": result.total,
                    "key_question_exact": kq_exact,
                    "key_question_pct": kq_pct,
                }
                sections = section_rows(row.id, result)
                same_sections = stored_sections[row.id] == {
                    (s["section_key"], s["exact"], s["answered"], s["total"]) for s in sections
                }
                if same_sections and all(fresh[c] == getattr(row, c) for c in SCORE_COLUMNS):
                    continue
                updates.append({"b_id": row.id, **{f"b_{k}": v for k, v in fresh.items()}})
                new_sections.extend(sections)
            if updates:
                evaluations = table_of(Evaluation)
                session.execute(
                    evaluations.update()
                    .where(evaluations.c.id == bindparam("b_id"))
                    .values({c: bindparam(f"b_{c}") for c in SCORE_COLUMNS}),
                    updates,
                )
                rescored = [u["b_id"] for u in updates]
                session.execute(
                    delete(SectionScoreRow).where(SectionScoreRow.evaluation_id.in_(rescored))
                )
                session.execute(table_of(SectionScoreRow).insert(), new_sections)
                changed += len(updates)
            if progress is not None:
                progress(min(start + batch, len(ids)), len(ids))
    return changed
