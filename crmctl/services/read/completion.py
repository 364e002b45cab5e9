"""The values shell completion offers, for databases it cannot read itself (PostgreSQL).

``crmctl.completion.values`` reads an SQLite file with ``sqlite3``; for any other database
the CLI keeps these in a small cache file, refreshed after a normal command (at most once
an hour). Same queries as there: active logins, team names, stage and pipeline keys in use.
"""

from __future__ import annotations

from sqlalchemy import select

from crmctl.db import tables
from crmctl.services.context import Context


def completion_values(ctx: Context) -> dict[str, list[str]]:
    users, teams, deals = tables.users, tables.teams, tables.deals
    statements = {
        "logins": select(users.c.login).where(users.c.active).order_by(users.c.login),
        "teams": select(teams.c.name).order_by(teams.c.name),
        "stages": select(deals.c.stage).distinct().order_by(deals.c.stage),
        "pipelines": select(deals.c.pipeline).distinct().order_by(deals.c.pipeline),
    }
    return {
        kind: [str(value) for value in ctx.session.execute(statement).scalars()]
        for kind, statement in statements.items()
    }
