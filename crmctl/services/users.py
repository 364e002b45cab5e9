"""Users and teams."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from crmctl.db.models import Team, User
from crmctl.errors import Conflict, PermissionDenied, ValidationError
from crmctl.services.context import Actor, Context
from crmctl.services.events import field_changes, record_event

# ``logins_by_id`` is re-exported: it lives with the Core lookups, which read-only
# commands use without the ORM.
from crmctl.services.refs import logins_by_id as logins_by_id
from crmctl.services.refs import resolve_team, resolve_user

ROLES = ("admin", "manager", "sales", "support")


@dataclass(frozen=True)
class UserInput:
    login: str | None = None
    name: str | None = None
    email: str | None = None
    role: str | None = None
    manager: str | None = None
    team: str | None = None
    active: bool | None = None
    db_role: str | None = None  # PostgreSQL login mapped to this user; "" clears


def require_admin(ctx: Context, action: str) -> None:
    actor = ctx.require_actor()
    if actor.role != "admin":
        raise PermissionDenied(
            f"only an admin may {action}; you are {actor.login!r} ({actor.role})"
        )


def add_user(ctx: Context, data: UserInput, *, bootstrap: bool = False) -> dict[str, Any]:
    if not bootstrap:
        require_admin(ctx, "add users")
    login = _valid_login(data.login)
    if ctx.session.scalars(select(User).where(User.login == login)).first():
        raise Conflict(f"user {login!r} already exists; use `crmctl users edit {login}`")
    user = User(
        login=login,
        name=(data.name or login).strip(),
        role=_valid_role(ctx, data.role or "sales"),
        active=True if data.active is None else data.active,
        created_at=ctx.now,
        updated_at=ctx.now,
        created_by_id=ctx.actor_id,
        updated_by_id=ctx.actor_id,
    )
    _apply_relations(ctx, user, data)
    user.email = _valid_email(data.email)
    ctx.session.add(user)
    ctx.session.flush()
    record = user_record(ctx, user)
    record_event(ctx, "user", user.id, "user.created", {"fields": record})
    return record


def edit_user(ctx: Context, ref: str, data: UserInput) -> dict[str, Any]:
    require_admin(ctx, "edit users")
    user = _mapped(ctx, ref)
    before = user_record(ctx, user)
    if data.name is not None:
        user.name = data.name.strip()
    if data.email is not None:
        user.email = _valid_email(data.email)
    if data.role is not None:
        user.role = _valid_role(ctx, data.role)
    if data.active is not None:
        user.active = data.active
    _apply_relations(ctx, user, data)
    after = user_record(ctx, user)
    changes = field_changes(before, after)
    if changes:
        user.updated_at, user.updated_by_id = ctx.now, ctx.actor_id
        record_event(ctx, "user", user.id, "user.updated", {"changes": changes})
    return user_record(ctx, user)


def list_users(ctx: Context) -> list[dict[str, Any]]:
    manager, team = aliased(User), aliased(Team)
    rows = ctx.session.execute(
        select(User, manager.login, team.name)
        .outerjoin(manager, manager.id == User.manager_id)
        .outerjoin(team, team.id == User.team_id)
        .order_by(User.login)
    ).all()
    return [_record(user, manager_login, team_name) for user, manager_login, team_name in rows]


def show_user(ctx: Context, ref: str) -> dict[str, Any]:
    return user_record(ctx, _mapped(ctx, ref))


def _mapped(ctx: Context, ref: str) -> User:
    """The mapped ``User`` a command names, for a service that changes or shows it."""
    user = ctx.session.get(User, resolve_user(ctx, ref).id)
    assert user is not None  # just resolved in this transaction
    return user


def user_record(ctx: Context, user: User) -> dict[str, Any]:
    manager = ctx.session.get(User, user.manager_id) if user.manager_id else None
    team = ctx.session.get(Team, user.team_id) if user.team_id else None
    return _record(user, manager.login if manager else None, team.name if team else None)


def add_team(ctx: Context, name: str, description: str | None = None) -> dict[str, Any]:
    require_admin(ctx, "add teams")
    name = name.strip()
    if not name:
        raise ValidationError("team name must not be empty")
    if ctx.session.scalars(select(Team).where(Team.name == name)).first():
        raise Conflict(f"team {name!r} already exists")
    team = Team(name=name, description=description, created_at=ctx.now, created_by_id=ctx.actor_id)
    ctx.session.add(team)
    ctx.session.flush()
    record = _team_record(team, [])
    record_event(ctx, "team", team.id, "team.created", {"fields": record})
    return record


def list_teams(ctx: Context) -> list[dict[str, Any]]:
    teams = ctx.session.scalars(select(Team).order_by(Team.name)).all()
    members = ctx.session.execute(
        select(User.team_id, User.login).where(User.team_id.is_not(None)).order_by(User.login)
    ).all()
    by_team: dict[int, list[str]] = {}
    for team_id, login in members:
        by_team.setdefault(team_id, []).append(login)
    return [_team_record(team, by_team.get(team.id, [])) for team in teams]


def _team_record(team: Team, members: list[str]) -> dict[str, Any]:
    return {
        "id": team.id,
        "name": team.name,
        "description": team.description,
        "members": members,
    }


def _record(user: User, manager_login: str | None, team_name: str | None) -> dict[str, Any]:
    return {
        "id": user.id,
        "login": user.login,
        "name": user.name,
        "email": user.email,
        "role": user.role,
        "manager": manager_login,
        "team": team_name,
        "active": user.active,
        "db_role": user.db_role,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


def _apply_relations(ctx: Context, user: User, data: UserInput) -> None:
    if data.manager is not None:
        manager = resolve_user(ctx, data.manager) if data.manager else None
        if manager is not None and _would_cycle(ctx, user, manager):
            raise ValidationError(
                f"manager {manager.login!r} reports (directly or not) to {user.login!r}; "
                "a manager chain must not loop"
            )
        user.manager_id = manager.id if manager else None
    if data.team is not None:
        user.team_id = resolve_team(ctx, data.team).id if data.team else None
    if data.db_role is not None:
        user.db_role = _valid_db_role(ctx, user, data.db_role)


def _would_cycle(ctx: Context, user: User, manager: Actor) -> bool:
    current: User | Actor | None = manager
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        if user.id is not None and current.id == user.id:
            return True
        seen.add(current.id)
        current = ctx.session.get(User, current.manager_id) if current.manager_id else None
    return False


def _valid_db_role(ctx: Context, user: User, role: str) -> str | None:
    value = role.strip()
    if not value:
        return None
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise ValidationError(
            f"invalid database role {role!r}: lower-case letters, digits and underscores"
        )
    other = ctx.session.scalars(
        select(User).where(User.db_role == value, User.id != (user.id or -1))
    ).first()
    if other is not None:
        raise Conflict(f"database role {value!r} already acts as user {other.login!r}")
    return value


def _valid_login(login: str | None) -> str:
    value = (login or "").strip()
    if not value or not value.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ValidationError(
            f"invalid login {login!r}: use letters, digits, dots, dashes or underscores"
        )
    return value


def _valid_role(ctx: Context, role: str) -> str:
    """The built-in roles and the custom ones ``policy:`` in crmctl.yaml defines."""
    from crmctl.services.access.policy import known_roles  # noqa: PLC0415  (start-up)

    roles = known_roles(ctx.settings)
    if role not in roles:
        raise ValidationError(f"invalid role {role!r}: choose one of {', '.join(roles)}")
    return role


def _valid_email(email: str | None) -> str | None:
    if not email:
        return None
    from crmctl.normalize import normalize_email  # noqa: PLC0415  (start-up)

    return normalize_email(email)
