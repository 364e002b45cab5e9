"""Alembic environment: the engine comes from crmctl, never from an alembic.ini."""

from __future__ import annotations

from alembic import context

from crmctl.db.tables import declare_postgresql_options, metadata
from crmctl.db.tables.base import made_on

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
            include_object=lambda item, *_: made_on(item, connection.dialect.name),
        )
        context.run_migrations()


run_migrations()
