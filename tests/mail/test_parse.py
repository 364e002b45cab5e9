"""The encoding corpus: every kind of real-world breakage issue 18 names, built here."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl.mail.html import html_to_text
from crmctl.mail.parse import HASH_ID_DOMAIN, Address, parse_message
from tests.mail.raw import raw_message, simple

CZECH = "Příliš žluťoučký kůň úpěl ďábelské ódy"


def text_part(body: str, charset: str, *, label: str | None = None, encoding: str = "8bit"):
    """A single-part message whose body is ``body`` in ``charset``, labelled ``label``."""
    data = body.encode(charset)
    if encoding == "base64":
        data = base64.encodebytes(data)
    content_type = "text/plain" if label is None else f"text/plain; charset={label}"
    return raw_message(
        "From: a@b.cz",
        "Message-ID: <t@b.cz>",
        f"Content-Type: {content_type}",
        f"Content-Transfer-Encoding: {encoding}",
        body=data,
    )


# --- RFC 2047 encoded words ----------------------------------------------------------------


@pytest.mark.parametrize(
    "header, expected",
    [
        ("=?utf-8?Q?Nab=C3=ADdka_na_dod=C3=A1vku?=", "Nabídka na dodávku"),
        ("=?UTF-8?B?UMWZw61saciFIMW+bHXFpW91xI1rw70=?=", None),  # broken base64: no crash
        ("=?iso-8859-2?Q?=C8ervenec_=B9kol=EDc?=", "Červenec školíc"),
        ("=?windows-1250?Q?=C8ervenec_=9Akolen=ED?=", "Červenec školení"),
        ("Re: =?utf-8?q?P=C5=99=C3=ADloha?= smlouvy", "Re: Příloha smlouvy"),
        # two encoded words: the whitespace between them is no text (RFC 2047 6.2)
        ("=?utf-8?q?Nab=C3=ADd?=\r\n =?utf-8?q?ka?=", "Nabídka"),
        ("=?x-unknown-charset?q?Nab=C3=ADdka?=", "Nabídka"),  # unknown label: UTF-8 works
        ("=?utf-8?q?=E8ervenec?=", "červenec"),  # labelled UTF-8, really cp1250
    ],
)
def test_encoded_word_subjects(header: str, expected: str | None) -> None:
    parsed = parse_message(raw_message(f"Subject: {header}", "Message-ID: <s@x>"))
    if expected is None:
        assert isinstance(parsed.subject, str)
    else:
        assert parsed.subject == expected


def test_encoded_display_name_with_a_comma_stays_one_address() -> None:
    raw = raw_message(
        "From: =?utf-8?q?Dvo=C5=99=C3=A1k=2C_Petr?= <Petr.Dvorak@Firma.CZ>",
        'To: "Nováková, Jana" <jana@firma.cz>, =?iso-8859-2?q?=A9ebesta?= <sebesta@x.cz>',
        "Cc: undisclosed-recipients:;",
        charset="utf-8",
    )
    parsed = parse_message(raw)
    assert parsed.sender == Address("Dvořák, Petr", "petr.dvorak@firma.cz")
    assert parsed.to == (
        Address("Nováková, Jana", "jana@firma.cz"),
        Address("Šebesta", "sebesta@x.cz"),
    )
    assert parsed.cc == ()


# --- body charsets: labelled, mislabelled, unlabelled --------------------------------------


@pytest.mark.parametrize(
    "charset, label",
    [
        ("utf-8", "utf-8"),
        ("cp1250", "windows-1250"),
        ("cp1250", "cp1250"),
        ("cp1250", "x-cp1250"),  # a label Python does not know
        ("iso-8859-2", "iso-8859-2"),
        ("utf-8", "iso-8859-1"),  # UTF-8 sent with a Western label
        ("utf-8", "iso-8859-2"),
        ("cp1250", "iso-8859-2"),  # š ž ť sit at other bytes: C1 controls in iso-8859-2
        ("cp1250", "iso-8859-1"),  # č ř ě read as è ø ì in Latin-1
        ("cp1250", "us-ascii"),  # 8-bit text labelled 7-bit
        ("cp1250", "utf-8"),  # not valid UTF-8
        ("iso-8859-2", "windows-1252"),
        ("cp1250", None),  # no label at all
        ("utf-8", None),
    ],
)
def test_czech_body_survives_its_label(charset: str, label: str | None) -> None:
    assert parse_message(text_part(CZECH, charset, label=label)).body == CZECH


def test_base64_body_in_iso_8859_2() -> None:
    raw = text_part(CZECH, "iso-8859-2", label="iso-8859-2", encoding="base64")
    assert parse_message(raw).body == CZECH


def test_quoted_printable_body_with_soft_breaks() -> None:
    raw = raw_message(
        "Message-ID: <qp@x>",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        body=b"Dobr=C3=BD den, toto je dlouh=C3=BD =\r\n\xc5\x99=C3=A1dek.\r\n",
    )
    assert parse_message(raw).body == "Dobrý den, toto je dlouhý řádek."


# --- raw 8-bit headers ---------------------------------------------------------------------


@pytest.mark.parametrize("charset", ["utf-8", "cp1250", "iso-8859-2"])
def test_raw_8bit_headers(charset: str) -> None:
    raw = raw_message(
        "From: Jiří Čermák <jiri@cermak.cz>",
        "To: Účetní oddělení <ucetni@firma.cz>",
        "Subject: Žádost o fakturu č. 5",
        "Message-ID: <8bit@cermak.cz>",
        body="ok",
        charset=charset,
    )
    parsed = parse_message(raw)
    assert parsed.sender == Address("Jiří Čermák", "jiri@cermak.cz")
    assert parsed.to == (Address("Účetní oddělení", "ucetni@firma.cz"),)
    assert parsed.subject == "Žádost o fakturu č. 5"


# --- nested multiparts, HTML and attachments -----------------------------------------------

NESTED = b"""From: Obchod <obchod@dodavatel.cz>
To: jan@firma.cz
Subject: =?utf-8?q?Nab=C3=ADdka?=
Message-ID: <nested@dodavatel.cz>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Dobr\xc3\xbd den, v p\xc5\x99\xc3\xadloze nab\xc3\xaddka.
--alt
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<p>Dobr&yacute; den, <b>HTML</b></p>
--rel
Content-Type: image/png
Content-ID: <logo>
Content-Disposition: inline; filename="logo.png"
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--alt--
--outer
Content-Type: application/pdf; name="=?utf-8?q?nab=C3=ADdka.pdf?="
Content-Disposition: attachment; filename*=utf-8''nab%C3%ADdka%20%C4%8D.%202.pdf
Content-Transfer-Encoding: base64

JVBERi0xLjQK
--outer
Content-Type: application/ms-tnef
Content-Disposition: attachment
Content-Transfer-Encoding: base64

eJ8+IgAA
--outer
Content-Type: message/rfc822

From: stary@x.cz
Subject: puvodni

text
--outer--
"""


def test_nested_multiparts_give_the_plain_body_and_every_attachment() -> None:
    parsed = parse_message(NESTED.replace(b"\n", b"\r\n"))
    assert parsed.body == "Dobrý den, v příloze nabídka."
    names = [(a.filename, a.content_type) for a in parsed.attachments]
    assert names == [
        ("logo.png", "image/png"),
        ("nabídka č. 2.pdf", "application/pdf"),  # RFC 2231 wins over the name parameter
        ("winmail.dat", "application/ms-tnef"),  # kept as it is, not unpacked
        ("message-6.eml", "message/rfc822"),
    ]
    pdf = parsed.attachments[1]
    assert pdf.data == b"%PDF-1.4\n" and pdf.size == 9
    assert b"Subject: puvodni" in parsed.attachments[3].data


def test_outlook_encoded_word_in_a_filename_and_raw_8bit_filename() -> None:
    raw = (
        b"Message-ID: <f@x>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nahoj\r\n"
        b'--b\r\nContent-Type: application/pdf; name="=?windows-1250?q?smlouva_=E8=2E_1.pdf?="'
        b"\r\nContent-Disposition: attachment\r\n\r\nx\r\n"
        b'--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="'
        + "objednávka.txt".encode("cp1250")
        + b'"\r\n\r\nobsah\r\n--b--\r\n'
    )
    parsed = parse_message(raw)
    assert [a.filename for a in parsed.attachments] == ["smlouva č. 1.pdf", "objednávka.txt"]
    assert parsed.body == "ahoj"  # a text/plain attachment is not body text


def test_an_attachment_name_is_never_a_path() -> None:
    raw = raw_message(
        "Message-ID: <p@x>",
        "Content-Type: application/pdf",
        'Content-Disposition: attachment; filename="..\\..\\etc/passwd"',
        body=b"x",
    )
    assert parse_message(raw).attachments[0].filename == "passwd"


def test_oversized_attachments_are_skipped_with_a_reason_and_the_message_kept() -> None:
    parsed = parse_message(NESTED.replace(b"\n", b"\r\n"), max_attachment_bytes=8)
    assert [a.filename for a in parsed.attachments] == ["logo.png", "winmail.dat"]
    assert [(s.filename, s.size) for s in parsed.skipped_attachments] == [
        ("nabídka č. 2.pdf", 9),
        ("message-6.eml", parsed.skipped_attachments[1].size),
    ]
    assert "over the limit of 8 bytes" in parsed.skipped_attachments[0].reason
    assert parsed.body.startswith("Dobrý den")


def test_html_only_mail_becomes_readable_text() -> None:
    html = (
        "<html><head><title>x</title><style>p {color: red}</style>"
        "<script>alert('x')</script></head><body>"
        "<p>Dobrý&nbsp;den,</p><p>posíláme <a href='https://firma.cz/nabidka'>nabídku</a>"
        "<br>a ceník.</p><ul><li>položka 1</li><li>položka 2</li></ul>"
        "<div>Pište na <a href='mailto:obchod@firma.cz'>obchod@firma.cz</a></div>"
        "<a href='javascript:void(0)'>klik</a></body></html>"
    )
    raw = raw_message("Message-ID: <h@x>", "Content-Type: text/html; charset=utf-8", body=html)
    assert parse_message(raw).body == (
        "Dobrý den,\n\nposíláme nabídku (https://firma.cz/nabidka)\na ceník.\n\n"
        "- položka 1\n- položka 2\n\nPište na obchod@firma.cz\n\nklik"
    )


def test_an_empty_text_alternative_falls_back_to_the_html() -> None:
    raw = (
        b"Message-ID: <e@x>\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\n\r\n"
        b"--b\r\nContent-Type: text/html; charset=iso-8859-2\r\n\r\n<p>\xe8au</p>\r\n--b--\r\n"
    )
    assert parse_message(raw).body == "čau"


def test_html_to_text_keeps_preformatted_text_and_image_alts() -> None:
    assert html_to_text("<pre>a\n  b</pre><img alt='Logo'>") == "a\nb\n\n[Logo]"


def test_multipart_without_boundary_is_read_as_text() -> None:
    raw = raw_message("Message-ID: <nb@x>", "Content-Type: multipart/mixed", body="jen text")
    assert parse_message(raw).body == "jen text"


# --- ids, dates, threads and missing headers -----------------------------------------------


def test_ids_lose_their_brackets_and_references_keep_their_order() -> None:
    raw = simple(
        "own@firma.cz",
        extra=(
            "In-Reply-To: <parent@x.cz> (Jan's message)",
            "References: <root@x.cz>\r\n <middle@x.cz>  <parent@x.cz>",
        ),
    )
    parsed = parse_message(raw)
    assert parsed.message_id == "own@firma.cz" and not parsed.message_id_generated
    assert parsed.in_reply_to == "parent@x.cz"
    assert parsed.references == ("root@x.cz", "middle@x.cz", "parent@x.cz")
    assert parsed.thread_key == "root@x.cz"
    assert parsed.parent_ids == ("parent@x.cz", "middle@x.cz", "root@x.cz")


def test_thread_key_without_references() -> None:
    reply = parse_message(simple("r@x", extra=("In-Reply-To: <p@x>",)))
    assert reply.thread_key == "p@x"
    assert parse_message(simple("alone@x")).thread_key == "alone@x"


def test_date_is_aware_utc() -> None:
    parsed = parse_message(simple(extra=()))
    assert parsed.date == datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    minus_zero = parse_message(raw_message("Date: Tue, 10 Mar 2026 09:00:00 -0000"))
    assert minus_zero.date == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("date", [None, "", "včera odpoledne", "Tue, 99 Foo 2026 99:99:99"])
def test_missing_or_unreadable_date_is_none(date: str | None) -> None:
    headers = ["From: a@b.cz", "Message-ID: <d@b.cz>"]
    if date is not None:
        headers.append(f"Date: {date}")
    assert parse_message(raw_message(*headers)).date is None


def test_missing_message_id_gets_a_stable_content_hash() -> None:
    first = parse_message(simple(None))
    assert first.message_id_generated and first.message_id.endswith("@" + HASH_ID_DOMAIN)
    # The same mail with LF line ends (as an mbox or a Maildir may store it): same id.
    same = parse_message(simple(None).replace(b"\r\n", b"\n"))
    assert same.message_id == first.message_id
    other = parse_message(simple(None, body="Jiný text."))
    assert other.message_id != first.message_id


def test_the_hash_id_does_not_depend_on_the_attachment_limit() -> None:
    without_id = NESTED.replace(b"Message-ID: <nested@dodavatel.cz>\n", b"")
    limited = parse_message(without_id, max_attachment_bytes=8)
    assert limited.skipped_attachments and limited.message_id_generated
    assert limited.message_id == parse_message(without_id).message_id


def test_a_message_with_no_headers_at_all() -> None:
    parsed = parse_message(b"\r\njen text bez hlavicek\r\n")
    assert parsed.sender is None and parsed.to == () and parsed.subject == ""
    assert parsed.body == "jen text bez hlavicek"
    assert parsed.message_id_generated


def test_empty_input() -> None:
    parsed = parse_message(b"")
    assert parsed.body == "" and parsed.message_id_generated


def test_multiparts_nested_deeper_than_the_stdlib_parser_can_go() -> None:
    depth = 2000
    raw = b"Message-ID: <deep@x>\r\nSubject: hluboko\r\n"
    for level in range(depth):
        raw += b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (level, level)
    raw += b"Content-Type: text/plain\r\n\r\nuvnitr\r\n"
    for level in reversed(range(depth)):
        raw += b"--b%d--\r\n" % level
    parsed = parse_message(raw)
    assert (parsed.message_id, parsed.subject) == ("deep@x", "hluboko")
    assert "uvnitr" in parsed.body  # kept as raw text rather than lost


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_parse_never_raises_on_garbage(data: bytes) -> None:
    parsed = parse_message(b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n" + data)
    assert isinstance(parsed.body, str) and parsed.message_id
