"""Issue 20 item 5: every command's ``--help`` ends with examples, and each one works.

The demo database (``crmctl init --demo --history``) is made once; each command's
examples run in order, as a user would type them one after another, against a fresh copy
of it, in a directory set up as ``make demo`` sets it up (see crmctl/cli/examples.py).
Each must exit 0 or with the code written next to it in ``crmctl/cli/examples.py``.
"""

from __future__ import annotations

import shlex
import sqlite3
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from crmctl.cli import app
from crmctl.cli.examples import EXAMPLES
from tests.conftest import FIXED_NOW
from tests.test_docs import command_paths

REPOSITORY = Path(__file__).resolve().parent.parent.parent
ADMIN = "admin"


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(
        app,
        ["--db", str(path), "init", "--demo", "--history", "--admin", ADMIN],
        env={"CRM_NOW": FIXED_NOW},
    )
    assert result.exit_code == 0, result.stderr
    return path


def test_every_command_has_one_to_three_examples_at_the_end_of_its_help() -> None:
    paths = command_paths(get_command(app))
    assert sorted(EXAMPLES) == sorted(paths)
    runner = CliRunner()
    for path in paths:
        assert 1 <= len(EXAMPLES[path]) <= 3, path
        result = runner.invoke(app, [*path.split(), "--help"])
        assert result.exit_code == 0, path
        last_lines = result.stdout.rstrip("\n").splitlines()[-len(EXAMPLES[path]) :]
        assert [line.strip() for line in last_lines] == [
            f"$ crmctl {e.line}" for e in EXAMPLES[path]
        ], path


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_the_examples_run_on_the_demo_database(
    path: str, demo_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "crm.db"
    _copy(demo_database, database)
    for name in ("examples", "workflows.yaml"):
        (tmp_path / name).symlink_to(REPOSITORY / name)
    (tmp_path / "crmctl.yaml").symlink_to(REPOSITORY / "examples" / "crmctl.demo.yaml")
    monkeypatch.chdir(tmp_path)
    env = {"CRM_DATABASE_URL": f"sqlite:///{database}", "CRM_USER": ADMIN, "CRM_NOW": FIXED_NOW}
    for example in EXAMPLES[path]:
        words = shlex.split(example.line)
        target = None
        if ">" in words:  # `… -o jsonl > kontakty.jsonl`: the file a later example reads
            words, target = words[: words.index(">")], words[words.index(">") + 1]
        result = CliRunner().invoke(app, words, env=env)
        assert result.exit_code == example.exit_code, (
            f"crmctl {example.line}: exit {result.exit_code}, expected {example.exit_code}\n"
            f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
        )
        if target is not None:
            (tmp_path / target).write_text(result.stdout, encoding="utf-8")


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of the SQLite database (its WAL included)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
