"""Issue 15 item 11 (in process): an import committed chunk by chunk on SQLite is still
one batch that undo takes back whole, and an interrupted one takes back its own chunks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crmctl.services.import_writer import ImportWriter
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
