"""What every service function receives: the session, the acting user and the clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Engine, Row, event, select, text

from crmctl import business_hours, clock
from crmctl.config import Settings
from crmctl.db import tables
from crmctl.db.engine import (
    connection_scope,
    make_engine,
    require_current_schema,
    session_scope,
)
from crmctl.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, SessionTransaction

    from crmctl.db.models import User


@dataclass(frozen=True)
class Actor:
    """The acting user of a read-only command: its ``users`` row, without the ORM.

    Commands that write act as the mapped ``User``; services read these same attributes
    from either.
    """

    id: int
    login: str
    name: str
    email: str | None
    role: str
    manager_id: int | None
    team_id: int | None
    active: bool
    db_role: str | None

    @classmethod
    def from_row(cls, row: Row[Any]) -> Actor:
        return cls(**{attribute.name: getattr(row, attribute.name) for attribute in fields(cls)})


@dataclass
class Context:
    # A ``Session`` for commands that write. Read-only commands (``open_read_context``)
    # get a plain ``Connection``: their services only ``execute`` Core statements.
    session: Session | Connection
    actor: User | Actor | None
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

    @property
    def dialect_name(self) -> str:
        """``sqlite`` or ``postgresql``, whether ``session`` is a Session or a Connection."""
        return _dialect_name(self.session)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run ``action`` once this command's transaction has committed, never if it
        rolls back: for effects outside the database (files in the document store)."""
        after_commit(self.session, action)

    def require_actor(self) -> User | Actor:
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


def resolve_actor(session: Session | Connection, settings: Settings) -> Actor | None:
    """Who is acting.

    SQLite: the operating-system user's crmctl user (same login), unless ``--as`` or
    ``CRM_USER`` names another — allowed only when the OS user is an admin or is no crmctl
    user at all (a single-user install, where whoever can read the file sees everything).
    PostgreSQL: the crmctl user mapped to the database login (``users.db_role``); a mapped
    login that is not an admin's may not act as anyone else. A login mapped to nobody
    (the database owner) acts as ``--as``/``CRM_USER``, as on SQLite.

    Plain Core queries, so that read-only commands need no ORM; ``open_context`` loads
    the mapped ``User`` of the result for commands that write.
    """
    users = tables.users
    if _dialect_name(session) == "postgresql":
        db_login = session.scalar(text("SELECT current_user"))
        mapped = _user_where(session, users.c.db_role == db_login)
        if mapped is not None:
            return _impersonation(session, settings, mapped, f"database login {db_login!r}")
    explicit = settings.acting_user.source in ("--as", "CRM_USER")
    if explicit and settings.os_user and settings.os_user != settings.acting_user.value:
        os_user = _user_where(session, users.c.login == settings.os_user)
        if os_user is not None:
            return _impersonation(
                session, settings, os_user, f"operating-system user {settings.os_user!r}"
            )
    return _named_user(session, settings)


def _dialect_name(session: Session | Connection) -> str:
    if isinstance(session, Connection):
        return session.dialect.name
    return session.get_bind().dialect.name


def _user_where(session: Session | Connection, condition: ColumnElement[bool]) -> Actor | None:
    row = session.execute(select(tables.users).where(condition)).first()
    return Actor.from_row(row) if row is not None else None


def _impersonation(
    session: Session | Connection, settings: Settings, own: Actor, how: str
) -> Actor | None:
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


def _named_user(session: Session | Connection, settings: Settings) -> Actor | None:
    """``--as`` and ``CRM_USER`` must name a user; the OS user is used only if it is one."""
    login = settings.acting_user.value
    if not login:
        return None
    user = _user_where(session, tables.users.c.login == login)
    if user is None and settings.acting_user.source in ("--as", "CRM_USER"):
        raise NotFound(
            f"user {login!r} (from {settings.acting_user.source}) does not exist; "
            "see `crmctl users list`"
        )
    return _active(user) if user is not None else None


def _active(user: Actor) -> Actor:
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
            actor = resolve_actor(session, settings)
            yield _context(session, _mapped_user(session, actor), settings)
    finally:
        engine.dispose()


@contextmanager
def open_read_context(settings: Settings) -> Iterator[Context]:
    """One read-only transaction on a plain connection: no ``Session``, no ORM imported.

    For commands that only read and must start fast (``tasks overdue`` from cron): the
    services they call build Core statements over ``crmctl.db.tables``.
    """
    engine: Engine = make_engine(settings.database_url)
    require_current_schema(engine, settings.database_url)
    try:
        with connection_scope(engine) as connection:
            yield _context(connection, resolve_actor(connection, settings), settings)
    finally:
        engine.dispose()


def _context(
    session: Session | Connection, actor: User | Actor | None, settings: Settings
) -> Context:
    # Lead response times (filter fields too) count the configured business hours.
    business_hours.use(settings)
    return Context(
        session=session, actor=actor, now=clock.now(), tz=settings.timezone, settings=settings
    )


def _mapped_user(session: Session, actor: Actor | None) -> User | None:
    """The ORM ``User`` of the actor: services that write keep working on mapped objects."""
    if actor is None:
        return None
    from crmctl.db.models import User

    return session.get(User, actor.id)
