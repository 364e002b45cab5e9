"""The examples at the end of every command's ``--help``, in one place.

Command path → one to three command lines that work on the demo database
(``crmctl init --demo --history``), as the admin who created it unless ``--as`` says
otherwise; tests/cli/test_examples.py runs each against a fresh copy of that database
and expects exit 0, or the exit code given with the example (``Example(line, code)``).
Files an example reads are under ``examples/`` (the test runs in a directory that has it).
"""

from typing import NamedTuple


class Example(NamedTuple):
    line: str
    exit_code: int = 0


E = Example
EXAMPLES: dict[str, tuple[Example, ...]] = {}


def epilog(path: str) -> str | None:
    """The ``Examples:`` block of a command's help (``\\b``: click keeps the lines as they are)."""
    found = EXAMPLES.get(path)
    if not found:
        return None
    lines = [f"  $ crmctl {example.line}" for example in found]
    return "\b\nExamples:\n" + "\n".join(lines)
