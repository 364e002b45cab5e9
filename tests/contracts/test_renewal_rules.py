"""The shipped renewal rules (issue 19 item 5): a renewal task before our contract's
notice deadline and a lead before a competitor's contract ends, each once per end date
and again after the contract is renewed with a new end date. Today is 2026-03-10."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import Crm

SHIPPED = Path(__file__).resolve().parents[2] / "workflows.yaml"
RENEWAL_RULES = ("contract-renewal", "competitor-contract-ending")


@pytest.fixture
def renewal(crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Crm:
    """The two shipped rules alone (the others name the demo's logins)."""
    shipped = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    chosen = [rule for rule in shipped["rules"] if rule["id"] in RENEWAL_RULES]
    assert [rule["id"] for rule in chosen] == list(RENEWAL_RULES)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": chosen}, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CRM_WORKFLOWS", str(path))
    crm("users", "add", "novak", "--name", "Jan Novák", "--role", "sales")
    crm("companies", "add", "--name", "Alfa s.r.o.", "--owner", "novak")
    return crm


def _fired(crm: Crm) -> list[tuple[str, str]]:
    fired = json.loads(crm("workflows", "run", "--once", "-o", "json").stdout)
    return [(f["rule"], f["entity"]) for f in fired if f["status"] == "fired"]


def _service(crm: Crm, *args: str) -> None:
    crm("services", "add", "--company", "Alfa", "--name", "Smlouva", *args)


def test_renewal_task_once_per_end_date_and_again_after_renewal(renewal: Crm) -> None:
    # notice deadline 2026-04-01: the rule is due from 2026-03-02 on
    _service(renewal, "--kind", "ours", "--ends", "2026-05-31", "--notice-days", "60")
    _service(renewal, "--kind", "ours", "--ends", "2026-09-30", "--notice-days", "30")  # later
    _service(renewal, "--kind", "ours", "--starts", "2026-01-01")  # no end date
    _service(renewal, "--kind", "purchase", "--starts", "2026-03-01")
    assert _fired(renewal) == [("contract-renewal", "service #1")]
    assert _fired(renewal) == []
    (task,) = renewal.json("tasks", "list")
    assert (task["assignee"], task["company"], task["priority"]) == ("novak", "Alfa s.r.o.", "high")
    assert task["subject"] == "Obnovit smlouvu Smlouva (Alfa s.r.o.)"
    renewal("services", "edit", "1", "--ends", "2027-05-31")  # renewed for a year
    assert _fired(renewal) == []
    renewal.now = "2027-03-05T08:00:00+01:00"
    assert _fired(renewal) == [("contract-renewal", "service #1")]
    assert _fired(renewal) == []
    assert len(renewal.json("tasks", "list")) == 2


def test_competitor_lead_once_per_end_date_and_again_after_renewal(renewal: Crm) -> None:
    # 90 days before 2026-06-01 is 2026-03-03: due now
    _service(renewal, "--kind", "competitor", "--ends", "2026-06-01", "--provider", "Raynet")
    _service(renewal, "--kind", "competitor", "--ends", "2026-12-31")  # not yet
    assert _fired(renewal) == [("competitor-contract-ending", "service #1")]
    assert _fired(renewal) == []
    (lead,) = renewal.json("leads", "list")
    assert (lead["source"], lead["owner"], lead["company_name"]) == (
        "campaign", "novak", "Alfa s.r.o.",
    )  # fmt: skip
    assert renewal.json("leads", "show", str(lead["id"]))["company_id"] == 1
    renewal("services", "edit", "1", "--ends", "2027-06-01")  # they renewed with Raynet
    assert _fired(renewal) == []
    renewal.now = "2027-03-05T08:00:00+01:00"
    assert _fired(renewal) == [("competitor-contract-ending", "service #1")]
    assert len(renewal.json("leads", "list")) == 2
