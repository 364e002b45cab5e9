"""File sources: .eml, a directory of them, mbox, Maildir; detection; errors; re-reads."""

from __future__ import annotations

import mailbox
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.errors import ExitCode
from crmctl.mail import sources
from crmctl.mail.parse import parse_message
from crmctl.mail.sources import (
    EmlDirectorySource,
    EmlFileSource,
    ImapSource,
    MaildirSource,
    MailSourceError,
    MboxSource,
    encode_modified_utf7,
    open_source,
    parse_imap_url,
)
from tests.mail.raw import simple

MESSAGES = [
    simple("a@x.cz", subject="První"),
    simple(None, subject="Bez Message-ID", body="From the start of a line\nFrom here"),
    simple("c@x.cz", subject="Třetí", extra=("In-Reply-To: <a@x.cz>",)),
]


def ids(source_spec: str | Path) -> list[str]:
    source = open_source(str(source_spec))
    return [parse_message(m.raw).message_id for m in source.messages()]


def expected_ids() -> list[str]:
    return [parse_message(raw).message_id for raw in MESSAGES]


def write_eml_dir(path: Path) -> Path:
    path.mkdir()
    for number, raw in enumerate(MESSAGES, start=1):
        (path / f"{number:02d}.eml").write_bytes(raw)
    (path / "notes.txt").write_text("not mail")
    return path


def write_mbox(path: Path) -> Path:
    box = mailbox.mbox(str(path))
    for raw in MESSAGES:
        box.add(raw)
    box.close()
    return path


def write_maildir(path: Path) -> Path:
    box = mailbox.Maildir(str(path), create=True)
    for raw in MESSAGES:
        box.add(raw)
    box.close()
    return path


def test_one_eml_file(tmp_path: Path) -> None:
    path = tmp_path / "dopis.eml"
    path.write_bytes(MESSAGES[0])
    assert isinstance(open_source(str(path)), EmlFileSource)
    assert ids(path) == ["a@x.cz"]


def test_an_eml_without_the_suffix_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "dopis"
    path.write_bytes(MESSAGES[0])
    assert isinstance(open_source(str(path)), EmlFileSource)


def test_directory_of_eml_files_in_name_order(tmp_path: Path) -> None:
    directory = write_eml_dir(tmp_path / "posta")
    assert isinstance(open_source(str(directory)), EmlDirectorySource)
    assert ids(directory) == expected_ids()


def test_mbox(tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "export")  # no suffix: detected by its "From " line
    assert isinstance(open_source(str(path)), MboxSource)
    assert ids(path) == expected_ids()
    body = parse_message(next(iter(open_source(str(path)).messages())).raw).body
    assert ">From" not in parse_message(list(open_source(str(path)).messages())[1].raw).body
    assert body == "Dobrý den, posílám nabídku."
    origins = [m.origin for m in open_source(str(path)).messages()]
    assert origins == [f"{path} #1", f"{path} #2", f"{path} #3"]


def test_an_empty_mbox_file_and_an_apple_mail_export(tmp_path: Path) -> None:
    (tmp_path / "Prazdna.mbox").write_bytes(b"")
    assert ids(tmp_path / "Prazdna.mbox") == []
    (tmp_path / "Inbox.mbox").mkdir()
    write_mbox(tmp_path / "Inbox.mbox" / "mbox")
    assert ids(tmp_path / "Inbox.mbox") == expected_ids()


def test_maildir_new_and_cur(tmp_path: Path) -> None:
    path = write_maildir(tmp_path / "Maildir")
    box = mailbox.Maildir(str(path))
    key = next(iter(box.keys()))
    message = box[key]
    message.set_subdir("cur")
    box[key] = message  # one message moved to cur/, as a client that read it does
    assert isinstance(open_source(str(path)), MaildirSource)
    assert sorted(ids(path)) == sorted(expected_ids())


@pytest.mark.parametrize("writer", [write_eml_dir, write_mbox, write_maildir])
def test_reading_again_gives_the_same_ids(tmp_path: Path, writer) -> None:
    path = writer(tmp_path / "source")
    assert ids(path) == ids(path)
    assert len(set(ids(path))) == len(MESSAGES)


def test_the_same_mail_has_the_same_id_in_every_source(tmp_path: Path) -> None:
    found = [
        sorted(ids(write_eml_dir(tmp_path / "eml"))),
        sorted(ids(write_mbox(tmp_path / "mbox"))),
        sorted(ids(write_maildir(tmp_path / "maildir"))),
    ]
    assert found[0] == found[1] == found[2] == sorted(expected_ids())


def test_imap_urls_are_detected() -> None:
    source = open_source("imaps://obchod%40firma.cz@mail.firma.cz/Odeslan%C3%A1", password="x")
    assert isinstance(source, ImapSource)
    assert str(source.url) == "imaps://obchod@firma.cz@mail.firma.cz:993/Odeslaná"


@pytest.mark.parametrize(
    "url, secure, user, host, port, folder",
    [
        ("imap://jan@mail.firma.cz", False, "jan", "mail.firma.cz", 143, "INBOX"),
        ("imap://jan@mail.firma.cz/", False, "jan", "mail.firma.cz", 143, "INBOX"),
        ("IMAPS://jan@127.0.0.1:1993/Archiv/2026", True, "jan", "127.0.0.1", 1993, "Archiv/2026"),
    ],
)
def test_parse_imap_url(url, secure, user, host, port, folder) -> None:
    parsed = parse_imap_url(url)
    assert (parsed.secure, parsed.user, parsed.host, parsed.port, parsed.folder) == (
        secure,
        user,
        host,
        port,
        folder,
    )


@pytest.mark.parametrize(
    "url, message",
    [
        ("imap://mail.firma.cz/INBOX", "give the user and host"),
        ("imap://jan@mail.firma.cz:port/INBOX", "the port is not a number"),
        ("imap://jan:tajne@mail.firma.cz/INBOX", "the URL holds a password"),
        ("pop3://jan@mail.firma.cz", "not an imap:// or imaps:// URL"),
    ],
)
def test_bad_imap_urls(url: str, message: str) -> None:
    with pytest.raises(MailSourceError, match=message) as raised:
        parse_imap_url(url)
    assert "tajne" not in str(raised.value)


def test_modified_utf7_folder_names() -> None:
    assert encode_modified_utf7("INBOX") == "INBOX"
    assert encode_modified_utf7("Odeslaná pošta") == "Odeslan&AOE- po&AWE-ta"
    assert encode_modified_utf7("R&D") == "R&-D"


# --- errors: one message naming the file, exit 4 -------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MailSourceError, match=r"nic\.mbox: no such file") as raised:
        open_source(str(tmp_path / "nic.mbox"))
    assert raised.value.exit_code == ExitCode.INVALID


def test_broken_mbox_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "rozbity.mbox"
    path.write_bytes(b"\x1f\x8b\x08\x00 gzip, not an mbox\x00\xff")
    with pytest.raises(MailSourceError, match=r"rozbity\.mbox: not an mbox file") as raised:
        open_source(str(path))
    assert raised.value.exit_code == ExitCode.INVALID


def test_a_file_that_is_no_mail(tmp_path: Path) -> None:
    path = tmp_path / "tabulka.xlsx"
    path.write_bytes(b"PK\x03\x04binary")
    with pytest.raises(MailSourceError, match=r"tabulka\.xlsx: neither an mbox"):
        open_source(str(path))


def test_a_directory_without_mail(tmp_path: Path) -> None:
    (tmp_path / "prazdny").mkdir()
    with pytest.raises(MailSourceError, match=r"prazdny: no \.eml files here"):
        list(open_source(str(tmp_path / "prazdny")).messages())


def test_an_unreadable_eml_in_a_directory_names_that_file(tmp_path: Path) -> None:
    directory = write_eml_dir(tmp_path / "posta")
    (directory / "04.eml").mkdir()  # a directory named like mail is passed over
    (directory / "03.eml").unlink()
    (directory / "03.eml").symlink_to(tmp_path / "gone.eml")
    with pytest.raises(MailSourceError, match=r"03\.eml: cannot read"):
        list(open_source(str(directory)).messages())


LINES = st.sampled_from(
    [b"From a@b Mon Jan 1 00:00:00 2026\n", b"\n", b"text\n", b">From quoted\n", b"From\n",
     b"From \n", b"x", b"\r\n", b"Subject: s\n", b"From x"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(LINES, max_size=12))
def test_scanned_table_of_contents_equals_the_stdlib_one(lines: list[bytes]) -> None:
    data = b"".join(lines)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "box"
        path.write_bytes(data)
        stdlib = mailbox.mbox(str(path), create=False)
        scanned = sources._ScannedMbox(str(path), create=False)
        try:
            stdlib._generate_toc()
            scanned._generate_toc()
            assert scanned._toc == stdlib._toc
            assert scanned._next_key == stdlib._next_key
            assert scanned._file_length == stdlib._file_length
        finally:
            stdlib.close()
            scanned.close()
