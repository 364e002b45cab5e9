"""Timing ``crmctl`` as a user runs it: a fresh process per run (shared by the benches).

bench/ is not a package; the benches put this directory on ``sys.path``.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PYCACHE = BENCH_DIR / "data" / "pycache"


def cached_env(extra: Mapping[str, str]) -> dict[str, str]:
    """As after a normal install, whose byte-code pip compiles: cached (under
    ``bench/data/``, not in the tree), even where the shell sets
    ``PYTHONDONTWRITEBYTECODE`` (this machine's does)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(PYCACHE)} | dict(extra)


def uncached_env(extra: Mapping[str, str]) -> dict[str, str]:
    """As in a shell with ``PYTHONDONTWRITEBYTECODE=1`` and an editable install: every
    crmctl module is compiled again on every run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    return env | {"PYTHONDONTWRITEBYTECODE": "1"} | dict(extra)


def whole_process(
    command: Sequence[str], env: Mapping[str, str], runs: int
) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds (user + system of the child) of ``runs`` fresh runs,
    after one warm-up run (which also writes the byte-code cache)."""
    subprocess.run(command, check=True, capture_output=True, env=dict(env))
    seconds, cpu_seconds = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=dict(env))
        seconds.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_seconds.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return seconds, cpu_seconds
