"""Campaign launch benchmark (issue 19): ``campaigns launch`` over 100,000 companies.

A fresh database (``crmctl init``) gets 100,000 companies, each with a primary contact,
owned round the clock by 20 salespeople, by set-based SQL (one ``INSERT … SELECT`` over a
recursive counter on SQLite, ``generate_series`` on PostgreSQL). Then, as a user would:

1. ``crmctl campaigns launch 1 --where 'id > 0' -o jsonl`` — opens 100,000 leads with
   their ``lead.created`` events;
2. ``crmctl workflows run --once`` with the shipped ``workflows.yaml`` — its lead rules
   checked for every new lead (``web-lead-intake`` on ``lead.created``, set-based per
   batch of events; ``lead-sla-escalation`` scanned as a time rule). Target: 1 + 2 under
   30 s on SQLite, whole processes (``--no-rules`` leaves 2 out: then 1 alone);
3. the same launch again — everything skipped (idempotence over 100,000 companies);
4. with ``--notify-rule`` also one more lead rule (``when: source = "campaign"``, a
   ``notify`` to the owner's inbox), which fires once for every launched lead (info).

    .venv/bin/python bench/campaigns.py [--companies 100000] [--no-rules | --notify-rule]
        [--postgres URL]

Wall and CPU (user + system of the ``crmctl`` process, from ``getrusage``) are reported.

The table is printed and written into ``bench/RESULTS.md`` between the
``campaigns:begin``/``campaigns:end`` markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
CRMCTL = str(REPO_ROOT / ".venv" / "bin" / "crmctl")
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
BEGIN = "<!-- campaigns:begin (written by bench/campaigns.py) -->"
END = "<!-- campaigns:end -->"
NOW = "2026-11-02T10:00:00+01:00"
USERS = 20
SHIPPED_RULES = REPO_ROOT / "workflows.yaml"
NOTIFY_RULE = """
  - id: campaign-lead-inbox
    trigger: {event: lead.created}
    when: 'source = "campaign"'
    actions:
      - notify:
          {to: owner, subject: Nová poptávka z kampaně, body: "{{ lead.subject }}",
           channels: [inbox]}
"""


Timing = tuple[float, float]  # wall seconds, CPU seconds (user + system)
Row = tuple[str, str, float, float, str]  # metric, target, wall, CPU, result


def crm(url: str, *args: str, cwd: Path, stdout: int | None = subprocess.DEVNULL) -> Timing:
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_USER": "admin", "CRM_NOW": NOW}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([CRMCTL, *args], env=env, cwd=cwd, check=True, stdout=stdout)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    print(f"{seconds:8.1f} s ({cpu:.1f} s CPU)  crmctl {' '.join(args)}", file=sys.stderr,
          flush=True)  # fmt: skip
    return seconds, cpu


def write_rules(cwd: Path, notify_rule: bool) -> None:
    """The shipped rules (templates beside them, as in the repository), plus the bench's
    notify rule when asked."""
    rules = SHIPPED_RULES.read_text(encoding="utf-8")
    if notify_rule:
        rules = rules.rstrip("\n") + "\n" + NOTIFY_RULE
    (cwd / "workflows.yaml").write_text(rules, encoding="utf-8")
    shutil.copytree(REPO_ROOT / "templates", cwd / "templates")
    (cwd / "crmctl.yaml").write_text("workflows: workflows.yaml\n", encoding="utf-8")


def generate(url: str, companies: int, cwd: Path) -> None:
    crm(url, "init", "--admin", "admin", cwd=cwd)
    for n in range(USERS):
        crm(url, "users", "add", f"sales{n:02d}", "--name", f"Obchodník {n}", cwd=cwd)
    crm(url, "campaigns", "add", "Bench", "--budget", "100 000", cwd=cwd)
    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    numbers = (
        f"SELECT generate_series(1, {companies}) AS n"
        if postgres
        else f"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
        f"WHERE n < {companies}) SELECT n FROM c"
    )
    now = "'2026-11-01 12:00:00'"
    custom = "'{}'::jsonb" if postgres else "'{}'"
    with engine.begin() as connection:
        sales = "SELECT min(id) FROM users WHERE login LIKE 'sales%'"
        first_user = connection.scalar(text(sales))
        connection.execute(text(
            "INSERT INTO companies (id, name, city, country, owner_id, custom, search_text, "
            "name_key, created_at, updated_at) "
            f"SELECT n, 'Firma ' || n, 'Brno', 'CZ', {first_user} + (n % {USERS}), {custom}, '', "
            f"'firma ' || n, {now}, {now} FROM ({numbers}) AS numbers"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO persons (id, first_name, last_name, owner_id, custom, search_text, "
            "name_key, created_at, updated_at) "
            f"SELECT n, 'Jan', 'Novák ' || n, {first_user} + (n % {USERS}), {custom}, '', "
            f"'novak ' || n, {now}, {now} FROM ({numbers}) AS numbers"
        ))  # fmt: skip
        connection.execute(text(
            "INSERT INTO person_companies (person_id, company_id, is_primary) "
            f"SELECT n, n, true FROM ({numbers}) AS numbers"
        ))  # fmt: skip
        if postgres:
            for table in ("companies", "persons"):
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {companies})"
                ))  # fmt: skip
    engine.dispose()


def run(url: str, companies: int, label: str, rules: bool, notify_rule: bool) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        write_rules(cwd, notify_rule)
        generate(url, companies, cwd)
        launch_args = ("campaigns", "launch", "1", "--where", "id > 0", "-o", "jsonl")
        launch = crm(url, *launch_args, cwd=cwd)
        fired = crm(url, "workflows", "run", "--once", cwd=cwd) if rules else None
        again = crm(url, *launch_args, cwd=cwd)
        engine = create_engine(url)
        with engine.connect() as connection:
            leads = connection.scalar(text("SELECT count(*) FROM leads WHERE campaign_id = 1"))
            firings = connection.scalar(text("SELECT count(*) FROM workflow_firings"))
            notes = connection.scalar(text("SELECT count(*) FROM notifications"))
        engine.dispose()
        assert leads == companies, (leads, companies)
    sqlite = label == "SQLite"
    rows: list[Row] = [
        (f"{label}: `campaigns launch` over {companies:,} companies ({leads:,} leads + events)",
         "< 30 s" if sqlite and not fired else "-", *launch,
         "info" if fired else verdict(launch[0], sqlite)),
    ]  # fmt: skip
    if fired is not None:
        rule_set = "shipped rules + the notify rule" if notify_rule else "shipped rules"
        total = (launch[0] + fired[0], launch[1] + fired[1])
        rows += [
            (f"{label}: `workflows run --once`, {rule_set} ({firings:,} firings, {notes:,} "
             "inbox notifications)", "-", *fired, "info"),
            (f"{label}: launch + the lead rules' pass, together", "< 30 s" if sqlite else "-",
             *total, verdict(total[0], sqlite)),
        ]  # fmt: skip
    rows.append((f"{label}: the same launch again (all {companies:,} skipped)", "-", *again,
                 "info"))  # fmt: skip
    return rows


def verdict(seconds: float, sqlite: bool) -> str:
    """The target is for SQLite; PostgreSQL is reported."""
    if not sqlite:
        return "info"
    return "pass" if seconds < 30 else "FAIL"


def write_results(rows: list[Row], command: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        BEGIN,
        f"### Latest run: {stamp}",
        "",
        f"- Machine: {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}; load average at the end {load} (shared with other jobs)",
        f"- Reproduce: `{command}` (from the repository root)",
        "- Whole `crmctl` processes (start-up included), one run each, timed with "
        "`subprocess.run`; output to /dev/null; CPU = user + system of the process",
        "",
        "| metric | target | wall s | CPU s | result |",
        "| --- | --- | ---: | ---: | --- |",
        *(f"| {m} | {t} | {w:.1f} | {c:.1f} | {r} |" for m, t, w, c, r in rows),
        END,
    ]
    block = "\n".join(lines)
    text_now = RESULTS_FILE.read_text(encoding="utf-8")
    if BEGIN in text_now:
        before, rest = text_now.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        text_now = before + block + after
    else:
        text_now += "\n## Campaign launch (`bench/campaigns.py`)\n\n" + block + "\n"
    RESULTS_FILE.write_text(text_now, encoding="utf-8")
    return block


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--postgres", help="PostgreSQL URL of an empty database to use")
    rules = parser.add_mutually_exclusive_group()
    rules.add_argument("--no-rules", action="store_true", help="Skip `workflows run`.")
    rules.add_argument(
        "--notify-rule", action="store_true", help="Add a rule firing for every launched lead."
    )
    args = parser.parse_args()
    rows = []
    rules_run, notify = not args.no_rules, args.notify_rule
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(f"sqlite:///{tmp}/bench.db", args.companies, "SQLite", rules_run, notify)
    if args.postgres:
        rows += run(args.postgres, args.companies, "PostgreSQL", rules_run, notify)
    print(write_results(rows, "python " + " ".join(sys.argv)))


if __name__ == "__main__":
    main()
