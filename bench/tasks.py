"""Tasks benchmark: overdue list per owner and a busy company's timeline.

Generates (once, cached under ``bench/data/tasks.db``) 1,000,000 tasks and 5,000,000
events, plus 50 users in 5 teams, 20,000 companies, 40,000 contacts, 100,000 deals and
10,000 leads, with raw ``executemany`` (indexes dropped while loading and rebuilt after).
Company #1 has 50 contacts, 200 deals, 10 leads and 50 tasks, and every 50th event is
about one of them: 100,000 events on its timeline. Tasks are due between a year ago and
two months ahead; 99 % of those past due are done, so an owner has a few hundred
overdue. Measured, each in a new ``Context`` (new connection, one transaction) as the
CLI does:

* ``tasks overdue --owner sales07`` — the service call (query + records); target
  < 100 ms; the SQL alone (execute + fetch on the open connection) is reported too;
* ``crmctl tasks overdue --owner sales07`` as a whole process (the installed console
  script, a fresh process per run, byte-code cached as after a normal install; once more
  without the cache for comparison); target < 500 ms wall;
* ``timeline company 1 --limit 50`` — the service call; target < 150 ms; plus the
  second page (``--before``), ``--type updated`` and the whole process (no target).

With ``--postgres URL`` the same dataset is loaded with ``COPY`` into a fresh database
``crmctl_bench_tasks`` on that server and measured too. Run from the repository root::

    .venv/bin/python bench/tasks.py --generate [--postgres postgresql+psycopg://…/postgres]

The markdown table is printed and written into ``bench/RESULTS.md`` between the
``tasks:begin``/``tasks:end`` markers, with the command and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crmctl.cli.progress import Progress
from crmctl.db.tables import tasks
from crmctl.services.task_records import (
    assignee_condition,
    overdue_condition,
    overdue_tasks,
    record_columns,
)
from crmctl.services.timeline import TimelineOptions, timeline_page

sys.path.insert(0, str(Path(__file__).resolve().parent))

# bench/ is not a package: the shared loaders and timers live in bench/deals.py, the
# whole-process timer in bench/process.py.
from deals import (
    ANCHOR,
    CRMCTL,
    Metric,
    bench_env,
    chunks,
    copy_rows,
    init_database,
    markdown_table,
    stamp,
    timed_in_context,
)
from process import cached_env, uncached_env, whole_process

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DB = BENCH_DIR / "data" / "tasks.db"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
GENERATOR_VERSION = 1
SEED = 11
USERS = 50
TEAMS = 5
COMPANIES = 20_000
PERSONS = 40_000
DEALS = 100_000
LEADS = 10_000
HOT = 1  # the busy company
HOT_PERSONS = 50  # persons 1..50 work at company 1
HOT_DEALS = 200  # deals 1..200 belong to company 1
HOT_EVERY = 50  # every 50th event is on company 1's timeline
OWNER = "sales07"
RESULTS_BEGIN = "<!-- tasks:begin (written by bench/tasks.py) -->"
RESULTS_END = "<!-- tasks:end -->"

USER_COLUMNS = ("id", "login", "name", "role", "active", "team_id", "created_at", "updated_at")
TEAM_COLUMNS = ("id", "name", "created_at")
COMPANY_COLUMNS = (
    "id", "name", "country", "custom", "search_text", "name_key", "created_at", "updated_at",
)  # fmt: skip
PERSON_COLUMNS = (
    "id", "first_name", "last_name", "custom", "search_text", "name_key", "created_at",
    "updated_at",
)  # fmt: skip
LINK_COLUMNS = ("person_id", "company_id", "is_primary")
DEAL_COLUMNS = (
    "id", "title", "company_id", "pipeline", "stage", "value", "currency", "probability",
    "probability_overridden", "forecast_category", "forecast_category_overridden", "owner_id",
    "status", "stage_entered_at", "last_touched_at", "custom", "created_at", "updated_at",
)  # fmt: skip
LEAD_COLUMNS = (
    "id", "source", "received_at", "status", "company_id", "owner_id", "custom", "created_at",
    "updated_at",
)  # fmt: skip
TASK_COLUMNS = (
    "id", "kind", "subject", "priority", "assignee_id", "company_id", "deal_id", "due_at",
    "all_day", "done_at", "sequence", "created_at", "updated_at", "created_by_id",
)  # fmt: skip
EVENT_COLUMNS = ("at", "actor_id", "entity_type", "entity_id", "kind", "payload")


@dataclass(frozen=True)
class Sizes:
    tasks: int
    events: int


# --- data -----------------------------------------------------------------------------


def team_rows(dialect: str) -> Iterator[tuple[Any, ...]]:
    now = stamp(ANCHOR - timedelta(days=900), dialect)
    for team in range(1, TEAMS + 1):
        yield (team, f"tým {team}", now)


def user_rows(dialect: str) -> Iterator[tuple[Any, ...]]:
    now = stamp(ANCHOR - timedelta(days=900), dialect)
    for n in range(2, USERS + 2):
        yield (n, f"sales{n - 1:02d}", f"Obchodník {n - 1}", "sales", True,
               (n % TEAMS) + 1, now, now)  # fmt: skip


def company_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    now = stamp(ANCHOR - timedelta(days=800), dialect)
    for company_id in range(1, COMPANIES + 1):
        name = f"Firma {company_id} s.r.o."
        yield (company_id, name, "CZ", "{}", name.lower(), f"firma {company_id}", now, now)


def person_company(person_id: int) -> int:
    return HOT if person_id <= HOT_PERSONS else 2 + person_id % (COMPANIES - 1)


def person_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    now = stamp(ANCHOR - timedelta(days=800), dialect)
    for person_id in range(1, PERSONS + 1):
        last = f"Novák{person_id}"
        yield (person_id, "Jan", last, "{}", f"jan {last.lower()}", f"jan {last.lower()}", now,
               now)  # fmt: skip


def link_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    for person_id in range(1, PERSONS + 1):
        yield (person_id, person_company(person_id), True)


def deal_company(deal_id: int) -> int:
    return HOT if deal_id <= HOT_DEALS else 2 + deal_id % (COMPANIES - 1)


def deal_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    now = stamp(ANCHOR - timedelta(days=100), dialect)
    for deal_id in range(1, DEALS + 1):
        yield (
            deal_id, f"Zakázka {deal_id}", deal_company(deal_id), "default", "nabidka",
            "100000.00", "CZK", 50, False, "best_case", False, 2 + deal_id % USERS, "open",
            now, now, "{}", now, now,
        )  # fmt: skip


def lead_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    now = stamp(ANCHOR - timedelta(days=200), dialect)
    for lead_id in range(1, LEADS + 1):
        company = HOT if lead_id <= 10 else 2 + lead_id % (COMPANIES - 1)
        yield (lead_id, "web", now, "new", company, 2 + lead_id % USERS, "{}", now, now)


def task_company(task_id: int) -> int:
    return 1 + task_id % COMPANIES  # company 1: tasks 20000, 40000, … (50 of them)


def task_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(SEED)
    created = stamp(ANCHOR - timedelta(days=400), dialect)
    for task_id in range(1, sizes.tasks + 1):
        all_day = rng.random() < 0.3
        due = ANCHOR + timedelta(days=rng.randint(-365, 60))
        if all_day:
            due = due.replace(hour=23, minute=0, second=0, microsecond=0)  # local midnight
        else:
            due = due.replace(minute=0, second=0, microsecond=0) + timedelta(
                hours=rng.randint(-5, 5)
            )
        done = due < ANCHOR and rng.random() < 0.99
        yield (
            task_id, rng.choice(("task", "call", "meeting")), "Zavolat zákazníkovi",
            rng.choice((1, 2, 2, 3)), rng.randint(2, USERS + 1), task_company(task_id),
            rng.randint(1, DEALS) if rng.random() < 0.1 else None, stamp(due, dialect),
            all_day, stamp(due + timedelta(hours=2), dialect) if done else None, 0, created,
            created, 1,
        )  # fmt: skip


def hot_event(rng: random.Random, sizes: Sizes) -> tuple[str, int, str, str]:
    pick = rng.random()
    if pick < 0.4:
        return "company", HOT, "company.updated", '{"changes": {"city": ["Brno", "Praha"]}}'
    if pick < 0.7:
        person = rng.randint(1, HOT_PERSONS)
        return "contact", person, "contact.updated", '{"changes": {"function": [null, "CEO"]}}'
    if pick < 0.9:
        deal = rng.randint(1, HOT_DEALS)
        return "deal", deal, "deal.updated", '{"changes": {"probability": [10, 25]}}'
    task = COMPANIES * rng.randint(1, max(1, sizes.tasks // COMPANIES))
    return "task", task, "task.updated", '{"changes": {"priority": ["normal", "high"]}}'


def other_event(rng: random.Random, sizes: Sizes) -> tuple[str, int, str, str]:
    pick = rng.random()
    if pick < 0.3:
        company = rng.randint(2, COMPANIES)
        return "company", company, "company.updated", '{"changes": {"city": ["Brno", "Kladno"]}}'
    if pick < 0.6:
        deal = rng.randint(HOT_DEALS + 1, DEALS)
        return "deal", deal, "deal.updated", '{"changes": {"probability": [10, 25]}}'
    if pick < 0.9:
        task = rng.randint(1, sizes.tasks)
        return "task", task, "task.created", '{"fields": {"subject": "Zavolat zákazníkovi"}}'
    person = rng.randint(HOT_PERSONS + 1, PERSONS)
    return "contact", person, "contact.updated", '{"changes": {"function": [null, "CEO"]}}'


def event_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(SEED + 1)
    start = ANCHOR - timedelta(days=720)
    step = (ANCHOR - start) / sizes.events
    for n in range(sizes.events):
        entity, entity_id, kind, payload = (
            hot_event(rng, sizes) if n % HOT_EVERY == 0 else other_event(rng, sizes)
        )
        yield (stamp(start + step * n, dialect), rng.randint(2, USERS + 1), entity, entity_id,
               kind, payload)  # fmt: skip


TABLES: list[tuple[str, Sequence[str], Callable[[Sizes, str], Iterator[tuple[Any, ...]]]]] = [
    ("teams", TEAM_COLUMNS, lambda sizes, dialect: team_rows(dialect)),
    ("users", USER_COLUMNS, lambda sizes, dialect: user_rows(dialect)),
    ("companies", COMPANY_COLUMNS, company_rows),
    ("persons", PERSON_COLUMNS, person_rows),
    ("person_companies", LINK_COLUMNS, link_rows),
    ("deals", DEAL_COLUMNS, deal_rows),
    ("leads", LEAD_COLUMNS, lead_rows),
    ("tasks", TASK_COLUMNS, task_rows),
    ("events", EVENT_COLUMNS, event_rows),
]


def generate_sqlite(path: Path, sizes: Sizes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", ".meta.json"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    init_database(f"sqlite:///{path}")
    started = time.perf_counter()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -400000")
    tables = [name for name, _, _ in TABLES]
    marks = ",".join("?" * len(tables))
    indexes = connection.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({marks})",
        tables,
    ).fetchall()
    for name, _ in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    connection.execute("BEGIN")
    for table, columns, rows in TABLES:
        sql = f"INSERT INTO {table} ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})"
        with Progress(f"load {table}", "rows") as progress:
            for batch in chunks(rows(sizes, "sqlite")):
                connection.executemany(sql, batch)
                progress.advance(len(batch))
        print(f"  {table}: loaded ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    connection.execute("COMMIT")
    for _, sql in indexes:
        connection.execute(sql)
    connection.execute("ANALYZE")
    connection.close()
    Path(f"{path}.meta.json").write_text(json.dumps(_meta(sizes)))
    print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def _meta(sizes: Sizes) -> dict[str, int]:
    return {"version": GENERATOR_VERSION, "tasks": sizes.tasks, "events": sizes.events}


def sqlite_ready(path: Path, sizes: Sizes) -> bool:
    meta = Path(f"{path}.meta.json")
    if not path.exists() or not meta.exists():
        return False
    return bool(json.loads(meta.read_text()) == _meta(sizes))


def generate_postgres(base_url: str, sizes: Sizes, database: str = "crmctl_bench_tasks") -> str:
    import psycopg  # noqa: PLC0415  (optional dependency: the postgres extra)

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")
    url = base_url.rsplit("/", 1)[0] + "/" + database
    init_database(url)
    started = time.perf_counter()
    target = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(target) as conn:
        tables = [name for name, _, _ in TABLES]
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
            " AND tablename = ANY(%s) AND indexname NOT LIKE 'pk_%%'"
            " AND indexname NOT LIKE 'uq_%%'",
            [tables],
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        for table, columns, rows in TABLES:
            copy_rows(conn, table, columns, rows(sizes, "postgresql"))
            print(f"  {table}: copied ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        for table in ("teams", "users", "companies", "persons", "deals", "leads", "tasks",
                      "events"):  # fmt: skip
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
        for _, definition in indexes:
            conn.execute(definition)
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return url


# --- measuring ------------------------------------------------------------------------


def repeat(
    url: str, call: Callable[[Any], Any], runs: int, *, read_only: bool = False
) -> tuple[list[float], Any]:
    timed_in_context(url, call, [], read_only=read_only)  # warm-up
    seconds, result = [], None
    for _ in range(runs):
        elapsed, result = timed_in_context(url, call, [], read_only=read_only)
        seconds.append(elapsed)
    return seconds, result


def overdue_cases(url: str, database: str, runs: int) -> list[Metric]:

    # On a plain connection, as the command runs it (no ORM on its path).
    seconds, records = repeat(
        url, lambda ctx: overdue_tasks(ctx, owner=OWNER), runs, read_only=True
    )
    service = Metric(database, f"`tasks overdue --owner {OWNER}` (service call)", 100.0,
                     seconds, f"{len(records)} rows")  # fmt: skip

    def sql_only(ctx: Any) -> float:
        who = assignee_condition(ctx, OWNER, None)
        columns = record_columns()
        statement = (
            select(*columns).where(overdue_condition(ctx), who).order_by(tasks.c.due_at, tasks.c.id)
        )
        started = time.perf_counter()
        ctx.session.execute(statement).all()
        return time.perf_counter() - started

    timed_in_context(url, sql_only, [], read_only=True)  # warm-up
    sql_seconds = [timed_in_context(url, sql_only, [], read_only=True)[1] for _ in range(runs)]
    name = f"`tasks overdue --owner {OWNER}` (SQL: execute + fetch)"
    sql = Metric(database, name, 100.0, sql_seconds, "plain rows, connection already open")
    return [service, sql]


def timeline_cases(url: str, database: str, runs: int) -> list[Metric]:
    first = TimelineOptions(limit=50)
    seconds, page = repeat(url, lambda ctx: timeline_page(ctx, "company", str(HOT), first), runs)
    metrics = [Metric(database, f"`timeline company {HOT} --limit 50` (service call)", 150.0,
                      seconds, f"{len(page.events)} events")]  # fmt: skip
    second = TimelineOptions(limit=50, before_id=page.next_before)
    seconds, _ = repeat(url, lambda ctx: timeline_page(ctx, "company", str(HOT), second), runs)
    metrics.append(Metric(database, f"`timeline company {HOT} --limit 50 --before ID` "
                          "(second page, service call)", 150.0, seconds))  # fmt: skip
    typed = TimelineOptions(types=("updated",), limit=50)
    seconds, _ = repeat(url, lambda ctx: timeline_page(ctx, "company", str(HOT), typed), runs)
    metrics.append(Metric(database, f"`timeline company {HOT} --type updated --limit 50` "
                          "(service call)", None, seconds))  # fmt: skip
    return metrics


def wall_case(
    url: str,
    database: str,
    runs: int,
    args: Sequence[str],
    target: float | None,
    *,
    cached: bool = True,
) -> Metric:
    """The installed console script in a fresh process per run, as cron or a user runs it;
    the CPU column is the child's user + system time (less disturbed by other load)."""
    command = [CRMCTL, "--db", url, *args]
    env = cached_env(bench_env()) if cached else uncached_env(bench_env())
    seconds, cpu_seconds = whole_process(command, env, runs)
    note = "start-up included" if cached else "start-up included, no byte-code cache"
    name = f"`crmctl {' '.join(args)}` (whole process{'' if cached else ', uncached'})"
    return Metric(database, name, target, seconds, note, cpu_seconds)


def measure(url: str, database: str, runs: int) -> list[Metric]:
    metrics = overdue_cases(url, database, runs)
    # The start-up floor under the same load: Python, typer and the CLI modules only.
    metrics.append(wall_case(url, database, runs, ["--version"], None))
    overdue = ["tasks", "overdue", "--owner", OWNER]
    metrics.append(wall_case(url, database, runs, overdue, 500.0))
    # For comparison: a shell with PYTHONDONTWRITEBYTECODE=1 and an editable install.
    metrics.append(wall_case(url, database, runs, overdue, None, cached=False))
    metrics += timeline_cases(url, database, runs)
    metrics.append(
        wall_case(url, database, runs, ["timeline", "company", str(HOT), "--limit", "50"], None)
    )
    return metrics


# --- results --------------------------------------------------------------------------


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def results_section(args: argparse.Namespace, sizes: Sizes, table: str, loads: str) -> str:
    command = " ".join([".venv/bin/python", "bench/tasks.py", *args.argv])
    return (
        f"{RESULTS_BEGIN}\n"
        f"### Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared), Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}\n"
        f"- Load average (1, 5, 15 min) before / after: {loads}\n"
        f"- Reproduce: `{command}` (from the repository root)\n"
        f"- Dataset: {sizes.tasks:,} tasks, {sizes.events:,} events ({sizes.events // HOT_EVERY:,}"
        f" on company {HOT}'s timeline), {USERS} users in {TEAMS} teams, {COMPANIES:,} companies,"
        f" {PERSONS:,} contacts, {DEALS:,} deals, {LEADS:,} leads; seed {SEED},"
        f" `CRM_NOW={ANCHOR.isoformat()}`\n"
        "- Each service timing is one call in a new `Context` (new connection, one transaction),"
        " as one CLI command runs it; median and max of the runs after a warm-up. Whole-process"
        " timings run the installed `crmctl` in a subprocess.\n\n"
        f"{table}\n"
        f"{RESULTS_END}"
    )


def write_results(section: str) -> None:
    current = RESULTS_FILE.read_text() if RESULTS_FILE.exists() else "# Benchmark results\n"
    if RESULTS_BEGIN in current and RESULTS_END in current:
        before, rest = current.split(RESULTS_BEGIN, 1)
        updated = before + section + rest.split(RESULTS_END, 1)[1]
    else:
        heading = "## Tasks and timeline (`bench/tasks.py`)\n\n"
        updated = current.rstrip("\n") + "\n\n" + heading + section + "\n"
    RESULTS_FILE.write_text(updated)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="build the dataset if missing")
    parser.add_argument("--db", default=str(DEFAULT_DB), help="SQLite file (default: %(default)s)")
    parser.add_argument("--postgres", help="also load and measure on this PostgreSQL server")
    parser.add_argument(
        "--reuse-postgres",
        action="store_true",
        help="measure the crmctl_bench_tasks database loaded by an earlier run",
    )
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (default: 7)")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # the exact command, for RESULTS.md
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = Sizes(args.tasks, args.events)
    path = Path(args.db).resolve()
    os.environ.update(bench_env())
    load_before = load_average()
    metrics: list[Metric] = []
    if not args.no_sqlite:
        if not sqlite_ready(path, sizes):
            if not args.generate:
                print(f"no dataset of {sizes} at {path}: run with --generate", file=sys.stderr)
                return 2
            print(f"generating {path}", file=sys.stderr)
            generate_sqlite(path, sizes)
        metrics += measure(f"sqlite:///{path}", "SQLite", args.runs)
    if args.postgres:
        url = args.postgres.rsplit("/", 1)[0] + "/crmctl_bench_tasks"
        if not args.reuse_postgres:
            print("loading PostgreSQL", file=sys.stderr)
            url = generate_postgres(args.postgres, sizes)
        metrics += measure(url, "PostgreSQL", args.runs)
    table = markdown_table(metrics)
    loads = f"{load_before} / {load_average()}"
    print(f"\nload average before / after: {loads}\n" + table)
    if not args.no_write:
        write_results(results_section(args, sizes, table, loads))
        print(f"\nwritten to {RESULTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
