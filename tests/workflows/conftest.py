"""Fixtures for workflow tests: the default rules file, a sales team, a real SMTP server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine

from tests.conftest import Crm

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "workflows.yaml"


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped workflows.yaml, as a user would run it."""
    monkeypatch.setenv("CRM_WORKFLOWS", str(DEFAULT_RULES))
    return DEFAULT_RULES


@pytest.fixture
def team(crm: Crm) -> Crm:
    """reditel (manager) over novak, dvorak; svoboda is the fallback."""
    crm("users", "add", "reditel", "--role", "manager", "--email", "reditel@firma.cz")
    crm("users", "add", "novak", "--manager", "reditel", "--email", "novak@firma.cz")
    crm("users", "add", "dvorak", "--manager", "reditel", "--email", "dvorak@firma.cz")
    crm("users", "add", "svoboda", "--email", "svoboda@firma.cz")
    return crm


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Mailbox:
    """What the local SMTP server received: (recipients, subject) per message."""

    port: int
    messages: list[tuple[list[str], str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content)
        subject = str(make_header(decode_header(parsed["Subject"] or "")))
        self.messages.append((list(envelope.rcpt_tos), subject))
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?from=crm@firma.cz"


class SmtpServer:
    """A real aiosmtpd server on 127.0.0.1 that tests may stop and start (an outage)."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        self.controller: Any = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.mailbox.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """Not started: call .start(); CRM_SMTP_URL already points at it."""
    mailbox = Mailbox(free_port())
    monkeypatch.setenv("CRM_SMTP_URL", mailbox.url)
    server = SmtpServer(mailbox)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def db(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    try:
        yield engine
    finally:
        engine.dispose()


def rows(engine: Engine, statement: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.execute(statement))


def scalars(engine: Engine, statement: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(connection.scalars(statement))


__all__ = ["rows", "scalars", "select"]
