"""The declarative base every ORM class maps onto ``crmctl.db.tables.metadata``."""

from datetime import datetime

from sqlalchemy.orm import DeclarativeBase, Mapped

from crmctl.db import tables


class Base(DeclarativeBase):
    metadata = tables.metadata


class Stamped:
    """Who created and last changed a record, and when."""

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    created_by_id: Mapped[int | None]
    updated_by_id: Mapped[int | None]
