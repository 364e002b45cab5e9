"""Issue 18 items 1–4 and 6 on both databases: import, idempotence, pairing stored with its
reasons, leads from inquiries, reading with rights, fixing pairings, GDPR."""

from __future__ import annotations

import mailbox
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from crmctl.db import tables
from crmctl.services.mail import store as service
from tests.conftest import Crm
from tests.mail.raw import raw_message, simple

CONFIG = """\
mail:
  own_addresses: [firma.cz]
  lead_addresses: [info@firma.cz]
"""


@pytest.fixture
def world(crm: Crm, tmp_path: Path) -> Crm:
    """A company with a web domain, its contact, a deal on it, and the mail settings."""
    (tmp_path / "crmctl.yaml").write_text(CONFIG, encoding="utf-8")
    crm("companies", "add", "--name", "Alfa s.r.o.", "--website", "www.alfa.cz")
    crm("contacts", "add", "--name", "Jan Novák", "--email", "jan@alfa.cz", "--company", "1")
    crm("deals", "add", "--title", "Regály", "--company", "1")
    return crm


def _count(crm: Crm, table: str) -> int:
    engine = create_engine(crm.url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    finally:
        engine.dispose()


def _rows(crm: Crm, statement: object) -> list:
    engine = create_engine(crm.url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(statement))  # type: ignore[arg-type]
    finally:
        engine.dispose()


def corpus() -> list[bytes]:
    return [
        # from the known contact: rule 3 (contact + its company)
        simple("c1@alfa.cz", sender="Jan Novák <jan@alfa.cz>", subject="Dotaz"),
        # our reply with the deal token: rule 2 (deal), rule 3 via To
        simple(
            "r1@firma.cz", sender="Obchod <obchod@firma.cz>", to="jan@alfa.cz",
            subject="Re: Dotaz [OP-1]", extra=("In-Reply-To: <c1@alfa.cz>",),
        ),
        # their answer: rule 1 (thread → deal, contact)
        simple(
            "c2@alfa.cz", sender="Jan Novák <jan@alfa.cz>", to="obchod@firma.cz",
            subject="Re: Re: Dotaz", extra=("In-Reply-To: <r1@firma.cz>",),
        ),
        # someone else at alfa.cz: rule 4 (domain)
        simple("d1@alfa.cz", sender="Petra <petra@alfa.cz>", subject="Faktura"),
        # a newsletter: unpaired
        simple("n1@news.cz", sender="Novinky <news@news.cz>", subject="Akce týdne"),
    ]  # fmt: skip


def test_eml_directory_import_pairs_with_reasons_and_is_idempotent(
    world: Crm, tmp_path: Path
) -> None:
    folder = tmp_path / "eml"
    folder.mkdir()
    for number, raw in enumerate(corpus()):
        (folder / f"{number}.eml").write_bytes(raw)
    first = world.json("mail", "import", str(folder))
    assert first["stored"] == 5 and first["unpaired"] == 1
    again = world.json("mail", "import", str(folder))
    assert again["stored"] == 0 and again["duplicates"] == 5
    assert _count(world, "messages") == 5
    listed = {m["subject"]: m for m in world.json("mail", "list")}
    assert listed["Dotaz"]["paired"] == "contact #1, company #1"
    assert "deal #1" in listed["Re: Dotaz [OP-1]"]["paired"]
    assert "deal #1" in listed["Re: Re: Dotaz"]["paired"]
    assert listed["Faktura"]["paired"] == "company #1"
    assert listed["Akce týdne"]["paired"] is None
    why = world.json("mail", "why", str(listed["Re: Re: Dotaz"]["id"]))
    assert any(w["record"] == "deal #1" and w["rule"] == 1 for w in why)
    unpaired = world.json("mail", "why", str(listed["Akce týdne"]["id"]))
    assert any(w["rule"] == 5 and "unpaired" in w["reason"] for w in unpaired)
    assert [m["subject"] for m in world.json("mail", "list", "--unpaired")] == ["Akce týdne"]
    on_deal = world.json("mail", "list", "--deal", "1")
    assert {m["subject"] for m in on_deal} == {"Re: Dotaz [OP-1]", "Re: Re: Dotaz"}
    thread = world.json("mail", "thread", str(listed["Dotaz"]["id"]))
    assert [m["subject"] for m in thread] == ["Dotaz", "Re: Dotaz [OP-1]", "Re: Re: Dotaz"]
    timeline = world("timeline", "deal", "1", "-o", "json").stdout
    assert "email.sent" in timeline and "email.received" in timeline


def test_mbox_and_maildir_reimport_store_nothing_twice(world: Crm, tmp_path: Path) -> None:
    box = mailbox.mbox(str(tmp_path / "in.mbox"))
    maildir = mailbox.Maildir(str(tmp_path / "Maildir"))
    for raw in corpus():
        box.add(raw)
        maildir.add(raw)
    box.close()
    assert world.json("mail", "import", str(tmp_path / "in.mbox"))["stored"] == 5
    assert world.json("mail", "import", str(tmp_path / "in.mbox"))["stored"] == 0
    assert world.json("mail", "import", str(tmp_path / "Maildir"))["duplicates"] == 5
    assert _count(world, "messages") == 5
    assert _count(world, "message_pairings") == _count(world, "message_pairings")


def test_where_fields_and_show(world: Crm, tmp_path: Path) -> None:
    (tmp_path / "a.eml").write_bytes(corpus()[0])
    world("mail", "import", str(tmp_path / "a.eml"))
    found = world.json("mail", "list", "--where", "subject ~ 'dot' and direction = 'in'")
    assert [m["id"] for m in found] == [1]
    assert world.json("mail", "list", "--where", "direction = 'out'") == []
    shown = world.json("mail", "show", "1")
    assert shown["body"].startswith("Dobrý den")
    assert {p["entity"] for p in shown["pairings"]} == {"contact", "company"}
    csv = world("mail", "list", "-o", "csv", "--fields", "id,subject").stdout
    assert csv.splitlines()[0] == "id,subject"


def test_bad_where_and_unknown_message_are_one_error_line(world: Crm) -> None:
    result = world("mail", "list", "--where", "nope = 1", code=4)
    assert result.stderr.startswith("error:") and "Traceback" not in result.stderr
    result = world("mail", "show", "99", code=3)
    assert result.stderr.startswith("error:")


def test_broken_file_is_exit_4_and_stores_nothing(world: Crm, tmp_path: Path) -> None:
    bad = tmp_path / "bad.mbox"
    bad.write_bytes(b"this is not mail\n")
    result = world("mail", "import", str(bad), code=4)
    assert result.stderr.count("error:") == 1
    assert _count(world, "messages") == 0


def test_inquiry_to_info_becomes_a_lead_and_a_reply_stamps_first_response(
    world: Crm, tmp_path: Path
) -> None:
    inquiry = simple(
        "q1@seznam.cz", sender="Karel Dvořák <karel@seznam.cz>", to="info@firma.cz",
        subject="Poptávka regálů", body="Dobrý den, poptávám regály. Tel. 603 123 456",
    )  # fmt: skip
    reply = simple(
        "q2@firma.cz", sender="obchod@firma.cz", to="karel@seznam.cz",
        subject="Re: Poptávka regálů", extra=("In-Reply-To: <q1@seznam.cz>",),
    ).replace(b"Tue, 10 Mar 2026 09:00:00 +0100", b"Tue, 10 Mar 2026 11:30:00 +0100")  # fmt: skip
    (tmp_path / "q1.eml").write_bytes(inquiry)
    summary = world.json("mail", "import", str(tmp_path / "q1.eml"))
    assert summary["leads_created"] == 1
    lead = world.json("leads", "show", "1")
    assert lead["source"] == "email"
    assert lead["contact_email"] == "karel@seznam.cz"
    assert lead["contact_name"] == "Karel Dvořák"
    assert lead["first_response_at"] is None
    (tmp_path / "q2.eml").write_bytes(reply)
    assert world.json("mail", "import", str(tmp_path / "q2.eml"))["leads_created"] == 0
    lead = world.json("leads", "show", "1")
    assert lead["first_response_at"] == "2026-03-10T10:30:00+00:00"  # 11:30 +01:00
    assert {m["subject"] for m in world.json("mail", "list", "--lead", "1")} == {
        "Poptávka regálů", "Re: Poptávka regálů"
    }  # fmt: skip
    assert "email.received" in world("timeline", "lead", "1", "-o", "json").stdout


def test_pair_and_unpair_by_hand_are_events(world: Crm, tmp_path: Path) -> None:
    (tmp_path / "n.eml").write_bytes(corpus()[4])
    world("mail", "import", str(tmp_path / "n.eml"))
    world("mail", "pair", "1", "--deal", "1")
    assert world.json("mail", "list", "--deal", "1")[0]["id"] == 1
    assert any(w["rule"] == 0 for w in world.json("mail", "why", "1"))
    world("mail", "unpair", "1", "--deal", "1")
    assert world.json("mail", "list", "--deal", "1") == []
    kinds = _rows(
        world,
        select(tables.events.c.kind).where(tables.events.c.entity_type == "deal"),
    )
    assert {"email.paired", "email.unpaired"} <= {k for (k,) in kinds}


def test_rights_on_every_read_path(world: Crm, tmp_path: Path) -> None:
    """eva (sales) reads mail paired to her own records only; admins all; unpaired mail
    is the admins' and the mailbox owner's."""
    world("users", "add", "eva", "--role", "sales")
    world("users", "add", "petr", "--role", "sales")
    eva = Crm(world.url, user="eva")
    eva("companies", "add", "--name", "Beta a.s.", "--website", "beta.cz")
    for number, raw in enumerate(
        [
            *corpus(),
            simple("b1@beta.cz", sender="Beta <obchod@beta.cz>", subject="Od Bety"),
        ]
    ):
        (tmp_path / f"{number}.eml").write_bytes(raw)
    world("mail", "import", str(tmp_path))
    subjects = {m["subject"]: m["id"] for m in world.json("mail", "list")}
    assert len(subjects) == 6
    assert [m["subject"] for m in eva.json("mail", "list")] == ["Od Bety"]
    petr = Crm(world.url, user="petr")
    assert petr.json("mail", "list") == []
    hidden = str(subjects["Dotaz"])
    for command in (("show", hidden), ("thread", hidden), ("why", hidden)):
        result = eva("mail", *command, code=5)
        assert result.stderr.startswith("error:")
    assert eva.json("mail", "list", "--where", "subject ~ 'Dotaz'") == []
    eva("mail", "show", str(subjects["Od Bety"]))


def test_gdpr_export_and_erase(world: Crm, tmp_path: Path) -> None:
    for number, raw in enumerate(corpus()):
        (tmp_path / f"{number}.eml").write_bytes(raw)
    world("mail", "import", str(tmp_path))
    exported = world.json("gdpr", "export", "1")
    assert {m["subject"] for m in exported["messages"]} >= {"Dotaz", "Re: Re: Dotaz"}
    world("gdpr", "erase", "1")
    leftovers = _rows(
        world,
        select(tables.messages).where(
            func.lower(
                tables.messages.c.body
                + tables.messages.c.subject
                + func.coalesce(tables.messages.c.from_address, "")
                + func.coalesce(tables.messages.c.from_name, "")
            ).like("%jan%")
        ),
    )
    assert leftovers == []
    for row in _rows(world, select(tables.messages)):
        people = [*row.to_addresses, *row.cc_addresses]
        assert all("jan@alfa.cz" not in address for _, address in people)
        assert all("Novák" not in name for name, _ in people)


def _with_attachments(message_id: str, big: int) -> bytes:

    mail = EmailMessage()
    mail["From"] = "Jan Novák <jan@alfa.cz>"
    mail["To"] = "obchod@firma.cz"
    mail["Subject"] = "Podklady"
    mail["Date"] = "Tue, 10 Mar 2026 09:00:00 +0100"
    mail["Message-ID"] = f"<{message_id}>"
    mail.set_content("V příloze podklady.")
    mail.add_attachment(b"%PDF-1.4 maly", maintype="application", subtype="pdf",
                        filename="výkres.pdf")  # fmt: skip
    mail.add_attachment(b"x" * big, maintype="application", subtype="zip", filename="velky.zip")
    return bytes(mail)


def test_attachments_become_documents_and_an_oversized_one_is_a_warning(
    world: Crm, tmp_path: Path
) -> None:
    config = tmp_path / "crmctl.yaml"
    config.write_text(CONFIG + "documents_max_mb: 1\n", encoding="utf-8")
    (tmp_path / "a.eml").write_bytes(_with_attachments("att1@alfa.cz", 2 * 1024 * 1024))
    result = world("mail", "import", str(tmp_path / "a.eml"))  # exit 0
    assert "warning: attachment skipped" in result.stderr and "velky.zip" in result.stderr
    shown = world.json("mail", "show", "1")
    assert [a["file_name"] for a in shown["attachments"]] == ["výkres.pdf"]
    assert shown["skipped_attachments"][0]["file_name"] == "velky.zip"
    documents = world.json("docs", "list", "--contact", "1")
    assert [d["file_name"] for d in documents] == ["výkres.pdf"]


def test_a_failing_batch_leaves_earlier_batches_and_nothing_half(
    world: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Messages are committed per batch: a crash mid-import keeps whole messages only."""

    monkeypatch.setattr(service, "BATCH", 2)
    calls = {"n": 0}
    original = service.record_events

    def failing(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second batch's timeline events
            raise OSError("disk full")
        original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "record_events", failing)
    box = mailbox.mbox(str(tmp_path / "in.mbox"))
    for raw in corpus():
        box.add(raw)
    box.close()
    world("mail", "import", str(tmp_path / "in.mbox"), code=1)
    assert _count(world, "messages") == 2  # the first batch, whole
    monkeypatch.setattr(service, "record_events", original)
    assert world.json("mail", "import", str(tmp_path / "in.mbox"))["stored"] == 3
    assert _count(world, "messages") == 5


def test_real_mail_encodings_are_stored_readable(world: Crm, tmp_path: Path) -> None:

    encoded = raw_message(
        "From: =?utf-8?q?Ji=C5=99=C3=AD_=C4=8Cern=C3=BD?= <jiri@cerny.cz>",
        "To: obchod@firma.cz",
        "Subject: =?iso-8859-2?q?=C8esk=E1_nab=EDdka?=",
        "Message-ID: <enc1@cerny.cz>",
        "Content-Type: text/plain; charset=windows-1250",
        "Content-Transfer-Encoding: 8bit",
        body="Příliš žluťoučký kůň".encode("cp1250") + b"\r\n",
    )
    eight_bit = raw_message(
        "From: Petr Šťastný <petr@stastny.cz>",
        "To: obchod@firma.cz",
        "Subject: Žádost o cenu",
        "Content-Type: text/html; charset=iso-8859-2",
        body="<p>Dobrý den,</p><p>prosím o <b>cenu</b>.</p>",
        charset="iso-8859-2",
    )  # no Message-ID, no Date, 8-bit headers, HTML only
    (tmp_path / "1.eml").write_bytes(encoded)
    (tmp_path / "2.eml").write_bytes(eight_bit)
    world("mail", "import", str(tmp_path))
    shown = {m["subject"]: m for m in world.json("mail", "list")}
    assert set(shown) == {"Česká nabídka", "Žádost o cenu"}
    first = world.json("mail", "show", str(shown["Česká nabídka"]["id"]))
    assert first["from_name"] == "Jiří Černý" and first["body"] == "Příliš žluťoučký kůň"
    second = world.json("mail", "show", str(shown["Žádost o cenu"]["id"]))
    assert "prosím o cenu" in second["body"] and "<p>" not in second["body"]
    assert second["message_id"].endswith("@hash.crmctl.invalid") and second["date"] is None
    assert world.json("mail", "import", str(tmp_path))["stored"] == 0


def test_parsing_in_worker_processes_stores_the_same(world: Crm, tmp_path: Path) -> None:
    box = mailbox.mbox(str(tmp_path / "in.mbox"))
    for raw in corpus():
        box.add(raw)
    box.close()
    summary = world.json("mail", "import", str(tmp_path / "in.mbox"), "--jobs", "2")
    assert summary["stored"] == 5 and summary["unpaired"] == 1
    listed = {m["subject"]: m["paired"] for m in world.json("mail", "list")}
    assert "deal #1" in listed["Re: Re: Dotaz"]


def test_pairing_by_hand_needs_write_access_and_export_only_readable_mail(
    world: Crm, tmp_path: Path
) -> None:
    world("users", "add", "eva", "--role", "sales")
    eva = Crm(world.url, user="eva")
    eva("contacts", "add", "--name", "Eva Klientová", "--email", "klientka@beta.cz")
    (tmp_path / "n.eml").write_bytes(corpus()[4])  # the unpaired newsletter
    (tmp_path / "k.eml").write_bytes(
        simple("k1@beta.cz", sender="klientka@beta.cz", to="jan@alfa.cz", subject="Společně")
    )
    world("mail", "import", str(tmp_path))
    # eva cannot even see the unpaired message, let alone pair it to the admin's deal
    assert eva("mail", "pair", "1", "--deal", "1", code=5).stderr.startswith("error:")
    # the message to Jan and eva's contact: eva's export of her contact lists it, and
    # eva sees it through her contact although it is also paired to the admin's Jan
    listed = eva.json("mail", "list")
    assert [m["subject"] for m in listed] == ["Společně"]
    exported = eva.json("gdpr", "export", "klientka@beta.cz")
    assert [m["subject"] for m in exported["messages"]] == ["Společně"]


def test_the_policy_rule_for_messages_decides_who_reads_mail(world: Crm, tmp_path: Path) -> None:
    """``message`` is an entity of the policy like the others: by default a manager reads
    mail paired to the records of the people below them (and not their unpaired mail); a
    configured rule widens or closes it, and ``policy explain`` names the pairings."""
    world("users", "add", "mira", "--role", "manager")
    world("users", "add", "eva", "--role", "sales", "--manager", "mira")
    eva, mira = Crm(world.url, user="eva"), Crm(world.url, user="mira")
    eva("companies", "add", "--name", "Beta a.s.", "--website", "beta.cz")
    folder = tmp_path / "mail"
    folder.mkdir()
    for number, raw in enumerate(
        [*corpus(), simple("b1@beta.cz", sender="Beta <obchod@beta.cz>", subject="Od Bety")]
    ):
        (folder / f"{number}.eml").write_bytes(raw)
    world("mail", "import", str(folder))
    beta = next(m["id"] for m in world.json("mail", "list") if m["subject"] == "Od Bety")
    assert [m["subject"] for m in mira.json("mail", "list")] == ["Od Bety"]
    explained = {r["aspect"]: r["explanation"] for r in world.json(
        "policy", "explain", "eva", "message", str(beta))}  # fmt: skip
    assert explained["record"].endswith("paired to company #2")
    assert explained["read"] == "allowed: read scope own"
    config = tmp_path / "crmctl.yaml"
    config.write_text(
        CONFIG + "policy:\n  roles:\n    sales: {message: {read: none}}\n"
        "    manager: {message: {read: all}}\n",
        encoding="utf-8",
    )
    assert eva.json("mail", "list") == []
    assert eva("mail", "show", str(beta), code=5).stderr.startswith("error:")
    assert len(mira.json("mail", "list")) == 6


def test_lists_and_threads_sort_by_date_with_undated_mail_last(world: Crm, tmp_path: Path) -> None:
    """The read pipeline's sort by ``date`` keeps mail without a Date header after the
    dated (SQLite sorts NULL first, PostgreSQL last: both must print the same)."""

    def message(message_id: str, date: str | None, *extra: str) -> bytes:
        headers = ["From: jan@alfa.cz", "To: obchod@firma.cz", f"Subject: {message_id}"]
        headers += [f"Date: {date}"] if date else []
        return raw_message(*headers, f"Message-ID: <{message_id}>", *extra, body="text\r\n")

    box = mailbox.mbox(str(tmp_path / "in.mbox"))
    box.add(message("u@alfa.cz", None))  # the lowest id, no date
    box.add(message("b@alfa.cz", "Tue, 10 Mar 2026 09:00:00 +0100", "In-Reply-To: <u@alfa.cz>"))
    box.add(message("a@alfa.cz", "Mon, 09 Mar 2026 09:00:00 +0100", "In-Reply-To: <b@alfa.cz>"))
    box.close()
    world("mail", "import", str(tmp_path / "in.mbox"))
    listed = [m["subject"] for m in world.json("mail", "list")]
    assert listed == ["a@alfa.cz", "b@alfa.cz", "u@alfa.cz"]
    assert [m["subject"] for m in world.json("mail", "list", "--limit", "2")] == listed[:2]
    assert [m["subject"] for m in world.json("mail", "thread", "1")] == listed
    assert world.json("mail", "show", "1")["date"] is None
