"""Alembic environment: the engine comes from crmctl, never from an alembic.ini."""

from __future__ import annotations

from alembic import context

from crmctl.db.tables import declare_postgresql_options, metadata

# The complete schema (the Core tables the ORM models map onto), whichever database:
# autogenerate compares against it.
declare_postgresql_options()
target_metadata = metadata


def run_migrations() -> None:
    engine = context.config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations()
