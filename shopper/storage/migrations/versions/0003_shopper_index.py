"""Index evaluations by shopper name, so the list's text filter reads shopper names from an
index instead of folding every evaluation's.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_evaluations_shopper", "evaluations", ["shopper"])


def downgrade() -> None:
    op.drop_index("ix_evaluations_shopper", "evaluations")
