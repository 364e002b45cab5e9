"""IMAP against a real Dovecot: first sync, incremental re-sync, UIDVALIDITY change,
batching, TLS and the errors a user sees."""

from __future__ import annotations

import imaplib
import socket

import pytest

from crmctl.errors import ExitCode, UsageError
from crmctl.mail import sources
from crmctl.mail.parse import parse_message
from crmctl.mail.sources import ImapState, MailServerError, RawMessage, open_source
from tests.mail.dovecot import PASSWORD, Dovecot, free_port
from tests.mail.raw import simple


def append(dovecot: Dovecot, user: str, *raws: bytes, folder: str = "INBOX") -> None:
    client = dovecot.client(user)
    try:
        for raw in raws:
            status, _ = client.append(sources._quote_folder(folder), None, None, raw)
            assert status == "OK"
    finally:
        client.logout()


def read(
    dovecot: Dovecot, user: str, state: ImapState | None = None, folder: str = "INBOX"
) -> tuple[list[RawMessage], sources.ImapSource]:
    source = open_source(dovecot.url(user, folder), password=PASSWORD, state=state)
    assert isinstance(source, sources.ImapSource)
    return list(source.messages()), source


def message_ids(messages: list[RawMessage]) -> list[str]:
    return [parse_message(m.raw).message_id for m in messages]


def test_first_sync_then_only_new_mail(dovecot: Dovecot, imap_user: str) -> None:
    append(dovecot, imap_user, simple("m1@x.cz"), simple("m2@x.cz"), simple(None, body="bez id"))
    first, source = read(dovecot, imap_user)
    assert message_ids(first)[:2] == ["m1@x.cz", "m2@x.cz"]
    assert [m.uid for m in first] == [1, 2, 3]
    assert source.state is not None and source.state.last_uid == 3 and not source.rescanned

    again, source = read(dovecot, imap_user, source.state)
    assert again == [] and source.state is not None and source.state.last_uid == 3

    append(dovecot, imap_user, simple("m4@x.cz"))
    new, source = read(dovecot, imap_user, source.state)
    assert message_ids(new) == ["m4@x.cz"] and [m.uid for m in new] == [4]


def test_reading_again_without_state_gives_the_same_ids(dovecot: Dovecot, imap_user: str) -> None:
    append(dovecot, imap_user, simple("m1@x.cz"), simple(None, body="bez id"))
    first, _ = read(dovecot, imap_user)
    second, _ = read(dovecot, imap_user)
    assert message_ids(first) == message_ids(second)
    assert first[0].raw == simple("m1@x.cz")


def test_state_follows_each_message_so_an_interrupted_run_resumes(
    dovecot: Dovecot, imap_user: str
) -> None:
    append(dovecot, imap_user, *(simple(f"m{n}@x.cz") for n in range(1, 6)))
    source = open_source(dovecot.url(imap_user), password=PASSWORD)
    reader = source.messages()
    next(reader), next(reader)
    assert source.state is not None and source.state.last_uid == 2
    reader.close()  # the importer stopped after storing two
    rest, _ = read(dovecot, imap_user, source.state)
    assert message_ids(rest) == ["m3@x.cz", "m4@x.cz", "m5@x.cz"]


def test_changed_uidvalidity_rescans_the_folder(dovecot: Dovecot, imap_user: str) -> None:
    folder = "Archiv"
    client = dovecot.client(imap_user)
    assert client.create(folder)[0] == "OK"
    client.logout()
    append(dovecot, imap_user, simple("a1@x.cz"), simple("a2@x.cz"), folder=folder)
    first, source = read(dovecot, imap_user, folder=folder)
    assert message_ids(first) == ["a1@x.cz", "a2@x.cz"]
    old_state = source.state
    assert old_state is not None and old_state.last_uid == 2

    # The folder is deleted and made again (a server migration does the same): the UIDs
    # start over and mean other messages now.
    client = dovecot.client(imap_user)
    assert client.delete(folder)[0] == "OK"
    assert client.create(folder)[0] == "OK"
    client.logout()
    append(dovecot, imap_user, simple("a1@x.cz"), simple("a2@x.cz"), simple("a3@x.cz"))
    append(dovecot, imap_user, simple("a1@x.cz"), simple("a2@x.cz"), simple("b3@x.cz"),
           folder=folder)  # fmt: skip

    rescanned, source = read(dovecot, imap_user, old_state, folder=folder)
    assert source.rescanned
    assert source.state is not None and source.state.uidvalidity != old_state.uidvalidity
    # Every message again (the importer's Message-ID dedup skips a1 and a2), not only
    # UIDs above the old last UID 2.
    assert message_ids(rescanned) == ["a1@x.cz", "a2@x.cz", "b3@x.cz"]


def test_fetches_in_batches_not_one_round_trip_per_message(
    dovecot: Dovecot, imap_user: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(dovecot, imap_user, *(simple(f"m{n}@x.cz") for n in range(1, 8)))
    monkeypatch.setattr(sources, "BATCH_MESSAGES", 3)
    commands: list[tuple[str, ...]] = []
    real_uid = imaplib.IMAP4.uid

    def spy(self: imaplib.IMAP4, command: str, *args: str):  # type: ignore[no-untyped-def]
        commands.append((command, *args))
        return real_uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", spy)
    messages, _ = read(dovecot, imap_user)
    assert len(messages) == 7
    assert commands == [
        ("FETCH", "1:*", "(UID RFC822.SIZE)"),
        ("FETCH", "1:3", "(UID BODY.PEEK[])"),
        ("FETCH", "4:6", "(UID BODY.PEEK[])"),
        ("FETCH", "7", "(UID BODY.PEEK[])"),
    ]


def test_reading_marks_nothing_as_seen(dovecot: Dovecot, imap_user: str) -> None:
    append(dovecot, imap_user, simple("m1@x.cz"))
    read(dovecot, imap_user)
    client = dovecot.client(imap_user)
    client.select("INBOX")
    _, data = client.uid("FETCH", "1", "(FLAGS)")
    client.logout()
    assert b"\\Seen" not in data[0]


def test_a_folder_with_a_czech_name(dovecot: Dovecot, imap_user: str) -> None:
    folder = "Odeslaná pošta"
    client = dovecot.client(imap_user)
    assert client.create(sources._quote_folder(folder))[0] == "OK"
    client.logout()
    append(dovecot, imap_user, simple("s1@firma.cz"), folder=folder)
    messages, _ = read(dovecot, imap_user, folder=folder)
    assert message_ids(messages) == ["s1@firma.cz"]


def test_imaps_with_the_server_certificate(dovecot: Dovecot, imap_user: str) -> None:
    if dovecot.ssl_port is None:
        pytest.skip("no openssl to make a certificate for imaps")
    append(dovecot, imap_user, simple("tls@x.cz"))
    source = open_source(
        dovecot.url(imap_user, secure=True), password=PASSWORD, ssl_context=dovecot.ssl_context()
    )
    assert message_ids(list(source.messages())) == ["tls@x.cz"]


def test_imaps_refuses_an_unverified_certificate(dovecot: Dovecot, imap_user: str) -> None:
    if dovecot.ssl_port is None:
        pytest.skip("no openssl to make a certificate for imaps")
    source = open_source(dovecot.url(imap_user, secure=True), password=PASSWORD)
    with pytest.raises(MailServerError, match=r"cannot connect to the IMAP server 127\.0\.0\.1"):
        list(source.messages())


# --- errors ----------------------------------------------------------------------------------


def test_wrong_password(dovecot: Dovecot, imap_user: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # From another loopback address: Dovecot delays the next logins from an address that
    # failed one, which would slow every test after this one down.
    real_connect = socket.create_connection

    def from_127_0_0_2(address, timeout=None, source_address=None):  # type: ignore[no-untyped-def]
        return real_connect(address, timeout, source_address=("127.0.0.2", 0))

    monkeypatch.setattr(imaplib.socket, "create_connection", from_127_0_0_2)
    source = open_source(dovecot.url(imap_user), password="spatne-heslo")
    with pytest.raises(MailServerError) as raised:
        list(source.messages())
    assert raised.value.exit_code == ExitCode.FAILURE
    assert f"127.0.0.1 refused the login of '{imap_user}'" in raised.value.message
    assert "spatne-heslo" not in raised.value.message


def test_no_password_is_a_usage_error_before_connecting() -> None:
    source = open_source(f"imap://jan@127.0.0.1:{free_port()}/INBOX")
    with pytest.raises(UsageError, match=r"no password for imap://jan@127\.0\.0\.1:\d+/INBOX; set"):
        list(source.messages())


def test_missing_folder(dovecot: Dovecot, imap_user: str) -> None:
    source = open_source(dovecot.url(imap_user, "Neexistuje"), password=PASSWORD)
    with pytest.raises(MailServerError, match="has no folder 'Neexistuje'"):
        list(source.messages())


def test_unreachable_server_names_the_host() -> None:
    source = open_source(f"imap://jan@127.0.0.1:{free_port()}/INBOX", password="x")
    with pytest.raises(MailServerError) as raised:
        list(source.messages())
    assert raised.value.exit_code == ExitCode.FAILURE
    assert raised.value.message.startswith("cannot connect to the IMAP server 127.0.0.1:")


def test_unknown_host() -> None:
    source = open_source("imap://jan@mail.invalid/INBOX", password="x")
    with pytest.raises(MailServerError, match=r"mail\.invalid:143"):
        list(source.messages())


def test_uid_set_ranges() -> None:
    assert sources._uid_set([1, 2, 3, 7, 9, 10]) == "1:3,7,9:10"
    assert sources._uid_set([5]) == "5"


def test_batches_respect_count_and_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "BATCH_BYTES", 100)
    sizes = [(1, 60), (2, 30), (3, 20), (4, 500), (5, 1)]
    assert list(sources._batches(sizes)) == [[1, 2], [3], [4], [5]]


def test_an_empty_folder(dovecot: Dovecot, imap_user: str) -> None:
    messages, source = read(dovecot, imap_user)
    assert messages == []
    assert source.state is not None and source.state.last_uid == 0


def test_uid_after_the_literal_is_understood(monkeypatch: pytest.MonkeyPatch) -> None:
    # Servers may order the FETCH items as they like: "BODY[] {n} … UID 7)".
    source = sources.ImapSource(sources.parse_imap_url("imap://u@h/INBOX"), "x")
    answer = [(b"1 (BODY[] {3}", b"abc"), b" UID 7)", (b"2 (UID 8 BODY[] {3}", b"def"), b")"]
    monkeypatch.setattr(source, "_uid", lambda client, *args: answer)
    assert source._fetch(None, [7, 8]) == [(7, b"abc"), (8, b"def")]  # type: ignore[arg-type]
