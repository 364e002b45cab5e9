"""ORM classes for issue 19's services and account plans (``tables.contracts``)."""

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Mapped

from crmctl.db import tables
from crmctl.db.models.base import Base, Stamped


class Service(Stamped, Base):
    """A customer's contract (ours or a competitor's) or one-time purchase."""

    __table__ = tables.services

    id: Mapped[int]
    company_id: Mapped[int]
    product_id: Mapped[int | None]
    name: Mapped[str]
    kind: Mapped[str]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    notice_days: Mapped[int | None]
    notice_on: Mapped[date | None]
    value: Mapped[Decimal | None]
    currency: Mapped[str]
    billing: Mapped[str | None]
    provider: Mapped[str | None]
    serial: Mapped[str | None]
    note: Mapped[str | None]
    deal_id: Mapped[int | None]


class AccountPlan(Stamped, Base):
    """An account plan for a key customer and period."""

    __table__ = tables.account_plans

    id: Mapped[int]
    company_id: Mapped[int]
    period: Mapped[str]
    goal: Mapped[str | None]
    target_value: Mapped[Decimal | None]
    currency: Mapped[str]
    owner_id: Mapped[int | None]


class PlanStakeholder(Stamped, Base):
    """A contact's role and attitude in an account plan."""

    __table__ = tables.plan_stakeholders

    id: Mapped[int]
    plan_id: Mapped[int]
    person_id: Mapped[int]
    role: Mapped[str]
    attitude: Mapped[str]
