"""`crmctl mail import` from a real Dovecot on both databases: incremental, idempotent,
a changed UIDVALIDITY re-scans without duplicates, mailbox names and their owners,
the password never echoed, an unreachable server exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from crmctl.db import tables
from tests.conftest import Crm
from tests.mail.dovecot import PASSWORD, Dovecot, free_port
from tests.mail.raw import simple
from tests.mail.test_imap import append


@pytest.fixture
def imap_crm(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> Crm:
    monkeypatch.setenv("CRM_IMAP_PASSWORD", PASSWORD)
    return crm


def _state(crm: Crm) -> list[tuple[str, int, int]]:
    engine = create_engine(crm.url)
    s = tables.mail_sync_state.c
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(s.mailbox, s.uidvalidity, s.last_uid)).all()
            return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        engine.dispose()


def test_first_sync_resync_and_new_mail(imap_crm: Crm, dovecot: Dovecot, imap_user: str) -> None:
    append(dovecot, imap_user, simple("m1@x.cz"), simple("m2@x.cz"), simple(None, body="bez"))
    url = dovecot.url(imap_user)
    first = imap_crm.json("mail", "import", url)
    assert first["stored"] == 3
    assert _state(imap_crm)[0][2] == 3
    again = imap_crm.json("mail", "import", url)
    assert again["read"] == 0 and again["stored"] == 0  # nothing fetched at all
    append(dovecot, imap_user, simple("m4@x.cz"))
    assert imap_crm.json("mail", "import", url)["stored"] == 1
    assert len(imap_crm.json("mail", "list")) == 4


def test_changed_uidvalidity_rescans_without_duplicates(
    imap_crm: Crm, dovecot: Dovecot, imap_user: str
) -> None:
    client = dovecot.client(imap_user)
    assert client.create("Archiv")[0] == "OK"
    client.logout()
    append(dovecot, imap_user, simple("a1@x.cz"), simple("a2@x.cz"), folder="Archiv")
    url = dovecot.url(imap_user, "Archiv")
    assert imap_crm.json("mail", "import", url)["stored"] == 2
    client = dovecot.client(imap_user)
    assert client.delete("Archiv")[0] == "OK"
    assert client.create("Archiv")[0] == "OK"
    client.logout()
    append(dovecot, imap_user, simple("a1@x.cz"), simple("a2@x.cz"), simple("b3@x.cz"),
           folder="Archiv")  # fmt: skip
    result = imap_crm("mail", "import", url, "-o", "json")
    assert "UIDVALIDITY changed" in result.stderr

    summary = json.loads(result.stdout)
    assert summary["rescanned"] and summary["stored"] == 1 and summary["duplicates"] == 2
    assert len(imap_crm.json("mail", "list")) == 3


def test_mailbox_name_sets_the_owner_who_reads_unpaired_mail(
    crm: Crm, dovecot: Dovecot, imap_user: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRM_IMAP_PASSWORD", raising=False)
    crm("users", "add", "novak", "--role", "sales")
    crm("users", "add", "dvorak", "--role", "sales")
    (tmp_path / "crmctl.yaml").write_text(
        "mail:\n  mailboxes:\n"
        f"    obchod: {{url: '{dovecot.url(imap_user)}', owner: novak, password: {PASSWORD}}}\n",
        encoding="utf-8",
    )
    append(dovecot, imap_user, simple("n1@news.cz", sender="news@news.cz"))
    result = crm("mail", "import", "obchod")
    assert PASSWORD not in result.stdout + result.stderr
    assert len(Crm(crm.url, user="novak").json("mail", "list")) == 1
    assert Crm(crm.url, user="dvorak").json("mail", "list") == []
    assert len(crm.json("mail", "list")) == 1  # admin


def test_wrong_password_and_unreachable_server_exit_1_and_store_nothing(
    crm: Crm, dovecot: Dovecot, imap_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(dovecot, imap_user, simple("m1@x.cz"))
    monkeypatch.setenv("CRM_IMAP_PASSWORD", "spatne-heslo")
    result = crm("mail", "import", dovecot.url(imap_user), code=1)
    assert result.stderr.startswith("error:") and "spatne-heslo" not in result.stderr
    monkeypatch.setenv("CRM_IMAP_PASSWORD", PASSWORD)
    result = crm("mail", "import", f"imap://{imap_user}@127.0.0.1:{free_port()}/INBOX", code=1)
    assert result.stderr.count("error:") == 1
    assert crm.json("mail", "list") == []
    assert _state(crm) == []
