"""Initial schema: properties, agents, rubric versions, evaluations, answers, section scores.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )
    op.create_table(
        "properties",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_properties"),
    )
    op.create_table(
        "agents",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("property_id", sa.String(36), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name="fk_agents_property_id_properties"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_agents"),
    )
    op.create_index("ix_agents_property_id", "agents", ["property_id"])
    op.create_table(
        "rubrics",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rubrics"),
        sa.UniqueConstraint("key", "version", name="uq_rubrics_key_version"),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("rubric_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.String(36), nullable=False),
        sa.Column("agent_id", sa.String(36), nullable=False),
        sa.Column("shopper", sa.String(200), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("visited_time", sa.Time(), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("row_version", sa.Integer(), nullable=False),
        sa.Column("overall_pct", sa.Float(), nullable=True),
        sa.Column("overall_exact", sa.String(80), nullable=True),
        sa.Column("critical_failure", sa.Boolean(), nullable=False),
        sa.Column("answered_count", sa.Integer(), nullable=False),
        sa.Column("total_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name="fk_evaluations_agent_id_agents"),
        sa.ForeignKeyConstraint(
            ["property_id"], ["properties.id"], name="fk_evaluations_property_id_properties"
        ),
        sa.ForeignKeyConstraint(
            ["rubric_id"], ["rubrics.id"], name="fk_evaluations_rubric_id_rubrics"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_evaluations"),
    )
    for column in (
        "agent_id",
        "property_id",
        "rubric_id",
        "status",
        "visited_on",
        "updated_at",
        "overall_pct",
    ):
        op.create_index(f"ix_evaluations_{column}", "evaluations", [column])
    op.create_index("ix_evaluations_agent_visited", "evaluations", ["agent_id", "visited_on"])
    op.create_table(
        "answers",
        sa.Column("evaluation_id", sa.String(36), nullable=False),
        sa.Column("item_path", sa.String(201), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name="fk_answers_evaluation_id_evaluations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "item_path", name="pk_answers"),
    )
    op.create_table(
        "section_scores",
        sa.Column("evaluation_id", sa.String(36), nullable=False),
        sa.Column("section_key", sa.String(100), nullable=False),
        sa.Column("pct", sa.Float(), nullable=True),
        sa.Column("exact", sa.String(80), nullable=True),
        sa.Column("answered", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name="fk_section_scores_evaluation_id_evaluations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "section_key", name="pk_section_scores"),
    )


def downgrade() -> None:
    for table in ("section_scores", "answers", "evaluations", "rubrics", "agents"):
        op.drop_table(table)
    op.drop_table("properties")
    op.drop_table("settings")
