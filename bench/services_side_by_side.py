"""`services expiring --within 90d` as admin, before and after the covering index (issue 19).

Side by side on two copies of bench/services.py's 1,000,000-service dataset: ``--before``
at schema 0015 (main before branch i19-speed: all 20 columns, ``ix_services_ends_on`` and
a table lookup per row) and ``--after`` at 0017 (the 19 listed columns read from the
covering ``ix_services_expiring``). The statements are those the two versions of
``contracts.expiring_query`` compile to for ``CRM_NOW=2026-11-01T12:00:00+00:00`` as
admin. Raw ``sqlite3``, a new connection per run, taking turns; median wall and CPU.

    .venv/bin/python bench/services_side_by_side.py --before OLD.db --after NEW.db [--runs 15]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time

WHERE = (
    "WHERE services.kind IN ('ours', 'competitor') AND services.ends_on >= '2026-11-01' "
    "AND services.ends_on <= '2027-01-30' ORDER BY services.ends_on, services.id"
)
LISTED = (
    "id, company_id, product_id, name, kind, starts_on, notice_days, notice_on, value, "
    "currency, billing, provider, serial, note, deal_id, created_at, updated_at, created_by_id"
)
BEFORE = f"SELECT {LISTED}, ends_on, updated_by_id FROM services {WHERE}"
AFTER = f"SELECT ends_on, {LISTED} FROM services {WHERE}"


def once(path: str, sql: str) -> tuple[float, float, int]:
    connection = sqlite3.connect(path)
    wall, cpu = time.perf_counter(), time.process_time()
    rows = len(connection.execute(sql).fetchall())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    connection.close()
    return wall, cpu, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="The dataset at schema 0015.")
    parser.add_argument("--after", required=True, help="The dataset at schema 0017.")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cases = {"before": (args.before, BEFORE), "after": (args.after, AFTER)}
    walls: dict[str, list[float]] = {name: [] for name in cases}
    cpus: dict[str, list[float]] = {name: [] for name in cases}
    rows = dict.fromkeys(cases, 0)
    for run in range(args.runs + 1):  # the first round warms the page cache
        for name, (path, sql) in cases.items():
            wall, cpu, rows[name] = once(path, sql)
            if run:
                walls[name].append(wall)
                cpus[name].append(cpu)
    for name in cases:
        print(f"{name}: wall median {statistics.median(walls[name]) * 1000:.1f} ms "
              f"(max {max(walls[name]) * 1000:.1f}), CPU median "
              f"{statistics.median(cpus[name]) * 1000:.1f} ms, {rows[name]:,} rows")  # fmt: skip


if __name__ == "__main__":
    main()
