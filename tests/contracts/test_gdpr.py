"""GDPR export and erasure cover the new records (issue 19): a contact's stakeholder roles
in account plans, and services' notes or serials that name the person."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from tests.conftest import Crm


def test_export_and_erase_cover_plans_and_services(crm: Crm) -> None:
    crm("companies", "add", "--name", "Alfa s.r.o.")
    contact = crm.json("contacts", "add", "--name", "Jiří Kopecký", "--company", "Alfa")
    crm("plans", "add", "Alfa", "--period", "2026")
    crm("plans", "stakeholder", "add", "1", str(contact["id"]), "--role", "blocker",
        "--attitude", "opponent")  # fmt: skip
    crm("services", "add", "--company", "Alfa", "--name", "Server", "--kind", "purchase",
        "--serial", "SN-77", "--note", "Předáno Jiří Kopecký osobně")  # fmt: skip
    exported = crm.json("gdpr", "export", str(contact["id"]))
    assert exported["account_plans"] == [
        {"plan_id": 1, "period": "2026", "company_id": 1, "role": "blocker",
         "attitude": "opponent"},
    ]  # fmt: skip
    crm("gdpr", "erase", str(contact["id"]))
    assert crm.json("plans", "show", "1")["stakeholders"] == []
    assert "Kopecký" not in (crm.json("services", "show", "1")["note"] or "")
    assert crm.json("services", "show", "1")["serial"] == "SN-77"  # not about the person
    engine = create_engine(crm.url)
    try:
        with engine.connect() as connection:
            payloads = (
                connection.execute(
                    text("SELECT payload FROM events WHERE kind = 'plan.stakeholder_added'")
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert all("opponent" not in str(p) and "blocker" not in str(p) for p in payloads)
    assert crm.json("gdpr", "export", str(contact["id"]))["account_plans"] == []
