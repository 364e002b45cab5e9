"""`crmctl daemon` as a subprocess: events as they come, SIGTERM exits 0, SIGKILL loses
and doubles nothing after a restart."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from crmctl.db.models import Notification, Task, WorkflowFiring

CRMCTL = shutil.which("crmctl") or str(Path(sys.executable).with_name("crmctl"))
RULES = """
rules:
  - id: lead-task
    trigger: {event: lead.created}
    actions:
      - create_task: {title: "Zavolat {{ lead.contact_name }}", due: +24h}
      - notify: {to: owner, subject: "Nová poptávka {{ lead.id }}"}
"""
DEADLINE_SECONDS = 120  # a generous bound on waiting, not an assertion about speed
LEADS_KILLED = 600
CONCURRENT_LEADS = 5_000  # issue 6: 5,000 new events ...
CONCURRENT_DEALS = 10_000  # ... and a time rule over 10,000 deals


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    values = {
        **os.environ,
        "CRM_DATABASE_URL": db_url,
        "CRM_USER": "admin",
        "CRM_NOW": "2026-03-10T09:00:00+01:00",
        "CRM_WORKFLOWS": str(rules),
    }
    values.pop("CRM_SMTP_URL", None)
    return values


def _crm(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([CRMCTL, *args], input=stdin, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _daemon(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CRMCTL, "daemon", "--poll", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def _wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.1)


def _count(url: str, model: type) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def test_daemon_fires_new_events_and_exits_0_on_sigterm(
    env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "daemon.log"
    daemon = _daemon(env, log)
    try:
        _wait_until(lambda: "daemon started" in log.read_text())
        _crm(env, "leads", "add", "--name", "Jan Kos")
        _wait_until(lambda: _count(db_url, Notification) == 1)
        status = json.loads(_crm(env, "daemon", "status", "-o", "json"))
        assert status[0]["state"] == "alive" and status[0]["pid"] == daemon.pid
    finally:
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=DEADLINE_SECONDS)
    assert code == 0
    text = log.read_text()
    assert "fired lead-task lead #1 (event " in text
    assert "received SIGTERM" in text and "daemon stopped after 1 firing(s)" in text
    after = subprocess.run(
        [CRMCTL, "daemon", "status", "-o", "json"], capture_output=True, text=True, env=env
    )
    assert after.returncode == 6  # none alive: monitoring can tell
    assert json.loads(after.stdout)[0]["state"] == "stopped"
    assert "error: no daemon is alive" in after.stderr


def test_daemon_killed_mid_run_and_restarted_loses_and_doubles_nothing(
    env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    # several batches of firings (FIRING_BATCH per transaction), so the kill can land
    # between two of them or in the middle of one
    leads = "\n".join(json.dumps({"name": f"Zájemce {n}"}) for n in range(LEADS_KILLED))
    _crm(env, "leads", "add", "--json", "-", stdin=leads)
    log = tmp_path / "daemon.log"
    first = _daemon(env, log)
    _wait_until(lambda: _count(db_url, WorkflowFiring) >= 1)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=DEADLINE_SECONDS)
    second = _daemon(env, log)  # catches up from the cursor
    try:
        _wait_until(lambda: log.read_text().count("daemon started") == 2)
        _wait_until(lambda: _count(db_url, WorkflowFiring) == LEADS_KILLED)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=DEADLINE_SECONDS) == 0
    assert _count(db_url, Task) == LEADS_KILLED
    assert _count(db_url, Notification) == LEADS_KILLED


TIME_RULES = (
    RULES
    + """
  - id: idle-deal
    trigger: {every: "day at 07:00", for: deals, once_per: last_touched_at}
    when: 'status = "open" and idle_days > 10'
    actions:
      - notify: {to: owner, subject: "Obchod {{ deal.id }} stojí"}
"""
)


def test_two_daemons_and_a_cron_run_fire_every_event_and_window_once(
    env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    """The issue's size: 5,000 new events and a time rule over 10,000 deals."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(TIME_RULES, encoding="utf-8")
    deals = "\n".join(json.dumps({"title": f"Obchod {n}"}) for n in range(CONCURRENT_DEALS))
    _crm({**env, "CRM_NOW": "2026-02-20T09:00:00+01:00"}, "deals", "apply", "-f", "-", stdin=deals)
    leads = "\n".join(json.dumps({"name": f"Zájemce {n}"}) for n in range(CONCURRENT_LEADS))
    _crm(env, "leads", "add", "--json", "-", stdin=leads)
    log = tmp_path / "daemon.log"
    daemons = [_daemon(env, log), _daemon(env, log)]
    cron = subprocess.run(
        [CRMCTL, "workflows", "run", "--once"], env=env, capture_output=True, text=True
    )
    expected = CONCURRENT_LEADS + CONCURRENT_DEALS
    try:
        assert cron.returncode == 0, cron.stderr
        _wait_until(lambda: log.read_text().count("daemon started") == 2)
        _wait_until(lambda: _count(db_url, WorkflowFiring) == expected)
    finally:
        for daemon in daemons:
            daemon.send_signal(signal.SIGTERM)
        codes = [daemon.wait(timeout=DEADLINE_SECONDS) for daemon in daemons]
    assert codes == [0, 0]
    assert _count(db_url, Task) == CONCURRENT_LEADS
    assert _count(db_url, Notification) == expected
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            statuses = dict(
                connection.execute(
                    select(WorkflowFiring.status, func.count()).group_by(WorkflowFiring.status)
                ).all()
            )
            per_record = connection.execute(
                select(Notification.entity_type, Notification.entity_id, func.count())
                .group_by(Notification.entity_type, Notification.entity_id)
                .having(func.count() != 1)
            ).all()
    finally:
        engine.dispose()
    assert statuses == {"done": expected}
    assert per_record == []  # every lead and every deal told exactly once
