"""`services expiring` benchmark (issue 19): 1,000,000 services, target < 100 ms query.

Generates (once, cached under ``bench/data/services.db``) 20 sales users, 50,000
companies and 1,000,000 services with set-based SQL (a recursive counter on SQLite,
``generate_series`` on PostgreSQL; no Python loop over rows). Per service n: kind by
n % 10 (50 % ours, 30 % competitor, 20 % purchase); end dates spread over ten years
as recorded when signed: start dates rise with the id over the ten years before the anchor,
each contract runs 1–3 years (purchases and every 7th contract without an end), notice
0–90 days. The rows of one window of end dates therefore lie in three runs of ids, as in
a CRM where contracts are entered when signed; random placement is the worst case (found
by hand: see RESULTS.md).

Timed, each in a new read-only ``Context`` (new connection) as the CLI does:

- ``SQL, execute+fetch``: the statement ``services expiring`` runs
  (``contracts.expiring_query``), executed and every row fetched — the target's query;
- ``service call total``: ``contracts.expiring`` with record building;

as admin (everything) and as a salesperson (scope through the companies' owner).

    .venv/bin/python bench/services.py --generate [--postgres postgresql+psycopg://…/postgres]

The markdown table is printed and written into ``bench/RESULTS.md`` between the
``services:begin``/``services:end`` markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crmctl.config import load_settings
from crmctl.services.context import open_read_context
from crmctl.services.contracts import expiring, expiring_query

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_DB = BENCH_DIR / "data" / "services.db"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
CRMCTL = str(REPO_ROOT / ".venv" / "bin" / "crmctl")
ANCHOR = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ANCHOR_DAY = "2026-11-01"
USERS = 20
COMPANIES = 50_000
SERVICES = 1_000_000
TARGET_MS = 100.0
RESULTS_BEGIN = "<!-- services:begin (written by bench/services.py) -->"
RESULTS_END = "<!-- services:end -->"
PG_DATABASE = "crmctl_bench_services"  # --pg-database to use another


# --- set-based generation --------------------------------------------------------------


def _counter(dialect: str, count: int) -> str:
    if dialect == "sqlite":
        return f"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {count}) "
    return ""


def _source(dialect: str, count: int) -> str:
    return "c" if dialect == "sqlite" else f"generate_series(1::bigint, {count}) AS c(n)"


def _day(dialect: str, offset: str) -> str:
    """The anchor day plus ``offset`` (an SQL integer expression) days."""
    if dialect == "sqlite":
        return f"date('{ANCHOR_DAY}', ({offset}) || ' days')"
    return f"(DATE '{ANCHOR_DAY}' + ({offset})::int)"


def statements(dialect: str) -> list[tuple[str, str]]:
    now = "'2026-11-01 12:00:00'"
    users = ", ".join(
        f"({2 + i}, 'sales{i}', 'Sales {i}', 'sales', true, {now}, {now})" for i in range(USERS)
    )
    companies = (
        f"{_counter(dialect, COMPANIES)}"
        "INSERT INTO companies (id, name, country, owner_id, custom, search_text, name_key, "
        "created_at, updated_at) "
        f"SELECT n, 'Firma ' || n, 'CZ', 2 + n % {USERS}, '{{}}', '', '', {now}, {now} "
        f"FROM {_source(dialect, COMPANIES)}"
    )
    # Recorded as signed: starts rise with the id over the ten years before the anchor (a
    # few days' jitter); a contract runs 1, 2 or 3 years. Purchases and every 7th contract
    # have no end date.
    start = f"(n * 3650) / {SERVICES} - 3650 + (n * 13) % 30"
    term = "365 * (1 + (n * 7919) % 3)"
    ends = _day(dialect, f"{start} + {term}")
    has_end = "n % 10 < 8 AND n % 7 <> 0"
    notice = "(n * 31) % 91"
    services = (
        f"{_counter(dialect, SERVICES)}"
        "INSERT INTO services (id, company_id, name, kind, starts_on, ends_on, notice_days, "
        "notice_on, value, currency, billing, created_at, updated_at) "
        f"SELECT n, 1 + ((n * 104729) / 7) % {COMPANIES}, 'Služba ' || n, "
        "CASE WHEN n % 10 < 5 THEN 'ours' WHEN n % 10 < 8 THEN 'competitor' "
        "ELSE 'purchase' END, "
        f"{_day(dialect, start)}, "
        f"CASE WHEN {has_end} THEN {ends} END, "
        f"CASE WHEN {has_end} THEN {notice} END, "
        f"CASE WHEN {has_end} THEN {_day(dialect, f'{start} + {term} - {notice}')} END, "
        "(n % 100) * 100, 'CZK', CASE WHEN n % 10 < 8 THEN 'monthly' ELSE 'once' END, "
        f"{now}, {now} FROM {_source(dialect, SERVICES)}"
    )
    return [
        (
            "users",
            "INSERT INTO users (id, login, name, role, active, created_at, updated_at) "
            f"VALUES {users}",
        ),
        ("companies", companies),
        ("services", services),
    ]


def init_database(url: str) -> None:
    env = {**os.environ, "CRM_NOW": ANCHOR.isoformat()}
    command = [CRMCTL, "--db", url, "init", "--admin", "admin"]
    subprocess.run(command, check=True, capture_output=True, env=env)


def generate_sqlite(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    init_database(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    for table, sql in statements("sqlite"):
        started = time.perf_counter()
        connection.execute(sql.replace(", true,", ", 1,"))
        connection.commit()
        print(f"  {table}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


def generate_postgres(base_url: str, database: str = PG_DATABASE) -> str:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {database}"))
        conn.execute(text(f"CREATE DATABASE {database}"))
    admin.dispose()
    url = make_url(base_url).set(database=database).render_as_string(hide_password=False)
    init_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        for table, sql in statements("postgresql"):
            started = time.perf_counter()
            conn.execute(text(sql.replace(":", "\\:")))
            print(f"  {table}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return url


# --- measuring --------------------------------------------------------------------------


def timed(url: str, user: str, call: Callable[[Any], int]) -> tuple[float, float, int]:
    """Wall and CPU seconds (this process: the query runs in it on SQLite) and rows."""
    os.environ["CRM_USER"] = user
    with open_read_context(load_settings(url)) as ctx:
        started, cpu = time.perf_counter(), time.process_time()
        rows = call(ctx)
        return time.perf_counter() - started, time.process_time() - cpu, rows


def query(within: int) -> Callable[[Any], int]:
    """The statement with its values inlined, run on the raw driver connection (execute
    + fetchall), as bench/address_book.py measures SQL: no SQLAlchemy row processing."""

    def run(ctx: Any) -> int:
        statement, _ = expiring_query(ctx, within)
        connection = ctx.session  # open_read_context: a plain Connection
        literal = {"literal_binds": True}
        sql = str(statement.compile(dialect=connection.dialect, compile_kwargs=literal))
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute(sql.replace("%%", "%"))
        return len(cursor.fetchall())

    return run


def core(within: int) -> Callable[[Any], int]:
    def run(ctx: Any) -> int:
        statement, _ = expiring_query(ctx, within)
        return len(ctx.session.execute(statement).all())

    return run


def service(within: int) -> Callable[[Any], int]:
    return lambda ctx: len(expiring(ctx, within))


Result = tuple[str, float | None, list[float], list[float], int]  # name, target, wall, CPU, rows


def measure(url: str, database: str, runs: int) -> list[Result]:
    os.environ.update({"CRM_NOW": ANCHOR.isoformat(), "CRM_TIMEZONE": "Europe/Prague"})
    results = []
    for user in ("admin", "sales3"):
        for within in (90, 30):
            for label, make, target in (
                ("SQL, execute+fetch", query, TARGET_MS),
                ("SQLAlchemy Core execute+fetch", core, None),
                ("service call total", service, None),
            ):
                call = make(within)
                timed(url, user, call)  # warm-up
                seconds, cpus, rows = [], [], 0
                for _ in range(runs):
                    elapsed, cpu, rows = timed(url, user, call)
                    seconds.append(elapsed)
                    cpus.append(cpu)
                name = f"{database}: `services expiring --within {within}d` as {user}: {label}"
                results.append((name, target, seconds, cpus, rows))
                median = statistics.median(seconds) * 1000
                cpu_median = statistics.median(cpus) * 1000
                print(f"{name}: {median:.1f} ms, CPU {cpu_median:.1f} ms ({rows} rows)",
                      file=sys.stderr)  # fmt: skip
    return results


def table(results: list[Result]) -> str:
    lines = ["| metric | target | median | max | CPU median | rows | result |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]  # fmt: skip
    for name, target, seconds, cpus, rows in results:
        median, top = statistics.median(seconds) * 1000, max(seconds) * 1000
        cpu = statistics.median(cpus) * 1000
        verdict = "info" if target is None else ("pass" if median < target else "FAIL")
        shown = "-" if target is None else f"< {target:.0f} ms"
        lines.append(f"| {name} | {shown} | {median:.1f} ms | {top:.1f} ms | {cpu:.1f} ms "
                     f"| {rows:,} | {verdict} |")  # fmt: skip
    return "\n".join(lines)


def write_results(body: str, command: str, runs: int) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    section = "\n".join([
        RESULTS_BEGIN,
        f"### Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy "
        f"{sqlalchemy.__version__}; load average at the end {load}",
        f"- Reproduce: `{command}` (from the repository root)",
        f"- Dataset: {COMPANIES:,} companies (20 sales owners), {SERVICES:,} services (50 % ours, "
        "30 % competitor, 20 % purchase; started over the ten years before the anchor in id "
        "order, running 1–3 years; a seventh of the contracts without an end); "
        f"`CRM_NOW={ANCHOR.isoformat()}`",
        f"- Runs: median and max of {runs} runs, each after one warm-up, each in a new "
        "read-only `Context` (new connection) as the CLI does; CPU = this process's "
        "(on PostgreSQL the server's work is not in it)",
        "",
        body,
        RESULTS_END,
    ])  # fmt: skip
    text = RESULTS_FILE.read_text(encoding="utf-8")
    if RESULTS_BEGIN in text:
        before = text.split(RESULTS_BEGIN)[0]
        after = text.split(RESULTS_END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n## Services (`bench/services.py`)\n\n" + section + "\n"
    RESULTS_FILE.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate", action="store_true", help="(Re)create the datasets.")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--postgres", help="Admin URL of a PostgreSQL server (its database is "
                        "replaced by --pg-database).")  # fmt: skip
    parser.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help=f"The PostgreSQL database to (re)create (default {PG_DATABASE}).",
    )
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.generate or not args.db.exists():
        print("generating SQLite dataset…", file=sys.stderr)
        generate_sqlite(args.db)
    results = measure(f"sqlite:///{args.db}", "SQLite", args.runs)
    if args.postgres:
        print("generating PostgreSQL dataset…", file=sys.stderr)
        url = generate_postgres(args.postgres, args.pg_database)
        results += measure(url, "PostgreSQL", args.runs)
    body = table(results)
    print(body)
    command = " ".join([".venv/bin/python", "bench/services.py", *sys.argv[1:]])
    write_results(body, command, args.runs)


if __name__ == "__main__":
    main()
