"""The people a rules file names (logins, teams, roles), checked against a database.

The file's own check needs no database; a login that does not exist only fails when the
rule fires, which cron never sees. ``workflows validate`` therefore also checks every
named login, team and role against the database when one is reachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from crmctl.db import tables
from crmctl.workflows.options import Problems
from crmctl.workflows.schema import ActionSpec, Rule, RuleSet
from crmctl.workflows.yamlmarks import Loc, MarkedDict

NOT_A_LOGIN = ("owner",)  # create_task's assignee: owner = the record's owner
SYSTEM_LOGIN = "workflows"  # the rules' own user is never a recipient


@dataclass(frozen=True)
class Reference:
    kind: str  # user | team | role
    name: str
    loc: Loc


@dataclass(frozen=True)
class Known:
    """Active logins, team names (and ids) and the roles active users have."""

    logins: frozenset[str]
    inactive: frozenset[str]
    teams: frozenset[str]
    roles: frozenset[str]

    @classmethod
    def load(cls, connection: Connection) -> Known:
        users = tables.users.c
        rows = connection.execute(select(users.login, users.role, users.active)).all()
        people = [row for row in rows if row.login != SYSTEM_LOGIN]
        teams = connection.execute(select(tables.teams.c.id, tables.teams.c.name)).all()
        return cls(
            logins=frozenset(row.login for row in people if row.active),
            inactive=frozenset(row.login for row in people if not row.active),
            teams=frozenset([row.name for row in teams] + [str(row.id) for row in teams]),
            roles=frozenset(row.role for row in people if row.active),
        )

    def problem(self, ref: Reference) -> str | None:
        if ref.kind == "user" and ref.name in self.inactive:
            return f'user "{ref.name}" is inactive'
        if ref.kind == "user" and ref.name not in self.logins:
            return f'no user "{ref.name}"; see `crmctl users list`'
        if ref.kind == "team" and ref.name not in self.teams:
            return f'no team "{ref.name}"; see `crmctl teams list`'
        if ref.kind == "role" and ref.name not in self.roles:
            roles = ", ".join(sorted(self.roles)) or "none"
            return f'no role "{ref.name}" among active users (their roles: {roles})'
        return None


def check_references(rule_set: RuleSet, known: Known, problems: Problems) -> None:
    """A problem for each login, team or role of a rule that the database lacks."""
    for rule in rule_set.rules:
        for ref in references(rule):
            message = known.problem(ref)
            if message is not None:
                problems.add(ref.loc, f"rule {rule.id}: {message}")


def references(rule: Rule) -> Iterator[Reference]:
    for spec in rule.actions:
        yield from _action_references(spec)


def _action_references(spec: ActionSpec) -> Iterator[Reference]:
    options, loc = spec.options, spec.loc
    if spec.id == "assign":
        yield from _assign(options, loc)
    elif spec.id == "notify":
        for who in options["to"]:
            yield from _prefixed(who, _where(options, "to", loc))
    elif spec.id == "request_approval":
        approver = options["approver"]
        where = _where(options, "approver", loc)
        yield from _prefixed(approver if ":" in approver else f"user:{approver}", where)
    elif spec.id == "create_task" and options.get("assignee", "owner") not in NOT_A_LOGIN:
        yield Reference("user", options["assignee"], _where(options, "assignee", loc))


def _assign(options: dict[str, Any], loc: Loc) -> Iterator[Reference]:
    if "user" in options:
        yield Reference("user", options["user"], _where(options, "user", loc))
    for login in options.get("round_robin", []):
        yield Reference("user", str(login), _where(options, "round_robin", loc))
    if "team" in options:
        yield Reference("team", options["team"], _where(options, "team", loc))
    territory = options.get("territory") or {}
    table = territory.get("table") or {}
    for key, value in table.items():
        for login in _logins(value):
            yield Reference("user", login, _where(table, key, loc))
    for login in _logins(territory.get("fallback")):
        yield Reference("user", login, _where(territory, "fallback", loc))


def _prefixed(who: str, loc: Loc) -> Iterator[Reference]:
    kind, _, name = who.partition(":")
    if kind in ("user", "team", "role") and name:
        yield Reference(kind, name, loc)


def _logins(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(x) for x in value] if isinstance(value, list) else [str(value)]


def _where(options: Any, key: str, default: Loc) -> Loc:
    """The value's place when the option kept its marks, else the action's."""
    return options.where(key) if isinstance(options, MarkedDict) else default
