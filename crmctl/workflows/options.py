"""Option schemas shared by every trigger and action module, yamllint-style.

Each module declares ``OPTIONS: dict[str, Opt]``; ``check_options`` rejects unknown keys
(with a did-you-mean), missing required ones and values of the wrong type, each with the
place in the file and what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import get_close_matches
from typing import Any

from crmctl.workflows.yamlmarks import Loc, MarkedDict


@dataclass(frozen=True)
class Opt:
    types: tuple[type, ...]
    expected: str  # what the user should write, e.g. 'a login or "owner"'
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    loc: Loc
    message: str

    def __str__(self) -> str:
        return f"{self.loc}: {self.message}"


@dataclass
class Problems:
    items: list[Problem] = field(default_factory=list)

    def add(self, loc: Loc, message: str) -> None:
        self.items.append(Problem(loc, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def did_you_mean(name: str, known: list[str] | tuple[str, ...]) -> str:
    close = get_close_matches(name, list(known), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def check_options(
    raw: Any, schema: dict[str, Opt], what: str, loc: Loc, problems: Problems
) -> dict[str, Any] | None:
    """The options if they fit ``schema``; otherwise ``None`` and the problems noted."""
    if not isinstance(raw, dict):
        problems.add(loc, f"{what}: expected a mapping with keys {', '.join(schema)}")
        return None
    marked: MarkedDict | None = raw if isinstance(raw, MarkedDict) else None
    ok = True
    for key in raw:
        if key not in schema:
            where = marked.key_locs[key] if marked else loc
            problems.add(
                where,
                f'{what}: unknown option "{key}"{did_you_mean(key, tuple(schema))}; '
                f"expected one of {', '.join(schema)}",
            )
            ok = False
    for name, opt in schema.items():
        if name not in raw:
            if opt.required:
                problems.add(loc, f'{what}: missing option "{name}" ({opt.expected})')
                ok = False
            continue
        value = raw[name]
        where = marked.where(name) if marked else loc
        # bool is an int in Python; an option wanting a number must not take true/false.
        wrong_bool = isinstance(value, bool) and bool not in opt.types
        if wrong_bool or not isinstance(value, opt.types):
            problems.add(where, f'{what}: option "{name}" expects {opt.expected}, not {value!r}')
            ok = False
        elif opt.choices and str(value) not in opt.choices:
            problems.add(
                where,
                f'{what}: option "{name}" is {value!r}; expected one of {", ".join(opt.choices)}',
            )
            ok = False
    if not ok:
        return None
    return _copy(marked) if marked is not None else dict(raw)


def _copy(marked: MarkedDict) -> MarkedDict:
    """A copy the caller may change that still knows where each value was written
    (``workflows validate`` points at a login the database lacks)."""
    copy = MarkedDict(marked)
    copy.loc, copy.key_locs, copy.value_locs = marked.loc, marked.key_locs, marked.value_locs
    return copy


def where_of(raw: Any, key: str, default: Loc) -> Loc:
    return raw.where(key) if isinstance(raw, MarkedDict) else default
