"""The alembic revisions this crmctl knows, oldest first, without importing alembic.

Read from the names of the migration scripts (``NNNN_what.py``, revision id ``NNNN``),
so a new migration is its script alone; ``tests/db/test_migrations.py`` checks the list
against alembic's own chain.
"""

import os

_VERSIONS = os.path.join(os.path.dirname(__file__), "migrations", "versions")

SCHEMA_REVISIONS: tuple[str, ...] = tuple(
    sorted(
        name.split("_", 1)[0]
        for name in os.listdir(_VERSIONS)
        if name.endswith(".py") and name[:4].isdigit()
    )
)
SCHEMA_HEAD: str = SCHEMA_REVISIONS[-1]
