"""The alembic revisions this crmctl knows, oldest first, without importing alembic.

``tests/db/test_migrations.py`` checks this list against the migration scripts.
"""

SCHEMA_REVISIONS: tuple[str, ...] = (
    "0001",
    "0002",
    "0003",
    "0004",
    "0005",
    "0006",
    "0007",
    "0008",
    "0010",
    "0015",
)
SCHEMA_HEAD: str = SCHEMA_REVISIONS[-1]
