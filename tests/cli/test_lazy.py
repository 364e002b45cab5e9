"""The root group imports a noun's module only when the noun is used."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer._click.shell_completion import CompletionItem, ShellComplete
from typer.main import get_command
from typer.testing import CliRunner

from crmctl.cli import COMMANDS, LazyGroup, app
from crmctl.cli.common import settings_for
from tests.conftest import ADMIN, Crm


def modules_after(*args: str) -> set[str]:
    """The noun modules a fresh interpreter imported to run ``crmctl ARGS``."""
    code = (
        "import sys\n"
        "from crmctl.cli import app\n"
        "try:\n"
        f"    app({list(args)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(m for m in sys.modules if m.startswith('crmctl.cli.')), file=sys.stderr)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(run.stderr.split()) & {spec.module for spec in COMMANDS.values()}


def test_root_help_imports_no_noun() -> None:
    assert modules_after("--help") == set()


def test_a_noun_imports_only_its_own_module() -> None:
    assert modules_after("tasks", "overdue", "--help") == {"crmctl.cli.tasks"}
    assert modules_after("config", "--help") == {"crmctl.cli.database"}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_listed_help_is_the_commands_own(name: str) -> None:
    root = get_command(app)
    assert isinstance(root, LazyGroup)
    assert root.commands[name].help == COMMANDS[name].help


def test_every_module_command_is_listed() -> None:
    """A command added to a module's app without a line in COMMANDS would be unreachable."""
    root = get_command(app)
    assert list(root.commands) == list(COMMANDS)
    assert root.get_command(None, "nosuch") is None  # type: ignore[arg-type]


class _Probe(ShellComplete):
    name = "probe"
    source_template = ""

    def source_vars(self) -> dict[str, Any]:
        return {}

    def get_completion_args(self) -> tuple[list[str], str]:
        return [], ""

    def format_completion(self, item: CompletionItem) -> str:
        return item.value


def completions(args: list[str], incomplete: str) -> list[str]:
    probe = _Probe(get_command(app), {}, "crmctl", "_CRMCTL_COMPLETE")
    return [item.value for item in probe.get_completions(args, incomplete)]


def test_completion_goes_through_the_lazy_group() -> None:
    assert completions([], "t") == ["teams", "timeline", "targets", "tasks"]
    assert completions(["tasks"], "ov") == ["overdue"]
    assert "--owner" in completions(["tasks", "overdue"], "--o")


def test_a_typo_still_gets_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["taks"])
    assert result.exit_code == 2
    assert "Did you mean 'tasks', 'teams'?" in result.output


def test_the_console_script_starts_without_the_garbage_collector(crm: Crm) -> None:
    """``app()`` (the console script) imports without collections until the command asks
    for its settings; tests' ``CliRunner`` and library imports leave the collector alone."""
    code = (
        "import gc, sys\n"
        "import crmctl.config\n"
        "from crmctl.cli import app\n"
        "assert gc.isenabled()\n"
        "events = []\n"
        "load = crmctl.config.load_settings\n"
        "def spy(*args):\n"
        "    events.append('settings')\n"
        "    return load(*args)\n"
        "crmctl.config.load_settings = spy\n"
        "gc.callbacks.append(lambda phase, info: phase == 'start' and events.append('gc'))\n"
        "try:\n"
        f"    app(['--db', {crm.url!r}, 'tasks', 'overdue'])\n"
        "finally:\n"
        "    print(' '.join(events), file=sys.stderr)\n"
    )
    env = {**os.environ, "CRM_USER": ADMIN}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    events = run.stderr.split()
    # With the collector on, importing SQLAlchemy, the models and the services runs
    # ~100 collections; without it at most the one that turning it on starts.
    assert events.index("settings") <= 1, events
    assert "gc" in events  # and on again for the command's work


def test_settings_for_turns_the_collector_back_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_DATABASE_URL", "sqlite:///nowhere.db")
    gc.disable()
    try:
        settings_for(typer.Context(get_command(app)))
        assert gc.isenabled()
    finally:
        gc.enable()
