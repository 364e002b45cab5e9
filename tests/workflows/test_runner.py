"""The runner's guarantees: exactly once, retries and dead letters, loop cut, outbox."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from crmctl.cli import app
from crmctl.config import load_settings
from crmctl.db import engine as engine_module
from crmctl.db.models import Delivery, Event, Notification, Task, WorkflowFiring
from crmctl.services.context import open_context
from crmctl.services.tasks import add_task
from crmctl.workflows import service as workflows_service
from tests.conftest import Crm
from tests.workflows.conftest import SmtpServer, rows, scalars

CRMCTL = shutil.which("crmctl") or str(Path(sys.executable).with_name("crmctl"))


def _rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CRM_WORKFLOWS", str(path))
    return path


def _count(db: Engine, model: type, *where: object) -> int:
    return scalars(db, select(func.count()).select_from(model).where(*where))[0]


TASK_ONLY = """
rules:
  - id: lead-task
    trigger: {event: lead.created}
    actions:
      - create_task: {title: "Zavolat {{ lead.contact_name }}", due: +24h}
"""
LEAD_TASK = (
    TASK_ONLY + '      - notify: {to: owner, subject: "Nová poptávka {{ lead.id }}", '
    "channels: [inbox, email]}\n"
)


def test_two_runners_at_once_fire_every_rule_once(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Engine
) -> None:
    rules = _rules(tmp_path, monkeypatch, LEAD_TASK)
    leads = "\n".join(json.dumps({"name": f"Zájemce {n}", "owner": "novak"}) for n in range(40))
    team("leads", "add", "--json", "-", input=leads)
    env = {
        **os.environ,
        "CRM_DATABASE_URL": team.url,
        "CRM_USER": "admin",
        "CRM_NOW": team.now,
        "CRM_WORKFLOWS": str(rules),
    }
    env.pop("CRM_SMTP_URL", None)
    runners = [
        subprocess.Popen(
            [CRMCTL, "workflows", "run", "--once", "-o", "json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [runner.communicate(timeout=300) for runner in runners]
    assert [runner.returncode for runner in runners] == [0, 0, 0], [o[1] for o in outputs]
    fired = [f for out, _ in outputs for f in json.loads(out) if f["status"] == "fired"]
    assert len(fired) == 40
    assert len({f["entity"] for f in fired}) == 40
    assert _count(db, Task) == 40
    assert _count(db, Notification) == 40
    assert _count(db, Delivery) == 40
    assert _count(db, WorkflowFiring) == 40


def test_smtp_outage_then_recovery_delivers_every_mail_once(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, smtp: SmtpServer, db: Engine
) -> None:
    _rules(tmp_path, monkeypatch, LEAD_TASK)
    team("leads", "add", "--name", "Jan Kos", "--owner", "novak")
    team("leads", "add", "--name", "Eva Malá", "--owner", "dvorak")
    down = team("workflows", "run", "--once")  # the server is not running
    assert "0 delivered, 2 delivery failure(s)" in down.stderr
    failures = team.json("workflows", "failures")
    assert [(f["kind"], f["status"], f["attempts"]) for f in failures] == [
        ("email", "pending", 1),
        ("email", "pending", 1),
    ]
    assert "SMTP 127.0.0.1" in failures[0]["error"]

    smtp.start()
    team("workflows", "run", "--once")  # the retry is not due yet: backoff
    assert smtp.mailbox.messages == []
    team.now = "2026-03-10T09:05:00+01:00"
    up = team("workflows", "run", "--once")
    assert "2 delivered" in up.stderr
    team.now = "2026-03-10T10:00:00+01:00"
    team("workflows", "run", "--once")
    assert sorted(smtp.mailbox.messages) == [
        (["dvorak@firma.cz"], "Nová poptávka 2"),
        (["novak@firma.cz"], "Nová poptávka 1"),
    ]
    assert team.json("workflows", "failures") == []


def test_failing_action_is_recorded_retried_then_succeeds(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Engine
) -> None:
    _rules(
        tmp_path,
        monkeypatch,
        """
rules:
  - id: give-to-kral
    trigger: {event: lead.created}
    actions:
      - assign: {user: kral}
""",
    )
    team("leads", "add", "--name", "Jan Kos")
    first = json.loads(team("workflows", "run", "--once", "-o", "json", code=6).stdout)
    assert [(f["status"], f["error"]) for f in first] == [
        ("failed", "assign: user(s) kral do not exist or are inactive")
    ]
    assert team.json("leads", "show", "1")["owner"] == "admin"  # rolled back, not half done
    [failure] = team.json("workflows", "failures")
    assert (failure["rule"], failure["status"], failure["attempts"]) == (
        "give-to-kral",
        "failed",
        1,
    )

    team("users", "add", "kral")
    team.now = "2026-03-10T09:10:00+01:00"
    retried = json.loads(team("workflows", "run", "--once", "-o", "json").stdout)
    assert [f["status"] for f in retried] == ["retried"]
    assert team.json("leads", "show", "1")["owner"] == "kral"
    assert team.json("workflows", "failures") == []


def test_a_firing_that_keeps_failing_is_dead_lettered(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rules(
        tmp_path,
        monkeypatch,
        """
rules:
  - id: give-to-kral
    trigger: {event: lead.created}
    actions:
      - assign: {user: kral}
""",
    )
    team("leads", "add", "--name", "Jan Kos")
    for hour in range(9, 16):
        team.now = f"2026-03-10T{hour:02d}:00:00+01:00"
        _run_once_failing_or_not(team)
    [dead] = team.json("workflows", "failures", "--dead")
    assert (dead["status"], dead["attempts"]) == ("dead", 5)


def _run_once_failing_or_not(crm: Crm) -> None:
    """A pass exits 6 exactly when one of its firings failed, else 0."""
    env = {"CRM_DATABASE_URL": crm.url, "CRM_USER": crm.user, "CRM_NOW": crm.now}
    result = CliRunner().invoke(app, ["workflows", "run", "--once", "-o", "json"], env=env)
    statuses = [firing["status"] for firing in json.loads(result.stdout)]
    failed = any(status in ("failed", "dead", "cut") for status in statuses)
    assert result.exit_code == (6 if failed else 0), result.stderr


def test_a_rule_loop_is_cut_at_the_depth_limit(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Engine
) -> None:
    _rules(
        tmp_path,
        monkeypatch,
        """
rules:
  - id: echo
    trigger: {event: task.created}
    actions:
      - create_task: {title: "Další úkol", assignee: novak}
""",
    )
    team("leads", "add", "--name", "Jan Kos")
    _add_task(team, "První úkol")
    fired = json.loads(team("workflows", "run", "--once", "-o", "json", code=6).stdout)
    assert [f["status"] for f in fired] == ["fired"] * 6 + ["cut"]
    assert _count(db, Task) == 7
    [cut] = team.json("workflows", "failures")
    assert cut["status"] == "cut" and "loop cut" in cut["error"]
    assert json.loads(team("workflows", "run", "--once", "-o", "json").stdout) == []


def _add_task(crm: Crm, subject: str, **options: object) -> None:
    """Through the tasks service (its CLI is another branch's work)."""
    in_service(crm, lambda ctx: add_task(ctx, subject, lead=1, **options))


def in_service(crm: Crm, call: Callable[[Any], object]) -> None:
    """Run one service call as ``crm``'s user, at ``crm``'s clock, in one transaction."""
    values = {"CRM_DATABASE_URL": crm.url, "CRM_USER": crm.user, "CRM_NOW": crm.now}
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        with open_context(load_settings()) as ctx:
            call(ctx)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_run_with_one_rule_leaves_the_cursor_for_the_others(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Engine
) -> None:
    _rules(
        tmp_path,
        monkeypatch,
        LEAD_TASK
        + """
  - id: lead-note
    trigger: {event: lead.created}
    actions:
      - notify: {to: owner, subject: "Poznámka {{ lead.id }}"}
""",
    )
    team("leads", "add", "--name", "Jan Kos", "--owner", "novak")
    only = json.loads(
        team("workflows", "run", "--once", "--rule", "lead-note", "-o", "json").stdout
    )
    assert [f["rule"] for f in only] == ["lead-note"]
    rest = json.loads(team("workflows", "run", "--once", "-o", "json").stdout)
    assert [f["rule"] for f in rest] == ["lead-task"]
    team("workflows", "run", "--once", "--rule", "nope", code=4)


def _sqlite_crm(sqlite_template: Path, tmp_path: Path) -> tuple[Crm, Path]:
    path = tmp_path / "crm.db"
    shutil.copyfile(sqlite_template, path)
    return Crm(f"sqlite:///{path}"), path


def test_a_cron_pass_locked_out_by_another_writer_is_tried_again(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: a pass whose write outwaits the busy timeout (daemons firing in batches hold
    the lock) runs again after a pause, as the daemon's passes do, instead of failing cron."""
    crm, path = _sqlite_crm(sqlite_template, tmp_path)
    _rules(tmp_path, monkeypatch, TASK_ONLY)
    crm("leads", "add", "--name", "Eva Malá")
    crm("workflows", "run", "--once")  # the rules' system user and the cursor exist now
    crm("leads", "add", "--name", "Jan Kos")
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    pauses: list[int] = []

    def writer_commits(attempt: int) -> None:
        pauses.append(attempt)
        writer.execute("COMMIT")

    monkeypatch.setattr(workflows_service, "_pause_before_retry", writer_commits)
    fired = crm.json("workflows", "run", "--once")
    writer.close()
    assert pauses == [1]
    assert [(f["rule"], f["status"]) for f in fired] == [("lead-task", "fired")]


def test_a_cron_pass_locked_out_every_time_says_so(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm, path = _sqlite_crm(sqlite_template, tmp_path)
    _rules(tmp_path, monkeypatch, TASK_ONLY)
    crm("leads", "add", "--name", "Eva Malá")
    crm("workflows", "run", "--once")
    crm("leads", "add", "--name", "Jan Kos")
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(workflows_service, "_pause_before_retry", lambda attempt: None)
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        result = crm("workflows", "run", "--once", code=1)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.stderr.startswith("error: the database stayed locked by other writers (3 passes")
    assert "Traceback" not in result.stderr
    assert crm.json("workflows", "run", "--once")[0]["status"] == "fired"


def test_notifications_list_and_read(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _rules(tmp_path, monkeypatch, LEAD_TASK)
    team("leads", "add", "--name", "Jan Kos", "--owner", "novak")
    team("workflows", "run", "--once")
    novak = Crm(team.url, user="novak", now=team.now)
    [entry] = novak.json("notifications", "list")
    assert (entry["subject"], entry["about"], entry["rule"]) == (
        "Nová poptávka 1",
        "lead #1",
        "lead-task",
    )
    Crm(team.url, user="dvorak", now=team.now)("notifications", "read", str(entry["id"]), code=3)
    novak("notifications", "read", str(entry["id"]))
    assert novak.json("notifications", "list") == []
    assert len(novak.json("notifications", "list", "--all")) == 1


def test_why_and_simulate(team: Crm, rules: Path) -> None:
    team("deals", "add", "--title", "Licence", "--owner", "novak", "--set", "discount=20")
    team("deals", "add", "--title", "Servis", "--owner", "novak")
    simulated = team.json("workflows", "simulate", "--since", "1d")
    assert [(s["rule"], s["about"]) for s in simulated] == [("discount-approval-new", "deal #1")]
    assert team.json("approvals", "list") == []  # simulate changed nothing
    team("workflows", "run", "--once")
    why = {row["rule"]: row for row in team.json("workflows", "why", "deal", "2")}
    assert why["idle-deal"]["why"] == "does not match: idle_days > 10"
    assert why["discount-approval-new"]["why"] == "does not match: custom.discount > 15"
    fired = [row for row in team.json("workflows", "why", "deal", "1") if row["status"] == "done"]
    assert [row["rule"] for row in fired] == ["discount-approval-new"]
    assert "approval #1 requested" in fired[0]["why"]
    team("workflows", "why", "deal", "99", code=3)
    # Need-to-know: what fired on novak's deal is for who may read it.
    dvorak = Crm(team.url, user="dvorak", now=team.now)
    assert "permission denied" in dvorak("workflows", "why", "deal", "1", code=5).stderr
    dvorak("workflows", "why", "deal", "99", code=5)
    assert Crm(team.url, user="reditel", now=team.now).json("workflows", "why", "deal", "1")


def test_event_firings_are_keyed_by_their_event(team: Crm, rules: Path, db: Engine) -> None:
    team("deals", "add", "--title", "Licence", "--owner", "novak", "--set", "discount=20")
    team("workflows", "run", "--once")
    firing = rows(db, select(WorkflowFiring.rule_id, WorkflowFiring.trigger_key))
    assert [(f.rule_id, f.trigger_key.startswith("event:")) for f in firing] == [
        ("discount-approval-new", True)
    ]


def test_an_event_committed_after_a_later_one_is_not_missed(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Engine
) -> None:
    """PostgreSQL may commit event N after N+1: the runner remembers N as a gap."""
    _rules(tmp_path, monkeypatch, LEAD_TASK)
    team("leads", "add", "--name", "Jan Kos", "--owner", "novak")
    team("leads", "add", "--name", "Eva Malá", "--owner", "novak")
    team("workflows", "run", "--once")
    top = scalars(db, select(func.max(Event.id)))[0]
    at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)

    def lead_created(event_id: int, lead_id: int) -> dict[str, object]:
        return {"id": event_id, "at": at, "actor_id": 1, "entity_type": "lead",
                "entity_id": lead_id, "kind": "lead.created", "payload": {}}  # fmt: skip

    with db.begin() as connection:  # id top+2 commits first …
        connection.execute(insert(Event), [lead_created(top + 2, 2)])
        if db.dialect.name == "postgresql":  # as if top+1 were handed out, still in flight
            connection.execute(text("SELECT setval('events_id_seq', :n)"), {"n": top + 2})
    assert [f["entity"] for f in team.json("workflows", "run", "--once")] == ["lead #2"]
    with db.begin() as connection:  # … then top+1
        connection.execute(insert(Event), [lead_created(top + 1, 1)])
    fired = json.loads(team("workflows", "run", "--once", "-o", "json").stdout)
    assert [(f["entity"], f["trigger"]) for f in fired] == [("lead #1", f"event {top + 1}")]
    assert json.loads(team("workflows", "run", "--once", "-o", "json").stdout) == []


def test_one_failing_firing_in_a_batch_leaves_the_others_fired_once(
    team: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Engine
) -> None:
    """Several firings share one transaction; one failing rolls the batch back and each
    is redone on its own: the others fire once, the failure is recorded as one."""
    _rules(
        tmp_path,
        monkeypatch,
        """
rules:
  - id: tell
    trigger: {event: lead.created}
    actions:
      - create_task: {title: "Zavolat {{ lead.contact_name }}", due: +24h}
      - notify: {to: owner, subject: "Nová poptávka {{ lead.id }}"}
  - id: give-to-kral
    trigger: {event: lead.created}
    when: 'id = 2'
    actions:
      - assign: {user: kral}
""",
    )
    leads = "\n".join(json.dumps({"name": f"Zájemce {n}"}) for n in range(3))
    team("leads", "add", "--json", "-", input=leads)
    fired = json.loads(team("workflows", "run", "--once", "-o", "json", code=6).stdout)
    assert sorted((f["rule"], f["entity"], f["status"]) for f in fired) == [
        ("give-to-kral", "lead #2", "failed"),
        ("tell", "lead #1", "fired"),
        ("tell", "lead #2", "fired"),
        ("tell", "lead #3", "fired"),
    ]
    assert _count(db, Task) == 3
    assert _count(db, Notification) == 3
    assert _count(db, WorkflowFiring, WorkflowFiring.status == "done") == 3
    assert _count(db, WorkflowFiring, WorkflowFiring.status == "failed") == 1
    assert team.json("leads", "show", "2")["owner"] == "admin"
    assert json.loads(team("workflows", "run", "--once", "-o", "json").stdout) == []
