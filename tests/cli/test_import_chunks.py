"""Issue 15 item 11 (in process): an import committed chunk by chunk on SQLite is still
one batch that undo takes back whole, and an interrupted one takes back its own chunks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from crmctl.services.imports.run import _Run
from crmctl.services.imports.writer import ImportWriter
from tests.conftest import Crm, snapshot

DATA_TABLES = ("companies", "persons", "person_emails", "person_phones", "person_companies", "tags")
ROWS = 7


def data(url: str) -> dict[str, Any]:
    tables = snapshot(url)
    return {name: tables[name] for name in DATA_TABLES}


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr("crmctl.importer.pipeline.CHUNK_ROWS", 2)
    source = tmp_path / "list.csv"
    lines = ["Firma;Jméno;Příjmení;E-mail"]
    lines += [f"Firma {i // 2} s.r.o.;Jan;Novák{i};jan{i}@f.cz" for i in range(ROWS)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source


def test_item11_chunked_import_is_one_undoable_batch(crm: Crm, small_chunks: Path) -> None:
    before = data(crm.url)
    report = json.loads(crm("import", str(small_chunks), "-o", "json").stdout)
    assert report["counts"]["created"] == ROWS
    [batch] = crm.json("import", "list")
    assert (batch["status"], batch["rows"]) == ("completed", ROWS)
    crm("import", "undo", str(batch["id"]))
    assert data(crm.url) == before


def test_item11_interrupted_chunked_import_takes_back_its_chunks(
    crm: Crm, small_chunks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = data(crm.url)
    write = ImportWriter.write
    calls = iter(range(100))

    def interrupted(self: ImportWriter, rows: Any) -> Any:
        if next(calls) == 2:  # two chunks are in (committed on SQLite)
            raise KeyboardInterrupt
        return write(self, rows)

    monkeypatch.setattr(ImportWriter, "write", interrupted)
    result = crm("import", str(small_chunks), code=130)
    assert "rolled back" in result.stderr
    assert data(crm.url) == before
    statuses = [batch["status"] for batch in crm.json("import", "list")]
    # SQLite had committed two chunks: the batch stays on record, undone. PostgreSQL
    # imports in one transaction, and rolling it back leaves no batch at all.
    assert statuses == (["undone"] if crm.url.startswith("sqlite") else [])


def test_item11_interrupted_import_keeps_others_work_and_says_so(
    crm: Crm, small_chunks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit = _Run._commit_chunk
    calls = iter(range(100))

    def edited_then_interrupted(self: _Run) -> None:
        commit(self)
        if next(calls) == 1:  # between two chunks, as SQLite lets another writer in
            _someone_edits_company_1(crm.url)
            raise KeyboardInterrupt

    monkeypatch.setattr(_Run, "_commit_chunk", edited_then_interrupted)
    write = ImportWriter.write
    chunks = iter(range(100))

    def interrupted_without_chunks(self: ImportWriter, rows: Any) -> Any:
        if next(chunks) == 2:
            _someone_edits_company_1(crm.url)
            raise KeyboardInterrupt
        return write(self, rows)

    if not crm.url.startswith("sqlite"):  # one transaction: simply rolled back
        monkeypatch.setattr(ImportWriter, "write", interrupted_without_chunks)
        crm("import", str(small_chunks), code=130)
        return
    result = crm("import", str(small_chunks), code=4)
    assert "could not be taken back" in result.stderr and "company #1" in result.stderr
    assert [b["status"] for b in crm.json("import", "list")] == ["interrupted"]
    assert crm.json("companies", "show", "1")["name"] == "Firma 0 s.r.o."


def _someone_edits_company_1(url: str) -> None:
    """Another process's edit of a company the import's first chunk created."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO events (at, entity_type, entity_id, kind, payload) "
                    "VALUES (CURRENT_TIMESTAMP, 'company', 1, 'company.updated', '{}')"
                )
            )
    finally:
        engine.dispose()
