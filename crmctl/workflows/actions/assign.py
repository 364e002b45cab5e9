"""``assign`` — give a lead or deal an owner; the reason for the choice is recorded.

Examples::

    - assign: {user: novak}
    - assign: {round_robin: [novak, dvorak, svoboda]}
    - assign: {team: Prodej Morava}                      # round-robin over the team
    - assign:
        territory:
          by: region                                     # region, psc, product, source
          table: {Jihomoravský kraj: novak, Praha: [dvorak, svoboda]}
          fallback: svoboda                              # a login or a list
Inactive users are skipped: a territory whose people are all inactive falls back.
``psc`` matches the longest PSČ prefix in the table (``"6": …``, ``"602": …``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crmctl.db.models import Company, User, WorkflowState
from crmctl.errors import ValidationError
from crmctl.services.context import Context
from crmctl.services.deals import assign_deal
from crmctl.services.leads import assign_lead
from crmctl.services.refs import resolve_team
from crmctl.services.territory import match_territory
from crmctl.workflows.actions.base import Target, check_entity, require_entity
from crmctl.workflows.options import Opt, check_options, where_of
from crmctl.workflows.yamlmarks import Loc

ID = "assign"
OPTIONS = {
    "user": Opt((str,), "a user login"),
    "round_robin": Opt((list,), "a list of user logins"),
    "team": Opt((str,), "a team name (round-robin over its active members)"),
    "territory": Opt((dict,), "a mapping with by, table and fallback"),
}
TERRITORY = {
    "by": Opt(
        (str,), "region, psc, product or source", True, ("region", "psc", "product", "source")
    ),
    "table": Opt((dict,), "a mapping of value: login (or a list of logins)", True),
    "fallback": Opt((str, list), "a login or a list of logins"),
}


def check(raw: Any, loc: Loc, trigger: Any, checker: Any) -> dict[str, Any] | None:
    options = check_options(raw, OPTIONS, ID, loc, checker.problems)
    if options is None or not check_entity(trigger, ("lead", "deal"), ID, loc, checker):
        return None
    if len(options) != 1:
        checker.problems.add(loc, f"assign: give exactly one of {', '.join(OPTIONS)}")
        return None
    if "territory" in options:
        where = where_of(raw, "territory", loc)
        territory = check_options(raw["territory"], TERRITORY, "territory", where, checker.problems)
        if territory is None:
            return None
        options["territory"] = territory
    return options


def run(ctx: Context, target: Target, options: dict[str, Any]) -> str:
    require_entity(target, ("lead", "deal"), ID)
    login, reason = choose(ctx, target, options)
    # The services write the owner and the event that says why (the action writes nothing).
    if target.kind.name == "lead":
        assign_lead(ctx, target.id, login, reason=reason)
    else:
        assign_deal(ctx, target.id, login, reason=reason)
    return f"assigned {target.label()} to {login} ({reason})"


def choose(ctx: Context, target: Target, options: dict[str, Any]) -> tuple[str, str]:
    """(login, why) — never an inactive user."""
    slot = f"rr:{target.rule_id}"
    if "user" in options:
        return _first_active(ctx, [options["user"]], slot, "fixed user")
    if "round_robin" in options:
        return _round_robin(ctx, [str(x) for x in options["round_robin"]], slot, "round-robin")
    if "team" in options:
        return _round_robin(
            ctx,
            _team_logins(ctx, options["team"]),
            slot,
            f"round-robin over team {options['team']}",
        )
    return _territory(ctx, target, options["territory"], slot)


def _territory(
    ctx: Context, target: Target, territory: dict[str, Any], slot: str
) -> tuple[str, str]:
    by = territory["by"]
    value = _attribute(ctx, target, by)
    table = {str(key): val for key, val in territory["table"].items()}
    key = match_territory(by, value, table)
    if key is not None:
        candidates = _logins(table[key])
        active = _active(ctx, candidates)
        if active:
            login, _ = _round_robin(ctx, candidates, f"{slot}:{key}", "")
            return login, f"{by} {value} → territory {key}"
        why = f"{by} {value}: territory {key} has no active user → fallback"
    else:
        why = f"{by} {value or '(empty)'} matches no territory → fallback"
    if "fallback" not in territory:
        raise ValidationError(f"assign: {why} but the rule has no fallback; add fallback: LOGIN")
    login, _ = _round_robin(ctx, _logins(territory["fallback"]), f"{slot}:fallback", "")
    return login, why


def _attribute(ctx: Context, target: Target, by: str) -> str | None:
    record = target.record(ctx)
    company = ctx.session.get(Company, record["company_id"]) if record.get("company_id") else None
    custom = record.get("custom") or {}
    if by == "region":
        return record.get("region") or (company.region if company else None) or custom.get(by)
    if by == "psc":
        psc = (company.psc if company else None) or custom.get("psc") or custom.get("PSČ")
        return str(psc).replace(" ", "") if psc else None
    return record.get(by) or custom.get(by)


def _logins(value: Any) -> list[str]:
    return [str(x) for x in value] if isinstance(value, list) else [str(value)]


def _team_logins(ctx: Context, team: str) -> list[str]:

    team_id = resolve_team(ctx, team).id
    rows = ctx.session.scalars(select(User.login).where(User.team_id == team_id).order_by(User.id))
    return list(rows)


def _active(ctx: Context, logins: list[str]) -> list[str]:
    rows = ctx.session.scalars(select(User.login).where(User.login.in_(logins), User.active))
    active = set(rows)
    return [login for login in logins if login in active]


def _first_active(ctx: Context, logins: list[str], slot: str, how: str) -> tuple[str, str]:
    active = _active(ctx, logins)
    if not active:
        raise ValidationError(f"assign: user(s) {', '.join(logins)} do not exist or are inactive")
    return active[0], how


def _round_robin(ctx: Context, logins: list[str], slot: str, how: str) -> tuple[str, str]:
    """The next active login after the last one this slot gave work to."""
    active = _active(ctx, logins)
    if not active:
        raise ValidationError(
            f"assign: no active user among {', '.join(logins) or '(nobody)'}; "
            "activate one or change the rule"
        )
    state = ctx.session.get(WorkflowState, slot, with_for_update=True)
    if state is None:
        state = WorkflowState(key=slot, value=0)
        ctx.session.add(state)
    position = int(state.value or 0)
    state.value = position + 1
    ctx.session.flush()
    return active[position % len(active)], how
