"""The inactive system user ``workflows`` that rules act as, never whoever caused the event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from crmctl.db.engine import session_scope
from crmctl.db.models import User
from crmctl.errors import Conflict, CrmError
from crmctl.services.context import Actor, Context
from crmctl.services.users import UserInput, add_user

RULE_ACTOR = "workflows"
_SESSION_KEY = "crmctl.workflows.rule_actor"  # session.info: the Actor, read once


def session_rule_actor(session: Session, actor_id: int | None) -> Actor:
    """The rules' user as an Actor, read once per session: a ``session.get`` per firing
    read the (weakly held) row again each time, its autoflush writing the batch's pending
    rows one firing at a time."""
    if _SESSION_KEY not in session.info:
        # A dry run on a database that never ran rules acts as an unsaved system user.
        user = session.get(User, actor_id) if actor_id else unsaved_rule_actor()
        session.info[_SESSION_KEY] = Actor.of(user)
    actor: Actor = session.info[_SESSION_KEY]
    return actor


def unsaved_rule_actor() -> User:
    return User(login=RULE_ACTOR, name="Pracovní procesy (pravidla)", role="admin", active=False)


def ensure_rule_actor(engine: Engine, settings: Any, now: datetime, tz: Any) -> int:
    for _ in range(3):
        with session_scope(engine) as session:
            found = session.scalars(select(User.id).where(User.login == RULE_ACTOR)).first()
            if found is not None:
                return int(found)
        try:
            with session_scope(engine) as session:
                ctx = Context(session=session, actor=None, now=now, tz=tz, settings=settings)
                data = UserInput(
                    login=RULE_ACTOR, name="Pracovní procesy (pravidla)", role="admin", active=False
                )
                return int(add_user(ctx, data, bootstrap=True)["id"])
        except (IntegrityError, OperationalError, Conflict):
            continue  # another runner made it at the same moment
    raise CrmError("cannot create the system user 'workflows' that rules act as")
