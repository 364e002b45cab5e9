"""Issue 18 items 3 and 5 on both databases with a real aiosmtpd: mail send, the reply
round trip back to the deal, workflow rules on inquiries and on received mail."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.conftest import Crm
from tests.mail.dovecot import free_port
from tests.mail.raw import simple

CONFIG = """\
smtp_url: smtp://127.0.0.1:{port}?from=obchod@firma.cz
mail:
  own_addresses: [firma.cz]
  lead_addresses: [info@firma.cz]
"""


@dataclass
class Inbox:
    """What the local SMTP server got."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"

    def parsed(self, index: int) -> EmailMessage:
        return message_from_bytes(self.messages[index][1], policy=policy.default)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def world(crm: Crm, tmp_path: Path, smtp: tuple[Inbox, int]) -> Crm:
    (tmp_path / "crmctl.yaml").write_text(CONFIG.format(port=smtp[1]), encoding="utf-8")
    crm("companies", "add", "--name", "Alfa s.r.o.", "--website", "alfa.cz")
    crm("contacts", "add", "--name", "Jan Novák", "--email", "jan@alfa.cz", "--company", "1")
    crm("deals", "add", "--title", "Regály", "--company", "1")
    return crm


def test_send_reply_reply_round_trip_pairs_back_to_the_deal(
    world: Crm, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    inbox, _ = smtp
    (tmp_path / "cenik.txt").write_text("ceník", encoding="utf-8")
    sent = world.json(
        "mail", "send", "--to", "Jan Novák", "--template", "nabidka", "--deal", "1",
        "--attach", str(tmp_path / "cenik.txt"),
    )  # fmt: skip
    assert sent["delivery"] == "sent"
    assert sent["subject"] == "Nabídka: Regály [OP-1]"
    assert len(inbox.messages) == 1  # exactly once
    rcpts, _ = inbox.messages[0]
    assert rcpts == ["jan@alfa.cz"]
    mail = inbox.parsed(0)
    assert mail["Message-ID"] == f"<{sent['message_id']}>"
    assert "Jan" in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert [part.get_filename() for part in mail.iter_attachments()] == ["cenik.txt"]
    # nothing more goes out on a later outbox run
    (tmp_path / "none.yaml").write_text("rules: []\n", encoding="utf-8")
    world("workflows", "run", "--once", "--workflows", str(tmp_path / "none.yaml"))
    assert len(inbox.messages) == 1
    # their reply (no token: found by In-Reply-To), then ours, then theirs again
    reply = simple(
        "reply1@alfa.cz", sender="Jan Novák <jan@alfa.cz>", to="obchod@firma.cz",
        subject="Re: Nabídka", extra=(f"In-Reply-To: <{sent['message_id']}>",),
    )  # fmt: skip
    ours = simple(
        "reply2@firma.cz", sender="obchod@firma.cz", to="jan@alfa.cz", subject="Re: Re: Nabídka",
        extra=(
            "In-Reply-To: <reply1@alfa.cz>",
            f"References: <{sent['message_id']}> <reply1@alfa.cz>",
        ),
    )  # fmt: skip
    theirs = simple(
        "reply3@alfa.cz", sender="jan@alfa.cz", to="obchod@firma.cz", subject="Re: Re: Re: Nabídka",
        extra=("In-Reply-To: <reply2@firma.cz>",),
    )  # fmt: skip
    for number, raw in enumerate((reply, ours, theirs)):
        (tmp_path / f"r{number}.eml").write_bytes(raw)
        world("mail", "import", str(tmp_path / f"r{number}.eml"))
    on_deal = world.json("mail", "list", "--deal", "1")
    assert [m["id"] for m in on_deal] == [1, 2, 3, 4]
    thread = world.json("mail", "thread", "4")
    assert len(thread) == 4
    why = world.json("mail", "why", "4")
    assert any(w["record"] == "deal #1" and w["rule"] == 1 for w in why)
    shown = world.json("mail", "show", "1")
    assert shown["attachments"][0]["file_name"] == "cenik.txt"
    assert "email.sent" in world("timeline", "deal", "1", "-o", "json").stdout


def test_dry_run_prints_and_stores_nothing(world: Crm, smtp: tuple[Inbox, int]) -> None:
    out = world("mail", "send", "--to", "jan@alfa.cz", "--template", "nabidka", "--deal", "1",
                "--dry-run").stdout  # fmt: skip
    assert "Subject: Nabídka: Regály [OP-1]" in out and "To: jan@alfa.cz" in out
    assert world.json("mail", "list") == []
    assert smtp[0].messages == []


def test_send_errors_are_one_line(world: Crm) -> None:
    result = world("mail", "send", "--to", "jan@alfa.cz", "--template", "nic", code=2)
    assert result.stderr.startswith("error:") and "nabidka" in result.stderr
    result = world("mail", "send", "--to", "jan@alfa.cz", "--subject", "x", code=2)
    assert result.stderr.startswith("error:")


RULES = """\
rules:
  - id: mail-lead
    trigger: {event: lead.created}
    when: "source = 'email'"
    actions:
      - assign: {user: eva}
      - send_mail: {to: contact, template: dekujeme}
  - id: on-mail
    trigger: {event: email.received, for: deals}
    actions:
      - create_task: {title: "Odpovědět na e-mail", due: +24h}
"""


def test_inquiry_becomes_a_lead_a_rule_assigns_and_answers(
    world: Crm, smtp: tuple[Inbox, int], tmp_path: Path
) -> None:
    world("users", "add", "eva", "--role", "sales")
    (tmp_path / "wf.yaml").write_text(RULES, encoding="utf-8")
    inquiry = simple(
        "q1@seznam.cz", sender="Karel Dvořák <karel@seznam.cz>", to="info@firma.cz",
        subject="Poptávka", body="Dobrý den, poptávám regály.\n\nS pozdravem\nKarel Dvořák",
    )  # fmt: skip
    (tmp_path / "q.eml").write_bytes(inquiry)
    world("mail", "import", str(tmp_path / "q.eml"))
    world("workflows", "run", "--once", "--workflows", str(tmp_path / "wf.yaml"))
    lead = world.json("leads", "show", "1")
    assert lead["owner"] == "eva"
    assert [rcpts for rcpts, _ in smtp[0].messages] == [["karel@seznam.cz"]]
    assert {m["subject"] for m in world.json("mail", "list", "--lead", "1")} == {
        "Poptávka", "Re: Vaše poptávka"
    }  # fmt: skip


def test_email_received_trigger_fires_for_mail_on_a_deal(world: Crm, tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text(RULES, encoding="utf-8")
    raw = simple("t1@alfa.cz", sender="jan@alfa.cz", to="obchod@firma.cz", subject="Re [OP-1]")
    (tmp_path / "t.eml").write_bytes(raw)
    world("mail", "import", str(tmp_path / "t.eml"))
    out = world("workflows", "run", "--once", "--workflows", str(tmp_path / "wf.yaml")).stdout
    assert "on-mail" in out and "deal #1" in out
