"""The migrations make exactly the schema the tables (and the models on them) describe,
on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from crmctl.db import models, tables
from crmctl.db.engine import make_engine
from crmctl.db.migrate import alembic_config
from crmctl.db.schema import SCHEMA_HEAD, SCHEMA_REVISIONS
from crmctl.db.tables.base import made_on


def test_known_revisions_match_the_scripts() -> None:
    engine = create_engine("sqlite://")
    scripts = ScriptDirectory.from_config(alembic_config(engine))
    ordered = [rev.revision for rev in scripts.walk_revisions()][::-1]
    assert tuple(ordered) == SCHEMA_REVISIONS
    assert scripts.get_current_head() == SCHEMA_HEAD


def test_migrated_schema_matches_tables(db_url: str) -> None:
    engine = create_engine(db_url)
    with engine.connect() as connection:
        # An index declared for one database only (``ddl_if``) is not expected on the other.
        only_here = {"include_object": lambda item, *_: made_on(item, connection.dialect.name)}
        context = MigrationContext.configure(connection, opts=only_here)
        differences = compare_metadata(context, tables.metadata)
    engine.dispose()
    assert differences == []


def test_models_are_mapped_onto_the_tables() -> None:
    assert models.Base.metadata is tables.metadata
    assert models.Task.__table__ is tables.tasks
    mapped = {mapper.local_table for mapper in models.Base.registry.mappers}
    assert mapped == set(tables.metadata.tables.values())


def test_fold_function_is_installed(db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        folded = connection.execute(text("SELECT crm_fold('ŽLUŤOUČKÝ Kůň Dvořák')")).scalar()
    engine.dispose()
    assert folded == "zlutoucky kun dvorak"
