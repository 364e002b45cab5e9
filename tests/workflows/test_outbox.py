"""Issue 15 item 2 in-process: a server slower than the client's timeout, Message-IDs."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from crmctl.cli import app
from crmctl.notify import smtp as smtp_module
from crmctl.notify import webhook
from tests.conftest import Crm
from tests.workflows.conftest import Mailbox, SmtpServer

SLOW_SECONDS = 1.0
RULES = """
rules:
  - id: lead-mail
    trigger: {event: lead.created}
    actions:
      - notify: {to: owner, subject: "Nová poptávka {{ lead.id }}", channels: [email]}
"""


class SlowMailbox(Mailbox):
    """Keeps each message, then answers only after the client stopped waiting."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.ids.append(str(message_from_bytes(envelope.content)["Message-ID"]))
        answer = await super().handle_DATA(server, session, envelope)
        await asyncio.sleep(SLOW_SECONDS)
        return answer


def _run_once(crm: Crm) -> Any:
    env = {"CRM_DATABASE_URL": crm.url, "CRM_USER": crm.user, "CRM_NOW": crm.now}
    return CliRunner().invoke(app, ["workflows", "run", "--once"], env=env)


def _slow_smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer) -> SlowMailbox:
    """The rules that mail every new lead, and an SMTP server slower than the timeout."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    monkeypatch.setenv("CRM_WORKFLOWS", str(rules))
    monkeypatch.setattr(smtp_module, "TIMEOUT_SECONDS", SLOW_SECONDS / 4)
    slow = SlowMailbox(smtp.mailbox.port)
    smtp.mailbox = slow
    smtp.start()
    return slow


def test_item2_smtp_answering_after_the_timeout_never_gets_a_mail_twice(
    team: Crm,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp: SmtpServer,
) -> None:
    slow = _slow_smtp(tmp_path, monkeypatch, smtp)
    team("leads", "add", "--name", "Jan Kos", "--owner", "novak")
    first = _run_once(team)
    # Every later pass would be past any retry's backoff.
    for day in (11, 12):
        team.now = f"2026-03-{day}T09:00:00+01:00"
        _run_once(team)
    time.sleep(SLOW_SECONDS)  # a resend, if any, has been taken by now
    assert slow.messages == [(["novak@firma.cz"], "Nová poptávka 1")], first.stderr
    assert first.exit_code == 6
    assert "1 uncertain (not resent)" in first.stderr
    [failure] = team.json("workflows", "failures", "--dead")
    assert failure["status"] == "uncertain"
    assert slow.ids[0] in failure["error"] and "not resent" in failure["error"]


def test_item2_resend_of_an_uncertain_mail_keeps_its_message_id(
    team: Crm,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp: SmtpServer,
) -> None:
    slow = _slow_smtp(tmp_path, monkeypatch, smtp)
    team("leads", "add", "--name", "Jan Kos", "--owner", "novak")
    assert _run_once(team).exit_code == 6
    [failure] = team.json("workflows", "failures")
    team("workflows", "resend", str(failure["id"]), code=0)
    team("workflows", "resend", str(failure["id"]), code=4)  # pending now: nothing to do
    team("workflows", "resend", "999", code=3)
    team.user = "novak"
    team("workflows", "resend", str(failure["id"]), code=5)
    team.user = "admin"
    _run_once(team)
    time.sleep(SLOW_SECONDS)
    assert len(slow.ids) == 2 and slow.ids[0] == slow.ids[1], slow.ids
    events = team.json("timeline", "lead", "1")
    assert any(json.dumps(e, ensure_ascii=False).count("delivery.resend") for e in events)


class _SlowHook(BaseHTTPRequestHandler):
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        _SlowHook.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(SLOW_SECONDS)  # answers only after the client stopped waiting
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_item2_webhook_answering_after_the_timeout_is_posted_once(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _SlowHook.bodies = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SlowHook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/crm"
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        RULES.replace("channels: [email]", f"channels: [webhook], url: {url}"), encoding="utf-8"
    )
    monkeypatch.setenv("CRM_WORKFLOWS", str(rules))
    monkeypatch.setattr(webhook, "TIMEOUT_SECONDS", SLOW_SECONDS / 4)
    try:
        team("leads", "add", "--name", "Jan Kos", "--owner", "novak")
        first = _run_once(team)
        team.now = "2026-03-11T09:00:00+01:00"  # past any retry's backoff
        _run_once(team)
        time.sleep(SLOW_SECONDS)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert len(_SlowHook.bodies) == 1, first.stderr
    assert first.exit_code == 6 and "1 uncertain (not resent)" in first.stderr
    [failure] = team.json("workflows", "failures", "--dead")
    assert (failure["kind"], failure["status"]) == ("webhook", "uncertain")
