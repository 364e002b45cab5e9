"""ORM classes for issue 19's products, campaigns and saved views (``tables.campaigns``)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Mapped

from crmctl.db import tables
from crmctl.db.models.base import Base, Stamped


class Product(Stamped, Base):
    """A catalogue item that deals, leads, campaigns and services refer to."""

    __table__ = tables.products

    id: Mapped[int]
    code: Mapped[str]
    name: Mapped[str]
    category: Mapped[str | None]
    list_price: Mapped[Decimal | None]
    currency: Mapped[str]
    billing: Mapped[str]
    active: Mapped[bool]


class Campaign(Stamped, Base):
    """A campaign: `campaigns launch` opens its leads."""

    __table__ = tables.campaigns

    id: Mapped[int]
    name: Mapped[str]
    description: Mapped[str | None]
    product_id: Mapped[int | None]
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    budget: Mapped[Decimal | None]
    currency: Mapped[str]
    owner_id: Mapped[int | None]
    launched_at: Mapped[datetime | None]


class SavedView(Stamped, Base):
    """A saved filter (``--view NAME``) over one entity's list."""

    __table__ = tables.saved_views

    id: Mapped[int]
    name: Mapped[str]
    entity: Mapped[str]
    where_text: Mapped[str]
    sort: Mapped[str | None]
    fields: Mapped[str | None]
    shared: Mapped[bool]
    owner_id: Mapped[int]
