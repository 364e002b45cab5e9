"""Issue 20 items 5–6: --quiet, -q/--ids, --as/--db after the noun, -o vs --output,
option values named by meaning."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from crmctl.cli import app
from tests.conftest import FIXED_NOW, Crm
from tests.test_docs import command_paths

CRMCTL = Path(sys.executable).parent / "crmctl"


@pytest.fixture
def deals_crm(crm: Crm) -> Crm:
    crm("users", "add", "eva.mala", "--role", "sales")
    crm("deals", "add", "--title", "Malá", "--value", "50000")
    crm("deals", "add", "--title", "Velká", "--value", "250000")
    crm("deals", "add", "--title", "Evina", "--value", "300000", "--owner", "eva.mala")
    return crm


def test_quiet_leaves_the_data_and_drops_the_success_line(deals_crm: Crm) -> None:
    loud = deals_crm("deals", "move", "1", "nabidka", "-o", "json")
    assert "moved to" in loud.stderr
    for args in (
        ["deals", "move", "2", "nabidka", "--quiet"],
        ["--quiet", "deals", "move", "3", "nabidka"],
    ):
        result = deals_crm(*args, "-o", "json")
        assert result.stderr == ""
        assert '"stage": "nabidka"' in result.stdout


def test_quiet_keeps_errors_and_exit_codes(deals_crm: Crm) -> None:
    result = deals_crm("deals", "show", "999", "--quiet", code=3)
    assert result.stderr.startswith("error: ")
    result = deals_crm("--quiet", "deals", "move", "1", "nowhere", code=4)
    assert result.stderr.startswith("error: ")


def test_ids_prints_the_ids_of_the_list_one_per_line(deals_crm: Crm) -> None:
    wanted = [d["id"] for d in deals_crm.json("deals", "list", "--where", "value > 100000")]
    assert len(wanted) == 2
    for flag in ("--ids", "-q"):
        result = deals_crm("deals", "list", "--where", "value > 100000", flag)
        assert result.stdout == "".join(f"{i}\n" for i in wanted)


def test_ids_is_offered_on_lists_only(deals_crm: Crm) -> None:
    result = deals_crm("deals", "show", "1", "--ids", code=2)
    assert result.stderr.startswith("error: no such option: --ids")


def test_as_and_db_after_the_noun_and_after_the_verb(deals_crm: Crm) -> None:
    own = ["3\n"]  # eva.mala (sales) sees her own deal only
    before = deals_crm("--as", "eva.mala", "deals", "list", "--ids").stdout
    after_noun = deals_crm("deals", "--as", "eva.mala", "list", "--ids").stdout
    after_verb = deals_crm("deals", "list", "--as", "eva.mala", "--ids").stdout
    assert [before] == [after_noun] == [after_verb] == ["".join(own)]
    env = {"CRM_USER": "admin", "CRM_NOW": FIXED_NOW}
    result = CliRunner().invoke(app, ["deals", "list", "--db", deals_crm.url, "-q"], env=env)
    assert (result.exit_code, result.stdout) == (0, "1\n2\n3\n")


def test_o_is_the_format_and_the_old_output_spelling_still_parses(deals_crm: Crm) -> None:
    assert deals_crm("deals", "list", "--output", "json").stdout.startswith("[")
    assert deals_crm("deals", "list", "--format", "json").stdout.startswith("[")
    help_text = deals_crm("deals", "list", "--help").stdout
    # `--output` is a file now (issue 20 item 7: `-o xlsx --output F`), shown as one.
    assert "-o, --format FORMAT" in help_text and "--output FILE" in help_text


def test_every_option_value_is_named_by_its_meaning() -> None:
    """No `<str>`, `<int>` or `<list[str]>` in any --help: a metavar everywhere."""
    runner = CliRunner()
    for path in ["", *command_paths(get_command(app))]:
        text = runner.invoke(app, [*path.split(), "--help"]).stdout
        assert re.search(r"<(str|int|float|list\[str\])>", text) is None, path
    tasks_add = runner.invoke(app, ["tasks", "add", "--help"]).stdout
    for shown in ("--due WHEN", "--assignee LOGIN", "--deal DEAL"):
        assert shown in tasks_add
    assert "--where FILTER" in runner.invoke(app, ["deals", "list", "--help"]).stdout
    assert "--output FILE" in runner.invoke(app, ["report", "forecast", "--help"]).stdout


def test_ids_pipe_into_xargs_in_real_processes(deals_crm: Crm) -> None:
    env = {
        **os.environ,
        "CRM_DATABASE_URL": deals_crm.url,
        "CRM_USER": "admin",
        "CRM_NOW": FIXED_NOW,
        "PATH": f"{CRMCTL.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    line = "crmctl deals list --where 'value > 100000' --ids | xargs -n1 crmctl deals show -o json"
    result = subprocess.run(["sh", "-c", line], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"title"') == 2 and "Velká" in result.stdout


def test_a_quiet_run_with_nothing_to_show_prints_nothing(deals_crm: Crm) -> None:
    assert deals_crm("tasks", "overdue").stdout == "(no records)\n"
    result = deals_crm("tasks", "overdue", "--quiet")
    assert (result.stdout, result.stderr) == ("", "")
    assert deals_crm("tasks", "overdue", "--quiet", "-o", "json").stdout.strip() == "[]"


def test_ids_and_quiet_on_a_grouped_list(deals_crm: Crm) -> None:
    task = deals_crm.json("tasks", "add", "Zavolat", "--due", "+1d", "--assignee", "admin")
    assert deals_crm("tasks", "agenda", "--ids").stdout == f"{task['id']}\n"
    assert deals_crm("tasks", "agenda", "--owner", "eva.mala").stdout.strip() == "(no records)"
    assert deals_crm("tasks", "agenda", "--owner", "eva.mala", "--quiet").stdout == ""
