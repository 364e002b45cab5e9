"""The write floor of an import on SQLite: what storing an import's rows costs with no
Python work per row at all.

Imports a generated contact list (bench/import_lists.py's files) with ``crmctl import``
into a fresh database, reads back every row that import wrote (companies, persons, their
e-mails, phones and links, the timeline events, the batch and its items), then replays
exactly those rows into a second fresh database at the same schema in one transaction,
with the writer's own settings (WAL, ``synchronous=NORMAL``, 64 MB page cache), two ways:

* ``executemany`` of the finished tuples, table by table (the driver's fastest path);
* set-based: the tuples into index-free ``TEMP`` staging tables first, then one
  ``INSERT INTO … SELECT`` per table (the "staging table" design).

No normalising, no dedup, no JSON, no id allocation: whatever an importer does per row
comes on top. So ``rows / floor`` is an upper bound on any SQLite import of these rows,
to set against issue 3's targets. Run from the repository root::

    .venv/bin/python bench/import_floor.py --size 100000 [--kind csv|xlsx]

Prints a markdown table (copy it into RESULTS.md with the command and the load).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_lists import CRMCTL, crmctl_env, data_file, fresh_sqlite

# Written by an import; everything else (users, pipelines, alembic_version) comes from init.
SKIP_TABLES = {"alembic_version", "sqlite_sequence", "sqlite_stat1", "sqlite_stat4"}


def sqlite_file(url: str) -> str:
    return url.removeprefix("sqlite:///")


def written_rows(path: str, baseline: dict[str, int]) -> dict[str, list[tuple[object, ...]]]:
    """Rows each table gained beyond a freshly initialised database, in rowid order,
    tables in the order the migrations made them (parents before children)."""
    with sqlite3.connect(path) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid"
            )
            if name not in SKIP_TABLES
        ]
        rows: dict[str, list[tuple[object, ...]]] = {}
        for table in tables:
            found = connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()
            if len(found) > baseline.get(table, 0):
                rows[table] = found[baseline.get(table, 0) :]
        return rows


def table_counts(path: str) -> dict[str, int]:
    with sqlite3.connect(path) as connection:
        names = [
            n for (n,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        return {
            name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for name in names
            if name not in SKIP_TABLES
        }


def writer_connection(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in (
        "journal_mode=WAL",
        "foreign_keys=ON",
        "synchronous=NORMAL",
        "cache_size=-65536",
    ):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def placeholders(row: tuple[object, ...]) -> str:
    return ", ".join("?" for _ in row)


def replay_executemany(
    path: str, rows: dict[str, list[tuple[object, ...]]], per_table: dict[str, list[float]]
) -> float:
    connection = writer_connection(path)
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for table, table_rows in rows.items():
        table_started = time.perf_counter()
        connection.executemany(
            f'INSERT INTO "{table}" VALUES ({placeholders(table_rows[0])})', table_rows
        )
        per_table.setdefault(table, []).append(time.perf_counter() - table_started)
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def replay_staged(
    path: str, rows: dict[str, list[tuple[object, ...]]], per_table: dict[str, list[float]]
) -> float:
    del per_table  # one INSERT … SELECT per table, timed as a whole
    connection = writer_connection(path)
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    for table, table_rows in rows.items():
        connection.execute(f'CREATE TEMP TABLE "stage_{table}" AS SELECT * FROM "{table}" WHERE 0')
        connection.executemany(
            f'INSERT INTO "stage_{table}" VALUES ({placeholders(table_rows[0])})', table_rows
        )
    for table in rows:
        connection.execute(f'INSERT INTO "{table}" SELECT * FROM "stage_{table}"')
    connection.execute("COMMIT")
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--kind", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--runs", type=int, default=3, help="replays per way (median)")
    args = parser.parse_args()
    source = data_file(args.kind, args.size)
    with tempfile.TemporaryDirectory(prefix="crmctl-floor-") as tmp:
        workdir = Path(tmp)
        imported = fresh_sqlite(workdir, "imported")
        baseline = table_counts(sqlite_file(imported))
        started = time.perf_counter()
        done = subprocess.run(
            [CRMCTL, "import", str(source)], env=crmctl_env(imported), capture_output=True
        )
        import_seconds = time.perf_counter() - started
        if done.returncode not in (0, 4):
            raise SystemExit(done.stderr.decode(errors="replace"))
        rows = written_rows(sqlite_file(imported), baseline)
        total = sum(len(r) for r in rows.values())
        timings: dict[str, list[float]] = {"executemany": [], "staged": []}
        per_table: dict[str, list[float]] = {}
        for run in range(args.runs):
            for way, replay in (("executemany", replay_executemany), ("staged", replay_staged)):
                target = fresh_sqlite(workdir, f"{way}{run}")
                timings[way].append(replay(sqlite_file(target), rows, per_table))
    load = os.getloadavg()
    print(f"- source: {source.name} ({args.size:,} rows), load {load[0]:.1f}")
    print(
        f"- `crmctl import` of it: {import_seconds:.1f} s "
        f"({args.size / import_seconds:,.0f} rows/s)"
    )
    counts = ", ".join(f"{table} {len(r):,}" for table, r in rows.items())
    print(f"- rows written: {total:,} ({total / args.size:.2f} per source row): {counts}")
    print()
    print("| replay of those rows | median | per source row | source rows/s (upper bound) |")
    print("| --- | ---: | ---: | ---: |")
    for way, seconds in timings.items():
        median = sorted(seconds)[len(seconds) // 2]
        print(
            f"| {way} | {median:.2f} s | {median / args.size * 1e6:.1f} µs "
            f"| {args.size / median:,.0f} |"
        )
    print()
    print("| table (executemany) | rows | median |")
    print("| --- | ---: | ---: |")
    for table, seconds in per_table.items():
        median = sorted(seconds)[len(seconds) // 2]
        print(f"| {table} | {len(rows[table]):,} | {median:.2f} s |")


if __name__ == "__main__":
    main()
