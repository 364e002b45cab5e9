"""Read commands' whole-process time against the floor and against another checkout.

Issue 16's start-up target: ``crmctl contacts list --limit 50`` on the 300k-contact
database within 1.3× of ``python -c 'import sqlalchemy'``, side by side in one run, and
no read command slower than before. Every round runs each command once, in turn (a slow
spell of this shared machine then slows all of them alike); medians are printed.

    .venv/bin/python bench/read_startup.py --db bench/data/contacts300k.db \\
        --before /work/main/.venv/bin/crmctl --runs 9

``--before-db`` gives the older checkout the same data at the schema it knows (a newer
crmctl refuses an older schema and the other way round).

The database is bench/address_book.py's (``--persons 300000`` for 300k contacts).
Nothing is written: copy the table into bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

FLOOR = ("python -c 'import sqlalchemy'", [sys.executable, "-c", "import sqlalchemy"])
HEADLINE = ("contacts", "list", "--limit", "50")
OTHERS = (
    ("contacts", "list", "--search", "dvorak", "--limit", "50"),
    ("contacts", "list", "--where", 'name ~ "novak"', "--limit", "50"),
    ("contacts", "show", "1"),
    ("companies", "list", "--limit", "50"),
    ("companies", "show", "1"),
    ("deals", "list", "--limit", "50"),
    ("leads", "list", "--limit", "50"),
    ("tasks", "list", "--limit", "50"),
    ("timeline", "company", "1", "--limit", "50"),
)


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh process. On a loaded machine the
    CPU time is the steadier measure of what the process itself costs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def instructions(argv: list[str], env: dict[str, str]) -> int:
    """Instructions the process executes (valgrind's cachegrind, no cache simulation):
    unlike its time, the count does not move with the load of a shared machine."""
    done = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
         *argv],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    refs = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if refs is None:
        raise SystemExit(f"no instruction count from valgrind: {done.stderr[-300:]}")
    return int(refs.group(1).replace(",", ""))


def print_instructions(commands: list[tuple[str, list[str]]], env: dict[str, str]) -> None:
    counts = {name: instructions(argv, env) for name, argv in commands}
    floor = counts[FLOOR[0]]
    print()
    print("| command | instructions | × floor |")
    print("| --- | ---: | ---: |")
    for name, count in counts.items():
        print(f"| {name} | {count / 1e6:,.0f} M | {count / floor:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="bench/data/contacts300k.db")
    parser.add_argument("--before", help="another checkout's crmctl script (e.g. main's)")
    parser.add_argument(
        "--before-db",
        help="the same data at the schema the --before checkout knows (default: --db)",
    )
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--all", action="store_true", help="also the other read commands")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="also count each command's instructions once under valgrind (load-independent)",
    )
    args = parser.parse_args()
    after = str(Path(sys.executable).parent / "crmctl")
    url = f"sqlite:///{Path(args.db).resolve()}"
    urls = {"after": url, "before": f"sqlite:///{Path(args.before_db or args.db).resolve()}"}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {"CRM_NOW": "2026-11-01T12:00:00+00:00"}
    scripts = {"after": after, **({"before": args.before} if args.before else {})}
    commands = [FLOOR]
    for command in (HEADLINE, *(OTHERS if args.all else ())):
        for label, script in scripts.items():
            argv = [script, "--db", urls[label], "--as", "admin", *command]
            commands.append((f"`crmctl {' '.join(command)}` ({label})", argv))
    for _, argv in commands:
        run_once(argv, env)  # warm-up: byte-code and the page cache
    wall: dict[str, list[float]] = {name: [] for name, _ in commands}
    cpu: dict[str, list[float]] = {name: [] for name, _ in commands}
    for _ in range(args.runs):
        for name, argv in commands:
            seconds, used = run_once(argv, env)
            wall[name].append(seconds)
            cpu[name].append(used)
    floor_wall = statistics.median(wall[FLOOR[0]])
    floor_cpu = statistics.median(cpu[FLOOR[0]])
    print("| command | wall median | min | max | × floor | CPU median | × floor (CPU) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, runs in wall.items():
        median, used = statistics.median(runs), statistics.median(cpu[name])
        print(
            f"| {name} | {median * 1000:.0f} ms | {min(runs) * 1000:.0f} ms "
            f"| {max(runs) * 1000:.0f} ms | {median / floor_wall:.2f} "
            f"| {used * 1000:.0f} ms | {used / floor_cpu:.2f} |"
        )
    if args.instructions:
        print_instructions(commands, env)


if __name__ == "__main__":
    main()
