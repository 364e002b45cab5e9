"""Issue 15 item 1: ``apply`` of a record read before someone else's change.

Each step runs at its own time (``CRM_NOW``), as separate commands of separate people do:
the record is read at T0, someone changes the stored one at T1, the old record comes back
at T2.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from crmctl.errors import Conflict
from crmctl.services.stale import UNKNOWN, ChangesSince, reconcile
from tests.conftest import Crm, snapshot

T0, T1, T2 = "2026-03-10T09:00:00+01:00", "2026-03-10T09:05:00+01:00", "2026-03-10T09:10:00+01:00"


@pytest.fixture
def at(crm: Crm) -> dict[str, Crm]:
    return {name: replace(crm, now=now) for name, now in (("t0", T0), ("t1", T1), ("t2", T2))}


def _contact(at: dict[str, Crm]) -> dict[str, Any]:
    at["t0"]("contacts", "add", "--name", "Jana Nováková", "--function", "nákup")
    record: dict[str, Any] = at["t0"].json("contacts", "show", "1")
    return record


def _deal(at: dict[str, Crm]) -> dict[str, Any]:
    at["t0"]("deals", "add", "--title", "Linka", "--value", "1000")
    record: dict[str, Any] = at["t0"].json("deals", "show", "1")
    return record


def test_item1_stale_contact_apply_refuses_a_field_changed_since(at: dict[str, Crm]) -> None:
    read = _contact(at)
    at["t1"]("contacts", "edit", "1", "--function", "ředitelka")
    before = snapshot(at["t2"].url)
    record = {**read, "function": "obchod"}
    result = at["t2"]("contacts", "apply", "-f", "-", input=json.dumps([record]), code=4)
    assert result.stderr.startswith("error: <stdin>: record 1: contact 1: ")
    assert 'field "function" was changed by someone else at 2026-03-10T08:05:00+00:00' in (
        result.stderr
    )
    assert "list it again and re-apply" in result.stderr
    assert snapshot(at["t2"].url) == before


def test_item1_stale_contact_apply_keeps_what_it_did_not_touch(at: dict[str, Crm]) -> None:
    read = _contact(at)
    at["t1"](
        "contacts", "edit", "1", "--function", "ředitelka", "--set", "a=1", "--tag", "vip",
        "--add-email", "jana@example.cz",
    )  # fmt: skip
    record = {**read, "note": "volat ráno", "custom": {"b": 2}}
    at["t2"]("contacts", "apply", "-f", "-", input=json.dumps([record]))
    after = at["t2"].json("contacts", "show", "1")
    assert (after["function"], after["tags"], after["emails"]) == (
        "ředitelka",
        ["vip"],
        ["jana@example.cz"],
    )
    assert (after["note"], after["custom"]) == ("volat ráno", {"a": 1, "b": 2})
    assert after["updated_at"] == "2026-03-10T08:10:00+00:00"


def test_item1_stale_deal_apply_refuses_a_custom_key_changed_since(at: dict[str, Crm]) -> None:
    read = _deal(at)
    fresh = at["t1"].json("deals", "show", "1")
    at["t1"]("deals", "apply", "-f", "-", input=json.dumps({**fresh, "custom": {"sleva": 5}}))
    before = snapshot(at["t2"].url)
    stale = {**read, "custom": {"sleva": 10}}
    result = at["t2"]("deals", "apply", "-f", "-", input=json.dumps(stale), code=4)
    assert 'deal 1: field "custom.sleva" was changed by someone else' in result.stderr
    assert snapshot(at["t2"].url) == before


def test_item1_stale_deal_apply_keeps_a_stage_move_made_since(at: dict[str, Crm]) -> None:
    read = _deal(at)
    at["t1"]("deals", "move", "1", "jednani")
    moved = at["t1"].json("deals", "show", "1")
    at["t2"]("deals", "apply", "-f", "-", input=json.dumps({**read, "value": "2000"}))
    after = at["t2"].json("deals", "show", "1")
    assert (after["stage"], after["probability"]) == ("jednani", moved["probability"])
    assert after["forecast_category"] == moved["forecast_category"]
    assert after["value"] == "2000.00"


def test_item1_apply_refuses_an_unreadable_updated_at(at: dict[str, Crm]) -> None:
    read = _contact(at)
    result = at["t1"](
        "contacts", "apply", "-f", "-", input=json.dumps({**read, "updated_at": "yesterday"}),
        code=4,
    )  # fmt: skip
    assert "record 1: field 'updated_at': 'yesterday' is not a timestamp" in result.stderr


def test_edits_bump_updated_at(at: dict[str, Crm]) -> None:
    """The stale check relies on every change moving ``updated_at``."""
    at["t0"]("companies", "add", "--name", "Acme")
    _contact(at)
    _deal(at)
    at["t1"]("companies", "edit", "1", "--tag", "vip")
    at["t1"]("contacts", "edit", "1", "--set", "a=1")
    at["t1"]("deals", "move", "1", "jednani")
    for kind in ("companies", "contacts", "deals"):
        assert at["t1"].json(kind, "show", "1")["updated_at"] == "2026-03-10T08:05:00+00:00"


def _since(**was: Any) -> Any:
    at = datetime(2026, 3, 10, 8, 5, tzinfo=UTC)
    return ChangesSince(at, was=dict(was), changed_at=dict.fromkeys(was, at))


def test_reconcile_merges_custom_key_by_key() -> None:

    # Read with {a: 1, b: 2}; since then someone set c and dropped b; the reader set d, dropped a.
    was = {"a": 1, "b": 2}
    proposed = {"custom": {"b": 2, "d": 4}, "note": "x"}
    current = {"custom": {"a": 1, "c": 3}, "note": None}
    decided = reconcile("contact 1", proposed, current, _since(custom=was))
    assert decided.custom == {"c": 3, "d": 4}
    assert decided.keep == frozenset()


def test_reconcile_keeps_a_newer_value_the_record_only_carries() -> None:
    proposed = {"function": "nákup", "tags": ["a"]}
    current = {"function": "ředitelka", "tags": ["a"]}
    decided = reconcile("contact 1", proposed, current, _since(function="nákup"))
    assert decided.keep == frozenset({"function"}) and decided.custom is None


def test_reconcile_refuses_a_custom_key_both_changed() -> None:
    with pytest.raises(Conflict, match=re.escape('deal 7: field "custom.sleva" was changed')):
        reconcile("deal 7", {"custom": {"sleva": 10}}, {"custom": {"sleva": 5}}, _since(custom={}))
    # Where the log does not say what a field was, any change of it is refused.
    with pytest.raises(Conflict, match='field "owner"'):
        reconcile("deal 7", {"owner": "petr"}, {"owner": "jana"}, _since(owner=UNKNOWN))
