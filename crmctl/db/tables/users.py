"""crmctl's own users and their teams."""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, text

from crmctl.db.tables.base import UtcDateTime, metadata, stamps

teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), unique=True, nullable=False),
    Column("description", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    # No foreign key: users.team_id already points here and a cycle breaks table creation.
    Column("created_by_id", Integer),
)


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(64), unique=True, nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(254)),
    Column("role", String(20), nullable=False),
    Column("manager_id", Integer, ForeignKey("users.id")),
    Column("team_id", Integer, ForeignKey("teams.id")),
    Column("active", Boolean, server_default=text("true"), nullable=False),
    # PostgreSQL: the database login of this user; its connections act as this user.
    Column("db_role", String(63)),
    *stamps(),
    Index("uq_users_db_role", "db_role", unique=True),
)
