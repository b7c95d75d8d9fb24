"""People, review and release, the append-only history, disputes.

Every shop keeps its status and scores. Each shop already submitted (or submitted once and
reopened since) gets `first_submitted_at` and one history event "imported before history
was kept", so that what happens to it from now on has a start.

Revision ID: 0004
Revises: 0003
"""

import datetime
import json
import uuid

import sqlalchemy as sa
from alembic import op

from shopper.storage.models import HISTORY_GUARD_DDL

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

IMPORTED_REASON = "imported before history was kept"


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("roles", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_people"),
    )
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("first_submitted_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("released_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("excluded_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("excluded_by_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("excluded_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("excluded_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("shopper_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("purpose", sa.String(20), nullable=False, server_default="shop"))
        batch.add_column(sa.Column("session_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("last_submitted", sa.Text(), nullable=True))
    op.create_index("ix_evaluations_shopper_id", "evaluations", ["shopper_id"])
    op.create_index(
        "ix_evaluations_status_submitted",
        "evaluations",
        ["status", "excluded_at", "purpose", "first_submitted_at", "id"],
    )
    op.create_table(
        "history_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("evaluation_id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_id", sa.String(36), nullable=True),
        sa.Column("by_name", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("field", sa.String(210), nullable=True),
        sa.Column("from_value", sa.Text(), nullable=True),
        sa.Column("to_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluations.id"],
            name="fk_history_events_evaluation_id_evaluations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_history_events"),
    )
    op.create_index("ix_history_events_evaluation_at", "history_events", ["evaluation_id", "at"])
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("evaluation_id", sa.String(36), nullable=False),
        sa.Column("raised_by_id", sa.String(36), nullable=True),
        sa.Column("raised_by", sa.String(200), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name="fk_disputes_evaluation_id_evaluations"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_disputes"),
    )
    op.create_index("ix_disputes_evaluation_id", "disputes", ["evaluation_id"])
    op.create_table(
        "dispute_items",
        sa.Column("dispute_id", sa.String(36), nullable=False),
        sa.Column("item_path", sa.String(201), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("proposed", sa.Text(), nullable=True),
        sa.Column("original", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("resolution", sa.String(20), nullable=True),
        sa.Column("resolved_answer", sa.Text(), nullable=True),
        sa.Column("resolved_by_id", sa.String(36), nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["disputes.id"],
            name="fk_dispute_items_dispute_id_disputes",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dispute_id", "item_path", name="pk_dispute_items"),
    )
    conn = op.get_bind()
    for statement in HISTORY_GUARD_DDL.get(conn.dialect.name, ()):
        op.execute(statement)
    _start_history(conn)


def _start_history(conn: sa.engine.Connection) -> None:
    """Shops submitted before this revision: first submission known, one imported event."""
    evaluations = sa.table(
        "evaluations",
        sa.column("id", sa.String),
        sa.column("status", sa.String),
        sa.column("updated_at", sa.DateTime),
        sa.column("first_submitted_at", sa.DateTime),
    )
    events = sa.table(
        "evaluation_events",
        sa.column("evaluation_id", sa.String),
        sa.column("kind", sa.String),
        sa.column("at", sa.DateTime),
    )
    history = sa.table(
        "history_events",
        sa.column("id", sa.String),
        sa.column("evaluation_id", sa.String),
        sa.column("at", sa.DateTime),
        sa.column("by_id", sa.String),
        sa.column("by_name", sa.String),
        sa.column("action", sa.String),
        sa.column("field", sa.String),
        sa.column("from_value", sa.Text),
        sa.column("to_value", sa.Text),
        sa.column("reason", sa.Text),
    )
    first_submit = dict(
        conn.execute(
            sa.select(events.c.evaluation_id, sa.func.min(events.c.at))
            .where(events.c.kind.in_(("submitted", "reopened")))
            .group_by(events.c.evaluation_id)
        ).all()
    )
    rows = conn.execute(
        sa.select(evaluations.c.id, evaluations.c.status, evaluations.c.updated_at)
    ).all()
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    new_events = []
    for evaluation_id, status, updated_at in rows:
        if status != "submitted" and evaluation_id not in first_submit:
            continue
        first = first_submit.get(evaluation_id) or updated_at or now
        conn.execute(
            evaluations.update()
            .where(evaluations.c.id == evaluation_id)
            .values(first_submitted_at=first)
        )
        new_events.append(
            {
                "id": str(uuid.uuid4()),
                "evaluation_id": evaluation_id,
                "at": now,
                "by_id": None,
                "by_name": "",
                "action": "imported",
                "field": "status",
                "from_value": None,
                "to_value": json.dumps(status),
                "reason": IMPORTED_REASON,
            }
        )
    for start in range(0, len(new_events), 1000):
        conn.execute(history.insert(), new_events[start : start + 1000])


def downgrade() -> None:
    op.drop_table("dispute_items")
    op.drop_index("ix_disputes_evaluation_id", "disputes")
    op.drop_table("disputes")
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP TABLE history_events CASCADE")
        op.execute("DROP FUNCTION IF EXISTS history_events_append_only()")
    else:
        op.drop_index("ix_history_events_evaluation_at", "history_events")
        op.drop_table("history_events")
    op.drop_index("ix_evaluations_status_submitted", "evaluations")
    op.drop_index("ix_evaluations_shopper_id", "evaluations")
    with op.batch_alter_table("evaluations") as batch:
        for column in (
            "last_submitted",
            "session_id",
            "purpose",
            "shopper_id",
            "excluded_reason",
            "excluded_by",
            "excluded_by_id",
            "excluded_at",
            "released_at",
            "first_submitted_at",
        ):
            batch.drop_column(column)
    op.drop_table("people")
