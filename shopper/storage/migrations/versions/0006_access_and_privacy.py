"""Who may do what on a shared database, erasure and retention: people get a PostgreSQL
login and an active flag, properties are assigned to people (trainers), and admin events
(erasure, purge) are kept. On PostgreSQL, a database whose roles and policies were
installed by `shopper init` gets them again for the new tables.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("login", sa.String(63), nullable=True))
        batch.add_column(
            sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.text("true"))
        )
        batch.create_unique_constraint("uq_people_login", ["login"])
    op.create_table(
        "person_properties",
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("property_id", sa.String(36), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name="fk_person_properties_person_id_people",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["properties.id"],
            name="fk_person_properties_property_id_properties",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "property_id", name="pk_person_properties"),
    )
    op.create_table(
        "admin_events",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("by_id", sa.String(36), nullable=True),
        sa.Column("by_name", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_admin_events"),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        from shopper.storage.access import refresh_if_installed

        refresh_if_installed(conn)


def downgrade() -> None:
    op.drop_table("admin_events")
    op.drop_table("person_properties")
    with op.batch_alter_table("people") as batch:
        batch.drop_constraint("uq_people_login", type_="unique")
        batch.drop_column("active")
        batch.drop_column("login")
