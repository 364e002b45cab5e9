"""Command-line arguments that click gets wrong for crmctl, and failures they explain.

* ``crmctl companies show -1``: click reads ``-1`` as an unknown option; for crmctl it is
  an id (one that does not exist), so such tokens are moved behind ``--``.
* ``crmctl companies show 99999999999999999999``: SQLite cannot bind an integer beyond
  64 bits and raises ``OverflowError`` deep in a query; no record can have that id, so
  the user hears which argument is out of range instead of "unexpected error".
* A file named on the command line that cannot be opened: one exit code (2) for every
  command, with the file named.
"""

from __future__ import annotations

import re
from typing import Any

from typer._click.core import Command, Parameter
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperOption

from crmctl.errors import CrmError, FileUnreadable, NotFound, PermissionDenied

NEGATIVE_NUMBER = re.compile(r"-\d+")
INT64_MAX = 2**63 - 1


def negative_numbers_as_arguments(command: Command, args: list[str]) -> list[str]:
    """``['-1', '-o', 'json']`` → ``['-o', 'json', '--', '-1']`` for a leaf command.

    Options (and the values they take) keep their order in front of ``--``; positional
    tokens, negative numbers included, follow it in their own order. Arguments without a
    negative number are returned untouched, and an option's value (``--limit -1``) stays
    that option's.
    """
    if not any(NEGATIVE_NUMBER.fullmatch(token) for token in args):
        return args
    takes_values = _options_taking_values(command)
    options: list[str] = []
    positionals: list[str] = []
    tokens = iter(args)
    for token in tokens:
        if token == "--":
            positionals.extend(tokens)
            break
        if token.startswith("-") and len(token) > 1 and not NEGATIVE_NUMBER.fullmatch(token):
            options.append(token)
            for _ in range(takes_values.get(token, 0)):
                value = next(tokens, None)
                if value is not None:
                    options.append(value)
        else:
            positionals.append(token)
    return [*options, "--", *positionals]


def _options_taking_values(command: Command) -> dict[str, int]:
    """Option name → how many values follow it (0 for flags)."""
    counts: dict[str, int] = {}
    for param in command.params:
        if isinstance(param, TyperOption) and not param.is_flag and not param.count:
            for name in [*param.opts, *param.secondary_opts]:
                counts[name] = max(1, param.nargs)
    return counts


def known_failure(error: Exception, leaf: Any, ctx: Any) -> CrmError | None:
    """A user's mistake that surfaced as a plain exception, as a ``CrmError``; else None."""
    if _out_of_range_number(error) and leaf is not None:
        return _out_of_range(leaf, ctx)
    refused = _refused_by_the_database(error)
    if refused is not None:
        return refused
    if isinstance(error, OSError) and error.filename is not None:
        reason = error.strerror or type(error).__name__
        return FileUnreadable(f"{error.filename}: {reason.lower()}; check the path")
    return None


def _refused_by_the_database(error: Exception) -> CrmError | None:
    """PostgreSQL's row or table rules refused the login crmctl runs as (a user's own
    login, mapped by ``users edit --db-role``): a permission error, not a failure."""
    original = getattr(error, "orig", None)
    if type(original).__name__ != "InsufficientPrivilege":
        return None
    reason = (str(original).strip().splitlines() or [""])[0]
    return PermissionDenied(
        f"permission denied by the database for this login: {reason}; through a login of "
        "their own, users reach only what the installed row rules allow (README: "
        "row-level security); ask an admin"
    )


def _out_of_range_number(error: Exception) -> bool:
    """SQLite cannot bind the number; PostgreSQL says "integer out of range"."""
    if isinstance(error, OverflowError):
        return True
    original = getattr(error, "orig", None)
    return type(original).__name__ == "NumericValueOutOfRange"


def _out_of_range(leaf: tuple[Command, list[str]], ctx: Any) -> CrmError | None:
    """Which argument holds a whole number no 64-bit id can be: "not found" (exit 3)."""
    command, args = leaf
    try:
        values, _, _ = command.make_parser(ctx).parse_args(list(args))
    except ClickUsageError:
        return None
    for param in command.params:
        for value in _as_list(values.get(param.name)):
            text = str(value).strip()
            if re.fullmatch(r"[+-]?\d+", text) and abs(int(text)) > INT64_MAX:
                return NotFound(
                    f"{_label(param)} {text}: no record has such an id (ids go up to {INT64_MAX})"
                )
    return None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _label(param: Parameter) -> str:
    if isinstance(param, TyperOption):
        return max(param.opts, key=len)
    return param.metavar or (param.name or "argument").upper()
