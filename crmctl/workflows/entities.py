"""The record kinds rules may be about, derived from the entity registry.

Every entity of :mod:`crmctl.entities` with a ``show`` hook (a record a rule can read
and render) is a kind; its filter fields, ORM class and loaders come from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from crmctl import entities
from crmctl.errors import NotFound
from crmctl.query import entities as filters
from crmctl.query.fields import EntityRegistry
from crmctl.services.context import Context


@dataclass(frozen=True)
class EntityKind:
    entity: entities.Entity

    @property
    def name(self) -> str:
        """The event log's entity_type: "deal"."""
        return self.entity.name

    @property
    def plural(self) -> str:
        """As written in `for: deals`."""
        return self.entity.plural

    @property
    def model(self) -> Any:
        return self.entity.model

    @property
    def registry(self) -> Callable[[], EntityRegistry] | None:
        return partial(filters.registry, self.entity.name) if self.entity.where else None

    def record(self, ctx: Context, entity_id: int) -> dict[str, Any]:
        show = self.entity.hook("show")
        assert show is not None, self.entity.name  # kinds are the entities with one
        return show(ctx, entity_id)  # type: ignore[no-any-return]

    def load(self, ctx: Context, ids: list[int]) -> dict[int, dict[str, Any]]:
        """The records of these ids that exist (not deleted), as ``record`` shows them."""
        many = self.entity.hook("records")
        if many is not None:
            return many(ctx, ids)  # type: ignore[no-any-return]
        found: dict[int, dict[str, Any]] = {}
        for entity_id in ids:
            try:
                found[entity_id] = self.record(ctx, entity_id)
            except NotFound:
                continue  # deleted meanwhile: the firing reads it again and fails as one
        return found


ENTITIES: dict[str, EntityKind] = {e.name: EntityKind(e) for e in entities.with_flag("show")}


def entity_kind(name: str) -> EntityKind | None:
    """``deal`` or ``deals``."""
    for kind in ENTITIES.values():
        if name in (kind.name, kind.plural):
            return kind
    return None
