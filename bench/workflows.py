"""Workflow benchmark: daemon latency, a time-rule scan in SQL, and event throughput.

* latency from ``leads add`` (a committed service call) to the inbox row written by a
  rule, with ``crmctl daemon --poll 0.2`` running; p50 and p95 over ``--leads`` leads
  (target: p95 < 1 s);
* the set-based scan of a time rule (``idle_days > 10`` over ``--deals`` deals, the
  query that selects the records due in the window, minus those already fired;
  target: 1,000,000 deals < 5 s);
* throughput of a backlog of ``--events`` ``lead.created`` events with 3 rules, each
  firing one inbox notification (target: ≥ 1,000 firings/s on SQLite).

SQLite only unless ``--postgres URL`` names a server where ``crmctl_bench_wf`` may be
created. Run from the repository root::

    .venv/bin/python bench/workflows.py [--leads 200] [--deals 1000000] [--events 50000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from crmctl.config import load_settings
from crmctl.db.models import Deal, Event, Lead, Notification
from crmctl.services.context import open_context
from crmctl.services.leads import add_lead
from crmctl.workflows.runner import Runner
from crmctl.workflows.schema import load_rules

REPO_ROOT = Path(__file__).resolve().parent.parent
CRMCTL = str(REPO_ROOT / ".venv" / "bin" / "crmctl")
NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
RULES = """
rules:
  - id: intake
    trigger: {event: lead.created}
    actions: [{notify: {to: owner, subject: "Nová poptávka {{ lead.id }}"}}]
  - id: intake-web
    trigger: {event: lead.created}
    when: 'source = "manual"'
    actions: [{notify: {to: owner, subject: "Web {{ lead.id }}"}}]
  - id: intake-copy
    trigger: {event: lead.created}
    actions: [{notify: {to: owner, subject: "Kopie {{ lead.id }}"}}]
  - id: idle
    trigger: {every: "day at 07:00", for: deals, once_per: last_touched_at}
    when: 'status = "open" and idle_days > 10'
    actions: [{notify: {to: owner, subject: "Stojí {{ deal.id }}"}}]
"""


def _env(url: str, rules: Path, now: str | None) -> dict[str, str]:
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_USER": "admin",
           "CRM_WORKFLOWS": str(rules)}  # fmt: skip
    env.pop("CRM_NOW", None)
    if now:
        env["CRM_NOW"] = now
    return env


def _fresh(url: str, rules: Path) -> None:
    subprocess.run([CRMCTL, "init", "--admin", "admin"], env=_env(url, rules, None), check=True,
                   capture_output=True)  # fmt: skip


def latency(url: str, rules: Path, leads: int) -> tuple[float, float]:
    os.environ.update(_env(url, rules, None))
    log = open(os.devnull, "w")  # noqa: SIM115 - closed with the daemon
    daemon = subprocess.Popen([CRMCTL, "daemon", "--poll", "0.2"], env=_env(url, rules, None),
                              stderr=log)  # fmt: skip
    engine = create_engine(url)
    samples: list[float] = []
    try:
        time.sleep(2)  # let the daemon start and catch up
        for n in range(leads):
            start = time.perf_counter()
            with open_context(load_settings()) as ctx:
                lead_id = add_lead(ctx, {"contact_name": f"Zájemce {n}"})["id"]
            while True:
                with engine.connect() as connection:
                    found = connection.scalar(
                        select(func.count()).select_from(Notification)
                        .where(Notification.entity_id == lead_id)
                    )  # fmt: skip
                if found:
                    break
                time.sleep(0.005)
            samples.append(time.perf_counter() - start)
    finally:
        daemon.terminate()
        daemon.wait()
        log.close()
        engine.dispose()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def time_rule_scan(url: str, rules: Path, deals: int) -> tuple[float, int]:
    engine = create_engine(url)
    old = NOW - timedelta(days=20)
    with engine.begin() as connection:
        for start in range(0, deals, 50_000):
            # every tenth deal idle for 20 days: 10 % of the set is due
            chunk = [
                {"title": f"Obchod {i}", "pipeline": "default", "stage": "analyza", "value": 0,
                 "currency": "CZK", "probability": 25, "probability_overridden": False,
                 "forecast_category": "pipeline", "forecast_category_overridden": False,
                 "owner_id": 1, "status": "open", "stage_entered_at": old,
                 "last_touched_at": old if i % 10 == 0 else NOW, "custom": {},
                 "created_at": old, "updated_at": old}
                for i in range(start, min(start + 50_000, deals))
            ]  # fmt: skip
            connection.execute(insert(Deal), chunk)
    engine.dispose()
    os.environ.update(_env(url, rules, "2026-03-10T09:00:00+01:00"))
    settings = load_settings()
    runner = Runner(settings, load_rules(rules, settings))
    rule = runner.rules.get("idle")
    start = time.perf_counter()
    due = runner.due_records(rule)
    elapsed = time.perf_counter() - start
    runner.engine.dispose()
    return elapsed, len(due)


def throughput(url: str, rules: Path, events: int) -> tuple[float, int]:
    engine = create_engine(url)
    with engine.begin() as connection:
        first = connection.scalar(select(func.coalesce(func.max(Lead.id), 0))) + 1
        connection.execute(insert(Lead), [
            {"source": "manual", "received_at": NOW, "contact_name": f"Z {i}", "owner_id": 1,
             "status": "new", "custom": {}, "created_at": NOW, "updated_at": NOW}
            for i in range(events)
        ])  # fmt: skip
        connection.execute(insert(Event), [
            {"at": NOW, "actor_id": 1, "entity_type": "lead", "entity_id": first + i,
             "kind": "lead.created", "payload": {}}
            for i in range(events)
        ])  # fmt: skip
    engine.dispose()
    os.environ.update(_env(url, rules, "2026-03-10T09:00:00+01:00"))
    settings = load_settings()
    runner = Runner(settings, load_rules(rules, settings))
    runner.rules = type(runner.rules)(runner.rules.path, tuple(
        r for r in runner.rules.rules if not r.is_time))  # fmt: skip
    start = time.perf_counter()
    result = runner.run_once()
    elapsed = time.perf_counter() - start
    runner.engine.dispose()
    fired = sum(1 for f in result.firings if f.status == "fired")
    return elapsed, fired


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=200)
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.yaml"
        rules.write_text(RULES, encoding="utf-8")
        targets = [("sqlite", lambda n: f"sqlite:///{tmp}/{n}.db")]
        if args.postgres:
            targets.append(("postgresql", lambda n: _pg_database(args.postgres, n)))
        print("| database | measure | result | target |\n| --- | --- | --- | --- |")
        for name, make_url in targets:
            _run(name, make_url, rules, args)
    return 0


def _run(name: str, make_url: Any, rules: Path, args: Any) -> None:
    url = make_url("latency")
    _fresh(url, rules)
    p50, p95 = latency(url, rules, args.leads)
    print(f"| {name} | latency leads add → inbox ({args.leads} leads) | p50 {p50 * 1000:.0f} ms,"
          f" p95 {p95 * 1000:.0f} ms | p95 < 1 s |")  # fmt: skip
    url = make_url("scan")
    _fresh(url, rules)
    elapsed, due = time_rule_scan(url, rules, args.deals)
    print(f"| {name} | time rule scan over {args.deals:,} deals ({due:,} due) | "
          f"{elapsed:.2f} s | < 5 s |")  # fmt: skip
    url = make_url("backlog")
    _fresh(url, rules)
    elapsed, fired = throughput(url, rules, args.events)
    print(f"| {name} | backlog of {args.events:,} events × 3 rules ({fired:,} firings) | "
          f"{fired / elapsed:,.0f} firings/s | ≥ 1,000/s (SQLite) |")  # fmt: skip
    sys.stdout.flush()


def _pg_database(admin_url: str, name: str) -> str:
    database = f"crmctl_bench_wf_{name}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    return make_url(admin_url).set(database=database).render_as_string(False)


if __name__ == "__main__":
    sys.exit(main())
