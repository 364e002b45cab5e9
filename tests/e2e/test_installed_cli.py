"""Runs the installed ``crmctl`` in a subprocess, exactly as a user or cron would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CRMCTL = shutil.which("crmctl") or str(Path(sys.executable).with_name("crmctl"))


def run(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CRMCTL, *args], input=stdin, capture_output=True, text=True, env=env, check=False
    )


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_DATABASE_URL": db_url,
        "CRM_USER": "admin",
        "CRM_NOW": "2026-03-10T09:00:00+01:00",
    }


def test_demo_pipeline_round_trips(env: dict[str, str]) -> None:
    assert run("init", "--demo", env=env).returncode == 0
    card = run("companies", "show", "27184315", env=env)
    assert card.returncode == 0, card.stderr
    assert "Strojírny Dvořák" in card.stdout and "Contacts" in card.stdout
    for fmt in ("json", "jsonl", "yaml"):
        listed = run("contacts", "list", "-o", fmt, env=env)
        applied = run("contacts", "apply", "-f", "-", "--dry-run", env=env, stdin=listed.stdout)
        assert applied.returncode == 0, applied.stderr
        assert applied.stdout == "" and "no changes" in applied.stderr
    found = json.loads(run("contacts", "list", "--search", "dvorak", "-o", "json", env=env).stdout)
    assert {c["last_name"] for c in found} >= {"Dvořák"}


def test_errors_have_no_traceback_and_documented_codes(env: dict[str, str]) -> None:
    run("init", env=env)
    bad_where = run("companies", "list", "--where", "city ~", env=env)
    assert bad_where.returncode == 4
    assert bad_where.stderr.startswith("error: ") and "Traceback" not in bad_where.stderr
    missing = run("contacts", "show", "424242", env=env)
    assert missing.returncode == 3 and missing.stderr.startswith("error: ")
    usage = run("companies", "list", "-o", "xml", env=env)
    assert usage.returncode == 2


def test_version_and_help_print_without_a_database() -> None:
    version = subprocess.run([CRMCTL, "--version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0 and version.stdout.startswith("crmctl ")
    helped = subprocess.run([CRMCTL, "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0
    for noun in ("companies", "contacts", "timeline", "users", "teams", "db", "init"):
        assert noun in helped.stdout


def test_cron_overdue_check_exit_codes(env: dict[str, str], tmp_path: Path) -> None:
    """What a nightly cron line relies on: exit 0 when nothing is overdue, 6 when something
    is, the list on stdout and one `error:` line on stderr; and an .ics file written."""
    run("init", env=env)
    assert run("tasks", "add", "Later", "--due", "+1d", env=env).returncode == 0
    clean = run("tasks", "overdue", "--fail-if-any", "-o", "csv", env=env)
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", "")
    assert run("tasks", "add", "Late", "--due", "-1d", env=env).returncode == 0
    late = run("tasks", "overdue", "--fail-if-any", "-o", "csv", env=env)
    assert late.returncode == 6
    assert late.stdout.splitlines()[1].split(",")[2] == "Late"
    assert late.stderr.splitlines() == [
        "error: 1 overdue task(s); finish them with `crmctl tasks done ID`"
    ]
    ics = tmp_path / "tasks.ics"
    assert run("tasks", "export-ics", "--output", str(ics), env=env).returncode == 0
    assert ics.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
