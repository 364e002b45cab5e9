"""Latency of one Tab: a completion request to the installed ``crmctl`` console script.

Issue 20 item 4: completion must answer in under 300 ms, also with values from the
database, and silently without one. Each line below is one fresh process, as the shell
runs it (``_CRMCTL_COMPLETE=bash crmctl WORDS…``); rounds take turns over the lines, so a
slow spell of this shared machine slows all of them alike. Wall and CPU medians.

    .venv/bin/python bench/completion.py --db /tmp/demo.db --runs 10

``--db`` is an SQLite database (e.g. made by ``crmctl init --demo --history``). For
comparison the floor ``python -c pass`` and ``crmctl --version`` (the CLI imported) run too.
Nothing is written: copy the table into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
LINES: tuple[tuple[str, list[str]], ...] = (
    ("noun (`crmctl de<Tab>`)", ["de"]),
    ("options (`deals list --<Tab>`)", ["deals", "list", "--"]),
    ("logins from the database (`deals add --owner <Tab>`)", ["deals", "add", "--owner", ""]),
    ("stages (`deals move 3 <Tab>`)", ["deals", "move", "3", ""]),
    ("--where fields (`deals list --where 'stage = \"x\" and <Tab>`)",
     ["deals", "list", "--where", "'stage = \"x\" and "]),
)  # fmt: skip


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="an SQLite database file")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    crmctl = str(BIN / "crmctl")
    base = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    with_db = {**base, "_CRMCTL_COMPLETE": "bash", "CRM_DATABASE_URL": f"sqlite:///{args.db}"}
    without_db = {**with_db, "CRM_DATABASE_URL": "sqlite:////nonexistent/crm.db"}
    cases: list[tuple[str, list[str], dict[str, str]]] = [
        ("floor: `python -c pass`", [sys.executable, "-c", "pass"], base),
        ("`crmctl --version` (the CLI imported)", [crmctl, "--version"], base),
    ]
    for label, words in LINES:
        cases.append((f"{label}, with database", [crmctl, *words], with_db))
        cases.append((f"{label}, no database", [crmctl, *words], without_db))
    timings: dict[str, list[tuple[float, float]]] = {label: [] for label, _, _ in cases}
    for argv_env in cases:  # one warm-up each
        run_once(argv_env[1], argv_env[2])
    for _ in range(args.runs):
        for label, argv, env in cases:
            timings[label].append(run_once(argv, env))
    print(f"- Machine: {os.cpu_count()} cores, {platform.platform()}, Python "
          f"{platform.python_version()}; load average at the end "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    print(f"- Reproduce: `.venv/bin/python bench/completion.py --db DB --runs {args.runs}`")
    print(f"- Runs: {args.runs} per line after one warm-up, taking turns\n")
    print("| completion request | target | wall median | wall max | CPU median | result |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for label, runs in timings.items():
        wall = statistics.median(w for w, _ in runs) * 1000
        worst = max(w for w, _ in runs) * 1000
        cpu = statistics.median(c for _, c in runs) * 1000
        timed = not label.startswith(("floor", "`crmctl --version`"))
        target, result = ("< 300 ms", "pass" if wall < 300 else "FAIL") if timed else ("-", "info")
        print(f"| {label} | {target} | {wall:.1f} ms | {worst:.1f} ms | {cpu:.1f} ms | {result} |")


if __name__ == "__main__":
    main()
