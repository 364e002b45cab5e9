"""``tasks overdue`` runs without the ORM (issue 5: under 500 ms for the whole process).

Importing ``sqlalchemy.orm`` and the mapped models costs about half that budget, so the
command's whole path must do without them. Timing is for ``bench/``; this checks what a
fresh process of the installed console script imported.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import FIXED_NOW, Crm

ORM_MODULES = ("sqlalchemy.orm", "crmctl.db.models")

# The installed console script's entry point, called as the `crmctl` script calls it; then
# which of the ORM modules the process had imported, on the last line of stderr.
RUN_AND_REPORT = f"""
import sys
from importlib.metadata import entry_points

main = entry_points(group="console_scripts")["crmctl"].load()
try:
    main(args=sys.argv[1:], prog_name="crmctl")
finally:
    loaded = [name for name in {ORM_MODULES!r} if name in sys.modules]
    sys.stderr.write("\\nloaded: " + ",".join(loaded) + "\\n")
"""


def run_reporting_imports(
    url: str, user: str, *args: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_USER": user, "CRM_NOW": FIXED_NOW}
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_REPORT, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    last = result.stderr.rstrip("\n").splitlines()[-1]
    assert last.startswith("loaded: "), result.stderr
    return result, [name for name in last.removeprefix("loaded: ").split(",") if name]


@pytest.fixture
def overdue_crm(db_url: str) -> Crm:
    """Overdue tasks of a salesperson in a team, and a support user (limited view)."""
    crm = Crm(db_url)
    crm("teams", "add", "sever")
    crm("users", "add", "jana", "--team", "sever")
    crm("users", "add", "hana", "--role", "support")
    crm("tasks", "add", "Zavolat Novákovi", "--due", "-1d", "--assignee", "jana")
    crm("tasks", "add", "Poslat nabídku", "--due", "-2d", "--assignee", "jana")
    crm("tasks", "add", "Později", "--due", "+1d", "--assignee", "jana")
    return crm


@pytest.mark.parametrize(
    ("user", "args"),
    [
        ("jana", ("--owner", "jana")),
        ("admin", ("--owner", "jana", "-o", "json")),
        ("admin", ("--team", "sever", "-o", "csv")),
        ("hana", ("--owner", "jana")),
    ],
)
def test_tasks_overdue_imports_no_orm(overdue_crm: Crm, user: str, args: tuple[str, ...]) -> None:
    result, loaded = run_reporting_imports(
        overdue_crm.url, user, "tasks", "overdue", "--fail-if-any", *args
    )
    assert result.returncode == 6, result.stderr
    assert "Zavolat Novákovi" in result.stdout and "Poslat nabídku" in result.stdout
    assert "Později" not in result.stdout
    assert loaded == []


def test_the_import_report_sees_the_orm_of_a_command_that_writes(overdue_crm: Crm) -> None:
    """The check above could not pass by accident: a write does load the ORM."""
    result, loaded = run_reporting_imports(overdue_crm.url, "admin", "tasks", "done", "1")
    assert result.returncode == 0, result.stderr
    assert loaded == list(ORM_MODULES)
