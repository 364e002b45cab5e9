"""Deals: stages, values, closing, history, filters, batch updates and apply."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from crmctl.config import load_settings
from crmctl.services.approvals import request_approval
from crmctl.services.context import open_context
from tests.conftest import Crm, snapshot

LATER = "2026-03-25T09:00:00+01:00"  # 15 days after FIXED_NOW


@pytest.fixture
def deals(crm: Crm) -> Crm:
    crm("companies", "add", "--name", "Acme s.r.o.")
    crm("contacts", "add", "--name", "Jana Dvořáková", "--email", "jana@acme.cz")
    crm(
        "deals", "add", "--title", "Linka", "--company", "Acme", "--value", "1 250 000,50",
        "--expected-close", "2026-05-31", "--contact", "1:rozhoduje", "--tag", "vip",
    )  # fmt: skip
    crm("deals", "add", "--title", "Servis", "--value", "€1,200", "--stage", "Nabídka")
    return crm


def _deal(crm: Crm, deal_id: int) -> dict:
    return crm.json("deals", "show", str(deal_id))


def test_add_takes_stage_defaults_and_decimal_value(deals: Crm) -> None:
    first, second = deals.json("deals", "list")
    assert first["stage"] == "poptavka" and first["probability"] == 10
    assert first["forecast_category"] == "pipeline"
    assert first["value"] == "1250000.50" and first["currency"] == "CZK"
    assert first["company"] == "Acme s.r.o." and first["tags"] == ["vip"]
    assert first["contacts"] == [{"id": 1, "name": "Jana Dvořáková", "role": "rozhoduje"}]
    assert (second["stage"], second["probability"]) == ("nabidka", 50)
    assert (second["value"], second["currency"]) == ("1200.00", "EUR")


@pytest.mark.parametrize(
    ("value", "stored"), [("12 000 Kč", "12000.00"), ("1250000.5", "1250000.50")]
)
def test_value_with_comma_or_currency_sign(crm: Crm, value: str, stored: str) -> None:
    record = crm.json("deals", "add", "--title", "X", "--value", value)
    assert record["value"] == stored


def test_value_is_numeric_in_the_database(deals: Crm) -> None:
    engine = create_engine(deals.url)
    with engine.connect() as connection:
        value = connection.execute(text("SELECT value FROM deals WHERE id = 1")).scalar()
    engine.dispose()
    assert Decimal(str(value)) == Decimal("1250000.50")


def test_bad_value_is_refused(crm: Crm) -> None:
    result = crm("deals", "add", "--title", "X", "--value", "hodně", code=4)
    assert "not an amount" in result.stderr


def test_move_records_stage_change_and_history(deals: Crm) -> None:
    deals.now = LATER
    record = deals.json("deals", "move", "1", "analyza")
    assert (record["stage"], record["probability"]) == ("analyza", 25)
    assert record["days_in_stage"] == 0
    events = deals.json("timeline", "deal", "1")
    assert events[0]["kind"] == "deal.stage_changed"
    assert events[0]["payload"]["from"] == "poptavka" and events[0]["payload"]["to"] == "analyza"
    assert events[0]["actor"] == "admin"
    history = _deal(deals, 1)["stage_history"]
    assert [(h["stage"], h["days"]) for h in history] == [("poptavka", 15), ("analyza", 0)]
    assert history[0]["left_at"] is not None and history[1]["left_at"] is None
    table = deals("deals", "show", "1").stdout
    assert "Stage history" in table and "poptavka" in table


def test_unknown_stage_lists_valid_stages(deals: Crm) -> None:
    before = snapshot(deals.url)
    result = deals("deals", "move", "1", "hotovo", code=4)
    assert "unknown stage 'hotovo'" in result.stderr
    assert "poptavka (Poptávka)" in result.stderr and "prohrano (Prohráno)" in result.stderr
    assert snapshot(deals.url) == before


def test_overridden_probability_survives_a_move(deals: Crm) -> None:
    deals("deals", "update", "--where", "id = 1", "--set", "probability=40")
    assert deals.json("deals", "move", "1", "jednani")["probability"] == 40
    assert deals.json("deals", "move", "2", "jednani")["probability"] == 75


def test_win_and_lose_close_the_deal(deals: Crm) -> None:
    won = deals.json("deals", "win", "1", "--reason", "cena")
    assert (won["status"], won["stage"], won["probability"]) == ("won", "vyhrano", 100)
    assert won["won_reason"] == "cena" and won["closed_at"] is not None
    lost = deals.json("deals", "lose", "2", "--reason", "konkurence")
    assert (lost["status"], lost["stage"], lost["probability"]) == ("lost", "prohrano", 0)
    assert lost["lost_reason"] == "konkurence"
    kinds = [e["kind"] for e in deals.json("timeline", "deal", "2")]
    assert kinds[:2] == ["deal.lost", "deal.stage_changed"]


@pytest.mark.parametrize(
    "command",
    [("move", "1", "analyza"), ("win", "1"), ("lose", "1", "--reason", "x")],
)
def test_closed_deal_cannot_move_win_or_lose(deals: Crm, command: tuple[str, ...]) -> None:
    deals("deals", "win", "1")
    before = snapshot(deals.url)
    result = deals("deals", *command, code=4)
    assert "deal #1 is already won" in result.stderr
    assert snapshot(deals.url) == before


def test_lose_needs_a_reason_and_move_to_lost_stage_too(deals: Crm) -> None:
    assert "--reason" in deals("deals", "lose", "1", "--reason", " ", code=4).stderr
    assert "deals lose 1 --reason" in deals("deals", "move", "1", "prohrano", code=4).stderr


def test_show_unknown_deal(deals: Crm) -> None:
    assert "no deal #99" in deals("deals", "show", "99", code=3).stderr


@pytest.mark.parametrize(
    ("where", "titles"),
    [
        ("idle_days > 10", ["Linka", "Servis"]),
        ("idle_days > 15", []),
        ("idle_days = 15", ["Linka", "Servis"]),
        ("idle_days <= 14", ["Moved"]),
        ('idle_days >= 15 and stage = "Nabídka"', ["Servis"]),
        ("days_in_stage < 1", ["Moved"]),
        ("has_planned_activity = false", ["Linka", "Servis", "Moved"]),
        ('company ~ "acme" and tags = "vip"', ["Linka"]),
        ("value > 1000000", ["Linka"]),
        ('currency = "EUR"', ["Servis"]),
        ("expected_close < 2026-06-01", ["Linka"]),
        ('owner = "admin" and status = "open"', ["Linka", "Servis", "Moved"]),
    ],
)
def test_where_on_computed_fields(deals: Crm, where: str, titles: list[str]) -> None:
    deals.now = LATER
    deals("deals", "add", "--title", "Moved")
    found = deals.json("deals", "list", "--where", where)
    assert [d["title"] for d in found] == titles


def test_idle_days_counts_from_the_latest_touch(deals: Crm) -> None:
    deals.now = LATER
    deals("deals", "update", "--where", "id = 2", "--set", "campaign=jaro")
    found = deals.json("deals", "list", "--where", "idle_days > 10")
    assert [d["id"] for d in found] == [1]
    assert found[0]["idle_days"] == 15


def test_sort_by_computed_fields(deals: Crm) -> None:
    deals("deals", "add", "--title", "Third")
    deals.now = LATER
    deals("deals", "update", "--where", "id = 2", "--set", "campaign=jaro")  # touched now
    deals("deals", "move", "3", "analyza")  # touched now, entered its stage now
    by_idle = deals.json("deals", "list", "--sort", "idle_days")
    assert [(d["id"], d["idle_days"]) for d in by_idle] == [(2, 0), (3, 0), (1, 15)]
    assert [d["id"] for d in deals.json("deals", "list", "--sort", "-idle_days")] == [1, 2, 3]
    by_stage = deals.json("deals", "list", "--sort", "days_in_stage,title")
    assert [(d["title"], d["days_in_stage"]) for d in by_stage] == [
        ("Third", 0), ("Linka", 15), ("Servis", 15),
    ]  # fmt: skip
    result = deals("deals", "list", "--sort", "has_planned_activity", code=2)
    assert "sortable:" in result.stderr and "days_in_stage" in result.stderr


def test_planned_activity_respects_open_future_tasks(deals: Crm) -> None:
    engine = create_engine(deals.url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO tasks (kind, subject, priority, deal_id, due_at, created_at,"
                " updated_at) VALUES ('task', 'zavolat', 2, 1, :due, :now, :now),"
                " ('task', 'hotovo', 2, 2, :due, :now, :now)"
            ),
            {"due": "2026-04-01 08:00:00", "now": "2026-03-10 08:00:00"},
        )
        connection.execute(text("UPDATE tasks SET done_at = :now WHERE deal_id = 2"),
                           {"now": "2026-03-10 08:00:00"})  # fmt: skip
    engine.dispose()
    planned = deals.json("deals", "list", "--where", "has_planned_activity = true")
    assert [d["id"] for d in planned] == [1]
    assert planned[0]["has_planned_activity"] is True


def test_bad_where_is_a_usage_error(deals: Crm) -> None:
    result = deals("deals", "list", "--where", "idle_days > soon", code=4)
    assert "idle_days" in result.stderr


# --- batch update ------------------------------------------------------------------------


def test_batch_update_changes_matching_deals_with_events(deals: Crm) -> None:
    deals("users", "add", "petr", "--name", "Petr")
    result = deals(
        "deals", "update", "--where", "value > 100", "--set", "owner=petr",
        "--set", "expected_close=2026-09-30", "-o", "json",
    )  # fmt: skip
    changes = json.loads(result.stdout)
    assert [c["id"] for c in changes] == [1, 2]
    assert changes[0]["changes"]["owner"] == ["admin", "petr"]
    assert "2 deal(s) changed" in result.stderr
    assert {d["owner"] for d in deals.json("deals", "list")} == {"petr"}
    event = deals.json("timeline", "deal", "1")[0]
    assert event["kind"] == "deal.updated"
    assert event["payload"]["changes"]["expected_close"] == ["2026-05-31", "2026-09-30"]


def test_batch_update_skips_deals_already_so(deals: Crm) -> None:
    deals("deals", "update", "--where", "id = 1", "--set", "campaign=jaro")
    result = deals("deals", "update", "--where", "id > 0", "--set", "campaign=jaro")
    assert "1 deal(s) changed" in result.stderr and result.stdout.strip() == "ids: 2"


def test_batch_update_matching_nothing(deals: Crm) -> None:
    before = snapshot(deals.url)
    result = deals("deals", "update", "--where", 'title = "nic"', "--set", "probability=5")
    assert "0 deal(s) changed" in result.stderr and result.stdout == ""
    assert deals("deals", "update", "--where", 'title = "nic"', "--set", "probability=5",
                 "-o", "json").stdout.strip() == "[]"  # fmt: skip
    assert snapshot(deals.url) == before


def test_batch_update_dry_run_writes_nothing(deals: Crm) -> None:
    before = snapshot(deals.url)
    result = deals("deals", "update", "--where", "id > 0", "--set", "value=5 000 Kč", "--dry-run")
    assert "2 deal(s) would change" in result.stderr and "ids: 1 2" in result.stdout
    assert snapshot(deals.url) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "nope = 1", "--set", "probability=5"], 'unknown field "nope"'),
        (["--where", "id = 1", "--set", "status=won"], "deals win|lose"),
        (["--where", "id = 1", "--set", "probability=150"], "0–100"),
        (["--where", "id = 1", "--set", "value=mnoho"], "not an amount"),
        (["--where", "id = 1", "--set", "owner=nobody"], "no user 'nobody'"),
    ],
)
def test_batch_update_refuses_bad_input(deals: Crm, args: list[str], message: str) -> None:
    before = snapshot(deals.url)
    result = deals("deals", "update", *args, code=3 if "nobody" in message else 4)
    assert message in result.stderr
    assert snapshot(deals.url) == before


def _latest_event(crm: Crm, deal_id: int) -> dict:
    return crm.json("timeline", "deal", str(deal_id))[0]


def test_batch_update_events_hold_the_printed_changes(deals: Crm) -> None:
    # Deal 1 already closes on 2026-05-31 and is in CZK: only its value changes.
    args = ("--where", "id > 0", "--set", "value=5 000 Kč", "--set", "expected_close=2026-05-31")
    planned = deals.json("deals", "update", *args, "--dry-run")
    assert planned == [
        {"id": 1, "title": "Linka", "changes": {"value": ["1250000.50", "5000.00"]}},
        {"id": 2, "title": "Servis", "changes": {
            "value": ["1200.00", "5000.00"], "currency": ["EUR", "CZK"],
            "expected_close": [None, "2026-05-31"]}},
    ]  # fmt: skip
    # The table output skips fetching the changes: SQL builds the events' payloads.
    assert deals("deals", "update", *args).stdout.strip() == "ids: 1 2"
    for change in planned:
        event = _latest_event(deals, change["id"])
        assert (event["kind"], event["actor"]) == ("deal.updated", "admin")
        assert event["payload"] == {"changes": change["changes"], "batch": True}


def test_batch_update_owner_event_names_logins(deals: Crm) -> None:
    deals("users", "add", "petr", "--name", "Petr")
    deals("deals", "update", "--where", "id = 2", "--set", "owner=petr", "--set", "title=Servis 2")
    payload = _latest_event(deals, 2)["payload"]
    assert payload["changes"] == {"owner": ["admin", "petr"], "title": ["Servis", "Servis 2"]}


def test_batch_stage_change_writes_history_and_events(deals: Crm) -> None:
    deals("deals", "update", "--where", "id = 1", "--set", "probability=40")
    deals.now = LATER
    result = deals("deals", "update", "--where", "id > 0", "--set", "stage=Jednání")
    assert "2 deal(s) changed" in result.stderr and result.stdout.strip() == "ids: 1 2"
    first, second = _deal(deals, 1), _deal(deals, 2)
    # Deal 1's overridden probability stays, deal 2 takes the stage's.
    assert (first["stage"], first["probability"], first["days_in_stage"]) == ("jednani", 40, 0)
    assert (second["stage"], second["probability"]) == ("jednani", 75)
    assert second["forecast_category"] == "commit"
    history = first["stage_history"]
    assert [(h["stage"], h["days"], h["by"]) for h in history] == [
        ("poptavka", 15, "admin"), ("jednani", 0, "admin"),
    ]  # fmt: skip
    assert history[0]["left_at"] is not None and history[1]["left_at"] is None
    assert _latest_event(deals, 1)["payload"] == {
        "from": "poptavka", "to": "jednani", "label": "Jednání", "pipeline": "default",
        "batch": True,
    }  # fmt: skip
    event = _latest_event(deals, 2)
    assert event["kind"] == "deal.stage_changed"
    assert event["payload"]["from"] == "nabidka" and event["payload"]["probability"] == [50, 75]


def test_batch_stage_change_skips_deals_in_that_stage(deals: Crm) -> None:
    planned = deals.json("deals", "update", "--where", "id > 0", "--set", "stage=nabidka",
                         "--dry-run")  # fmt: skip
    assert planned == [
        {"id": 1, "title": "Linka", "changes": {"stage": ["poptavka", "nabidka"],
                                                "probability": [10, 50]}},
    ]  # fmt: skip
    result = deals("deals", "update", "--where", "id > 0", "--set", "stage=nabidka")
    assert result.stdout.strip() == "ids: 1"
    assert len(_deal(deals, 2)["stage_history"]) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "stage=hotovo"], "unknown stage 'hotovo' in pipeline 'default'; valid stages"),
        (["--set", "stage=vyhrano"], "crmctl deals win ID"),
        (["--set", "stage=prohrano"], "crmctl deals lose ID"),
        (["--set", "stage=analyza", "--set", "probability=5"], "cannot be combined"),
        (["--set", "stage=analyza"], "closed deals (#2); a closed deal cannot change stage"),
    ],
)
def test_batch_stage_change_refusals(deals: Crm, args: list[str], message: str) -> None:
    deals("deals", "win", "2")
    before = snapshot(deals.url)
    result = deals("deals", "update", "--where", "id > 0", *args, code=4)
    assert message in result.stderr
    assert snapshot(deals.url) == before


# --- apply -------------------------------------------------------------------------------


def test_list_json_applies_back_unchanged(deals: Crm) -> None:
    exported = deals("deals", "list", "-o", "json").stdout
    before = snapshot(deals.url)
    result = deals("deals", "apply", "-f", "-", input=exported)
    assert "0 deal(s) were created, 0 were updated, 2 unchanged" in result.stderr
    assert snapshot(deals.url) == before


def test_apply_updates_and_creates(deals: Crm) -> None:
    records = deals.json("deals", "list")
    records[0]["value"] = "2 000 000"
    records[0]["stage"] = "jednani"
    new = {"title": "Nový", "value": 500, "company_id": 1}
    lines = "\n".join(json.dumps(r) for r in [records[0], new])
    deals("deals", "apply", "-f", "-", input=lines)
    first = _deal(deals, 1)
    assert (first["value"], first["stage"], first["probability"]) == ("2000000.00", "jednani", 75)
    assert [d["title"] for d in deals.json("deals", "list")] == ["Linka", "Servis", "Nový"]


def test_apply_bad_record_changes_nothing(deals: Crm) -> None:
    before = snapshot(deals.url)
    lines = json.dumps({"id": 1, "value": "7"}) + "\n" + json.dumps({"id": 2, "stage": "xx"})
    result = deals("deals", "apply", "-f", "-", input=lines, code=4)
    assert "<stdin>: record 2: unknown stage 'xx'" in result.stderr
    assert snapshot(deals.url) == before


def test_apply_empty_probability_returns_to_the_stage(deals: Crm) -> None:
    deals("deals", "update", "--where", "id = 1", "--set", "probability=40")
    record = deals.json("deals", "show", "1")
    record.update(probability="", stage="analyza")
    deals("deals", "apply", "-f", "-", input=json.dumps(record))
    after = _deal(deals, 1)
    assert (after["probability"], after["probability_overridden"]) == (25, False)


def test_company_timeline_includes_its_deals(deals: Crm) -> None:
    deals("deals", "move", "1", "analyza")
    kinds = [e["kind"] for e in deals.json("timeline", "company", "Acme")]
    assert "deal.stage_changed" in kinds and "company.created" in kinds


def test_batch_stage_change_waits_for_a_pending_approval(deals: Crm) -> None:
    with open_context(load_settings(deals.url, "admin")) as ctx:
        request_approval(ctx, "deal", 2, "sleva 20 %", "admin")
    before = snapshot(deals.url)
    result = deals("deals", "update", "--where", "id > 0", "--set", "stage=jednani", code=4)
    assert "deal #2 waits for approval #1" in result.stderr
    assert snapshot(deals.url) == before
    result = deals("deals", "update", "--where", "id = 1", "--set", "stage=jednani")
    assert result.stdout.strip() == "ids: 1"


def test_show_fields_may_pick_the_stage_history_that_json_prints(deals: Crm) -> None:
    deals("deals", "move", "1", "analyza")
    full = deals.json("deals", "show", "1")
    picked = deals.json("deals", "show", "1", "--fields", "id,stage_history")
    assert picked == {"id": 1, "stage_history": full["stage_history"]}
    assert [step["stage"] for step in picked["stage_history"]] == ["poptavka", "analyza"]
