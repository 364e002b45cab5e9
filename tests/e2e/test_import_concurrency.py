"""Issue 15 item 11: a long import on SQLite does not lock other writers out.

SQLite has one writer at a time. The import commits chunk by chunk (one batch still),
so a `companies add` started in the middle of it gets in between two chunks; a writer
that still times out says so in one `error:` line.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Crm
from tests.e2e.test_installed_cli import CRMCTL


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "crm.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


ROWS = 20_000  # ten chunks: the first one committed, nine still to go


def big_list(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Firma", "Jméno", "Příjmení", "E-mail"])
        for i in range(ROWS):
            writer.writerow([f"Firma {i // 4} s.r.o.", "Jan", f"Novák{i}", f"jan{i}@f.cz"])
    return path


def _running_batch(url: str, process: subprocess.Popen[bytes]) -> int:
    """The import's batch once other processes can see it under way (a chunk committed)."""
    engine = create_engine(url)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            with engine.connect() as connection:
                row = connection.execute(
                    text("SELECT id, status FROM import_batches ORDER BY id DESC LIMIT 1")
                ).first()
            if row is not None:
                assert row.status == "running", "the import's batch appeared only at its end"
                return int(row.id)
            time.sleep(0.05)
    finally:
        engine.dispose()
    pytest.fail("the import finished before any of its chunks was visible to other processes")


def _last_company_id(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT MAX(id) FROM companies")).scalar_one())
    finally:
        engine.dispose()


def test_item11_long_import_lets_another_writer_in(sqlite_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "CRM_DATABASE_URL": sqlite_url, "CRM_USER": "admin"}
    source = big_list(tmp_path / "big.csv")
    importer = subprocess.Popen(
        [CRMCTL, "import", str(source), "-o", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    batch = _running_batch(sqlite_url, importer)
    added = subprocess.run(
        [CRMCTL, "companies", "add", "--name", "Souběžná s.r.o.", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    _, stderr = importer.communicate(timeout=300)
    assert importer.returncode == 0, stderr
    assert added.returncode == 0, added.stderr
    ours = json.loads(added.stdout)["id"]
    assert ours < _last_company_id(sqlite_url), "the writer waited for the whole import"
    # Still one batch, with every row (its undo over chunks: tests/cli/test_import_chunks.py).
    batches = Crm(sqlite_url).json("import", "list")
    assert [(b["id"], b["status"], b["rows"]) for b in batches] == [(batch, "completed", ROWS)]


def test_item11_writer_that_times_out_says_so_in_one_line(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("crmctl.db.engine.SQLITE_BUSY_TIMEOUT_MS", 200)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"))
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
        result = Crm(sqlite_url)("companies", "add", "--name", "Čekající s.r.o.", code=1)
    finally:
        holder.rollback()
        holder.close()
    assert result.stderr.splitlines() == [
        "error: database is busy: another crmctl process is writing; try again in a moment"
    ]
