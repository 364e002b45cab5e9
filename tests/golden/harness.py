"""Replays the golden corpus against one database and normalises what is not deterministic.

Shared by tests/test_golden.py (which compares) and scripts/record_golden.py (which
records). Everything here runs crmctl in-process through typer's CliRunner, with stdout
and stderr kept apart, exactly as the `Crm` helper of tests/conftest.py does.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from crmctl.cli import app
from tests.golden.invocations import FILES, FIXED_NOW, GROUPS, Call

EXPECTED_DIR = Path(__file__).parent / "expected"
EXAMPLES = Path(__file__).parent.parent.parent / "examples"

# The task UID of an .ics export holds the database's install id, a random value made by
# the migrations (so every fresh database has another one).
_INSTALL_ID = re.compile(r"(task-\d+-)[0-9A-Za-z-]+(@crmctl)")


def expected_path(backend: str) -> Path:
    """One recording per backend, because the two truly differ in what users see:
    PostgreSQL spends a sequence value in every transaction that rolls back (a rejected
    write, a dry run), so later ids are higher than on SQLite; and it stores JSON as
    JSONB, which orders an object's keys by length, so `custom`, event payloads and the
    `field: before → after` summaries built from them list keys in another order."""
    return EXPECTED_DIR / f"{backend}.jsonl"


def environment(url: str, workdir: Path) -> dict[str, str | None]:
    """A fixed environment: the clock, the acting user, no developer config or SMTP."""
    return {
        "CRM_DATABASE_URL": url,
        "CRM_USER": "admin",
        "CRM_NOW": FIXED_NOW,
        "CRM_TIMEZONE": None,
        "CRM_DEBUG": None,
        "CRM_SMTP_URL": None,
        "CRM_WORKFLOWS": None,
        "FORCE_COLOR": None,
        "NO_COLOR": None,
        # `config show` prints the OS user: fix it rather than normalise it away.
        "USER": "golden",
        "LOGNAME": "golden",
        "XDG_CONFIG_HOME": str(workdir / "config"),
        "XDG_DATA_HOME": str(workdir / "data"),
        # A pipe with no width (issue 20): tables keep their plain layout. With COLUMNS
        # set they would fit it instead (right-aligned numbers, cut text); click's help
        # is 80 columns wide either way.
        "COLUMNS": None,
    }


def prepare_workdir(workdir: Path) -> None:
    """The input files the corpus names, by relative path (so no temporary path leaks)."""
    for name, content in FILES.items():
        (workdir / name).write_text(content, encoding="utf-8")
    shutil.copyfile(EXAMPLES / "adresar.xlsx", workdir / "adresar.xlsx")


def normalise(text: str, url: str, workdir: Path) -> str:
    """Only what differs between runs: the temporary directory, the database URL and name,
    and the install id. Longest first, so the URL is replaced before the directory in it."""
    parsed = make_url(url)
    database = parsed.database or ""
    text = text.replace(url, "<database-url>")
    text = text.replace(parsed.render_as_string(hide_password=True), "<database-url>")
    text = text.replace(str(workdir.resolve()), "<workdir>").replace(str(workdir), "<workdir>")
    if database.startswith("crmctl_"):  # a PostgreSQL test database: crmctl_t_<random>
        text = text.replace(database, "<database>")
    return _INSTALL_ID.sub(r"\1<install-id>\2", text)


def read_xlsx(path: Path) -> list[list[Any]]:
    """The cell values of every sheet (not the bytes: those are checked by report tests)."""
    workbook = load_workbook(path)
    return [
        [sheet.title]
        + [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    ]


def read_back(path: Path, url: str, workdir: Path) -> Any:
    """What the invocation wrote to a file, or None when it wrote none."""
    if not path.exists():
        return None
    if path.suffix == ".xlsx":
        return read_xlsx(path)
    return normalise(path.read_text(encoding="utf-8"), url, workdir)


def _cell(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, type(None))) else str(value)


def run_call(call: Call, url: str, workdir: Path) -> dict[str, Any]:
    result = CliRunner().invoke(
        app, list(call.args), input=call.stdin, env=environment(url, workdir)
    )
    record: dict[str, Any] = {
        "argv": list(call.args),
        "exit_code": result.exit_code,
        "stdout": normalise(result.stdout, url, workdir),
        "stderr": normalise(result.stderr, url, workdir),
    }
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        record["exception"] = repr(result.exception)  # a bug, recorded so it shows
    if call.reads is not None:
        record["file"] = read_back(workdir / call.reads, url, workdir)
    return record


def replay(url: str, workdir: Path) -> list[dict[str, Any]]:
    """Every invocation in order (later reads see earlier writes), one record each.
    The invocations name their files by relative path: run this in ``workdir``."""
    assert Path.cwd().resolve() == workdir.resolve(), "replay from inside the workdir"
    prepare_workdir(workdir)
    records = []
    for group, calls in GROUPS.items():
        for call in calls:
            records.append({"group": group, **run_call(call, url, workdir)})
    return records


def dump(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)


def load(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
