"""The one entity registry: every kind of record crmctl knows, declared once.

Each :class:`Entity` (``catalog.py``) names its table, ORM class (lazily), owner column
(the scope rule), link to a company, fields with their flags, and the hooks that load
and present its records. Everything that used to be a list of entities of its own is
derived from here: the ``--where`` field registries (``crmctl.query.entities``), the
policy's entity specs, the workflow entity kinds, timeline subjects, import undo,
document and task link targets, linked names, ``SETTABLE`` lists and the CLI's default
table columns.

A package rather than one module: the declarations (``catalog``), their shape
(``model``) and the SQL of computed fields (``expressions``) would be one 700-line file.
Importing it never imports ``sqlalchemy.orm`` (a fresh-process test checks).
"""

from __future__ import annotations

from crmctl.entities.catalog import (
    ACTIVITY,
    ALL,
    CAMPAIGN,
    COMPANY,
    CONTACT,
    DEAL,
    DOCUMENT,
    LEAD,
    MESSAGE,
    PLAN,
    PRODUCT,
    SERVICE,
    TASK,
)
from crmctl.entities.model import Entity, Field, Links, Paired, computed, resolve
from crmctl.errors import UsageError

__all__ = [
    "ACTIVITY",
    "ALL",
    "CAMPAIGN",
    "COMPANY",
    "CONTACT",
    "DEAL",
    "DOCUMENT",
    "ENTITIES",
    "LEAD",
    "MESSAGE",
    "PLAN",
    "PRODUCT",
    "SERVICE",
    "TASK",
    "Entity",
    "Field",
    "Links",
    "Paired",
    "computed",
    "entity",
    "find",
    "linked_from",
    "register",
    "resolve",
    "with_flag",
]

# By singular name (the event log's entity_type), in declaration order.
ENTITIES: dict[str, Entity] = {e.name: e for e in ALL}


def find(name: str) -> Entity | None:
    """``deal`` or ``deals``."""
    for candidate in ENTITIES.values():
        if name in (candidate.name, candidate.plural):
            return candidate
    return None


def entity(name: str) -> Entity:
    """The entity of this singular or plural name; a usage error naming the choices."""
    found = find(name)
    if found is None:
        raise UsageError(f"unknown entity {name!r}; choose one of {', '.join(ENTITIES)}")
    return found


def register(new: Entity) -> Entity:
    """Add an entity at run time (a test's throwaway entity, an extension).

    What is derived on use sees it (``--where`` fields, hooks, :func:`find`); lists
    derived at import (the policy's, the timeline's) do not: ``policy.cover`` adds it to
    the policy.
    """
    ENTITIES[new.name] = new
    return new


def with_flag(flag: str) -> tuple[Entity, ...]:
    """Entities whose ``flag`` (``timeline``, ``importable``, ``show``…) is set."""
    return tuple(e for e in ENTITIES.values() if getattr(e, flag))


def linked_from(other: Entity) -> tuple[Entity, ...]:
    """Entities the records of ``other`` (tasks, documents…) may point at: their link
    column is one of ``other``'s table columns."""
    return tuple(
        e for e in ENTITIES.values() if e.links is not None and e.links.column in other.table.c
    )
