"""A stored key-question score per shop (SCORING.md, *Key questions*): `key_question_exact`
(exact text, like `overall_exact`) and `key_question_pct` (a float, for sorting), filled for
every existing shop from its answers and rubric version, a batch of shops at a time.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    op.add_column("evaluations", sa.Column("key_question_exact", sa.String(80), nullable=True))
    op.add_column("evaluations", sa.Column("key_question_pct", sa.Float(), nullable=True))
    op.create_index("ix_evaluations_key_question_pct", "evaluations", ["key_question_pct"])
    fill(op.get_bind())


def fill(conn: Any, batch: int = BATCH) -> int:
    """Store the key-question score of every shop whose rubric has key questions. Returns
    how many shops got a score."""
    from shopper import scoring
    from shopper.rubric import rubric_from_stored
    from shopper.services.evaluations import decode_value, key_question_columns

    rubrics = {}
    for rubric_id, content in conn.execute(sa.text("SELECT id, content FROM rubrics")):
        try:
            rubrics[rubric_id] = rubric_from_stored(content)
        except Exception:  # a version this program cannot read has no key questions it knows
            continue
    keyed = sorted(r for r, rubric in rubrics.items() if scoring.key_question_paths(rubric))
    if not keyed:
        return 0
    paths = sorted({p for r in keyed for p in scoring.key_question_paths(rubrics[r])})
    evaluations = sa.table(
        "evaluations",
        sa.column("id", sa.String),
        sa.column("rubric_id", sa.Integer),
        sa.column("key_question_exact", sa.String),
        sa.column("key_question_pct", sa.Float),
    )
    answers = sa.table(
        "answers",
        sa.column("evaluation_id", sa.String),
        sa.column("item_path", sa.String),
        sa.column("value", sa.Text),
    )
    filled = 0
    last = ""
    while True:  # keyset pagination by id: each batch reads only its own shops
        shops = conn.execute(
            sa.select(evaluations.c.id, evaluations.c.rubric_id)
            .where(evaluations.c.id > last, evaluations.c.rubric_id.in_(keyed))
            .order_by(evaluations.c.id)
            .limit(batch)
        ).all()
        if not shops:
            return filled
        last = shops[-1][0]
        values: dict[str, dict[str, scoring.AnswerValue]] = {s[0]: {} for s in shops}
        for evaluation_id, path, value in conn.execute(
            sa.select(answers.c.evaluation_id, answers.c.item_path, answers.c.value).where(
                answers.c.evaluation_id.in_(list(values)), answers.c.item_path.in_(paths)
            )
        ):
            values[evaluation_id][path] = decode_value(value)
        updates = []
        for evaluation_id, rubric_id in shops:
            exact, pct = key_question_columns(rubrics[rubric_id], values[evaluation_id])
            if exact is not None:
                updates.append({"b_id": evaluation_id, "b_exact": exact, "b_pct": pct})
        if updates:
            conn.execute(
                evaluations.update()
                .where(evaluations.c.id == sa.bindparam("b_id"))
                .values(
                    key_question_exact=sa.bindparam("b_exact"),
                    key_question_pct=sa.bindparam("b_pct"),
                ),
                updates,
            )
            filled += len(updates)


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+ has it): a batch rebuild of
    # `evaluations` would drop a table that answers and scores refer to.
    op.drop_index("ix_evaluations_key_question_pct", table_name="evaluations")
    op.drop_column("evaluations", "key_question_pct")
    op.drop_column("evaluations", "key_question_exact")
