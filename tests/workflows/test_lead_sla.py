"""The shipped rule lead-sla-escalation: a lead unanswered past 4 business hours goes to
the owner's manager, once; business time skips the weekend."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine

from crmctl.db.models import Notification, User
from tests.conftest import Crm
from tests.workflows.conftest import scalars


def _inbox(db: Engine, login: str) -> list[str]:
    statement = (
        select(Notification.subject)
        .join(User, User.id == Notification.user_id)
        .where(User.login == login, Notification.rule_id == "lead-sla-escalation")
        .order_by(Notification.id)
    )
    return scalars(db, statement)


def _fired(team: Crm) -> list[tuple[str, str]]:
    fired = json.loads(team("workflows", "run", "--once", "-o", "json").stdout)
    return [(f["rule"], f["entity"]) for f in fired if f["rule"] == "lead-sla-escalation"]


def test_unanswered_lead_escalates_to_the_manager_once(team: Crm, rules: Path, db: Engine) -> None:
    team.now = "2027-03-19T15:00:00+01:00"  # Friday 15:00
    team("leads", "add", "--source", "phone", "--name", "Pomalá", "--owner", "novak")
    team("leads", "add", "--source", "phone", "--name", "Odpovězená", "--owner", "novak")
    team.now = "2027-03-22T09:00:00+01:00"  # Monday 9:00: 2 h + 1 h of business time
    team("leads", "status", "2", "contacted")
    assert _fired(team) == []
    team.now = "2027-03-22T10:05:00+01:00"  # 4 h 5 min of business time
    assert _fired(team) == [("lead-sla-escalation", "lead #1")]
    assert _inbox(db, "reditel") == ["Poptávka #1 je bez reakce déle než SLA"]
    team.now = "2027-03-22T12:00:00+01:00"
    assert _fired(team) == []
    assert len(_inbox(db, "reditel")) == 1
