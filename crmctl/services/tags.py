"""Tags of any entity, kept in one table so filters compile to one EXISTS."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import delete, select

from crmctl.db import tables
from crmctl.services.context import Context
from crmctl.tag_names import clean_tag  # the importer checks tags too, without services


def change(
    ctx: Context, entity_type: str, entity_id: int, add: Iterable[str], remove: Iterable[str]
) -> None:
    from crmctl.db.models import Tag  # noqa: PLC0415  (start-up: ORM only for writes)

    wanted = {clean_tag(tag) for tag in add}
    dropped = {clean_tag(tag) for tag in remove}
    current = set(tags_for(ctx, entity_type, [entity_id]).get(entity_id, []))
    for tag in sorted(wanted - current - dropped):
        ctx.session.add(Tag(entity_type=entity_type, entity_id=entity_id, tag=tag))
    if dropped & current:
        ctx.session.execute(
            delete(Tag).where(
                Tag.entity_type == entity_type,
                Tag.entity_id == entity_id,
                Tag.tag.in_(dropped & current),
            )
        )
    ctx.session.flush()


def replace(ctx: Context, entity_type: str, entity_id: int, tags: Iterable[str]) -> None:
    wanted = {clean_tag(tag) for tag in tags}
    current = set(tags_for(ctx, entity_type, [entity_id]).get(entity_id, []))
    change(ctx, entity_type, entity_id, wanted - current, current - wanted)


def remove_all(ctx: Context, entity_type: str, entity_id: int) -> None:
    tags = tables.tags.c
    ctx.session.execute(
        delete(tables.tags).where(tags.entity_type == entity_type, tags.entity_id == entity_id)
    )


def tags_for(ctx: Context, entity_type: str, ids: list[int]) -> dict[int, list[str]]:
    tags = tables.tags.c
    result: dict[int, list[str]] = {}
    for chunk in chunked(ids):
        rows = ctx.session.execute(
            select(tags.entity_id, tags.tag)
            .where(tags.entity_type == entity_type, tags.entity_id.in_(chunk))
            .order_by(tags.entity_id, tags.tag)
        ).all()
        for entity_id, tag in rows:
            result.setdefault(entity_id, []).append(tag)
    return result


def chunked(ids: list[int], size: int = 5000) -> Iterator[list[int]]:
    """Keep ``IN (...)`` lists under every driver's bound-parameter limit."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
