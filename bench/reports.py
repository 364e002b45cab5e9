"""Reports benchmark (issue 17): pipeline, pipeline --as-of, funnel, cash flow, dashboard,
lead response, performance, commissions.

Generates (once, cached under ``bench/data/reports.db``) 1,000,000 deals with their stage
history (~2.8 M rows), 5,000,000 events (1 M ``deal.created``, value changes, stage
changes) and 1,000,000 leads, entirely with set-based SQL: ``INSERT … SELECT`` over a
recursive counter on SQLite and ``generate_series`` on PostgreSQL (no ORM, no Python
loop over rows). Pseudo-random columns come from multiplicative hashes of the row
number, so the data is the same on every run and on both databases.

Each report is then called in-process in a new read-only ``Context`` (new connection),
as the CLI does, rendered to CSV (the dashboard to HTML); median and max of ``--runs``.
Targets: every report < 1 s, ``pipeline --as-of`` < 2 s (SQLite; PostgreSQL reported).

    .venv/bin/python bench/reports.py --generate [--postgres postgresql+psycopg://…/postgres]

The markdown table is printed and written into ``bench/RESULTS.md`` between the
``reports:begin``/``reports:end`` markers.
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crmctl.business_hours import DEFAULT
from crmctl.config import Setting, load_settings
from crmctl.reports.cashflow import CashflowOptions, cashflow
from crmctl.reports.commissions import CommissionOptions, commission_report
from crmctl.reports.dashboard import dashboard, render_dashboard
from crmctl.reports.funnel import FunnelOptions, funnel
from crmctl.reports.lead_response import LeadResponseOptions, lead_response
from crmctl.reports.performance import PerformanceOptions, performance
from crmctl.reports.pipeline import PipelineOptions, pipeline
from crmctl.reports.render import ReportFormat, render_text
from crmctl.services.context import open_read_context

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_DB = BENCH_DIR / "data" / "reports.db"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
CRMCTL = str(REPO_ROOT / ".venv" / "bin" / "crmctl")
ANCHOR = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
ANCHOR_SQL = "2026-11-01 12:00:00"
USERS = 20
RESULTS_BEGIN = "<!-- reports:begin (written by bench/reports.py) -->"
RESULTS_END = "<!-- reports:end -->"
PG_DATABASE = "crmctl_bench_reports"


@dataclass(frozen=True)
class Sizes:
    deals: int = 1_000_000
    events: int = 5_000_000
    leads: int = 1_000_000


# --- set-based generation --------------------------------------------------------------
#
# Per deal n: h1..h6 are hashes of n; stage by h1 % 100 (25 % poptavka, 20 % analyza,
# 17 % nabidka, 13 % jednani, 13 % won, 12 % lost); created 30–720 days before the anchor;
# in its stage since E days after creation; every 50th deal in EUR.

STAGE_CASE = (
    "CASE WHEN h1 < 25 THEN 0 WHEN h1 < 45 THEN 1 WHEN h1 < 62 THEN 2 "
    "WHEN h1 < 75 THEN 3 WHEN h1 < 88 THEN 4 ELSE 5 END"
)
STAGES = ("poptavka", "analyza", "nabidka", "jednani", "vyhrano", "prohrano")
PROBABILITIES = (10, 25, 50, 75, 100, 0)
CATEGORIES = ("pipeline", "pipeline", "best_case", "commit", "closed", "omitted")


def _pick(values: Sequence[Any], column: str = "s") -> str:
    whens = " ".join(f"WHEN {i} THEN {v!r}" for i, v in enumerate(values))
    return f"CASE {column} {whens} END"


class Dialect:
    """The few SQL spellings that differ between SQLite and PostgreSQL."""

    def __init__(self, name: str) -> None:
        self.name = name

    def numbers(self, count: int) -> str:
        if self.name == "sqlite":
            return (
                f"WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < {count})"
            )
        return f"WITH c(n) AS (SELECT generate_series(1, {count})::bigint)"

    def minus_days(self, days: str) -> str:
        """The anchor minus ``days`` (may be fractional) as a stored timestamp."""
        if self.name == "sqlite":
            return (
                f"strftime('%Y-%m-%d %H:%M:%S', julianday('{ANCHOR_SQL}') - ({days})) || '.000000'"
            )
        return f"(TIMESTAMPTZ '{ANCHOR_SQL}+00' - ({days}) * INTERVAL '1 day')"

    def plus_days(self, moment: str, days: str) -> str:
        if self.name == "sqlite":
            return f"strftime('%Y-%m-%d %H:%M:%S', julianday({moment}) + ({days})) || '.000000'"
        return f"({moment} + ({days}) * INTERVAL '1 day')"

    def day(self, days: str) -> str:
        """The anchor's date plus ``days`` (an integer) as a DATE."""
        if self.name == "sqlite":
            return f"date('{ANCHOR_SQL}', ({days}) || ' days')"
        return f"(DATE '2026-11-01' + ({days})::int)"

    def money(self, cents: str) -> str:
        return f"(({cents}) / 100.0)" if self.name == "sqlite" else f"(({cents}) / 100.0)::numeric"

    def text(self, expression: str) -> str:
        return f"CAST({expression} AS TEXT)"

    def json(self, text: str) -> str:
        return text if self.name == "sqlite" else f"CAST({text} AS JSONB)"


def deal_source(d: Dialect, sizes: Sizes) -> str:
    """One row per deal with its hashes: h1 stage, age, E, expected close, value, owner."""
    return (
        f"{d.numbers(sizes.deals)}, h AS (SELECT n, "
        "(n * 2654435761) % 100 AS h1, 30 + (n * 40503) % 690 AS age, "
        "(n * 69069) % 97 AS f, (n * 1103515245) % 485 - 120 AS close_in, "
        "10000 + (n * 134775813) % 500000000 AS cents, 2 + (n * 7) % "
        f"{USERS} AS owner FROM c), s AS (SELECT *, {STAGE_CASE} AS s, "
        "(age * f) / 100 AS e FROM h)"
    )


def insert_deals(d: Dialect, sizes: Sizes) -> str:
    created = d.minus_days("age")
    entered = d.minus_days("age - e")
    touched = d.minus_days("age - e - (age - e) * ((n * 31) % 10) / 20")
    status = "CASE s WHEN 4 THEN 'won' WHEN 5 THEN 'lost' ELSE 'open' END"
    return (
        f"{deal_source(d, sizes)} INSERT INTO deals (id, title, pipeline, stage, value, currency, "
        "probability, probability_overridden, forecast_category, forecast_category_overridden, "
        "expected_close, owner_id, status, closed_at, source, campaign, stage_entered_at, "
        "last_touched_at, custom, created_at, updated_at, created_by_id, updated_by_id) "
        f"SELECT n, 'Zakázka ' || {d.text('n')}, 'default', {_pick(STAGES)}, "
        f"{d.money('cents')}, CASE WHEN n % 50 = 0 THEN 'EUR' ELSE 'CZK' END, "
        f"{_pick(PROBABILITIES)}, false, {_pick(CATEGORIES)}, false, {d.day('close_in')}, "
        f"owner, {status}, CASE WHEN s >= 4 THEN {entered} END, 'web', "
        f"'kampan-' || {d.text('n % 10')}, {entered}, {touched}, {d.json(repr('{}'))}, "
        f"{created}, {touched}, 1, 1 FROM s"
    )


def insert_history(d: Dialect, sizes: Sizes) -> str:
    """Stages 0..last open (evenly spaced up to E days), then the closing stage."""
    last_open = "CASE WHEN s <= 3 THEN s WHEN s = 4 THEN 3 ELSE (n % 4) END"
    steps = "CASE WHEN s <= 3 THEN s ELSE " + last_open + " + 1 END"
    entered_k = f"CASE WHEN k = {steps} THEN e ELSE (e * k) / ({steps}) END"
    next_k = f"CASE WHEN k + 1 = {steps} THEN e ELSE (e * (k + 1)) / ({steps}) END"
    stage_k = (
        f"CASE WHEN k <= {last_open} THEN {_pick(STAGES[:4], 'k')} ELSE {_pick(STAGES, 's')} END"
    )
    return (
        f"{deal_source(d, sizes)}, k(k) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 "
        "UNION ALL SELECT 3 UNION ALL SELECT 4) "
        "INSERT INTO deal_stage_history (deal_id, pipeline, stage, entered_at, left_at, "
        f"entered_by_id) SELECT n, 'default', {stage_k}, "
        f"{d.plus_days(d.minus_days('age'), entered_k)}, "
        f"CASE WHEN k < {steps} THEN {d.plus_days(d.minus_days('age'), next_k)} END, 1 "
        f"FROM s JOIN k ON k.k <= {steps}"
    )


def insert_events(d: Dialect, sizes: Sizes) -> str:
    """deal.created per deal, then value changes, stage changes and other updates.

    The later events' times grow with their id over the 700 days before the anchor, as
    in an append-only log.
    """
    extra = sizes.events - sizes.deals
    fields = d.json("'{\"fields\": {}}'")
    created = (
        f"{d.numbers(sizes.deals)} INSERT INTO events (at, actor_id, entity_type, entity_id, "
        f"kind, payload) SELECT {d.minus_days('30 + (n * 40503) % 690')}, 1, 'deal', n, "
        f"'deal.created', {fields} FROM c"
    )
    value = (
        '\'{"changes": {"value": ["\' || '
        + d.text("10000 + (n * 97) % 9000000")
        + ' || \'.00", "1.00"]}}\''
    )
    kind = "CASE n % 3 WHEN 1 THEN 'deal.stage_changed' ELSE 'deal.updated' END"
    payload = (
        "CASE n % 3 WHEN 0 THEN " + value + " WHEN 1 THEN "
        '\'{"from": "poptavka", "to": "analyza", "pipeline": "default"}\' '
        'ELSE \'{"changes": {"probability": [10, 25]}}\' END'
    )
    others = (
        f"{d.numbers(extra)} INSERT INTO events (at, actor_id, entity_type, entity_id, kind, "
        f"payload) SELECT {d.minus_days(f'700 - n * 700.0 / {extra}')}, "
        f"2 + n % {USERS}, 'deal', 1 + (n * 16807) % {sizes.deals}, {kind}, {d.json(payload)} "
        "FROM c"
    )
    return created + ";\n" + others


def insert_leads(d: Dialect, sizes: Sizes) -> str:
    received = d.minus_days("((n * 48271) % 720000) / 1000.0")
    answered = d.plus_days(received, "((n * 31) % 600) / 1440.0")
    return (
        f"{d.numbers(sizes.leads)} INSERT INTO leads (id, source, received_at, subject, owner_id, "
        "status, first_response_at, custom, created_at, updated_at) "
        f"SELECT n, 'web', {received}, 'Poptávka', 2 + n % {USERS}, "
        "CASE WHEN n % 5 = 0 THEN 'new' ELSE 'converted' END, "
        f"CASE WHEN n % 5 = 0 THEN NULL ELSE {answered} END, "
        f"{d.json(repr('{}'))}, {received}, {received} FROM c"
    )


def insert_targets(d: Dialect) -> str:
    """A won_value target per salesperson and quarter of 2026 (issue 17's performance)."""
    rows = []
    for user in range(2, 2 + USERS):
        for quarter, (first, last) in enumerate(
            (("01-01", "03-31"), ("04-01", "06-30"), ("07-01", "09-30"), ("10-01", "12-31")), 1
        ):
            rows.append(
                f"('user:{user}', {user}, '2026-Q{quarter}', '2026-{first}', '2026-{last}', "
                f"'won_value', 50000000, 'CZK', '{ANCHOR_SQL}', '{ANCHOR_SQL}')"
            )
    return (
        "INSERT INTO targets (subject, user_id, period, period_start, period_end, metric, "
        "value, currency, created_at, updated_at) VALUES " + ", ".join(rows)
    )


def insert_users(d: Dialect) -> str:
    values = ", ".join(
        f"({n}, 'sales{n - 1:02d}', 'Obchodník {n - 1}', 'sales', true, "
        f"'{ANCHOR_SQL}', '{ANCHOR_SQL}')"
        for n in range(2, USERS + 2)
    )
    return (
        f"INSERT INTO users (id, login, name, role, active, created_at, updated_at) VALUES {values}"
    )


def fill_response_minutes(
    execute: Callable[[str], list[Any]], update: Callable[[list[tuple[int, int]]], None]
) -> None:
    """``leads.response_business_minutes`` of the answered leads, as migration 0009 and
    the lead service store it (default business hours), so that lead response reads
    stored values as on a real database. Python, not SQL: SQL cannot hold the holiday
    calendar. ~800,000 leads: a minute or two."""
    rows = execute(
        "SELECT id, received_at, first_response_at FROM leads WHERE first_response_at IS NOT NULL"
    )
    parse = _instant
    update([(DEFAULT.minutes(parse(received), parse(answered)), lead_id)
            for lead_id, received, answered in rows])  # fmt: skip


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def statements(d: Dialect, sizes: Sizes) -> list[tuple[str, str]]:
    return [
        ("users", insert_users(d)),
        ("deals", insert_deals(d, sizes)),
        ("deal_stage_history", insert_history(d, sizes)),
        ("events", insert_events(d, sizes)),
        ("leads", insert_leads(d, sizes)),
        ("targets", insert_targets(d)),
    ]


def init_database(url: str) -> None:
    env = {**os.environ, "CRM_NOW": ANCHOR.isoformat()}
    command = [CRMCTL, "--db", url, "init", "--admin", "admin"]
    subprocess.run(command, check=True, capture_output=True, env=env)


def generate_sqlite(path: Path, sizes: Sizes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    init_database(f"sqlite:///{path}")
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    for table, sql in statements(Dialect("sqlite"), sizes):
        started = time.perf_counter()
        for statement in sql.split(";\n"):
            connection.execute(statement)
        connection.commit()
        print(f"  {table}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    fill_sqlite_response_minutes(connection)
    connection.execute("ANALYZE")
    connection.commit()
    connection.close()


def fill_sqlite_response_minutes(connection: sqlite3.Connection) -> None:
    started = time.perf_counter()
    fill_response_minutes(
        lambda sql: connection.execute(sql).fetchall(),
        lambda pairs: connection.executemany(
            "UPDATE leads SET response_business_minutes = ? WHERE id = ?", pairs
        ),
    )
    connection.commit()
    print(f"  response_business_minutes: {time.perf_counter() - started:.1f} s", file=sys.stderr)


def fill_postgres_response_minutes(conn: Any) -> None:
    """Through a temporary table and one joined UPDATE (800,000 single-row updates
    would take minutes)."""

    def update(pairs: list[tuple[int, int]]) -> None:
        conn.exec_driver_sql("CREATE TEMPORARY TABLE answered (minutes int, id int)")
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy("COPY answered (minutes, id) FROM STDIN") as copy:
            for pair in pairs:
                copy.write_row(pair)
        conn.exec_driver_sql("UPDATE leads SET response_business_minutes = answered.minutes "
                             "FROM answered WHERE leads.id = answered.id")  # fmt: skip

    fill_response_minutes(lambda sql: list(conn.execute(text(sql)).all()), update)


def generate_postgres(base_url: str, sizes: Sizes, database: str = PG_DATABASE) -> str:
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {database}"))
        conn.execute(text(f"CREATE DATABASE {database}"))
    admin.dispose()
    url = make_url(base_url).set(database=database).render_as_string(hide_password=False)
    init_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        for table, sql in statements(Dialect("postgresql"), sizes):
            started = time.perf_counter()
            for statement in sql.split(";\n"):
                conn.execute(text(statement.replace(":", "\\:")))
            print(f"  {table}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        fill_postgres_response_minutes(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return url


# --- measuring -------------------------------------------------------------------------


@dataclass
class Metric:
    database: str
    name: str
    target_ms: float | None
    seconds: list[float]
    note: str
    cpu: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpu) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.seconds) * 1000

    @property
    def result(self) -> str:
        if self.target_ms is None:
            return "info"
        return "pass" if self.median_ms < self.target_ms else "FAIL"


def bench_env() -> dict[str, str]:
    return {"CRM_USER": "admin", "CRM_NOW": ANCHOR.isoformat(), "CRM_TIMEZONE": "Europe/Prague"}


def timed(url: str, call: Callable[[Any], str], cpu: list[float]) -> tuple[float, str]:
    """Wall time of one call in a new Context; appends this process's CPU time to ``cpu``
    (SQLite works in-process, so on a shared machine CPU time is the steadier figure)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with open_read_context(load_settings(url)) as ctx:
        text = call(ctx)
    cpu.append(time.process_time() - cpu_started)
    return time.perf_counter() - started, text


def cases() -> list[tuple[str, float, Callable[[Any], str]]]:
    def csv(make: Callable[[Any], Any]) -> Callable[[Any], str]:
        return lambda ctx: render_text(make(ctx), ReportFormat.csv, None)

    return [
        ("report pipeline --by stage", 1000.0, csv(lambda c: pipeline(c, PipelineOptions()))),
        ("report pipeline --by owner", 1000.0,
         csv(lambda c: pipeline(c, PipelineOptions(by="owner")))),
        ("report pipeline --by team", 1000.0,
         csv(lambda c: pipeline(c, PipelineOptions(by="team")))),
        ("report pipeline --as-of 2026-08-01", 2000.0,
         csv(lambda c: pipeline(c, PipelineOptions(as_of="2026-08-01")))),
        ("report funnel --from 2026-Q3 --to 2026-Q3", 1000.0,
         csv(lambda c: funnel(c, FunnelOptions("2026-Q3", "2026-Q3")))),
        ("report funnel --from 2026 --to 2026", 1000.0,
         csv(lambda c: funnel(c, FunnelOptions("2026", "2026")))),
        ("report cashflow --by month", 1000.0, csv(lambda c: cashflow(c, CashflowOptions()))),
        ("report cashflow --by week --from 2026-11 --to 2027-06", 1000.0,
         csv(lambda c: cashflow(c, CashflowOptions("2026-11", "2027-06", None, "week")))),
        ("report dashboard -o html", 1000.0, lambda c: render_dashboard(dashboard(c))),
        *people_cases(csv),
    ]  # fmt: skip


COMMISSION_PLAN = {"plans": [{"name": "Standard", "default": True, "cap": 500000,
                              "tiers": [{"up_to": 100, "rate": 5}, {"rate": 8}]}]}  # fmt: skip


def people_cases(csv: Callable[[Callable[[Any], Any]], Callable[[Any], str]]) -> list[Any]:
    """Issue 17's lead response, performance and commissions (P2)."""

    def with_plan(ctx: Any) -> Any:
        ctx.settings.values["commissions"] = Setting(COMMISSION_PLAN, "bench")
        return commission_report(ctx, CommissionOptions("2026-Q3", "2026-Q3"))

    return [
        ("report lead-response --from 2026-Q3 --to 2026-Q3", 1000.0,
         csv(lambda c: lead_response(c, LeadResponseOptions("2026-Q3", "2026-Q3")))),
        ("report lead-response --from 2026 --to 2026 --by source", 1000.0,
         csv(lambda c: lead_response(c, LeadResponseOptions("2026", "2026", None, "source")))),
        ("report performance --from 2026-Q3 --to 2026-Q3", 1000.0,
         csv(lambda c: performance(c, PerformanceOptions("2026-Q3", "2026-Q3")))),
        ("report performance --by team --from 2026-09 --to 2026-09", 1000.0,
         csv(lambda c: performance(c, PerformanceOptions("2026-09", "2026-09", None, "team")))),
        ("report commissions --from 2026-Q3 --to 2026-Q3", 1000.0, csv(with_plan)),
    ]  # fmt: skip


def measure(url: str, database: str, runs: int) -> list[Metric]:
    os.environ.update(bench_env())
    metrics = []
    for name, target, call in cases():
        timed(url, call, [])  # warm-up
        seconds, text, cpu = [], "", []
        for _ in range(runs):
            elapsed, text = timed(url, call, cpu)
            seconds.append(elapsed)
        lines = text.count("\n")
        metric = Metric(database, f"`{name}`", target, seconds, f"{lines:,} lines", cpu)
        metrics.append(metric)
        print(f"{database} {name}: {metric.median_ms:.0f} ms (CPU {metric.cpu_ms:.0f} ms)",
              file=sys.stderr)  # fmt: skip
    return metrics


def counts(path: Path) -> str:
    connection = sqlite3.connect(path)
    shown = []
    for table in ("deals", "deal_stage_history", "events", "leads"):
        (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        shown.append(f"{count:,} {table}")
    connection.close()
    return ", ".join(shown)


def section(
    metrics: Sequence[Metric],
    dataset: str,
    runs: int,
    markers: tuple[str, str] = (RESULTS_BEGIN, RESULTS_END),
) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        markers[0],
        f"### Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, SQLAlchemy "
        f"{sqlalchemy.__version__}; load average at the end {load}",
        "- Reproduce: `.venv/bin/python bench/reports.py --generate "
        "[--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres]`",
        f"- Dataset: {dataset}; `CRM_NOW={ANCHOR.isoformat()}`, acting as admin (sees all)",
        f"- Runs: median and max of {runs} runs per report after one warm-up, each in a new "
        "read-only `Context` (new connection) and rendered to CSV (dashboard: HTML)",
        "",
        "| database | report | target | median | max | CPU (this process) | result | note |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for m in metrics:
        target = f"< {m.target_ms / 1000:.0f} s" if m.target_ms else "-"
        lines.append(
            f"| {m.database} | {m.name} | {target} | {m.median_ms:.0f} ms | {m.max_ms:.0f} ms "
            f"| {m.cpu_ms:.0f} ms | {m.result} | {m.note} |"
        )
    lines.append(markers[1])
    return "\n".join(lines)


def write_results(text: str, markers: tuple[str, str] = (RESULTS_BEGIN, RESULTS_END)) -> None:
    current = RESULTS_FILE.read_text() if RESULTS_FILE.exists() else "# Benchmark results\n"
    begin, end = markers
    if begin in current and end in current:
        before, rest = current.split(begin, 1)
        updated = before + text + rest.split(end, 1)[1]
    else:
        heading = "## Reports (`bench/reports.py`)\n\n"
        updated = current.rstrip("\n") + "\n\n" + heading + text + "\n"
    RESULTS_FILE.write_text(updated)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="build the dataset if missing")
    parser.add_argument("--db", default=str(DEFAULT_DB), help="SQLite file (default: %(default)s)")
    parser.add_argument("--postgres", help="also load and measure on this PostgreSQL server")
    parser.add_argument("--reuse-postgres", action="store_true", help="skip loading PostgreSQL")
    parser.add_argument(
        "--pg-database",
        default=PG_DATABASE,
        help="the PostgreSQL database to (re)create and measure (default: %(default)s)",
    )
    parser.add_argument("--deals", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--postgres-only",
        action="store_true",
        help="measure only PostgreSQL, in its own section of bench/RESULTS.md",
    )
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    sizes = Sizes(args.deals, args.events, args.leads)
    path = Path(args.db)
    if args.postgres and args.postgres_only:
        return postgres_only(args, sizes)
    if args.generate and not path.exists():
        generate_sqlite(path, sizes)
    metrics = measure(f"sqlite:///{path}", "SQLite", args.runs)
    dataset = f"`{path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}`: "
    dataset += counts(path)
    if args.postgres:
        if args.reuse_postgres:
            url = make_url(args.postgres).set(database=args.pg_database)
            pg_url = url.render_as_string(hide_password=False)
        else:
            pg_url = generate_postgres(args.postgres, sizes, args.pg_database)
        metrics += measure(pg_url, "PostgreSQL", args.runs)
    text = section(metrics, dataset, args.runs)
    print(text)
    if not args.no_write:
        write_results(text)
    return 0 if all(m.result != "FAIL" for m in metrics if m.database == "SQLite") else 1


PG_MARKERS = ("<!-- reports-postgres:begin (written by bench/reports.py) -->",
              "<!-- reports-postgres:end -->")  # fmt: skip


def postgres_only(args: argparse.Namespace, sizes: Sizes) -> int:
    if args.reuse_postgres:
        url = make_url(args.postgres).set(database=args.pg_database)
        pg_url = url.render_as_string(hide_password=False)
    else:
        pg_url = generate_postgres(args.postgres, sizes, args.pg_database)
    metrics = measure(pg_url, "PostgreSQL", args.runs)
    dataset = (
        f"database `{args.pg_database}` loaded by the same set-based SQL: {sizes.deals:,} deals, "
        f"{sizes.events:,} events, {sizes.leads:,} leads (reported; targets are for SQLite)"
    )
    text = section(metrics, dataset, args.runs, PG_MARKERS)
    print(text)
    if not args.no_write:
        write_results(text, PG_MARKERS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
