"""The start-up floor of every database command: Python, SQLAlchemy, its ORM, crmctl's
mapped models and their configuration, in a fresh process per run, with the garbage
collector off as the console script starts (see ``crmctl.cli``).

Whatever a command does comes on top of this, so it says how close a whole-process
target (issue 5: ``tasks overdue`` under 500 ms) can get with the ORM, and (the Core
steps) what the read-only path that leaves it out starts from.
Prints the median and the spread; nothing is written (copy the line into RESULTS.md).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

STEPS = (
    ("python", "pass"),
    ("+ sqlalchemy", "import sqlalchemy"),
    # What `tasks overdue` imports instead of the ORM (issue 5): the Core tables, then
    # every module of its path (the services and the query compiler, but no ORM).
    ("+ crmctl.db.tables", "import sqlalchemy, crmctl.db.tables"),
    (
        "+ the tasks overdue modules (no ORM)",
        "import crmctl.db.tables, crmctl.cli, crmctl.cli.tasks, crmctl.services.task_records,"
        " crmctl.render, crmctl.config, crmctl.db.engine",
    ),
    # The ORM steps build on `+ sqlalchemy` (models imports the tables itself).
    ("+ sqlalchemy.orm", "import sqlalchemy, sqlalchemy.orm"),
    ("+ crmctl.db.models", "import sqlalchemy.orm, crmctl.db.models"),
    (
        "+ configure_mappers()",
        "import sqlalchemy.orm, crmctl.db.models; sqlalchemy.orm.configure_mappers()",
    ),
)


def run_once(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import gc; gc.disable(); {code}"], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    print("| step (cumulative) | median | min | max |")
    print("| --- | ---: | ---: | ---: |")
    for _name, code in STEPS:
        run_once(code)  # warm-up: byte-code and the page cache
    # Round by round, every step once per round: a slow spell of this shared machine then
    # slows every step alike instead of one step's whole series.
    seconds: dict[str, list[float]] = {name: [] for name, _ in STEPS}
    for _ in range(args.runs):
        for name, code in STEPS:
            seconds[name].append(run_once(code))
    for name, runs in seconds.items():
        print(
            f"| {name} | {statistics.median(runs) * 1000:.0f} ms "
            f"| {min(runs) * 1000:.0f} ms | {max(runs) * 1000:.0f} ms |"
        )


if __name__ == "__main__":
    main()
