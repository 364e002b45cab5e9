"""What to offer for the word under the cursor, from the shipped command tree.

The shell script passes the words of the command line after ``crmctl`` up to the cursor
(the last one is the word being completed, maybe empty); the answer is one candidate per
line on stdout. ``:files`` as the only line asks the shell for its own file-name completion.
Every failure is silent: a Tab must never print an error into the user's line.
"""

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from crmctl.completion import values

TREE_FILE = Path(__file__).with_name("tree.json")
FILES = ":files"
# Options of the root that are also accepted after the noun (`crmctl deals --as eva list`).
GLOBAL_VALUE_OPTIONS = {"--db": "file", "--as": "logins"}
WHERE_WORDS = ("and", "or", "not")


@cache
def tree() -> dict[str, Any]:
    return json.loads(TREE_FILE.read_text(encoding="utf-8"))


def complete(
    words: list[str], environ: dict[str, str] | None = None, shell: str = "bash"
) -> list[str]:
    """Candidates for ``words[-1]`` given the words before it, as ``shell`` inserts them."""
    environ = dict(os.environ) if environ is None else environ
    words = _joined(words) or [""]
    found = _candidates(words, environ)
    if shell == "bash" and not words[-1].startswith(("'", '"')):
        # bash inserts a candidate as it is: `Obchod Praha` would become two words.
        return [re.sub(r"([\s'\"\\$`])", r"\\\1", item) for item in found]
    return found


def _candidates(words: list[str], environ: dict[str, str]) -> list[str]:
    *before, current = words
    node, positional, pending, db = _walk(before)
    if pending is not None:
        return _option_values(pending, node, current, db, environ)
    if current.startswith("-"):
        if "=" in current:  # `--owner=ev`: values of the option, with its name in front
            name, _, value = current.partition("=")
            option = node.get("options", {}).get(name)
            found = _option_values([name, option], node, value, db, environ) if option else []
            return [f"{name}={item}" for item in found if item != FILES]
        return _matching(_option_names(node), current)
    commands = node.get("commands")
    if commands:
        return _matching([name for name in commands if not name.startswith("_")], current)
    kinds = node.get("args", [])
    kind = kinds[min(positional, len(kinds) - 1)] if kinds else ""
    return _values(kind, current, db, environ)


def _joined(words: list[str]) -> list[str]:
    """bash splits `--owner=eva` into `--owner`, `=`, `eva`: read it as `--owner eva` (bash
    replaces only `eva`, so the value is what it needs); a last `=` is an empty value."""
    joined: list[str] = []
    for index, word in enumerate(words):
        if word == "=" and joined and joined[-1].startswith("-"):
            if index == len(words) - 1:
                joined.append("")
            continue
        joined.append(word)
    return joined


def _walk(before: list[str]) -> tuple[dict[str, Any], int, list[Any] | None, str | None]:
    """The command the words name, how many positional words it has, the option still
    waiting for its value (name and kind), and the ``--db`` given on the line."""
    node: dict[str, Any] = tree()
    positional = 0
    pending: list[Any] | None = None
    db: str | None = None
    for word in before:
        if pending is not None:
            if pending[0] == "--db":
                db = word
            pending = None
            continue
        if word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            known = {**node.get("hidden", {}), **node.get("options", {})}
            kind = known.get(name, GLOBAL_VALUE_OPTIONS.get(name))
            if name == "--db" and eq:
                db = value
            if kind is not None and not eq:
                pending = [name, kind]
            continue
        commands = node.get("commands")
        if commands and word in commands:
            node, positional = commands[word], 0
        else:
            positional += 1
    return node, positional, pending, db


def _option_names(node: dict[str, Any]) -> list[str]:
    names = list(node.get("options", {}))
    return [*names, *(name for name in GLOBAL_VALUE_OPTIONS if name not in names)]


def _option_values(
    pending: list[Any], node: dict[str, Any], current: str, db: str | None, env: dict[str, str]
) -> list[str]:
    name, kind = pending
    if kind is None:
        kind = GLOBAL_VALUE_OPTIONS.get(name, "")
    if isinstance(kind, str) and kind.startswith("where:"):
        return _where(kind.removeprefix("where:"), current)
    return _values(kind, current, db, env)


def _values(kind: Any, current: str, db: str | None, env: dict[str, str]) -> list[str]:
    if isinstance(kind, list):  # fixed choices: output formats, `custom|ignore`
        return _matching(kind, current)
    if kind == "file":
        return [FILES]
    if kind in values.KINDS:
        return _matching(values.read(kind, db, env), current)
    return []


def _where(entity: str, current: str) -> list[str]:
    """Field names at the start of a filter and after `and`/`or`/`not`/`(`.

    The word may hold the whole filter typed so far, with its opening quote
    (`'stage = "x" and ow`): candidates repeat it up to the field being typed.
    """
    fields = tree().get("where", {}).get(entity, [])
    text = current.lstrip("'\"")
    match = re.search(r"[\w.]*$", text)
    start = match.start() if match else len(text)
    head, fragment = text[:start], text[start:]
    words = head.replace("(", " ( ").split()
    if words and words[-1].lower() not in (*WHERE_WORDS, "("):
        return []
    return [head + name for name in fields if name.startswith(fragment)]


def _matching(candidates: list[str], current: str) -> list[str]:
    return [item for item in candidates if item.startswith(current)]
