"""Issue 16, acceptance item 1: nothing a user sees changes.

Replays the golden corpus (tests/golden/invocations.py, 500+ invocations: every noun and
verb, every output format, filters, sorts, limits, writes and errors as several users)
against a fresh database on SQLite and on PostgreSQL, and compares stdout, stderr and
exit code of every invocation with tests/golden/expected/<backend>.jsonl, recorded on
main before the refactoring. To re-record after a deliberate change:
`scripts/record_golden.py --backend sqlite|postgres` (see README, "Golden corpus").
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from typer.main import get_command

from crmctl.cli import app
from tests.golden import harness
from tests.golden.invocations import GROUPS
from tests.test_docs import command_paths

SHOWN = 5  # differing invocations shown in full; the rest are counted


def _backend(url: str) -> str:
    return "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgres"


def _pretty(record: dict[str, Any]) -> list[str]:
    """One line per output line, so the diff points at the line that changed."""
    lines = [f"argv: {json.dumps(record.get('argv'), ensure_ascii=False)}"]
    for key in sorted(set(record) - {"argv", "group"}):
        value = record[key]
        if isinstance(value, str):
            lines += [f"{key}: {line}" for line in value.splitlines() or [""]]
        else:
            lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return lines


def _report(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> str:
    differing = [
        (index, want, got)
        for index, (want, got) in enumerate(zip(expected, actual, strict=True))
        if want != got
    ]
    parts = [f"{len(differing)} of {len(expected)} invocations differ from the recording"]
    for index, want, got in differing[:SHOWN]:
        diff = difflib.unified_diff(
            _pretty(want),
            _pretty(got),
            f"expected #{index} ({want['group']})",
            f"actual #{index}",
            lineterm="",
        )
        parts.append("\n".join(diff))
    return "\n\n".join(parts)


def _argv_words(argv: list[str]) -> list[str]:
    """The command words of an argv, global options (`--as USER`, `--db URL`) left out."""
    words = list(argv)
    while words and words[0] in ("--as", "--db"):
        words = words[2:]
    return words


def test_item1_golden_corpus_covers_every_command() -> None:
    """Every leaf of `crmctl --help` appears at least once, and there are >= 300 calls."""
    calls = [call for group in GROUPS.values() for call in group]
    assert len(calls) >= 300
    invoked = {" ".join(_argv_words(list(call.args))) + " " for call in calls}
    paths = command_paths(get_command(app))
    missing = [path for path in paths if not any(line.startswith(path + " ") for line in invoked)]
    assert missing == []
    formats = {call.args[call.args.index("-o") + 1] for call in calls if "-o" in call.args}
    assert {"table", "json", "jsonl", "csv", "yaml", "xlsx", "html"} <= formats


def test_item1_golden_corpus_output_unchanged(db_url: str, tmp_path: Path) -> None:
    """stdout, stderr and exit code of every invocation are as recorded on main."""
    path = harness.expected_path(_backend(db_url))
    if not path.exists():
        pytest.fail(f"{path} is missing; record it with scripts/record_golden.py")
    expected = harness.load(path)
    actual = harness.replay(db_url, tmp_path)
    assert [r["argv"] for r in actual] == [r["argv"] for r in expected], (
        "the corpus changed since it was recorded: re-record with scripts/record_golden.py"
    )
    if actual != expected:
        pytest.fail(_report(expected, actual), pytrace=False)
