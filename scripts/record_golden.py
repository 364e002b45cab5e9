"""Re-record the golden corpus: tests/golden/expected/<backend>.jsonl.

    .venv/bin/python scripts/record_golden.py --backend sqlite
    CRM_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python scripts/record_golden.py --backend postgres

Builds a fresh database as tests/test_golden.py does (`crmctl init --admin admin` with
`CRM_NOW` fixed), replays tests/golden/invocations.py and writes what every invocation
printed. Regenerate only for deliberate changes, and list each in the commit message.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from crmctl.cli import app
from tests.conftest import postgres_admin_url
from tests.golden import harness
from tests.golden.invocations import FIXED_NOW


def initialise(url: str) -> None:
    result = CliRunner().invoke(
        app, ["--db", url, "init", "--admin", "admin"], env={"CRM_NOW": FIXED_NOW}
    )
    if result.exit_code != 0:
        raise SystemExit(f"init failed: {result.stderr}")


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'crm.db'}"
        return
    admin_url = postgres_admin_url()  # as tests/conftest.py reads CRM_TEST_POSTGRES_URL
    if not admin_url:
        raise SystemExit("set CRM_TEST_POSTGRES_URL to record the PostgreSQL corpus")
    name = f"crmctl_golden_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), required=True)
    backend = parser.parse_args().backend
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        os.chdir(workdir)
        with database(backend, workdir) as url:
            initialise(url)
            records = harness.replay(url, workdir)
    path = harness.expected_path(backend)
    path.write_text(harness.dump(records), encoding="utf-8")
    print(f"{path}: {len(records)} invocations recorded")


if __name__ == "__main__":
    main()
