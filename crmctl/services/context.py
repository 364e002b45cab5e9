"""What every service function receives: the session, the acting user and the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event, select, text
from sqlalchemy.orm import Session, SessionTransaction

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
    # Set when a workflow rule acts: its events say so, and chains count their depth.
    rule: str | None = None
    depth: int = 0
    # Per-command memo (the policy, scope user sets): users and config do not change mid-command.
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def actor_id(self) -> int | None:
        return self.actor.id if self.actor else None

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this command's transaction has committed, never if it
        rolls back: for effects outside the database (files in the document store)."""
        after_commit(self.session, action)

    def require_actor(self) -> User:
        if self.actor is None:
            raise PermissionDenied(
                "no acting user: pass --as LOGIN or set CRM_USER (see `crmctl users list`)"
            )
        return self.actor


_AFTER_COMMIT = "crmctl.after_commit"


def after_commit(session: Session, action: Callable[[], None]) -> None:
    session.info.setdefault(_AFTER_COMMIT, []).append(action)
    if not event.contains(session, "after_commit", _run_after_commit):
        event.listen(session, "after_commit", _run_after_commit)
        event.listen(session, "after_soft_rollback", _drop_after_commit)


def _run_after_commit(session: Session) -> None:
    for action in session.info.pop(_AFTER_COMMIT, []):
        action()


def _drop_after_commit(session: Session, previous: SessionTransaction) -> None:
    # A savepoint rolled back leaves the outer transaction (and its plans) going.
    if previous.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


def resolve_actor(session: Session, settings: Settings) -> User | None:
    """Who is acting.

    SQLite: the operating-system user's crmctl user (same login), unless ``--as`` or
    ``CRM_USER`` names another — allowed only when the OS user is an admin or is no crmctl
    user at all (a single-user install, where whoever can read the file sees everything).
    PostgreSQL: the crmctl user mapped to the database login (``users.db_role``); a mapped
    login that is not an admin's may not act as anyone else. A login mapped to nobody
    (the database owner) acts as ``--as``/``CRM_USER``, as on SQLite.
    """
    if session.get_bind().dialect.name == "postgresql":
        db_login = session.scalar(text("SELECT current_user"))
        mapped = session.scalars(select(User).where(User.db_role == db_login)).first()
        if mapped is not None:
            return _impersonation(session, settings, mapped, f"database login {db_login!r}")
    explicit = settings.acting_user.source in ("--as", "CRM_USER")
    if explicit and settings.os_user and settings.os_user != settings.acting_user.value:
        os_user = session.scalars(select(User).where(User.login == settings.os_user)).first()
        if os_user is not None:
            return _impersonation(
                session, settings, os_user, f"operating-system user {settings.os_user!r}"
            )
    return _named_user(session, settings)


def _impersonation(session: Session, settings: Settings, own: User, how: str) -> User | None:
    """``own`` is who the connection or the OS says; ``--as`` is for admins only."""
    explicit = settings.acting_user.source in ("--as", "CRM_USER")
    if not explicit or settings.acting_user.value == own.login:
        return _active(own)
    if own.role != "admin" or not own.active:
        raise PermissionDenied(
            f"{settings.acting_user.source} {settings.acting_user.value!r} refused: the "
            f"{how} is crmctl user {own.login!r} ({own.role}); only an admin may act as "
            "another user"
        )
    return _named_user(session, settings)


def _named_user(session: Session, settings: Settings) -> User | None:
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
    return _active(user) if user is not None else None


def _active(user: User) -> User:
    if not user.active:
        raise PermissionDenied(f"user {user.login!r} is deactivated")
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
