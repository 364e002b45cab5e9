"""The fields each entity exposes to ``--where`` and ``--sort``, derived from the one
entity registry (:mod:`crmctl.entities`).

Over Core columns, not the ORM classes, so that permission checks of read-only commands
(which compile limited views' ``where`` with these registries) never import the ORM.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement

from crmctl.entities import ENTITIES, Entity, Field
from crmctl.query.fields import EntityRegistry, FieldSpec


def _spec(entity: Entity, field: Field) -> FieldSpec:
    options: dict[str, Any] = {}
    if field.column_name is not None:
        options["column"] = entity.table.c[field.column_name]
    if field.sql is not None:
        options.update(field.sql())
    return FieldSpec(field.name, field.kind, description=field.description, **options)


@cache
def registry(name: str) -> EntityRegistry:
    """The ``--where`` registry of the entity ``name`` (singular, as in the event log)."""
    entity = ENTITIES[name]
    fields = {f.name: _spec(entity, f) for f in entity.filter_fields}
    custom = entity.table.c.custom if entity.custom else None
    return EntityRegistry(entity.plural, fields, custom_column=custom)


def title(name: str) -> ColumnElement[Any]:
    """The SQL of the entity's title field (its name in timelines and links)."""
    entity = ENTITIES[name]
    column = registry(name).fields[entity.title].column
    assert column is not None, f"{name}.{entity.title} has no SQL"
    return column


# The names the services have always called.
def company_registry() -> EntityRegistry:
    return registry("company")


def person_registry() -> EntityRegistry:
    return registry("contact")


def deal_registry() -> EntityRegistry:
    return registry("deal")


def lead_registry() -> EntityRegistry:
    return registry("lead")


def task_registry() -> EntityRegistry:
    return registry("task")
