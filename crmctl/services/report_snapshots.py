"""Saving a report snapshot (``report forecast --snapshot NAME``): a write like any other,
so it goes through here and lands on the event log.

What a snapshot holds and how ``--compare`` reads it back is the report's business
(``crmctl.reports.snapshots`` computes the rows and calls this); storing them and saying who
stored them is this service's. Services sit below reports, so the rows come in ready-made.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crmctl.db.models import ReportSnapshot
from crmctl.errors import Conflict, UsageError
from crmctl.services.context import Context
from crmctl.services.events import record_event

ENTITY = "report_snapshot"


def check_snapshot_name(ctx: Context, snapshot: str | None) -> str:
    """The name to save under; a usage error or conflict before any work is done."""
    name = (snapshot or "").strip()
    if not name or len(name) > 100:
        raise UsageError("--snapshot NAME: give a name of 1–100 characters, e.g. 2026-03-q1")
    if ctx.session.scalar(select(ReportSnapshot.id).where(ReportSnapshot.name == name)):
        raise Conflict(f"a snapshot named {name!r} already exists; choose another --snapshot NAME")
    return name


def save_snapshot(
    ctx: Context, name: str, report: str, params: dict[str, Any], rows: list[dict[str, Any]]
) -> int:
    """Store ``rows`` (the report's per-record basis) as snapshot ``name``; the
    ``report_snapshot.saved`` event names it, its filters and how many deals it holds."""
    name = check_snapshot_name(ctx, name)
    snapshot = ReportSnapshot(
        name=name, report=report, params=params, rows=rows,
        created_at=ctx.now, created_by_id=ctx.actor_id,
    )  # fmt: skip
    ctx.session.add(snapshot)
    ctx.session.flush()
    payload = {"name": name, "report": report, "params": params, "deals": len(rows)}
    record_event(ctx, ENTITY, snapshot.id, f"{ENTITY}.saved", payload)
    return snapshot.id
