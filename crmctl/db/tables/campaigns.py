"""Products, campaigns and saved views (issue 19); leads and deals refer to both."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import UtcDateTime, metadata, stamps
from crmctl.db.tables.sales import deals, leads

# The product catalogue: a table (not `products:` in crmctl.yaml) because deals, leads,
# campaigns, services and account plans refer to a product by foreign key, and a change
# of price or name belongs on the timeline like any other record's.
products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("category", String(100)),
    Column("list_price", Numeric(14, 2)),
    Column("currency", String(3), server_default="CZK", nullable=False),
    Column("billing", String(10), server_default="once", nullable=False),
    Column("active", Boolean, server_default=text("true"), nullable=False),
    *stamps(),
)

# A marketing or sales campaign: leads opened by `campaigns launch` point at it, and a
# converted lead's deal keeps the reference.
campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("description", Text),
    Column("product_id", Integer, ForeignKey("products.id")),
    Column("starts_on", Date),
    Column("ends_on", Date),
    Column("budget", Numeric(14, 2)),
    Column("currency", String(3), server_default="CZK", nullable=False),
    Column("owner_id", Integer, ForeignKey("users.id")),
    Column("launched_at", UtcDateTime()),
    *stamps(),
)

# A saved filter over one entity's list: the text is kept and parsed again on each use,
# so a field removed since is a clear error rather than a stale query.
saved_views = Table(
    "saved_views",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("entity", String(20), nullable=False),
    Column("where_text", Text, nullable=False),
    Column("sort", String(200)),
    Column("fields", String(500)),
    Column("shared", Boolean, server_default=text("false"), nullable=False),
    Column("owner_id", Integer, ForeignKey("users.id"), nullable=False),
    *stamps(),
    UniqueConstraint("owner_id", "name"),
)

# References from the older tables: leads and deals to their campaign and product.
for _table in (leads, deals):
    _table.append_column(Column("campaign_id", Integer, ForeignKey("campaigns.id")))
    _table.append_column(Column("product_id", Integer, ForeignKey("products.id")))
    Index(f"ix_{_table.name}_campaign_id", _table.c.campaign_id)
