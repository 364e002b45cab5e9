"""Saving a report snapshot (``report forecast --snapshot NAME``): a write like any other,
so it goes through here and lands on the event log.

What a snapshot holds and how ``--compare`` reads it back is the report's business
(``crmctl.reports.snapshots``); storing one and saying who stored it is this service's.
"""

from __future__ import annotations

from sqlalchemy import select

from crmctl.db.models import ReportSnapshot
from crmctl.errors import Conflict, UsageError
from crmctl.reports.forecast import ForecastOptions
from crmctl.reports.snapshots import REPORT, current_basis
from crmctl.services.context import Context
from crmctl.services.events import record_event

ENTITY = "report_snapshot"


def save_forecast_snapshot(ctx: Context, options: ForecastOptions) -> int:
    """Store the per-deal basis of the forecast ``options`` select as ``options.snapshot``;
    the ``report_snapshot.saved`` event names it, its filters and how many deals it holds."""
    name = (options.snapshot or "").strip()
    if not name or len(name) > 100:
        raise UsageError("--snapshot NAME: give a name of 1–100 characters, e.g. 2026-03-q1")
    if ctx.session.scalar(select(ReportSnapshot.id).where(ReportSnapshot.name == name)):
        raise Conflict(f"a snapshot named {name!r} already exists; choose another --snapshot NAME")
    rows = list(current_basis(ctx, options).values())
    snapshot = ReportSnapshot(
        name=name, report=REPORT, params=options.params(), rows=rows,
        created_at=ctx.now, created_by_id=ctx.actor_id,
    )  # fmt: skip
    ctx.session.add(snapshot)
    ctx.session.flush()
    payload = {"name": name, "report": REPORT, "params": options.params(), "deals": len(rows)}
    record_event(ctx, ENTITY, snapshot.id, f"{ENTITY}.saved", payload)
    return snapshot.id
