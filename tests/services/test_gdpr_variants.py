"""``gdpr erase`` finds a person however their name, e-mail and phone were typed: without
diacritics, in capitals, decomposed, surname first, an e-mail in upper case, a phone with
any prefix and separators; in every text and JSON column, event payloads, notifications,
deliveries and the text documents of the store. The check is independent of crmctl's
matcher: a full dump of every table and every file of the store, folded here."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from crmctl.config import load_settings
from tests.conftest import Crm, snapshot

NAME, EMAIL, PHONE = "Jiří Dvořák", "jiri.dvorak@example.cz", "+420 601 234 567"
NAMES = (
    "Jiří Dvořák", "Jiri Dvorak", "JIŘÍ DVOŘÁK", "JIRI DVORAK", "jiri dvorak", "Dvořák Jiří",
    "Dvorak, Jiri", "DVOŘÁK, Jiří", unicodedata.normalize("NFD", "Jiří Dvořák"),
    unicodedata.normalize("NFD", "DVOŘÁK JIŘÍ"), "Jiří  Dvořák", "jiří dvořák",
)  # fmt: skip
EMAILS = ("jiri.dvorak@example.cz", "JIRI.DVORAK@EXAMPLE.CZ", "Jiri.Dvorak@Example.CZ")
PHONES = (
    "+420 601 234 567", "601-234-567", "00420601234567", "601 234 567", "+420601234567",
    "601.234.567", "(+420) 601 234 567", "420 601 234 567", "+420\u00a0601\u00a0234\u00a0567",
)  # fmt: skip
VARIANTS = (*NAMES, *EMAILS, *PHONES)
# In the folded dump (no accents, case-folded): the name either way round, the e-mail,
# and the phone's digits once spaces, dashes, dots, slashes and brackets are gone.
FOLDED_NAME = re.compile(r"jiri[\s,]+dvorak|dvorak[\s,]+jiri")
FOLDED_EMAIL = "jiri.dvorak@example.cz"
PHONE_DIGITS = "601234567"


def fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def occurrences(value: str) -> int:
    folded = fold(value)
    digits = re.sub(r"[\s\-./()]", "", folded)
    return (
        len(FOLDED_NAME.findall(folded)) + folded.count(FOLDED_EMAIL) + digits.count(PHONE_DIGITS)
    )


def cell_text(value: Any) -> str:
    """A cell as text, JSON decoded (so ``\\u00ed`` escapes are letters again)."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.dumps(json.loads(value), ensure_ascii=False)
        except ValueError:
            return value
    return str(value)


def found_in_database(url: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for table, rows in snapshot(url).items():
        for row in rows:
            for value in row:
                if value is not None and (count := occurrences(cell_text(value))):
                    found[table] = found.get(table, 0) + count
    return found


def found_in_store(store: Path) -> dict[str, int]:
    found: dict[str, int] = {}
    for path in (p for p in store.rglob("*") if p.is_file()) if store.exists() else ():
        if count := occurrences(path.read_bytes().decode("utf-8", errors="replace")):
            found[path.name] = count
    return found


def variant(n: int) -> str:
    return VARIANTS[n % len(VARIANTS)]


def plant(crm: Crm, tmp_path: Path) -> None:
    """Every variant at least twice, in every place a person's data reaches."""
    crm("companies", "add", "--name", "Alfa s.r.o.", "--city", "Brno")
    crm("contacts", "add", "--name", NAME, "--email", EMAIL, "--phone", PHONE, "--company", "1")
    crm("contacts", "add", "--name", "Eva Malá", "--company", "1",
        "--note", f"zastupuje {variant(0)}, tel. {variant(20)}")  # fmt: skip
    n = 1
    for _ in range(3):
        crm("tasks", "add", f"Zavolat {variant(n)}", "--company", "1",
            "--body", f"{variant(n + 1)} chce nabídku na {variant(n + 2)}")  # fmt: skip
        crm("deals", "add", "--title", f"Kávovar pro {variant(n + 3)}", "--company", "1",
            "--value", "1000")  # fmt: skip
        crm("companies", "edit", "1", "--set", f"kontakt{n}={variant(n + 4)}",
            "--set", f"poznamka{n}=volat {variant(n + 5)} nebo {variant(n + 6)}",
            "--tag", variant(n + 7))  # fmt: skip
        crm("log", "call", "--company", "1", "--subject", f"Hovor s {variant(n + 8)}",
            "--body", f"{variant(n + 9)} řekl, ať píšeme na {variant(n + 10)}")  # fmt: skip
        crm("leads", "add", "--name", "Petr Lev", "--company", "Beta a.s.",
            "--message", f"doporučil nás {variant(n + 11)} ({variant(n + 12)})")  # fmt: skip
        document = tmp_path / f"zapis{n}.txt"
        document.write_text(f"Zápis z jednání\n{variant(n + 13)}, {variant(n + 14)}\n"
                            f"{variant(n + 15)}\n", encoding="utf-8")  # fmt: skip
        crm("docs", "attach", "company", "1", str(document))
        n += 16
    _plant_outbox(crm.url, [variant(n + i) for i in range(8)])


def _plant_outbox(url: str, texts: list[str]) -> None:
    """A notification and deliveries as the workflow runner writes them."""
    now = datetime(2026, 3, 10, 8, tzinfo=UTC)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO notifications (user_id, entity_type, entity_id, subject, body,"
                     " created_at) VALUES (1, 'company', 1, :subject, :body, :now)"),
                {"subject": f"Nový kontakt {texts[0]}", "body": f"Volejte {texts[1]}", "now": now},
            )  # fmt: skip
            connection.execute(
                text("INSERT INTO deliveries (channel, target, subject, body, payload, status,"
                     " attempts, next_attempt_at, created_at) VALUES ('email', :target,"
                     " :subject, :body, :payload, 'sent', 1, :now, :now)"),
                {"target": texts[2], "subject": f"Schůzka s {texts[3]}", "body": texts[4],
                 "payload": json.dumps({"to": texts[5], "text": f"Ahoj {texts[6]}",
                                        "list": [texts[7]]}), "now": now},
            )  # fmt: skip
    finally:
        engine.dispose()


def test_item9_erase_finds_every_spelling_in_database_and_document_store(
    crm: Crm, tmp_path: Path
) -> None:
    plant(crm, tmp_path)
    store = documents_store(crm)
    before = sum(found_in_database(crm.url).values()) + sum(found_in_store(store).values())
    # Every planted variant, the person's own row and the events that repeat them.
    assert before >= 100, before
    found = found_in_database(crm.url)
    for place in ("tasks", "deals", "companies", "tags", "activities", "leads", "events",
                  "notifications", "deliveries", "persons"):  # fmt: skip
        assert found.get(place), place
    in_store = found_in_store(store)
    assert in_store
    # A dry run counts the documents too, and writes nothing: not the rows, not the store.
    rows, files = snapshot(crm.url), sorted(store.rglob("*"))
    dry = {row["where"]: row["rows"] for row in crm.json("gdpr", "erase", "1", "--dry-run")}
    assert dry["documents.content"] == 3
    assert snapshot(crm.url) == rows and sorted(store.rglob("*")) == files
    crm("gdpr", "erase", "1")
    assert found_in_database(crm.url) == {}
    assert found_in_store(store) == {}
    # What is not the person stays: the other contact, the company, the documents.
    assert crm.json("contacts", "show", "2")["note"].startswith("zastupuje [erased], tel.")
    assert crm.json("companies", "show", "1")["name"] == "Alfa s.r.o."
    for document in crm.json("docs", "list"):
        content = crm("docs", "get", str(document["id"]), "--output", "-").stdout
        assert content.startswith("Zápis z jednání\n[erased], [erased]\n"), content


def test_item9_erase_leaves_other_people_with_similar_data(crm: Crm) -> None:
    """Folding does not widen a match: another Jiří, another number, another address."""
    crm("companies", "add", "--name", "Alfa s.r.o.")
    crm("contacts", "add", "--name", NAME, "--email", EMAIL, "--phone", PHONE)
    kept = ("Jiří Dvořáček, jiri.dvorak@example.com, 601 234 5678, +420 601 234 568, "
            "xjiri.dvorak@example.cz, Jiří Nedvořák")  # fmt: skip
    crm("contacts", "add", "--name", "Eva Malá", "--note", kept)
    crm("gdpr", "erase", "1")
    assert crm.json("contacts", "show", "2")["note"] == kept


def documents_store(crm: Crm) -> Path:
    return load_settings(db_option=crm.url).documents_dir
