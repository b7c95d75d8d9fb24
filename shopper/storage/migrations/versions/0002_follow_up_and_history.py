"""Follow-up due dates and the evaluation history (status changes, reopenings).

Revision ID: 0002
Revises: 0001
"""

import datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("follow_up_due", sa.Date(), nullable=True))
    # Evaluations already waiting for follow-up are due three days after the visit.
    evaluations = sa.table(
        "evaluations",
        sa.column("id", sa.String),
        sa.column("status", sa.String),
        sa.column("visited_on", sa.Date),
        sa.column("follow_up_due", sa.Date),
    )
    conn = op.get_bind()
    waiting = conn.execute(
        sa.select(evaluations.c.id, evaluations.c.visited_on).where(
            evaluations.c.status == "awaiting_follow_up"
        )
    ).all()
    for evaluation_id, visited_on in waiting:
        conn.execute(
            evaluations.update()
            .where(evaluations.c.id == evaluation_id)
            .values(follow_up_due=visited_on + datetime.timedelta(days=3))
        )
    op.create_table(
        "evaluation_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("evaluation_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name="fk_evaluation_events_evaluation_id_evaluations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_evaluation_events"),
    )
    op.create_index("ix_evaluation_events_evaluation_id", "evaluation_events", ["evaluation_id"])


def downgrade() -> None:
    op.drop_index("ix_evaluation_events_evaluation_id", "evaluation_events")
    op.drop_table("evaluation_events")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("follow_up_due")
