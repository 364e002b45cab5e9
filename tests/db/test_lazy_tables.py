"""Table modules load on first use (crmctl.db.tables): every table is whole however it
is reached, and a read command builds only the tables it needs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import select

from crmctl.db import tables

SHAPE = (
    "import json, sys\n"
    "from crmctl.db import tables\n"
    "t = getattr(tables, sys.argv[1])\n"
    "print(json.dumps([[c.name, str(c.type), [f.target_fullname for f in c.foreign_keys]]"
    " for c in t.columns] + [sorted(i.name for i in t.indexes)]))\n"
)


def _shape_alone(name: str) -> list[object]:
    """The table's columns and indexes in a fresh process that asks for it alone."""
    done = subprocess.run(
        [sys.executable, "-c", SHAPE, name], capture_output=True, text=True, check=True
    )
    shape: list[object] = json.loads(done.stdout)
    return shape


def _shape_of_whole_schema(name: str) -> list[object]:
    table = tables.metadata.tables[name]
    columns: list[object] = [
        [c.name, str(c.type), [f.target_fullname for f in c.foreign_keys]] for c in table.columns
    ]
    return [*columns, sorted(str(i.name) for i in table.indexes)]


# One table of each module (and those other modules add columns to).
@pytest.mark.parametrize(
    "name",
    ["users", "persons", "events", "import_batches", "leads", "deals", "tasks", "crm_meta",
     "targets", "campaigns", "services", "messages", "workflow_firings", "consents"],
)  # fmt: skip
def test_a_table_reached_alone_is_the_table_of_the_whole_schema(name: str) -> None:
    assert _shape_alone(name) == _shape_of_whole_schema(name)


def test_the_names_are_tables_not_modules() -> None:
    # users, events, targets and campaigns are module names too
    for name in ("users", "events", "targets", "campaigns"):
        assert getattr(tables, name) is tables.metadata.tables[name]


def test_metadata_holds_every_table() -> None:
    assert len(tables.metadata.tables) == len(tables._MODULE_OF) - 1  # OWNER_CHANGES


def test_a_lazy_table_is_the_table_in_sql() -> None:
    lazy = tables.lazy("deals")
    assert tables.resolve(lazy) is tables.deals
    assert str(select(lazy.c.id)) == str(select(tables.deals.c.id))
    with pytest.raises(AttributeError):
        tables.lazy("no_such_table")


def test_contacts_list_builds_only_the_tables_it_reads(tmp_path: object) -> None:
    code = (
        "import sys\n"
        "from crmctl.cli import app\n"
        "try:\n"
        "    app(['--db', sys.argv[1], 'init', '--admin', 'admin'])\n"
        "except SystemExit:\n"
        "    pass\n"
    )
    url = f"sqlite:///{tmp_path}/crm.db"
    subprocess.run([sys.executable, "-c", code, url], check=True, capture_output=True)
    listing = (
        "import sys\n"
        "from crmctl.cli import app\n"
        "try:\n"
        "    app(['--db', sys.argv[1], '--as', 'admin', 'contacts', 'list', '--limit', '5'])\n"
        "except SystemExit as done:\n"
        "    assert not done.code, done.code\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules"
        " if m.startswith('crmctl.db.tables.')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", listing, url], check=True, capture_output=True, text=True
    )
    assert done.stdout.strip().splitlines()[-1] == "['base', 'contacts', 'users']"
