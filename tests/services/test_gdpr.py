"""GDPR: consents in --where, export of everything, erasure that leaves no trace of the
person in any text column of any table while forecast totals stay the same."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.orm import Session

from tests.conftest import Crm, snapshot

NAME, EMAIL, PHONE = "Jan Novák", "jan.novak@example.cz", "+420777123456"
TRACES = (NAME, "Novák Jan", EMAIL, PHONE, "777123456", "777 123 456", "jan novak")


@pytest.fixture
def people(crm: Crm) -> Crm:
    crm("companies", "add", "--name", "Alfa s.r.o.", "--city", "Brno")
    crm("contacts", "add", "--name", NAME, "--email", EMAIL, "--phone", PHONE,
        "--company", "1", "--function", "nákupčí", "--note", "Jan Novák má rád kávu")  # fmt: skip
    crm("contacts", "add", "--name", "Eva Malá", "--email", "eva@example.cz",
        "--note", f"asistentka, volat přes {EMAIL}")  # fmt: skip
    crm("contacts", "add", "--name", NAME, "--email", "jan@doma.cz")  # a duplicate of 1
    crm("contacts", "merge", "1", "3")
    crm("contacts", "link", "Eva Malá", "--company", "1")
    crm("deals", "add", "--title", f"Kávovar pro {NAME}", "--company", "1", "--value",
        "250000", "--contact", "1:decision", "--expected-close", "2026-05-31")  # fmt: skip
    crm("deals", "add", "--title", "Servis", "--company", "1", "--value", "40000",
        "--expected-close", "2026-06-30")  # fmt: skip
    crm("leads", "add", "--name", NAME, "--email", EMAIL, "--phone", "777 123 456",
        "--message", f"Dobrý den, volejte {NAME} na 777 123 456")  # fmt: skip
    crm("gdpr", "consent", "1", "--purpose", "newsletter", "--grant", "--basis", "consent",
        "--source", "web-form", "--evidence", f"formulář podepsal {NAME}")  # fmt: skip
    # What issue 5 keeps about a person: tasks, activities, documents.
    crm("tasks", "add", f"Zavolat {NAME}", "--contact", "1", "--due", "2026-03-20",
        "--body", f"{NAME} chce nabídku na {EMAIL}")  # fmt: skip
    crm("log", "meeting", "--contact", "1", "--company", "1", "--attendee", NAME,
        "--body", f"Schůzka, {NAME} přijde s kolegou, tel. {PHONE}")  # fmt: skip
    crm("log", "call", "--contact", "1", "--body", "Chce slevu, má potíže doma")
    return crm


@pytest.fixture
def own_document(people: Crm, tmp_path: Path) -> tuple[Path, str]:
    """A document attached only to the person, and the digest of its content."""
    content = f"Smlouva — {NAME}, {EMAIL}".encode()
    path = tmp_path / "smlouva.txt"
    path.write_bytes(content)
    people("docs", "attach", "contact", "1", str(path))
    path.unlink()
    return tmp_path, hashlib.sha256(content).hexdigest()


def test_consents_keep_history_and_serve_where(people: Crm) -> None:
    people("gdpr", "consent", "2", "--purpose", "newsletter", "--grant", "--basis", "consent",
           "--source", "phone")  # fmt: skip
    people("gdpr", "consent", "2", "--purpose", "newsletter", "--withdraw", "--basis",
           "consent", "--source", "e-mail")  # fmt: skip
    history = people.json("gdpr", "consents", "2")
    assert [(h["status"], h["current"]) for h in history] == [
        ("granted", False), ("withdrawn", True),
    ]  # fmt: skip
    agreed = people.json("contacts", "list", "--where", 'consent = "newsletter"')
    assert [c["id"] for c in agreed] == [1]
    assert [c["id"] for c in people.json("contacts", "list", "--where", "consent is null")] == [2]
    people("gdpr", "consent", "1", "--purpose", "x", "--grant", "--basis", "whim",
           "--source", "s", code=4)  # fmt: skip


def test_export_holds_everything_about_the_person(people: Crm) -> None:
    data = json.loads(people("gdpr", "export", "1", "-o", "json").stdout)
    assert data["person"]["emails"] == [EMAIL, "jan@doma.cz"]
    assert [c["purpose"] for c in data["consents"]] == ["newsletter"]
    assert [d["title"] for d in data["deals"]] == [f"Kávovar pro {NAME}"]
    assert [lead["contact_email"] for lead in data["leads"]] == [EMAIL]
    assert {"contact.created", "contact.merged"} <= {e["kind"] for e in data["timeline"]}
    assert {"activities", "documents", "relations", "tasks"} <= set(data)
    assert [t["subject"] for t in data["tasks"]] == [f"Zavolat {NAME}"]
    assert sorted(a["kind"] for a in data["activities"]) == ["call", "meeting"]
    people("users", "add", "eva", "--role", "sales")
    Crm(people.url, user="eva")("gdpr", "export", "1", code=5)


def test_export_lists_the_persons_documents(people: Crm, own_document: tuple[Path, str]) -> None:
    data = json.loads(people("gdpr", "export", "1", "-o", "json").stdout)
    assert [(d["file_name"], d["sha256"]) for d in data["documents"]] == [
        ("smlouva.txt", own_document[1])
    ]


def test_erase_leaves_no_trace_and_keeps_the_numbers(
    people: Crm, own_document: tuple[Path, str]
) -> None:
    root, digest = own_document
    stored = [p for p in root.rglob(digest) if p.is_file()]
    assert stored
    forecast = people("report", "forecast", "-o", "json").stdout
    assert _traces(people.url)  # the scan finds the person before the erasure
    before = snapshot(people.url)
    people("gdpr", "erase", "1", "--dry-run")
    assert snapshot(people.url) == before
    people("gdpr", "erase", "1")
    assert _traces(people.url) == []
    # The document attached only to them is gone, its content from the store too.
    assert [p for p in stored if p.exists()] == []
    assert people.json("docs", "list") == []
    call = people.json("tasks", "list")[0]
    assert call["body"] == "[erased]" and call["subject"] == "Zavolat [erased]"
    assert people("report", "forecast", "-o", "json").stdout == forecast
    erased = people.json("contacts", "show", "1")
    assert erased["emails"] == [] and erased["phones"] == [] and erased["company"] == "Alfa s.r.o."
    assert [d["value"] for d in people.json("deals", "list", "--sort", "id")] == [
        "250000.00", "40000.00",
    ]  # fmt: skip
    kinds = [e["kind"] for e in people.json("audit", "list", "--entity", "contact:1")]
    assert kinds[0] == "contact.erased"
    # Anonymised payloads are still JSON documents, with the non-personal facts kept.
    events = people.json("audit", "list", "--limit", "1000")
    assert all(isinstance(event["payload"], dict) for event in events)
    created = next(e for e in events if e["kind"] == "deal.created" and e["entity"] == "deal:1")
    assert created["payload"]["fields"]["value"] == "250000.00"
    assert people.json("contacts", "show", "2")["note"] == "asistentka, volat přes [erased]"
    people("gdpr", "erase", "1", code=4)


def _traces(url: str) -> list[str]:
    """Every text and JSON column of every table, read as text (JSON decoded)."""
    found: list[str] = []
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            for table in inspector.get_table_names():
                for column in inspector.get_columns(table):
                    kind = type(column["type"]).__name__.upper()
                    if not any(word in kind for word in ("CHAR", "TEXT", "JSON", "STRING")):
                        continue
                    name = column["name"]
                    query = text(f'SELECT "{name}" FROM "{table}" WHERE "{name}" IS NOT NULL')
                    for (value,) in connection.execute(query):
                        found += _matches(f"{table}.{name}", value)
    finally:
        engine.dispose()
    return found


def _matches(where: str, value: Any) -> list[str]:
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False)
    elif value[:1] in "[{":
        with contextlib.suppress(ValueError):
            value = json.dumps(json.loads(value), ensure_ascii=False)
    return [f"{where}: {trace}" for trace in TRACES if trace.lower() in value.lower()]


def test_retention_lists_inactive_contacts(people: Crm) -> None:
    later = Crm(people.url, now="2030-01-01T09:00:00+01:00")
    assert {c["id"] for c in later.json("gdpr", "retention", "--inactive", "3y")} == {1, 2}
    assert later.json("gdpr", "retention", "--inactive", "5y") == []
    people("gdpr", "retention", "--inactive", "soon", code=2)


def test_a_failed_erasure_keeps_the_documents_content(
    people: Crm, own_document: tuple[Path, str]
) -> None:
    """The store is no database: its files go only once the erasure has committed."""
    root, digest = own_document
    stored = [p for p in root.rglob(digest) if p.is_file()]
    assert stored
    before = snapshot(people.url)

    def fail(session: Session) -> None:
        raise OSError("disk full")  # as the database might say at COMMIT

    event.listen(Session, "before_commit", fail)
    try:
        result = people("gdpr", "erase", "1", code=1)
    finally:
        event.remove(Session, "before_commit", fail)
    assert "disk full" in result.stderr
    assert snapshot(people.url) == before
    assert all(p.exists() for p in stored)
    document = people.json("docs", "list")[0]
    content = people("docs", "get", str(document["id"]), "--output", "-").stdout
    assert content == f"Smlouva — {NAME}, {EMAIL}"
    people("gdpr", "erase", "1")
    assert [p for p in stored if p.exists()] == []
