"""Calibration sessions (SCORING.md, *Calibration*): the session, its invited raters, and an
index of evaluations by session. Calibration evaluations themselves are ordinary evaluations
with `purpose = 'calibration'` and `session_id` (columns added by 0004); nothing else changes.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calibration_sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("recording", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("agent_id", sa.String(36), nullable=True),
        sa.Column("reference_evaluation_id", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["rubrics.id"], name="fk_calibration_sessions_rubric_id_rubrics"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_calibration_sessions"),
    )
    op.create_table(
        "calibration_raters",
        sa.Column("session_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["calibration_sessions.id"],
            name="fk_calibration_raters_session_id_calibration_sessions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_calibration_raters_person_id_people"
        ),
        sa.PrimaryKeyConstraint("session_id", "person_id", name="pk_calibration_raters"),
    )
    op.create_index("ix_evaluations_session_id", "evaluations", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_evaluations_session_id", "evaluations")
    op.drop_table("calibration_raters")
    op.drop_table("calibration_sessions")
