"""Issue 15 item 5: undoing import batches newest first always works; an older batch
is refused only for real later edits, and the refusal names them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Crm, snapshot

FILES = (
    "Firma;IČO\nACME s.r.o.;27082440\n",
    "Firma;IČO;Město;Jméno;Příjmení;E-mail\nACME s.r.o.;27082440;Brno;Jan;Novák;jan@acme.cz\n",
    "Firma;IČO;Web;Jméno;Příjmení;E-mail;Funkce\n"
    "ACME s.r.o.;27082440;https://acme.cz;Jan;Novák;jan@acme.cz;jednatel\n",
)
DATA_TABLES = ("companies", "persons", "person_emails", "person_companies", "tags")


def data(url: str) -> dict[str, list[tuple[object, ...]]]:
    tables = snapshot(url)
    return {name: tables[name] for name in DATA_TABLES}


def import_all(crm: Crm, tmp_path: Path) -> list[tuple[int, dict[str, list[tuple[object, ...]]]]]:
    """Each batch with the data as it was before it ran."""
    batches = []
    for number, text in enumerate(FILES, start=1):
        source = tmp_path / f"file{number}.csv"
        source.write_text(text, encoding="utf-8")
        before = data(crm.url)
        report = json.loads(crm("import", str(source), "-o", "json").stdout)
        assert report["counts"]["rejected"] == 0
        batches.append((report["batch"], before))
    return batches


def test_item5_undo_newest_first_always_succeeds(crm: Crm, tmp_path: Path) -> None:
    batches = import_all(crm, tmp_path)
    for batch, before in reversed(batches):
        crm("import", "undo", str(batch))
        assert data(crm.url) == before, f"undo {batch}"


def test_item5_older_batch_refused_only_for_real_later_edits(crm: Crm, tmp_path: Path) -> None:
    batches = import_all(crm, tmp_path)
    crm("import", "undo", str(batches[2][0]))
    crm("companies", "edit", "1", "--industry", "Strojírenství")
    refused = crm("import", "undo", str(batches[1][0]), code=4)
    assert "company #1: company.updated" in refused.stderr, refused.stderr
    assert refused.stderr.count("company #1") == 1  # the undo's own restore is no edit
