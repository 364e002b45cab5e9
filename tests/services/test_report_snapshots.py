"""Saving a forecast snapshot is a service write: the row and its event, in one go."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crmctl.config import load_settings
from crmctl.db import tables
from crmctl.errors import Conflict, UsageError
from crmctl.reports.forecast import ForecastOptions
from crmctl.reports.snapshots import save_forecast_snapshot
from crmctl.services.context import open_context
from tests.conftest import ADMIN, FIXED_NOW, Crm


@pytest.fixture
def deals(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> Crm:
    monkeypatch.setenv("CRM_NOW", FIXED_NOW)
    crm("deals", "add", "--title", "Licence", "--value", "1000", "--expected-close", "2026-04-30")
    crm("deals", "add", "--title", "Servis", "--value", "500", "--expected-close", "2026-05-31")
    return crm


def test_saving_a_snapshot_records_its_event(deals: Crm) -> None:
    options = ForecastOptions(by="month", start="2026-04", snapshot="q2")
    with open_context(load_settings(deals.url, ADMIN)) as ctx:
        snapshot_id = save_forecast_snapshot(ctx, options)
        event = ctx.session.execute(
            select(tables.events).where(tables.events.c.entity_type == "report_snapshot")
        ).one()
        stored = ctx.session.execute(
            select(tables.report_snapshots).where(tables.report_snapshots.c.id == snapshot_id)
        ).one()
    assert (event.kind, event.entity_id, event.actor_id) == (
        "report_snapshot.saved", snapshot_id, stored.created_by_id,
    )  # fmt: skip
    assert event.payload == {
        "name": "q2", "report": "forecast", "deals": 2,
        "params": {"by": ["month"], "where": None, "from": "2026-04", "to": None},
    }  # fmt: skip
    assert (stored.name, len(stored.rows)) == ("q2", 2)


def test_a_refused_snapshot_records_nothing(deals: Crm) -> None:
    with open_context(load_settings(deals.url, ADMIN)) as ctx:
        save_forecast_snapshot(ctx, ForecastOptions(snapshot="q2"))
    for options, error in ((ForecastOptions(snapshot="q2"), Conflict),
                           (ForecastOptions(snapshot=" "), UsageError)):  # fmt: skip
        with pytest.raises(error), open_context(load_settings(deals.url, ADMIN)) as ctx:
            save_forecast_snapshot(ctx, options)
    saved = [e["kind"] for e in deals.json("audit", "list", "--entity", "report_snapshot")]
    assert saved == ["report_snapshot.saved"]


def test_the_cli_saves_through_the_service(deals: Crm) -> None:
    deals("report", "forecast", "--snapshot", "tyden10")
    events = deals.json("audit", "list", "--entity", "report_snapshot")
    assert [(e["kind"], e["payload"]["name"]) for e in events] == [
        ("report_snapshot.saved", "tyden10")
    ]
