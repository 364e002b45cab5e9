"""Running the alembic migrations shipped inside the package."""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config

from crmctl.db.engine import current_revision
from crmctl.db.schema import SCHEMA_HEAD, SCHEMA_REVISIONS
from crmctl.errors import SchemaMismatch

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "crmctl.db:migrations")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to head; returns (revision before, revision after)."""
    before = current_revision(engine)
    if before is not None and before not in SCHEMA_REVISIONS:
        raise SchemaMismatch(
            f"database schema revision {before} is newer than this crmctl knows "
            f"(latest {SCHEMA_HEAD}); upgrade crmctl instead"
        )
    command.upgrade(alembic_config(engine), "head")
    return before, SCHEMA_HEAD
