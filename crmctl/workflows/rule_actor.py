"""The inactive system user ``workflows`` that rules act as, never whoever caused the event."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, OperationalError

from crmctl.db.engine import session_scope
from crmctl.db.models import User
from crmctl.errors import Conflict, CrmError
from crmctl.services.context import Context
from crmctl.services.users import UserInput, add_user

RULE_ACTOR = "workflows"


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
