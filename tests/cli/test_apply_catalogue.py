"""Issue 19: ``apply`` for products, campaigns, services and account plans.

Each noun takes back what its ``list -o json`` prints: unchanged records change nothing
(not even ``updated_at``, no event), a changed field is written with its event, a record
without ``id`` is created, a dry run writes nothing, a bad record names itself and leaves
the database as it was, and a record read before someone else's change does not undo it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from tests.conftest import Crm, snapshot

T0, T1, T2 = "2026-03-10T09:00:00+01:00", "2026-03-10T09:05:00+01:00", "2026-03-10T09:10:00+01:00"
NOUNS = ("products", "campaigns", "services", "plans")
# noun → (field to change, its new value, as `list -o json` then prints it)
CHANGE = {
    "products": ("name", "Servis Plus", "Servis Plus"),
    "campaigns": ("budget", "12000", "12000.00"),
    "services": ("note", "Prodlouženo", "Prodlouženo"),
    "plans": ("goal", "Servis a CAD", "Servis a CAD"),
}


def _seed(crm: Crm) -> None:
    crm("companies", "add", "--name", "Strojírny Dvořák s.r.o.", "--ico", "27082440")
    crm("products", "add", "SERVIS", "--name", "Servis", "--price", "24000", "--billing", "yearly")
    crm("campaigns", "add", "Jaro", "--product", "SERVIS", "--budget", "10 000")
    crm("services", "add", "--company", "1", "--name", "Servis CNC", "--kind", "ours",
        "--product", "SERVIS", "--ends", "2026-12-31", "--notice-days", "30",
        "--value", "2000", "--billing", "monthly")  # fmt: skip
    crm("plans", "add", "1", "--period", "2026", "--goal", "Servis", "--target-value", "600000")


@pytest.fixture
def seeded(crm: Crm) -> Crm:
    _seed(crm)
    return crm


def _events(crm: Crm) -> int:
    return len(crm.json("audit", "list", "--limit", "1000"))


@pytest.mark.parametrize("noun", NOUNS)
def test_a_list_applied_back_changes_nothing(seeded: Crm, noun: str) -> None:
    listed = seeded(noun, "list", "-o", "json").stdout
    before = snapshot(seeded.url)
    later = replace(seeded, now=T1)  # an edit would stamp this time
    result = later(noun, "apply", "-f", "-", input=listed)
    assert result.stdout == ""
    assert result.stderr == "no changes: 1 record(s) already up to date\n"
    assert snapshot(seeded.url) == before
    assert later(noun, "list", "-o", "json").stdout == listed


@pytest.mark.parametrize("noun", NOUNS)
def test_a_changed_field_is_written_with_its_event(seeded: Crm, noun: str) -> None:
    field, value, shown = CHANGE[noun]
    records = seeded.json(noun, "list")
    records[0][field] = value
    events = _events(seeded)
    applied = json.loads(
        seeded(noun, "apply", "-f", "-", "-o", "json", input=json.dumps(records)).stdout
    )
    assert [(row["action"], row["id"]) for row in applied] == [("update", records[0]["id"])]
    assert applied[0]["changes"][field]["after"] == shown
    assert seeded.json(noun, "list")[0][field] == shown
    assert _events(seeded) == events + 1


@pytest.mark.parametrize("noun", NOUNS)
def test_a_dry_run_writes_nothing(seeded: Crm, noun: str) -> None:
    field, value, _ = CHANGE[noun]
    records = seeded.json(noun, "list")
    records[0][field] = value
    before = snapshot(seeded.url)
    result = seeded(noun, "apply", "-f", "-", "--dry-run", input=json.dumps(records))
    assert "update" in result.stdout and "(dry run: nothing written)" in result.stderr
    assert snapshot(seeded.url) == before


def test_records_without_id_are_created(seeded: Crm) -> None:
    service = seeded.json("services", "list")[0]
    new_service = {**service, "name": "Licence CAD", "kind": "competitor", "provider": "X"}
    del new_service["id"]
    plan = seeded.json("plans", "list")[0]
    new_plan = {**plan, "period": "2027"}
    del new_plan["id"]
    seeded("services", "apply", "-f", "-", input=json.dumps([new_service]))
    seeded("plans", "apply", "-f", "-", input=json.dumps([new_plan]))
    seeded("products", "apply", "-f", "-", input=json.dumps([{"code": "CAD", "name": "CAD"}]))
    assert [s["name"] for s in seeded.json("services", "list", "--sort", "id")] == [
        "Servis CNC",
        "Licence CAD",
    ]
    assert [p["period"] for p in seeded.json("plans", "list", "--sort", "id")] == ["2026", "2027"]
    assert seeded.json("products", "show", "CAD")["name"] == "CAD"
    kinds = [e["kind"] for e in seeded.json("timeline", "company", "1", "--limit", "100")]
    assert "service.created" in kinds and "plan.created" in kinds


@pytest.mark.parametrize(
    ("noun", "records", "code", "message"),
    [
        ("services", [{"id": 1, "kind": "rented"}], 4, "record 1: --kind 'rented'"),
        (
            "services",
            [{"name": "x", "kind": "ours"}],
            4,
            "a new record needs its company",
        ),
        ("plans", [{"id": 1}, {"id": 99}], 3, "record 2: no "),
        ("products", [{"id": "x"}], 4, "record 1: field 'id': 'x' is not a whole number"),
        ("campaigns", ["Jaro"], 4, "record 1: expected a mapping of campaign fields"),
    ],
)
def test_a_bad_record_names_itself_and_changes_nothing(
    seeded: Crm, noun: str, records: list[Any], code: int, message: str
) -> None:
    before = snapshot(seeded.url)
    result = seeded(noun, "apply", "-f", "-", input=json.dumps(records), code=code)
    assert result.stderr.startswith("error: <stdin>: "), result.stderr
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert snapshot(seeded.url) == before


def test_support_may_not_apply_services(seeded: Crm) -> None:
    seeded("users", "add", "helpdesk", "--role", "support")
    records = seeded.json("services", "list")
    records[0]["note"] = "Podpora"
    before = snapshot(seeded.url)
    helpdesk = replace(seeded, user="helpdesk")
    refused = helpdesk("services", "apply", "-f", "-", input=json.dumps(records), code=5)
    assert refused.stderr.startswith("error: permission denied")
    assert snapshot(seeded.url) == before


def test_a_stale_record_does_not_undo_a_later_change(crm: Crm) -> None:
    at = {name: replace(crm, now=now) for name, now in (("t0", T0), ("t1", T1), ("t2", T2))}
    _seed(at["t0"])
    read = at["t0"].json("services", "show", "1")
    at["t1"]("services", "edit", "1", "--note", "Kolega")
    before = snapshot(crm.url)
    mine = {**read, "note": "Já"}
    refused = at["t2"]("services", "apply", "-f", "-", input=json.dumps([mine]), code=4)
    assert refused.stderr.startswith("error: <stdin>: record 1: service 1: ")
    assert 'field "note" was changed by someone else' in refused.stderr
    assert snapshot(crm.url) == before
    # The old record as read, untouched: the colleague's note stays.
    at["t2"]("services", "apply", "-f", "-", input=json.dumps([read]))
    assert at["t2"].json("services", "show", "1")["note"] == "Kolega"
