"""All the CLI writes goes through one console object that a test can swap: data on its
stdout, messages on its stderr, progress only where its stderr is a terminal."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from crmctl.cli import app
from crmctl.cli.console import Console, console, use_console
from tests.conftest import FIXED_NOW, Crm


def fake(*, tty: bool = False) -> Console:
    return Console(io.StringIO(), io.StringIO(), stdout_isatty=tty, stderr_isatty=tty)


def run(crm: Crm, *args: str) -> int:
    env = {"CRM_DATABASE_URL": crm.url, "CRM_USER": crm.user, "CRM_NOW": FIXED_NOW}
    return CliRunner().invoke(app, list(args), env=env).exit_code


def captured(crm: Crm, *args: str, code: int = 0, tty: bool = False) -> tuple[str, str]:
    """What ``crmctl ARGS`` wrote to a swapped-in console: (stdout, stderr)."""
    with use_console(fake(tty=tty)) as swapped:
        assert run(crm, *args) == code
    return swapped.stdout.getvalue(), swapped.stderr.getvalue()  # type: ignore[attr-defined]


def test_data_and_messages_go_to_the_swapped_console(crm: Crm) -> None:
    crm("companies", "add", "--name", "Alfa s.r.o.")
    stdout, stderr = captured(crm, "companies", "list", "-o", "json")
    assert [c["name"] for c in json.loads(stdout)] == ["Alfa s.r.o."] and stderr == ""
    stdout, _ = captured(crm, "companies", "show", "1")
    assert "\nTimeline (latest 10" in stdout  # a section the command writes itself
    stdout, stderr = captured(crm, "companies", "show", "99", code=3)
    assert stdout == "" and stderr.startswith("error: no company") and stderr.count("\n") == 1


def test_progress_only_on_a_terminal(crm: Crm, tmp_path: Path) -> None:
    source = tmp_path / "kontakty.csv"
    source.write_text("Jméno;E-mail\nJan Novák;jan@example.cz\n", encoding="utf-8")
    args = ("import", "run", str(source), "--dry-run")
    assert "rows/s" not in captured(crm, *args)[1]
    assert "rows/s" in captured(crm, *args, tty=True)[1]


def test_without_a_swap_the_console_is_the_process_streams() -> None:
    current = console()
    assert (current.stdout, current.stderr) == (sys.stdout, sys.stderr)
