"""Issue 15 item 2: every e-mail and webhook exactly once, with real senders.

Real ``crmctl workflows run --once`` processes deliver a queued outbox to a real aiosmtpd
server (and a local http.server): concurrent senders never send a row twice, every mail
carries a fixed Message-ID and a Date, and a server that answers after the client's
timeout gets each mail once, the rest reported, never silently twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, insert, select

from crmctl.db.tables import deliveries
from tests.workflows.conftest import free_port

CRMCTL = shutil.which("crmctl") or str(Path(sys.executable).with_name("crmctl"))
NOW = "2026-03-10T09:00:00+01:00"
LATER = "2026-03-11T09:00:00+01:00"  # past every retry's backoff of the first pass
MAILS = 50
WAIT_SECONDS = 60  # a generous bound on waiting for the server, not a speed assertion
# Never fires (no leads are added): the passes only deliver the queued outbox.
RULES = """
rules:
  - id: lead-task
    trigger: {event: lead.created}
    actions:
      - create_task: {title: "Zavolat {{ lead.contact_name }}", due: +24h}
"""


@dataclass
class Received:
    """What the local SMTP server got: one dict of headers per message."""

    delay: float = 0.0
    messages: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(
                {
                    "to": ",".join(envelope.rcpt_tos),
                    "subject": str(parsed["Subject"] or ""),
                    "message_id": str(parsed["Message-ID"] or ""),
                    "date": str(parsed["Date"] or ""),
                }
            )
        if self.delay:
            await asyncio.sleep(self.delay)  # answers only after the client gave up
        return "250 OK"


@pytest.fixture
def server() -> Iterator[tuple[Received, int]]:
    received, port = Received(), free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield received, port
    finally:
        controller.stop()


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    values = {
        **os.environ,
        "CRM_DATABASE_URL": db_url,
        "CRM_USER": "admin",
        "CRM_NOW": NOW,
        "CRM_WORKFLOWS": str(rules),
    }
    values.pop("CRM_SMTP_URL", None)
    return values


def _queue(url: str, count: int, channel: str = "email", target: str = "") -> None:
    """``count`` due outbox rows, as firings leave them."""
    now = datetime.fromisoformat(NOW)
    rows = [
        {
            "channel": channel,
            "target": target or f"obchodnik{n}@firma.cz",
            "subject": f"Poptávka {n}",
            "body": f"Text {n}",
            "payload": {"n": n},
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n in range(count)
    ]
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(insert(deliveries), rows)
    finally:
        engine.dispose()


def _statuses(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(deliveries.c.status).order_by("id")))
    finally:
        engine.dispose()


def _senders(env: dict[str, str], count: int) -> list[subprocess.CompletedProcess[str]]:
    """``count`` real ``workflows run --once`` processes started together."""
    processes = [
        subprocess.Popen(
            [CRMCTL, "workflows", "run", "--once"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    done = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return done


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


@pytest.mark.parametrize("senders", [2, 3])
def test_item2_concurrent_senders_send_every_mail_exactly_once(
    db_url: str, env: dict[str, str], server: tuple[Received, int], senders: int
) -> None:
    received, port = server
    _queue(db_url, MAILS)
    env["CRM_SMTP_URL"] = f"smtp://127.0.0.1:{port}?from=crm@firma.cz"
    runs = _senders(env, senders)
    assert [run.returncode for run in runs] == [0] * senders, [run.stderr for run in runs]
    assert sorted(m["to"] for m in received.messages) == sorted(
        f"obchodnik{n}@firma.cz" for n in range(MAILS)
    )
    ids = [m["message_id"] for m in received.messages]
    assert all(ids) and len(set(ids)) == MAILS, ids
    assert all(m["date"] for m in received.messages)
    assert _statuses(db_url) == ["sent"] * MAILS


def test_item2_smtp_slower_than_the_timeout_gets_each_mail_once_and_it_is_reported(
    db_url: str, env: dict[str, str], server: tuple[Received, int]
) -> None:
    received, port = server
    received.delay = 2.0  # the client waits 1 s for the answer to DATA
    _queue(db_url, 2)
    env["CRM_SMTP_URL"] = f"smtp://127.0.0.1:{port}?from=crm@firma.cz&timeout=1"
    first = _senders(env, 1)[0]
    assert first.returncode == 6, first.stderr
    assert "2 uncertain" in first.stderr
    _wait_until(lambda: len(received.messages) >= 2)
    env["CRM_NOW"] = LATER
    second = _senders(env, 1)[0]
    time.sleep(received.delay)  # a resend, if any, would be in by now
    assert sorted(m["to"] for m in received.messages) == [
        "obchodnik0@firma.cz",
        "obchodnik1@firma.cz",
    ], second.stderr
    assert _statuses(db_url) == ["uncertain", "uncertain"]
    listed = subprocess.run(
        [CRMCTL, "workflows", "failures", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    failures = json.loads(listed.stdout)
    assert [f["status"] for f in failures] == ["uncertain", "uncertain"]
    assert all("not resent" in f["error"] for f in failures), failures


def test_item2_sender_killed_while_sending_is_not_resent_silently(
    db_url: str, env: dict[str, str], server: tuple[Received, int]
) -> None:
    received, port = server
    received.delay = 5.0  # the sender is still waiting for the answer when it is killed
    _queue(db_url, 2)
    env["CRM_SMTP_URL"] = f"smtp://127.0.0.1:{port}?from=crm@firma.cz&timeout=10"
    sender = subprocess.Popen(
        [CRMCTL, "workflows", "run", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until(lambda: len(received.messages) == 1)
    finally:
        sender.kill()
        sender.wait()
    received.delay = 0.0
    env["CRM_NOW"] = LATER  # every lease of the killed sender has expired
    after = _senders(env, 1)[0]
    assert after.returncode == 6, after.stderr
    assert "1 delivered" in after.stderr and "1 uncertain" in after.stderr
    assert sorted(m["to"] for m in received.messages) == [
        "obchodnik0@firma.cz",
        "obchodnik1@firma.cz",
    ]
    assert _statuses(db_url) == ["uncertain", "sent"]


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, str]]] = []
    delay: ClassVar[float] = 0.0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.received.append((self.headers.get("X-Crmctl-Delivery", ""), body.decode()))
        time.sleep(_Hook.delay)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[tuple[type[_Hook], int]]:
    _Hook.received, _Hook.delay = [], 0.0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield _Hook, int(httpd.server_address[1])
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_item2_concurrent_senders_post_every_webhook_exactly_once(
    db_url: str, env: dict[str, str], hook: tuple[type[_Hook], int]
) -> None:
    handler, port = hook
    _queue(db_url, MAILS, channel="webhook", target=f"http://127.0.0.1:{port}/crm")
    runs = _senders(env, 3)
    assert [run.returncode for run in runs] == [0, 0, 0], [run.stderr for run in runs]
    bodies = sorted(json.loads(body)["n"] for _, body in handler.received)
    assert bodies == list(range(MAILS))
    keys = [key for key, _ in handler.received]
    assert all(keys) and len(set(keys)) == MAILS
