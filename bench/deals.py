"""Deals benchmark: batch update, idle-deal list and (later) the forecast on 1M deals.

Generates (once, cached under ``bench/data/deals.db``) 1,000,000 deals, 5,000,000 events,
1,000,000 stage-history rows and 100,000 open tasks with raw ``executemany`` (indexes
dropped while loading and rebuilt after), then measures in-process service calls, each in
a new ``Context`` (new connection, one transaction, committed) as the CLI does:

* ``deals update --where 'campaign = "kampan-3"' --set probability=N`` — 100,000 deals
  changed, one set-based UPDATE plus 100,000 ``deal.updated`` events; target < 5 s;
* ``deals list --where 'idle_days > 10 and stage = "nabidka"' --limit 50`` — the first
  page; target < 300 ms;
* the same list as a whole ``crmctl`` process (wall time, start-up included; no target);
* ``report forecast --by month,owner`` — see ``forecast_cases`` (target < 2 s).

With ``--postgres URL`` the same dataset is loaded with ``COPY`` into a fresh database
``crmctl_bench_deals`` on that server and measured too. Run from the repository root::

    .venv/bin/python bench/deals.py --generate [--postgres postgresql+psycopg://…/postgres]

The markdown table is printed and written into ``bench/RESULTS.md`` between the
``deals:begin``/``deals:end`` markers.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# bench/ is not a package; run as a script, its directory is on sys.path.
from process import whole_process

from crmctl.cli.progress import Progress
from crmctl.config import load_settings
from crmctl.reports.forecast import ForecastOptions, forecast
from crmctl.reports.render import ReportFormat, render_text
from crmctl.services.context import open_context, open_read_context
from crmctl.services.deal_batch import batch_update
from crmctl.services.deals import list_deals
from crmctl.services.listing import ListOptions

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_DB = BENCH_DIR / "data" / "deals.db"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
CRMCTL = str(REPO_ROOT / ".venv" / "bin" / "crmctl")
GENERATOR_VERSION = 1
SEED = 7
ANCHOR = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CHUNK = 100_000
USERS = 20
COMPANIES = 20_000
CAMPAIGNS = 10  # deal i is in "kampan-{i % 10}": one campaign is exactly a tenth
UPDATE_WHERE = 'campaign = "kampan-3"'
LIST_WHERE = 'idle_days > 10 and stage = "nabidka"'
FORECAST_BY = "month,owner"
RESULTS_BEGIN = "<!-- deals:begin (written by bench/deals.py) -->"
RESULTS_END = "<!-- deals:end -->"
# (key, probability, forecast category, share of deals)
STAGES = [
    ("poptavka", 10, "pipeline", 25),
    ("analyza", 25, "pipeline", 20),
    ("nabidka", 50, "best_case", 17),
    ("jednani", 75, "commit", 13),
    ("vyhrano", 100, "closed", 13),
    ("prohrano", 0, "omitted", 12),
]
SOURCES = ("web", "email", "phone", "import", "campaign", "manual")
DEAL_COLUMNS = (
    "id", "title", "company_id", "pipeline", "stage", "value", "currency", "probability",
    "probability_overridden", "forecast_category", "forecast_category_overridden",
    "expected_close", "owner_id", "status", "closed_at", "source", "campaign",
    "stage_entered_at", "last_touched_at", "custom", "created_at", "updated_at",
    "created_by_id", "updated_by_id",
)  # fmt: skip
EVENT_COLUMNS = ("at", "actor_id", "entity_type", "entity_id", "kind", "payload")
HISTORY_COLUMNS = ("deal_id", "pipeline", "stage", "entered_at", "entered_by_id")
TASK_COLUMNS = (
    "kind", "subject", "priority", "assignee_id", "deal_id", "due_at", "created_at", "updated_at",
)  # fmt: skip
COMPANY_COLUMNS = (
    "id", "name", "country", "custom", "search_text", "name_key", "created_at", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class Sizes:
    deals: int
    events: int

    @property
    def tasks(self) -> int:
        return self.deals // 10


# --- data -----------------------------------------------------------------------------


def stamp(moment: datetime, dialect: str) -> str:
    """How SQLAlchemy stores a UTC instant: naive text on SQLite, ISO with zone on PostgreSQL."""
    if dialect == "sqlite":
        return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment.isoformat()


def deal_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(SEED)
    keys = [stage for stage in STAGES]
    weights = [stage[3] for stage in STAGES]
    owners = list(range(2, USERS + 2))
    for deal_id in range(1, sizes.deals + 1):
        key, probability, category, _ = rng.choices(keys, weights)[0]
        created = ANCHOR - timedelta(days=rng.uniform(30, 720))
        entered = created + (ANCHOR - created) * rng.random()
        touched = entered + (ANCHOR - entered) * rng.random() * rng.random()
        closed = key in ("vyhrano", "prohrano")
        expected = (ANCHOR + timedelta(days=rng.randint(-120, 365))).date()
        cents = rng.randint(10_000, 500_000_000)
        yield (
            deal_id,
            f"Zakázka {deal_id}",
            rng.randint(1, COMPANIES),
            "default",
            key,
            f"{cents // 100}.{cents % 100:02d}",
            "CZK",
            probability,
            False,
            category,
            False,
            expected.isoformat(),
            rng.choice(owners),
            ("won" if key == "vyhrano" else "lost") if closed else "open",
            stamp(entered, dialect) if closed else None,
            rng.choice(SOURCES),
            f"kampan-{deal_id % CAMPAIGNS}",
            stamp(entered, dialect),
            stamp(touched, dialect),
            "{}",
            stamp(created, dialect),
            stamp(touched, dialect),
            1,
            1,
        )


def event_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    """One ``deal.created`` per deal, the rest updates and stage changes spread over deals."""
    rng = random.Random(SEED + 1)
    start = ANCHOR - timedelta(days=720)
    for n in range(sizes.events):
        deal_id = n + 1 if n < sizes.deals else rng.randint(1, sizes.deals)
        at = stamp(start + timedelta(seconds=n * 12), dialect)
        if n < sizes.deals:
            yield (at, 1, "deal", deal_id, "deal.created", '{"fields": {}}')
        elif n % 3:
            payload = {"changes": {"probability": [10, 25]}}
            yield (
                at,
                rng.randint(2, USERS + 1),
                "deal",
                deal_id,
                "deal.updated",
                json.dumps(payload),
            )
        else:
            payload = {"from": "poptavka", "to": "analyza", "pipeline": "default"}
            yield (
                at, rng.randint(2, USERS + 1), "deal", deal_id, "deal.stage_changed",
                json.dumps(payload),
            )  # fmt: skip


def history_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    for row in deal_rows(sizes, dialect):
        yield (row[0], "default", row[4], row[17], 1)


def task_rows(sizes: Sizes, dialect: str) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(SEED + 2)
    now = stamp(ANCHOR, dialect)
    for _ in range(sizes.tasks):
        due = ANCHOR + timedelta(days=rng.randint(-30, 60))
        yield (
            "call", "Zavolat zákazníkovi", 2, rng.randint(2, USERS + 1),
            rng.randint(1, sizes.deals), stamp(due, dialect), now, now,
        )  # fmt: skip


def company_rows(dialect: str) -> Iterator[tuple[Any, ...]]:
    now = stamp(ANCHOR - timedelta(days=800), dialect)
    for company_id in range(1, COMPANIES + 1):
        name = f"Firma {company_id} s.r.o."
        yield (company_id, name, "CZ", "{}", name.lower(), f"firma {company_id}", now, now)


def user_rows(dialect: str) -> list[tuple[Any, ...]]:
    now = stamp(ANCHOR - timedelta(days=900), dialect)
    return [
        (n, f"sales{n - 1:02d}", f"Obchodník {n - 1}", "sales", True, now, now)
        for n in range(2, USERS + 2)
    ]


TABLES: list[tuple[str, Sequence[str], Callable[[Sizes, str], Iterator[tuple[Any, ...]]]]] = [
    ("companies", COMPANY_COLUMNS, lambda sizes, dialect: company_rows(dialect)),
    ("deals", DEAL_COLUMNS, deal_rows),
    ("deal_stage_history", HISTORY_COLUMNS, history_rows),
    ("tasks", TASK_COLUMNS, task_rows),
    ("events", EVENT_COLUMNS, event_rows),
]
USER_COLUMNS = ("id", "login", "name", "role", "active", "created_at", "updated_at")


def chunks(rows: Iterator[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def init_database(url: str) -> None:
    env = {**os.environ, "CRM_NOW": ANCHOR.isoformat()}
    command = [CRMCTL, "--db", url, "init", "--admin", "admin"]
    subprocess.run(command, check=True, capture_output=True, env=env)


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
    connection.executemany(
        f"INSERT INTO users ({','.join(USER_COLUMNS)}) VALUES ({','.join('?' * 7)})",
        user_rows("sqlite"),
    )
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
    meta = {"version": GENERATOR_VERSION, "deals": sizes.deals, "events": sizes.events}
    Path(f"{path}.meta.json").write_text(json.dumps(meta))
    print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def sqlite_ready(path: Path, sizes: Sizes) -> bool:
    meta = Path(f"{path}.meta.json")
    if not path.exists() or not meta.exists():
        return False
    wanted = {"version": GENERATOR_VERSION, "deals": sizes.deals, "events": sizes.events}
    return bool(json.loads(meta.read_text()) == wanted)


def generate_postgres(base_url: str, sizes: Sizes) -> str:
    import psycopg  # noqa: PLC0415  (optional dependency: the postgres extra)

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS crmctl_bench_deals WITH (FORCE)")
        conn.execute("CREATE DATABASE crmctl_bench_deals")
    url = base_url.rsplit("/", 1)[0] + "/crmctl_bench_deals"
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
        copy_rows(conn, "users", USER_COLUMNS, iter(user_rows("postgresql")))
        for table, columns, rows in TABLES:
            copy_rows(conn, table, columns, rows(sizes, "postgresql"))
            print(f"  {table}: copied ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        for table in ("users", "companies", "deals", "deal_stage_history", "tasks", "events"):
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


def copy_rows(
    conn: Any, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]
) -> None:
    with conn.cursor().copy(f"COPY {table} ({','.join(columns)}) FROM STDIN") as copy:
        for batch in chunks(rows):
            buffer = io.StringIO()
            for row in batch:
                buffer.write("\t".join(_copy_cell(value) for value in row) + "\n")
            copy.write(buffer.getvalue())


def _copy_cell(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


# --- measuring ------------------------------------------------------------------------


@dataclass
class Metric:
    database: str
    name: str
    target_ms: float | None
    seconds: list[float]
    note: str = ""
    cpu_seconds: list[float] = field(default_factory=list)  # this process, per run

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.seconds) * 1000

    def verdict(self) -> str:
        if self.target_ms is None:
            return "(no target)"
        return "ok" if self.median_ms < self.target_ms else "**over target**"


def bench_env() -> dict[str, str]:
    return {"CRM_USER": "admin", "CRM_NOW": ANCHOR.isoformat(), "CRM_TIMEZONE": "Europe/Prague"}


def timed_in_context(
    url: str, call: Callable[[Any], Any], cpu: list[float], *, read_only: bool = False
) -> tuple[float, Any]:
    """One service call in a new Context, commit included, as one CLI command runs it.

    ``read_only``: on a plain connection without the ORM, as read-only commands
    (``tasks overdue``) run. Appends the CPU time of this process to ``cpu``: on a shared
    machine the wall time also measures the other processes, the CPU time (SQLite works
    in-process) less so.
    """
    opened = open_read_context if read_only else open_context
    started, cpu_started = time.perf_counter(), time.process_time()
    with opened(load_settings(url)) as ctx:
        result = call(ctx)
    cpu.append(time.process_time() - cpu_started)
    return time.perf_counter() - started, result


def update_case(url: str, database: str, runs: int) -> Metric:
    seconds, counts, cpu = [], [], []
    for run in range(runs):
        # A new value each run, so every run changes all 100,000 deals again.
        assignments = {"probability": str(30 + run)}
        elapsed, result = timed_in_context(
            url, lambda ctx, a=assignments: batch_update(ctx, UPDATE_WHERE, a, dry_run=False), cpu
        )
        seconds.append(elapsed)
        counts.append(result.matched)
    note = f"{counts[0]:,} deals and events per run"
    name = f"`deals update --where '{UPDATE_WHERE}' --set probability=N`"
    return Metric(database, name, 5000.0, seconds, note, cpu)


def list_case(url: str, database: str, runs: int) -> Metric:
    options = ListOptions(where=LIST_WHERE, limit=50)
    timed_in_context(url, lambda ctx: list_deals(ctx, options), [])  # warm-up
    seconds, rows, cpu = [], 0, []
    for _ in range(runs):
        elapsed, records = timed_in_context(url, lambda ctx: list_deals(ctx, options), cpu)
        seconds.append(elapsed)
        rows = len(records)
    name = f"`deals list --where '{LIST_WHERE}' --limit 50` (service call)"
    return Metric(database, name, 300.0, seconds, f"{rows} rows", cpu)


def list_wall_case(url: str, database: str, runs: int) -> Metric:
    command = [CRMCTL, "--db", url, "deals", "list", "--where", LIST_WHERE, "--limit", "50"]
    seconds, cpu_seconds = whole_process(command, {**os.environ, **bench_env()}, runs)
    name = f"`crmctl deals list --where '{LIST_WHERE}' --limit 50` (whole process)"
    return Metric(database, name, None, seconds, "start-up included", cpu_seconds)


def forecast_cases(url: str, database: str, runs: int) -> list[Metric]:
    """``report forecast --by month,owner``: the grouped SQL and the CSV rendering."""
    options = ForecastOptions(by=FORECAST_BY)

    def call(ctx: Any) -> str:
        return render_text(forecast(ctx, options), ReportFormat.csv, None)

    timed_in_context(url, call, [])  # warm-up
    seconds, lines, cpu = [], 0, []
    for _ in range(runs):
        elapsed, text = timed_in_context(url, call, cpu)
        seconds.append(elapsed)
        lines = text.count("\n") - 1
    name = f"`report forecast --by {FORECAST_BY} -o csv` (service call)"
    return [Metric(database, name, 2000.0, seconds, f"{lines} rows", cpu)]


# Load average (1 min) before and after each database's runs: the machine is shared.
LOADS: dict[str, tuple[float, float]] = {}


def measure(url: str, database: str, runs: int) -> list[Metric]:
    before = os.getloadavg()[0]
    metrics = [list_case(url, database, runs), list_wall_case(url, database, runs)]
    metrics += forecast_cases(url, database, runs)
    metrics.append(update_case(url, database, min(runs, 3)))
    LOADS[database] = (before, os.getloadavg()[0])
    return metrics


# --- results --------------------------------------------------------------------------


def markdown_table(metrics: list[Metric]) -> str:
    lines = [
        "| database | case | median | max | CPU (median) | target | verdict | note |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for m in metrics:
        target = f"{m.target_ms:,.0f} ms" if m.target_ms else "–"
        cpu = f"{statistics.median(m.cpu_seconds) * 1000:,.0f} ms" if m.cpu_seconds else "–"
        lines.append(
            f"| {m.database} | {m.name} | {m.median_ms:,.0f} ms | {m.max_ms:,.0f} ms | {cpu} | "
            f"{target} | {m.verdict()} | {m.note} |"
        )
    return "\n".join(lines)


def results_section(args: argparse.Namespace, sizes: Sizes, table: str) -> str:
    command = ".venv/bin/python bench/deals.py --generate"
    if args.runs != 5:
        command += f" --runs {args.runs}"
    if args.postgres:
        command += " --postgres URL" + (" --reuse-postgres" if args.reuse_postgres else "")
    forecast = (
        ""
        if any("forecast" in line for line in table.splitlines())
        else "- `report forecast --by month,owner`: not measured yet (see `forecast_cases`)\n"
    )
    return (
        f"{RESULTS_BEGIN}\n"
        f"### Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}\n"
        f"- Reproduce: `{command}` (from the repository root)\n"
        "- Load average (1 min) before → after the runs: "
        + ", ".join(f"{db} {a:.2f} → {b:.2f}" for db, (a, b) in LOADS.items())
        + "\n"
        f"- Dataset: {sizes.deals:,} deals, {sizes.events:,} events, {sizes.deals:,} stage-history"
        f" rows, {sizes.tasks:,} tasks, {COMPANIES:,} companies, {USERS} owners; seed {SEED},"
        f" `CRM_NOW={ANCHOR.isoformat()}`\n"
        "- Each timing is one service call in a new `Context` (new connection, one transaction,"
        " committed), as one CLI command runs it; median and max of the runs after a warm-up"
        " (updates: 3 runs, each changing all 100,000 deals to a new probability); CPU is this"
        " process's CPU time (`time.process_time`), which the other processes on a shared"
        " machine disturb less than the wall time (PostgreSQL's server work is not in it)\n"
        f"{forecast}\n"
        f"{table}\n"
        f"{RESULTS_END}"
    )


def write_results(section: str) -> None:
    current = RESULTS_FILE.read_text() if RESULTS_FILE.exists() else "# Benchmark results\n"
    if RESULTS_BEGIN in current and RESULTS_END in current:
        before, rest = current.split(RESULTS_BEGIN, 1)
        updated = before + section + rest.split(RESULTS_END, 1)[1]
    else:
        heading = "## Deals (`bench/deals.py`)\n\n"
        updated = current.rstrip("\n") + "\n\n" + heading + section + "\n"
    RESULTS_FILE.write_text(updated)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="build the dataset if missing")
    parser.add_argument("--db", default=str(DEFAULT_DB), help="SQLite file (default: %(default)s)")
    parser.add_argument("--postgres", help="also load and measure on this PostgreSQL server")
    parser.add_argument(
        "--reuse-postgres",
        action="store_true",
        help="measure the crmctl_bench_deals database loaded by an earlier run",
    )
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default: 5)")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = Sizes(args.deals, args.events)
    path = Path(args.db).resolve()
    os.environ.update(bench_env())
    if not sqlite_ready(path, sizes):
        if not args.generate:
            print(f"no dataset of {sizes} at {path}: run with --generate", file=sys.stderr)
            return 2
        print(f"generating {path}", file=sys.stderr)
        generate_sqlite(path, sizes)
    # The updates change the data: measure on a copy so every run starts from the same state.
    work = path.with_name(path.stem + ".run.db")
    subprocess.run(["cp", str(path), str(work)], check=True)
    metrics = measure(f"sqlite:///{work}", "SQLite", args.runs)
    work.unlink(missing_ok=True)
    if args.postgres:
        url = args.postgres.rsplit("/", 1)[0] + "/crmctl_bench_deals"
        if not args.reuse_postgres:
            print("loading PostgreSQL", file=sys.stderr)
            url = generate_postgres(args.postgres, sizes)
        metrics += measure(url, "PostgreSQL", args.runs)
    table = markdown_table(metrics)
    print("\n" + table)
    if not args.no_write:
        write_results(results_section(args, sizes, table))
        print(f"\nwritten to {RESULTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
