"""Notifications: who a rule means by "owner", "manager", "role:…"; the inbox; delivery.

``notify`` writes inbox entries and outbox rows in the caller's transaction and appends
``notification.sent`` to the record's timeline; `crmctl notifications` reads the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from crmctl.db.models import Notification, User
from crmctl.errors import NotFound, UsageError
from crmctl.notify import inbox, outbox
from crmctl.services.access import policy
from crmctl.services.context import Actor, Context
from crmctl.services.events import record_event
from crmctl.services.refs import resolve_team, resolve_user
from crmctl.services.users import require_admin
from crmctl.values import jsonable


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    entity_type: str | None = None
    entity_id: int | None = None
    rule_id: str | None = None
    record: dict[str, Any] = field(default_factory=dict)


# A session whose ``info`` holds a dict under this key looks each login up once (the
# workflow runner's batch of firings: no action changes users, and a lookup would flush
# the batch's pending rows before every firing).
USER_CACHE = "crmctl.notifications.users_by_login"


def _user(ctx: Context, login: str) -> User:
    cache: dict[str, User] | None = ctx.session.info.get(USER_CACHE)
    if cache is None:
        return _mapped_user(ctx, login)
    if login not in cache:
        cache[login] = _mapped_user(ctx, login)
    return cache[login]


def _mapped_user(ctx: Context, login: str) -> User:
    """Recipients are mapped users (some come from ORM queries by role or team)."""
    user = ctx.session.get(User, resolve_user(ctx, login).id)
    assert user is not None  # just resolved in this transaction
    return user


def recipients(ctx: Context, wanted: list[str], *, owner_login: str | None) -> list[User]:
    """Active users meant by owner, manager, user:LOGIN, role:ROLE, team:NAME (no repeats)."""
    found: dict[int, User] = {}
    owner = _user(ctx, owner_login) if owner_login else None
    for who in wanted:
        users: list[User] = []
        if who == "owner" and owner is not None:
            users = [owner]
        elif who == "manager" and owner is not None and owner.manager_id:
            manager = ctx.session.get(User, owner.manager_id)
            users = [manager] if manager else []
        elif who.startswith("user:"):
            users = [_user(ctx, who.removeprefix("user:"))]
        elif who.startswith("role:"):
            role = who.removeprefix("role:")
            users = list(ctx.session.scalars(select(User).where(User.role == role)))
        elif who.startswith("team:"):
            team = resolve_team(ctx, who.removeprefix("team:"))
            users = list(ctx.session.scalars(select(User).where(User.team_id == team.id)))
        for user in users:
            if user.active and user.login != "workflows":
                found.setdefault(user.id, user)
    return list(found.values())


def notify(
    ctx: Context, users: list[User], message: Message, channels: list[str], *, url: str | None
) -> list[str]:
    """Inbox entries and outbox rows; returns the logins told.

    Need-to-know: a recipient who may not read the record the message is about is skipped
    (no inbox entry, no e-mail), and the ``notification.sent`` event names who was skipped.
    """
    users, skipped = _may_read(ctx, users, message)
    for user in users:
        if "inbox" in channels:
            inbox.add_entry(
                ctx.session,
                ctx.now,
                user.id,
                message.subject,
                message.body,
                entity_type=message.entity_type,
                entity_id=message.entity_id,
                rule_id=message.rule_id,
            )
        if "email" in channels and user.email:
            outbox.enqueue(
                ctx.session,
                ctx.now,
                "email",
                user.email,
                subject=message.subject,
                body=message.body,
                rule_id=message.rule_id,
                entity_type=message.entity_type,
                entity_id=message.entity_id,
            )
    if "webhook" in channels and url:
        payload = {
            "rule": message.rule_id,
            "entity_type": message.entity_type,
            "entity_id": message.entity_id,
            "subject": message.subject,
            "body": message.body,
            "to": [user.login for user in users],
            "record": jsonable(message.record),
        }
        outbox.enqueue(
            ctx.session,
            ctx.now,
            "webhook",
            url,
            subject=message.subject,
            payload=payload,
            rule_id=message.rule_id,
            entity_type=message.entity_type,
            entity_id=message.entity_id,
        )
    logins = [user.login for user in users]
    if message.entity_type and message.entity_id is not None:
        record_event(
            ctx,
            message.entity_type,
            message.entity_id,
            "notification.sent",
            {"to": logins, "channels": channels, "subject": message.subject}
            | (
                {"skipped": skipped, "skipped_because": "may not read the record"}
                if skipped
                else {}
            ),
        )
    return logins


def _may_read(ctx: Context, users: list[User], message: Message) -> tuple[list[User], list[str]]:
    """The users who may read the record of ``message``, and the logins of the others."""
    if message.entity_type not in policy.ENTITIES or message.entity_id is None:
        return users, []
    allowed = [
        u for u in users if policy.visible_to(ctx, u, message.entity_type, message.entity_id)
    ]
    return allowed, [u.login for u in users if u not in allowed]


def list_notifications(
    ctx: Context, *, include_read: bool = False, user: str | None = None
) -> list[dict[str, Any]]:
    owner = _inbox_owner(ctx, user)
    statement = select(Notification).where(Notification.user_id == owner.id)
    if not include_read:
        statement = statement.where(Notification.read_at.is_(None))
    rows = ctx.session.scalars(statement.order_by(Notification.id.desc()))
    return [_record(row, owner.login) for row in rows]


def read_notifications(ctx: Context, ids: list[int], *, all_: bool = False) -> int:
    """Mark the actor's notifications read; returns how many changed."""
    owner = ctx.require_actor()
    if not ids and not all_:
        raise UsageError("give notification IDs or --all")
    statement = update(Notification).where(
        Notification.user_id == owner.id, Notification.read_at.is_(None)
    )
    if not all_:
        mine = set(
            ctx.session.scalars(
                select(Notification.id).where(
                    Notification.id.in_(ids), Notification.user_id == owner.id
                )
            )
        )
        missing = sorted(set(ids) - mine)
        if missing:
            raise NotFound(
                f"no notification #{missing[0]} in the inbox of {owner.login}; "
                "see `crmctl notifications list --all`"
            )
        statement = statement.where(Notification.id.in_(ids))
    result = ctx.session.execute(statement.values(read_at=ctx.now))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _inbox_owner(ctx: Context, user: str | None) -> Actor:
    actor = ctx.require_actor()
    if user is None or user == actor.login:
        return actor
    require_admin(ctx, "read another user's notifications")
    return resolve_user(ctx, user)


def _record(row: Notification, login: str) -> dict[str, Any]:
    about = f"{row.entity_type} #{row.entity_id}" if row.entity_type else None
    return {
        "id": row.id,
        "user": login,
        "created_at": row.created_at,
        "about": about,
        "subject": row.subject,
        "body": row.body,
        "rule": row.rule_id,
        "read_at": row.read_at,
    }
