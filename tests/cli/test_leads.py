"""Leads: web-form JSON on stdin, statuses, response time, conversion with dedup."""

from __future__ import annotations

import json

import pytest

from tests.conftest import Crm, snapshot

LATER = "2026-03-10T10:30:00+01:00"  # 90 minutes after FIXED_NOW
FORM = {
    "name": "Ing. Jan Novák",
    "email": "Jan.Novak@Firma.cz",
    "phone": "603 123 456",
    "company": "Firma Novák s.r.o.",
    "subject": "Poptávka lisovací linky",
    "campaign": "jaro26",
    "utm_source": "google",
}


@pytest.fixture
def lead(crm: Crm) -> Crm:
    crm("leads", "add", "--json", "-", input=json.dumps(FORM))
    return crm


def test_json_object_on_stdin(lead: Crm) -> None:
    (record,) = lead.json("leads", "list")
    assert (record["source"], record["status"], record["owner"]) == ("web", "new", "admin")
    assert record["contact_email"] == "jan.novak@firma.cz"
    assert record["contact_phone"] == "+420603123456"
    assert record["custom"] == {"utm_source": "google"}
    assert record["first_response_at"] is None
    assert lead.json("timeline", "lead", "1")[0]["kind"] == "lead.created"


def test_jsonl_on_stdin(crm: Crm) -> None:
    lines = "\n".join(json.dumps({"name": f"Zájemce {n}", "source": "email"}) for n in range(3))
    crm("leads", "add", "--json", "-", input=lines + "\n")
    assert [r["contact_name"] for r in crm.json("leads", "list")] == [
        "Zájemce 0", "Zájemce 1", "Zájemce 2",
    ]  # fmt: skip


def test_a_json_list_on_stdin(crm: Crm) -> None:
    payload = json.dumps([{"name": "Jan Novák", "e-mail": "jan@firma.cz"}, {"firma": "Alfa"}])
    added = json.loads(crm("leads", "add", "--json", "-", "-o", "json", input=payload).stdout)
    assert [(r["contact_name"], r["company_name"]) for r in added] == [
        ("Jan Novák", None), (None, "Alfa"),
    ]  # fmt: skip
    assert added[0]["contact_email"] == "jan@firma.cz"


def test_an_unknown_owner_is_named_and_not_found(crm: Crm) -> None:
    before = snapshot(crm.url)
    result = crm("leads", "add", "--json", "-", input='{"name": "A", "owner": "nikdo"}', code=3)
    assert result.stderr.startswith("error: -: line 1: field \"owner\": no user 'nikdo'")
    assert snapshot(crm.url) == before


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ('{"name": "A"}\n{"name": \n', "-: line 2: invalid JSON"),
        ('{"name": "A"}\n[1, 2]\n', "-: line 2: expected a JSON object"),
        ('{"name": "A"}\n{"email": "bad@"}\n', '-: line 2: field "email": invalid e-mail'),
        ('[{"name": "A"}, {"name": "B", "IČO": "123"}]', '-: item 2: field "IČO": invalid IČO'),
        ('{"name": "A", "received_at": "zítra"}', '-: line 1: field "received_at": '),
        ("[]", "-: an empty list; no lead on input"),
        ('{"name": "A", "source": "fax"}', "-: line 1: source 'fax'"),
        ('{"message": "hi"}', "-: line 1: a lead needs someone to answer"),
        ("", "no lead on input"),
    ],
)
def test_bad_json_writes_nothing(crm: Crm, payload: str, message: str) -> None:
    before = snapshot(crm.url)
    result = crm("leads", "add", "--json", "-", input=payload, code=4)
    assert message in result.stderr
    assert snapshot(crm.url) == before


def test_first_status_change_stamps_response(lead: Crm) -> None:
    lead.now = LATER
    record = lead.json("leads", "status", "1", "contacted")
    assert record["first_response_at"] is not None and record["response_minutes"] == 90
    lead.now = "2026-03-11T10:30:00+01:00"
    again = lead.json("leads", "status", "1", "qualified")
    assert again["first_response_at"] == record["first_response_at"]
    found = lead.json(
        "leads", "list", "--where", 'status = "qualified" and first_response_at < today'
    )
    assert [r["id"] for r in found] == [1]


def test_assign_changes_owner_and_counts_as_response(lead: Crm) -> None:
    lead("users", "add", "petr", "--name", "Petr")
    record = lead.json("leads", "assign", "1", "petr")
    assert record["owner"] == "petr" and record["first_response_at"] is not None
    assert lead.json("timeline", "lead", "1")[0]["kind"] == "lead.assigned"


def test_reject_needs_reason_and_closes(lead: Crm) -> None:
    assert "--reason" in lead("leads", "reject", "1", "--reason", "", code=4).stderr
    record = lead.json("leads", "reject", "1", "--reason", "spam")
    assert (record["status"], record["reject_reason"]) == ("rejected", "spam")
    for command in (
        ("status", "1", "contacted"),
        ("convert", "1"),
        ("reject", "1", "--reason", "x"),
    ):
        assert "already rejected" in lead("leads", *command, code=4).stderr


def test_convert_creates_company_person_and_deal(lead: Crm) -> None:
    record = lead.json("leads", "convert", "1", "--value", "250 000 Kč")
    assert record["status"] == "converted" and record["deal_id"] == 1
    deal = lead.json("deals", "show", "1")
    assert deal["title"] == "Poptávka lisovací linky"
    assert (deal["source"], deal["campaign"], deal["lead_id"]) == ("web", "jaro26", 1)
    assert deal["value"] == "250000.00" and deal["company"] == "Firma Novák s.r.o."
    assert [c["name"] for c in deal["contacts"]] == ["Jan Novák"]
    person = lead.json("contacts", "show", str(record["person_id"]))
    assert person["emails"] == ["jan.novak@firma.cz"]
    assert [c["id"] for c in person["companies"]] == [record["company_id"]]


def test_convert_reuses_company_by_ico_and_person_by_email(crm: Crm) -> None:
    crm("companies", "add", "--name", "Strojírny Dvořák", "--ico", "6947")
    crm("contacts", "add", "--name", "Eva Malá", "--email", "eva@dvorak.cz")
    payload = {"name": "E. Malá", "email": "EVA@dvorak.cz", "ico": "00006947", "company": "Jiný"}
    crm("leads", "add", "--json", "-", input=json.dumps(payload))
    record = crm.json("leads", "convert", "1")
    assert (record["company_id"], record["person_id"]) == (1, 1)
    assert len(crm.json("companies", "list")) == 1 and len(crm.json("contacts", "list")) == 1
    event = crm.json("timeline", "lead", "1")[0]
    assert event["payload"]["company_reused"] and event["payload"]["person_reused"]


def test_convert_reuses_company_by_name_key(crm: Crm) -> None:
    crm("companies", "add", "--name", "Pekárna Novák s.r.o.")
    crm("leads", "add", "--company", "PEKÁRNA NOVÁK, s. r. o.", "--name", "Petr Novák")
    record = crm.json("leads", "convert", "1")
    assert record["company_id"] == 1
    assert len(crm.json("companies", "list")) == 1


def test_show_unknown_lead(crm: Crm) -> None:
    assert "no lead #7" in crm("leads", "show", "7", code=3).stderr
