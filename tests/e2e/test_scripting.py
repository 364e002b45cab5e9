"""Issue 15 item 14 (and 10) with the installed ``crmctl`` in real processes and pipes.

``crmctl … list | head`` must exit 141 in every format: the reader leaves after its
first bytes while crmctl is still writing. Before, one big write into the pipe was cut
short by CPython without an error, so table and JSON output exited 0, truncated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CRMCTL = shutil.which("crmctl") or str(Path(sys.executable).with_name("crmctl"))
FORMATS = ("table", "json", "jsonl", "csv", "yaml")
COMPANIES = 6_000  # every format, the narrow table too (~56 bytes a row), ≥ 5× a pipe's 64 KiB


def run(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CRMCTL, *args], input=stdin, capture_output=True, text=True, env=env, check=False
    )


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_DATABASE_URL": db_url,
        "CRM_USER": "admin",
        "CRM_NOW": "2026-03-10T09:00:00+01:00",
    }


def import_companies(env: dict[str, str], tmp_path: Path) -> None:
    rows = "\n".join(f"Firma {number} s.r.o.,Praha" for number in range(COMPANIES))
    source = tmp_path / "firmy.csv"
    source.write_text(f"Firma,Město\n{rows}\n", encoding="utf-8")
    imported = run("import", str(source), env=env)
    assert imported.returncode == 0, imported.stderr


def read_head_then_leave(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Like `crmctl … | head -c 100`: read a little, close the pipe, wait for the exit."""
    process = subprocess.Popen(
        [CRMCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.read(100)
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert first, errors
    return process.wait(timeout=60), errors


def test_item14_list_into_a_pipe_closed_early_exits_141(
    env: dict[str, str], tmp_path: Path
) -> None:
    import_companies(env, tmp_path)
    for output in FORMATS:
        code, errors = read_head_then_leave(["companies", "list", "-o", output], env)
        assert code == 141, (output, code, errors)
        assert errors == "", output  # quiet, as `gh` and `kubectl`: no traceback, no "error:"
    # The same through a shell, as users write it: `crmctl … | head -n 1`.
    script = f'"{CRMCTL}" companies list -o table | head -n 1 >/dev/null; '
    script += 'echo "${PIPESTATUS[0]}"'
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert result.stdout.strip() == "141", (result.stdout, result.stderr)


def test_item14_missing_file_same_exit_code_in_real_processes(
    env: dict[str, str], tmp_path: Path
) -> None:
    assert run("companies", "add", "--name", "Acme s.r.o.", env=env).returncode == 0
    missing = str(tmp_path / "nic")
    for args in (
        ["import", missing + ".csv"],
        ["contacts", "apply", "-f", missing + ".json"],
        ["docs", "attach", "company", "1", missing + ".pdf"],
        ["workflows", "validate", missing + ".yaml"],
    ):
        result = run(*args, env=env)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr


def test_item14_empty_pipe_into_apply_fails(env: dict[str, str]) -> None:
    # `crmctl deals list … -o json | crmctl deals apply -f -` where the first one died.
    result = run("deals", "apply", "-f", "-", env=env, stdin="")
    assert result.returncode == 4
    assert "no records on input" in result.stderr


def test_item10_usage_errors_and_negative_ids_in_real_processes(env: dict[str, str]) -> None:
    usage = run("companies", "list", "--bogus", env=env)
    assert usage.returncode == 2
    assert usage.stderr.splitlines() == [
        "error: no such option: --bogus",
        "try 'crmctl companies list --help'",
    ]
    assert run("companies", "add", "--name", "Acme s.r.o.", env=env).returncode == 0
    negative = run("companies", "show", "-1", env=env)
    assert negative.returncode == 3 and negative.stderr.startswith("error: ")
    huge = run("companies", "show", "99999999999999999999", env=env)
    assert huge.returncode == 3 and huge.stderr.startswith("error: COMPANY 9999")
