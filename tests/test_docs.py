"""The README's command reference covers every command the CLI has."""

from __future__ import annotations

import re
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


def guarantees_section(text: str) -> str:
    start = text.index("## Guarantees")
    return text[start : text.index("\n## ", start + 1)]


def test_every_guarantee_names_tests_that_exist() -> None:
    """Each promise in README's Guarantees names test files or test functions that exist."""
    section = guarantees_section(README.read_text(encoding="utf-8"))
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    tests_dir = README.parent / "tests"
    sources = "\n".join(path.read_text(encoding="utf-8") for path in tests_dir.rglob("test_*.py"))
    assert len(rows) > 10
    for row in rows[1:]:
        held_by = row.rsplit("|", 2)[-2]
        names = re.findall(r"`([^`]+)`", held_by)
        assert names, f"no test named in: {row}"
        for name in names:
            if name.endswith(".py"):
                assert (README.parent / name).is_file(), name
            else:
                function = name.split("(")[0].removesuffix("_…")
                assert f"def {function}" in sources, name
