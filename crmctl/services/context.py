"""What every service function receives: the session, the acting user and the clock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from crmctl import clock
from crmctl.config import Settings
from crmctl.db.engine import make_engine, require_current_schema, session_scope
from crmctl.db.models import User
from crmctl.errors import NotFound, PermissionDenied


@dataclass
class Context:
    session: Session
    actor: User | None
    now: datetime
    tz: ZoneInfo
    settings: Settings
    # Per-command memo (the policy, scope user sets): users and config do not change mid-command.
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def actor_id(self) -> int | None:
        return self.actor.id if self.actor else None

    def require_actor(self) -> User:
        if self.actor is None:
            raise PermissionDenied(
                "no acting user: pass --as LOGIN or set CRM_USER (see `crmctl users list`)"
            )
        return self.actor


def resolve_actor(session: Session, settings: Settings) -> User | None:
    """``--as`` and ``CRM_USER`` must name a user; the OS user is used only if it is one."""
    login = settings.acting_user.value
    if not login:
        return None
    user = session.scalars(select(User).where(User.login == login)).first()
    if user is None and settings.acting_user.source in ("--as", "CRM_USER"):
        raise NotFound(
            f"user {login!r} (from {settings.acting_user.source}) does not exist; "
            "see `crmctl users list`"
        )
    if user is not None and not user.active:
        raise PermissionDenied(f"user {login!r} is deactivated")
    return user


@contextmanager
def open_context(settings: Settings, *, check_schema: bool = True) -> Iterator[Context]:
    """One transaction around one service call."""
    engine: Engine = make_engine(settings.database_url)
    if check_schema:
        require_current_schema(engine, settings.database_url)
    try:
        with session_scope(engine) as session:
            yield Context(
                session=session,
                actor=resolve_actor(session, settings),
                now=clock.now(),
                tz=settings.timezone,
                settings=settings,
            )
    finally:
        engine.dispose()
