"""Assigning an owner is a service: it writes the owner and the event that says why, so a
workflow's ``assign`` action writes nothing itself."""

from __future__ import annotations

import inspect

import pytest
from sqlalchemy import select

from crmctl.config import load_settings
from crmctl.db import tables
from crmctl.services.context import open_context
from crmctl.services.deals import assign_deal
from crmctl.workflows.actions import assign
from tests.conftest import ADMIN, FIXED_NOW, Crm


@pytest.fixture
def deal(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> Crm:
    monkeypatch.setenv("CRM_NOW", FIXED_NOW)
    crm("users", "add", "novak")
    crm("deals", "add", "--title", "Licence")
    return crm


def test_assign_deal_records_owner_and_reason(deal: Crm) -> None:
    with open_context(load_settings(deal.url, ADMIN)) as ctx:
        changes = assign_deal(ctx, 1, "novak", reason="psc 602 → territory 602")
    assert changes["owner"] == [ADMIN, "novak"]
    assert deal.json("deals", "show", "1")["owner"] == "novak"
    timeline = deal.json("timeline", "deal", "1")
    assigned = [e for e in timeline if e["kind"] == "deal.assigned"]
    assert [e["payload"] for e in assigned] == [
        {"owner": "novak", "reason": "psc 602 → territory 602"}
    ]
    assert any(e["kind"] == "deal.updated" for e in timeline)


def test_assign_deal_to_its_owner_still_says_why(deal: Crm) -> None:
    with open_context(load_settings(deal.url, ADMIN)) as ctx:
        assert assign_deal(ctx, 1, ADMIN, reason="fixed user") == {}
        kinds = ctx.session.scalars(
            select(tables.events.c.kind).where(tables.events.c.entity_type == "deal")
        ).all()
    assert kinds == ["deal.created", "deal.assigned"]


def test_the_assign_action_writes_no_event_itself() -> None:
    source = inspect.getsource(assign)
    assert "record_event" not in source and "update_deal" not in source
