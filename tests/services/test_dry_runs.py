"""Dry runs belong to the services: called with ``dry_run=True`` a service plans, checks
and reports as for real, and leaves nothing behind — no row, no event — in the caller's
own transaction, without the caller rolling anything back."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crmctl.config import load_settings
from crmctl.db import tables
from crmctl.services.contacts import apply_contacts
from crmctl.services.context import Context, open_context
from crmctl.services.deal_batch import batch_update
from crmctl.services.deals import apply_deals
from crmctl.services.events import record_event
from crmctl.services.gdpr.erase import erase_person
from crmctl.workflows.schema import load_rules
from crmctl.workflows.service import simulate
from tests.conftest import ADMIN, FIXED_NOW, Crm, snapshot

RULES = """
rules:
  - id: deal-task
    trigger: {event: deal.created}
    actions:
      - create_task: {title: "Zavolat {{ deal.title }}", due: +24h}
"""


@pytest.fixture
def filled(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> Crm:
    monkeypatch.setenv("CRM_NOW", FIXED_NOW)  # the services' clock, as the CLI's
    crm("companies", "add", "--name", "Alfa s.r.o.", "--city", "Brno")
    crm("contacts", "add", "--name", "Jan Novák", "--email", "jan@alfa.cz", "--company", "1")
    crm("deals", "add", "--title", "Licence", "--company", "1", "--value", "1000")
    return crm


@contextmanager
def service(crm: Crm) -> Iterator[Context]:
    with open_context(load_settings(crm.url, ADMIN)) as ctx:
        yield ctx


def events(ctx: Context) -> int:
    return int(ctx.session.scalar(select(func.count()).select_from(tables.events)) or 0)


def rows(ctx: Context, table: Any) -> int:
    return int(ctx.session.scalar(select(func.count()).select_from(table)) or 0)


def assert_leaves_nothing(crm: Crm, call: Callable[[Context], Any]) -> Any:
    """``call`` leaves no row and no event even in its own transaction (the service rolled
    back, not the caller), and nothing in the database afterwards."""
    before = snapshot(crm.url)
    with service(crm) as ctx:
        counted = (events(ctx), rows(ctx, tables.deals), rows(ctx, tables.persons))
        result = call(ctx)
        assert (events(ctx), rows(ctx, tables.deals), rows(ctx, tables.persons)) == counted
        ctx.session.rollback()  # the test's own end: the service rolled back nothing of it
    assert snapshot(crm.url) == before
    return result


def test_a_dry_run_keeps_the_callers_earlier_work(filled: Crm) -> None:
    """A savepoint, not the caller's transaction: what the caller wrote before stays."""
    with service(filled) as ctx:
        record_event(ctx, "deal", 1, "deal.noted", {"note": "before the dry run"})
        ctx.session.flush()
        mine = events(ctx)
        apply_deals(ctx, [{"title": "Nový"}], source="<test>", dry_run=True)
        assert events(ctx) == mine
        kinds = ctx.session.scalars(select(tables.events.c.kind)).all()
        assert "deal.noted" in kinds and "deal.created" in kinds  # the earlier add's event


def test_deals_apply_dry_run_writes_and_takes_back(filled: Crm) -> None:
    records = [{"title": "Nový obchod", "company": "Alfa s.r.o.", "value": "5000"},
               {"id": 1, "value": "2000"}]  # fmt: skip
    plans = assert_leaves_nothing(
        filled, lambda ctx: apply_deals(ctx, records, source="<test>", dry_run=True)
    )
    assert [plan.action for plan in plans] == ["create", "update"]
    assert plans[1].changes["value"][1] == "2000.00"


def test_contacts_apply_dry_run(filled: Crm) -> None:
    records = [{"name": "Eva Malá", "email": "eva@alfa.cz"}, {"id": 1, "function": "ředitel"}]
    plans = assert_leaves_nothing(
        filled, lambda ctx: apply_contacts(ctx, records, source="<test>", dry_run=True)
    )
    assert [plan.action for plan in plans] == ["create", "update"]


def test_deals_update_dry_run(filled: Crm) -> None:
    result = assert_leaves_nothing(
        filled,
        lambda ctx: batch_update(
            ctx, "id > 0", {"probability": "40"}, dry_run=True, with_changes=True
        ),
    )
    assert (result.matched, result.ids, result.dry_run) == (1, [1], True)
    assert result.changes


def test_gdpr_erase_dry_run_counts_and_takes_back(filled: Crm) -> None:
    result = assert_leaves_nothing(filled, lambda ctx: erase_person(ctx, "1", dry_run=True))
    assert result.dry_run and result.counts.get("persons")
    assert filled.json("contacts", "show", "1")["name"] == "Jan Novák"


def test_workflows_simulate_changes_nothing(filled: Crm, tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    settings = load_settings(filled.url, ADMIN)
    rules = load_rules(path, settings)
    found = assert_leaves_nothing(filled, lambda ctx: simulate(ctx, rules, "1d"))
    assert [(row["rule"], row["about"]) for row in found] == [("deal-task", "deal #1")]
