"""The leads a campaign launch opens and their ``lead.created`` events, at driver speed.

A launch over 100,000 companies writes 200,000 rows. Through SQLAlchemy Core each value
passes its type processors, and SQLite's ``INSERT … RETURNING`` with the parameters' order
kept runs one statement a row (no sentinel column): ~23 s of a 25 s launch in a profile.
On SQLite the ids are therefore allocated up front (:meth:`BulkWriter.allocate_ids`:
MAX(id) + 1, the launch holds the write lock) and the rows go in by the driver's
``executemany``, in the form SQLAlchemy would have written them, so every reader sees the
same rows and payloads as before. On PostgreSQL the driver's pipelined ``executemany``
of plain inserts (see ``_pg_chunk``). What all payloads share is made JSON-ready once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crmctl.db.bulk import BulkWriter
from crmctl.services.context import Context
from crmctl.values import jsonable

CHUNK = 5000  # rows per executemany / COPY: bounded memory, progress between chunks

LEAD_COLUMNS = (
    "id", "source", "received_at", "subject", "product", "product_id", "status", "campaign",
    "campaign_id", "custom", "created_at", "updated_at", "created_by_id", "updated_by_id",
    "owner_id", "company_id", "company_name", "ico", "region", "person_id", "contact_name",
)  # fmt: skip
EVENT_COLUMNS = ("id", "at", "actor_id", "entity_type", "entity_id", "kind", "payload")

# What `leads add` logs of a new lead (its record without the empty fields and the id),
# in this order; the per-company ones are marked.
_LOGGED = ("source", "received_at", "status", "subject", "product", "region", "contact_name",
           "company_name", "ico", "campaign", "company_id", "person_id", "created_at",
           "updated_at")  # fmt: skip
_PER_COMPANY = {"region", "contact_name", "company_name", "ico", "company_id", "person_id"}


def insert_campaign_leads(
    ctx: Context,
    campaign: Any,
    product_name: str | None,
    planned: list[tuple[Any, int]],
    logins: dict[int, str],
    progress: Callable[[int, int | None], None] | None = None,
) -> list[int]:
    """Open a lead per (company row, owner id) of ``planned`` with its ``lead.created``
    event, in the caller's transaction; the lead ids in ``planned`` order."""
    ctx.session.flush()  # the ORM's pending writes first: the rows go around it
    connection = ctx.session.connection()
    common = _common_values(ctx, campaign, product_name)
    logged = _logged_common(ctx, common, logins)
    write = _driver_chunk if connection.dialect.name == "sqlite" else _pg_chunk
    bulk = BulkWriter(connection) if connection.dialect.name == "sqlite" else None
    ids: list[int] = []
    for start in range(0, len(planned), CHUNK):
        chunk = [_own_values(company, owner) for company, owner in planned[start : start + CHUNK]]
        events = [_payload(ctx, logged, own, logins) for own in chunk]
        ids += write(ctx, bulk, common, chunk, events)
        if progress:
            progress(len(ids), len(planned))
    return ids


def _driver_chunk(
    ctx: Context,
    bulk: BulkWriter | None,
    common: dict[str, Any],
    chunk: list[dict[str, Any]],
    payloads: list[dict[str, Any]],
) -> list[int]:
    """SQLite: ids from MAX(id) + 1 (the launch holds the write lock), ``executemany``."""
    assert bulk is not None
    stamp = bulk.timestamp(ctx.now)
    lead_ids = bulk.allocate_ids("leads", len(chunk))
    event_ids = bulk.allocate_ids("events", len(chunk))
    leads = [
        _lead_tuple(common, stamp, lead_id, own)
        for lead_id, own in zip(lead_ids, chunk, strict=True)
    ]
    bulk.insert("leads", LEAD_COLUMNS, leads)
    bulk.insert("events", EVENT_COLUMNS, [
        (event_id, stamp, ctx.actor_id, "lead", lead_id, "lead.created", bulk.json(payload))
        for event_id, lead_id, payload in zip(event_ids, lead_ids, payloads, strict=True)
    ])  # fmt: skip
    return lead_ids


def _pg_chunk(
    ctx: Context,
    _bulk: BulkWriter | None,
    common: dict[str, Any],
    chunk: list[dict[str, Any]],
    payloads: list[dict[str, Any]],
) -> list[int]:
    """PostgreSQL: the driver's pipelined ``executemany`` of plain ``INSERT``s, the lead
    ids by ``RETURNING`` in parameter order. Not ``COPY``: PostgreSQL refuses it on a
    table under row-level security, and a login of one's own writes through row rules
    and views (README), which plain inserts pass like Core's."""
    raw = ctx.session.connection().connection.driver_connection
    columns = [name for name in LEAD_COLUMNS if name not in ("id", "custom")]
    values = ", ".join(["%s"] * len(columns))
    with raw.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO leads ({', '.join(columns)}, custom) VALUES ({values}, '{{}}') "
            "RETURNING id",
            [tuple({**common, **own}[name] for name in columns) for own in chunk],
            returning=True,
        )
        lead_ids = []
        while True:
            lead_ids.append(cursor.fetchone()[0])
            if not cursor.nextset():
                break
        cursor.executemany(
            "INSERT INTO events (at, actor_id, entity_type, entity_id, kind, payload) "
            "VALUES (%s, %s, 'lead', %s, 'lead.created', %s::jsonb)",
            [(ctx.now, ctx.actor_id, lead_id, BulkWriter.json(payload))
             for lead_id, payload in zip(lead_ids, payloads, strict=True)],
        )  # fmt: skip
    return lead_ids


def _common_values(ctx: Context, campaign: Any, product_name: str | None) -> dict[str, Any]:
    return {
        "source": "campaign", "received_at": ctx.now, "subject": campaign.name,
        "product": product_name, "product_id": campaign.product_id, "status": "new",
        "campaign": campaign.name, "campaign_id": campaign.id, "created_at": ctx.now,
        "updated_at": ctx.now, "created_by_id": ctx.actor_id, "updated_by_id": ctx.actor_id,
    }  # fmt: skip


def _own_values(company: Any, owner_id: int) -> dict[str, Any]:
    contact = " ".join(filter(None, (company.first_name, company.last_name))) or None
    return {
        "owner_id": owner_id, "company_id": company.id, "company_name": company.name,
        "ico": company.ico, "region": company.region, "person_id": company.person_id,
        "contact_name": contact,
    }  # fmt: skip


def _lead_tuple(
    common: dict[str, Any], stamp: Any, lead_id: int, own: dict[str, Any]
) -> tuple[Any, ...]:
    return (
        lead_id, common["source"], stamp, common["subject"], common["product"],
        common["product_id"], common["status"], common["campaign"], common["campaign_id"],
        "{}", stamp, stamp, common["created_by_id"], common["updated_by_id"],
        own["owner_id"], own["company_id"], own["company_name"], own["ico"], own["region"],
        own["person_id"], own["contact_name"],
    )  # fmt: skip


def _logged_common(
    ctx: Context, common: dict[str, Any], logins: dict[int, str]
) -> list[tuple[str, Any]]:
    """The logged fields in order: a value for the common ones (already JSON-ready,
    ``None`` when empty), the key alone for the per-company ones."""
    values = jsonable({key: common.get(key) for key in _LOGGED if key not in _PER_COMPANY})
    return [
        (key, None if key in _PER_COMPANY else values[key])
        for key in _LOGGED
        if key in _PER_COMPANY or values[key] not in (None, "")
    ]


def _payload(
    ctx: Context,
    logged: list[tuple[str, Any]],
    own: dict[str, Any],
    logins: dict[int, str],
) -> dict[str, Any]:
    """The event payload ``leads add`` writes, for one lead (see ``_logged_common``)."""
    fields: dict[str, Any] = {}
    for key, value in logged:
        if key in _PER_COMPANY:
            value = own[key]
            if value in (None, ""):
                continue
        fields[key] = value
    fields["owner"] = logins.get(own["owner_id"])
    fields["created_by"] = logins.get(ctx.actor_id or -1)
    payload: dict[str, Any] = {"fields": fields}
    if ctx.rule is not None:
        payload["workflow"] = {"rule": ctx.rule, "depth": ctx.depth}
    return payload
