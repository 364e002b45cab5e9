"""Campaign launch benchmark (issue 19): ``campaigns launch`` over 100,000 companies.

A fresh database (``crmctl init``) gets 100,000 companies, each with a primary contact,
owned round the clock by 20 salespeople, by set-based SQL (one ``INSERT … SELECT`` over a
recursive counter on SQLite, ``generate_series`` on PostgreSQL). Then, as a user would:

1. ``crmctl campaigns launch 1 --where 'id > 0' -o jsonl`` — opens 100,000 leads with
   their ``lead.created`` events (target < 30 s on SQLite, the whole process);
2. the same launch again — everything skipped (idempotence over 100,000 companies);
3. ``crmctl workflows run`` with one lead rule (``when: source = "campaign"``, a
   ``notify`` to the owner's inbox): the rules fired for the launched leads, reported.

    .venv/bin/python bench/campaigns.py [--companies 100000] [--postgres URL]

The table is printed and written into ``bench/RESULTS.md`` between the
``campaigns:begin``/``campaigns:end`` markers.
"""

from __future__ import annotations

import argparse
import os
import platform
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
RULES = """rules:
  - id: campaign-lead-inbox
    trigger: {event: lead.created}
    when: 'source = "campaign"'
    actions:
      - notify:
          {to: owner, subject: Nová poptávka z kampaně, body: "{{ lead.subject }}",
           channels: [inbox]}
"""


def crm(url: str, *args: str, cwd: Path, stdout: int | None = subprocess.DEVNULL) -> float:
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_USER": "admin", "CRM_NOW": NOW}
    start = time.perf_counter()
    subprocess.run([CRMCTL, *args], env=env, cwd=cwd, check=True, stdout=stdout)
    seconds = time.perf_counter() - start
    print(f"{seconds:8.1f} s  crmctl {' '.join(args)}", file=sys.stderr, flush=True)
    return seconds


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


def run(url: str, companies: int, label: str, rules_run: bool) -> list[tuple[str, str, float, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "rules.yaml").write_text(RULES, encoding="utf-8")
        (cwd / "crmctl.yaml").write_text("workflows: rules.yaml\n", encoding="utf-8")
        generate(url, companies, cwd)
        launch = crm(url, "campaigns", "launch", "1", "--where", "id > 0", "-o", "jsonl", cwd=cwd)
        again = crm(url, "campaigns", "launch", "1", "--where", "id > 0", "-o", "jsonl", cwd=cwd)
        rules = crm(url, "workflows", "run", "--once", cwd=cwd) if rules_run else None
        engine = create_engine(url)
        with engine.connect() as connection:
            leads = connection.scalar(text("SELECT count(*) FROM leads WHERE campaign_id = 1"))
            notes = connection.scalar(text("SELECT count(*) FROM notifications"))
        engine.dispose()
        assert leads == companies, (leads, companies)
    target = "< 30 s" if label == "SQLite" else "-"
    verdict = ("pass" if launch < 30 else "FAIL") if label == "SQLite" else "info"
    rows = [
        (f"{label}: `campaigns launch` over {companies:,} companies ({leads:,} leads + events)",
         target, launch, verdict),
        (f"{label}: the same launch again (all {companies:,} skipped)", "-", again, "info"),
    ]  # fmt: skip
    if rules is not None:
        rows.append((f"{label}: `workflows run --once`, one lead rule ({notes:,} inbox "
                     "notifications)", "-", rules, "info"))  # fmt: skip
    return rows


def write_results(rows: list[tuple[str, str, float, str]], command: str) -> str:
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
        "`subprocess.run`; output to /dev/null",
        "",
        "| metric | target | seconds | result |",
        "| --- | --- | ---: | --- |",
        *(f"| {m} | {t} | {s:.1f} | {r} |" for m, t, s, r in rows),
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
    parser.add_argument("--no-rules", action="store_true", help="Skip `workflows run`.")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows += run(f"sqlite:///{tmp}/bench.db", args.companies, "SQLite", not args.no_rules)
    if args.postgres:
        rows += run(args.postgres, args.companies, "PostgreSQL", not args.no_rules)
    print(write_results(rows, "python " + " ".join(sys.argv)))


if __name__ == "__main__":
    main()
