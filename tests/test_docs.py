"""The README's command reference covers every command the CLI has."""

from __future__ import annotations

from pathlib import Path

from typer.main import get_command

from crmctl.cli import app

README = Path(__file__).parent.parent / "README.md"


def command_paths(command: object, prefix: tuple[str, ...] = ()) -> list[str]:
    subcommands = getattr(command, "commands", None)
    if not subcommands:
        return [" ".join(prefix)]
    paths: list[str] = []
    for name, sub in subcommands.items():
        paths += command_paths(sub, (*prefix, name))
    return paths


def test_every_command_is_documented() -> None:
    text = README.read_text(encoding="utf-8")
    paths = command_paths(get_command(app))
    assert len(paths) > 20
    missing = [path for path in paths if f"crmctl {path}" not in text]
    assert missing == []


def test_readme_shows_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make demo" in text and "make test" in text
