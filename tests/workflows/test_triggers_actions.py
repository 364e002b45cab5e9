"""Triggers and actions beyond the seed scenarios: field changes, dates, overdue tasks,
task.done, round-robin, teams, PSČ territories, set, move and webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crmctl.db.models import Notification, Task
from crmctl.services.tasks import complete_task
from tests.conftest import Crm
from tests.workflows.conftest import scalars
from tests.workflows.test_runner import _add_task, _rules, in_service


def _fired(crm: Crm) -> list[tuple[str, str]]:
    fired = json.loads(crm("workflows", "run", "--once", "-o", "json").stdout)
    return [(f["rule"], f["entity"]) for f in fired if f["status"] == "fired"]


def test_field_changed_and_updated_fields(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rules(
        tmp_path,
        monkeypatch,
        """
rules:
  - id: owner-changed
    trigger: {event: deal.owner_changed}
    actions: [{notify: {to: owner, subject: "Převzal jste {{ deal.title }}"}}]
  - id: value-changed
    trigger: {event: deal.updated, fields: [value]}
    when: 'value > 100000'
    actions: [{set: {probability: 60}}]
""",
    )
    team("deals", "add", "--title", "Licence", "--owner", "novak")
    team("deals", "update", "--where", "id = 1", "--set", "owner=dvorak")
    team("deals", "update", "--where", "id = 1", "--set", "value=50000")
    assert _fired(team) == [("owner-changed", "deal #1")]
    team("deals", "update", "--where", "id = 1", "--set", "value=250000")
    assert _fired(team) == [("value-changed", "deal #1")]
    assert team.json("deals", "show", "1")["probability"] == 60


def test_date_trigger_fires_once_before_expected_close(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rules(
        tmp_path,
        monkeypatch,
        """
rules:
  - id: closing
    trigger: {date: "3 days before expected_close", for: deals}
    when: 'status = "open"'
    actions: [{notify: {to: owner, subject: "Uzavřít {{ deal.title }}"}}]
""",
    )
    team("deals", "add", "--title", "Brzy", "--owner", "novak", "--expected-close", "2026-03-12")
    team("deals", "add", "--title", "Později", "--owner", "novak", "--expected-close", "2026-03-20")
    team("deals", "add", "--title", "Pryč", "--owner", "novak", "--expected-close", "2026-03-01")
    assert _fired(team) == [("closing", "deal #1")]
    assert _fired(team) == []
    team.now = "2026-03-17T08:00:00+01:00"
    assert _fired(team) == [("closing", "deal #2")]


def test_overdue_and_done_tasks(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Engine
) -> None:
    _rules(
        tmp_path,
        monkeypatch,
        """
rules:
  - id: overdue
    trigger: {event: task.overdue}
    actions: [{notify: {to: owner, subject: "Po termínu: {{ task.subject }}"}}]
  - id: done
    trigger: {event: task.done}
    actions: [{notify: {to: user:reditel, subject: "Hotovo: {{ task.subject }}"}}]
""",
    )
    team("leads", "add", "--name", "Jan Kos", "--owner", "novak")
    _add_task(team, "Zavolat", due_at="2026-03-10T15:00", assignee="novak")
    _add_task(team, "Poslat ceník", due_at="2026-03-12T15:00", assignee="novak")
    assert _fired(team) == []
    team.now = "2026-03-10T16:00:00+01:00"
    assert _fired(team) == [("overdue", "task #1")]
    assert _fired(team) == []

    in_service(team, lambda ctx: complete_task(ctx, 2))
    assert _fired(team) == [("done", "task #2")]
    team.now = "2026-03-13T16:00:00+01:00"
    assert _fired(team) == []  # done tasks are never overdue
    assert sorted(scalars(db, select(Notification.subject))) == [
        "Hotovo: Poslat ceník",
        "Po termínu: Zavolat",
    ]


@pytest.fixture
def hook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/crm", received
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_posts_json_once(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hook: tuple[str, list[Any]]
) -> None:
    url, received = hook
    _rules(
        tmp_path,
        monkeypatch,
        f"""
rules:
  - id: hook
    trigger: {{event: lead.created}}
    actions: [{{notify: {{to: owner, channels: [webhook], url: "{url}",
                          subject: "Lead {{{{ lead.id }}}}"}}}}]
""",
    )
    team("leads", "add", "--name", "Jan Kos", "--owner", "novak")
    team("workflows", "run", "--once")
    team("workflows", "run", "--once")
    assert len(received) == 1
    assert (received[0]["rule"], received[0]["entity_id"], received[0]["to"]) == (
        "hook",
        1,
        ["novak"],
    )
    assert received[0]["record"]["contact_name"] == "Jan Kos"


def test_round_robin_team_and_psc_territory_skip_inactive_users(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rules(
        tmp_path,
        monkeypatch,
        """
rules:
  - id: rr
    trigger: {event: lead.created}
    when: 'source = "phone"'
    actions: [{assign: {round_robin: [novak, dvorak, svoboda]}}]
  - id: psc
    trigger: {event: deal.created}
    actions:
      - assign:
          territory: {by: psc, table: {"6": dvorak, "602": novak}, fallback: svoboda}
""",
    )
    team("users", "edit", "dvorak", "--inactive")
    for n in range(4):
        team("leads", "add", "--name", f"Volající {n}", "--source", "phone")
    team("companies", "add", "--name", "Brno s.r.o.", "--psc", "602 00")
    team("companies", "add", "--name", "Jihlava s.r.o.", "--psc", "586 01")
    team("deals", "add", "--title", "Brno", "--company", "Brno s.r.o.")
    team("deals", "add", "--title", "Jihlava", "--company", "Jihlava s.r.o.")
    team("workflows", "run", "--once")
    owners = [team.json("leads", "show", str(n))["owner"] for n in range(1, 5)]
    assert owners == ["novak", "svoboda", "novak", "svoboda"]
    assert team.json("deals", "show", "1")["owner"] == "novak"  # longest prefix 602
    assert team.json("deals", "show", "2")["owner"] == "svoboda"  # 586: fallback
    reasons = [
        e["payload"].get("reason")
        for e in team.json("timeline", "deal", "2")
        if e["kind"] == "deal.assigned"
    ]
    assert reasons == ["psc 58601 matches no territory → fallback"]


def test_set_move_and_task_count(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Engine
) -> None:
    _rules(
        tmp_path,
        monkeypatch,
        """
rules:
  - id: fast-track
    trigger: {event: deal.created}
    when: 'value >= 1000000'
    actions:
      - set: {custom.priority: vip}
      - move: Analýza
""",
    )
    team("deals", "add", "--title", "Velký", "--value", "2 000 000")
    team("workflows", "run", "--once")
    deal = team.json("deals", "show", "1")
    assert (deal["stage"], deal["custom"]) == ("analyza", {"priority": "vip"})
    assert scalars(db, select(Task.id)) == []
