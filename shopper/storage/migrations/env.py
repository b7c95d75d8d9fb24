"""Alembic environment: always run with a connection handed over by shopper.storage.migrate."""

from alembic import context

from shopper.storage.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()
