"""Raw message bytes → ``ParsedMessage``: what the CRM stores of an e-mail.

The stdlib ``email`` package does the MIME work with the ``compat32`` policy: it never
raises on broken input (it records defects instead) and keeps raw 8-bit header bytes,
which ``crmctl.mail.charsets`` then decodes with Czech fallbacks. ``policy.default``
would turn those bytes into replacement characters before we could look at them.

The direction (in/out) is not decided here: it depends on the firm's own addresses
(``crmctl.mail.pairing.direction``).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import NamedTuple

from crmctl.mail.charsets import decode_bytes, decode_header_text
from crmctl.mail.html import html_to_text

# Generated ids for messages without a Message-ID end with this (never a real domain).
HASH_ID_DOMAIN = "hash.crmctl.invalid"
_MESSAGE_ID = re.compile(r"<\s*([^<>\s]+?)\s*>")
_LINE_ENDINGS = re.compile(r"\r\n?")
_TEXT_TYPES = ("text/plain", "text/html")


class Address(NamedTuple):
    """A mailbox: display name (decoded, may be empty) and the lower-cased address."""

    name: str
    address: str

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class SkippedAttachment:
    """An attachment left out (too large); the message itself is kept."""

    filename: str
    content_type: str
    size: int
    reason: str


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str  # without angle brackets; a content hash when the header is missing
    sender: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None  # aware, UTC; None when Date is missing or unreadable
    subject: str
    body: str
    in_reply_to: str | None
    references: tuple[str, ...]
    attachments: tuple[Attachment, ...] = ()
    skipped_attachments: tuple[SkippedAttachment, ...] = ()
    message_id_generated: bool = False

    @property
    def thread_key(self) -> str:
        """The root of the References / In-Reply-To chain, else the message's own id.

        References lists the thread oldest first, so its first id is the root.
        """
        if self.references:
            return self.references[0]
        return self.in_reply_to or self.message_id

    @property
    def parent_ids(self) -> tuple[str, ...]:
        """Ids this message answers, most specific first: In-Reply-To, then References
        newest to oldest."""
        ordered = [self.in_reply_to] if self.in_reply_to else []
        ordered.extend(reversed(self.references))
        return tuple(dict.fromkeys(ordered))

    @property
    def addresses(self) -> tuple[Address, ...]:
        """From, To and Cc, each address once."""
        seen: dict[str, Address] = {}
        for address in (self.sender, *self.to, *self.cc):
            if address is not None and address.address not in seen:
                seen[address.address] = address
        return tuple(seen.values())


def parse_message(raw: bytes, *, max_attachment_bytes: int | None = None) -> ParsedMessage:
    """Parse one RFC 5322 message; attachments above ``max_attachment_bytes`` are skipped
    and recorded in ``skipped_attachments``."""
    message = _read(raw)
    headers = _raw_headers(message)
    body, attachments = _body_and_attachments(message)
    parsed = ParsedMessage(
        message_id="",
        sender=_first(_addresses(headers.get_all("from"))),
        to=_addresses(headers.get_all("to")),
        cc=_addresses(headers.get_all("cc")),
        date=_date(headers.get("date")),
        subject=decode_header_text(headers.get("subject")),
        body=body,
        in_reply_to=_first_id(headers.get("in-reply-to")),
        references=_all_ids(headers.get("references")),
        attachments=tuple(attachments),
    )
    message_id = _first_id(headers.get("message-id"))
    generated = message_id is None
    if message_id is None:  # hashed with every attachment: the same id whatever the limit
        message_id = content_hash_id(parsed)
    kept, skipped = _limit(attachments, max_attachment_bytes)
    return replace(
        parsed,
        message_id=message_id,
        message_id_generated=generated,
        attachments=kept,
        skipped_attachments=skipped,
    )


def message_id_header(message: Message) -> str | None:
    """The Message-ID as ``parse_message`` reads it (None when missing), from a message
    parsed for its headers only: the importer's cheap check for mail stored already."""
    return _first_id(_raw_headers(message).get("message-id"))


def _read(raw: bytes) -> Message:
    try:
        return message_from_bytes(raw, policy=compat32)
    except RecursionError:
        # Multiparts nested deeper than the stdlib parser can recurse (hostile mail): keep
        # the headers and the rest as plain text rather than lose the message.
        return BytesParser(policy=compat32).parsebytes(raw, headersonly=True)


def content_hash_id(parsed: ParsedMessage) -> str:
    """A stable id for a message without Message-ID, from what it says (not its bytes, so
    the same mail read from an mbox, a Maildir or IMAP gets the same id)."""
    digest = hashlib.sha256()
    sender = parsed.sender.address if parsed.sender else ""
    fields = [
        sender,
        ",".join(a.address for a in parsed.to),
        ",".join(a.address for a in parsed.cc),
        parsed.date.isoformat() if parsed.date else "",
        parsed.subject,
        parsed.body,
        *(f"{a.filename}:{a.sha256}" for a in parsed.attachments),
    ]
    for field in fields:
        digest.update(field.encode("utf-8", errors="surrogatepass"))
        digest.update(b"\0")
    return f"{digest.hexdigest()[:40]}@{HASH_ID_DOMAIN}"


class _Headers:
    """Header values exactly as read (8-bit bytes kept as surrogates), by lower-case name."""

    def __init__(self, items: list[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in items:
            self._values.setdefault(name.lower(), []).append(str(value))

    def get(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def get_all(self, name: str) -> list[str]:
        return self._values.get(name, [])


def _raw_headers(message: Message) -> _Headers:
    # raw_items(): the values as parsed, where get() would wrap 8-bit ones in Header
    # objects that have already lost the bytes.
    return _Headers(list(message.raw_items()))


def _first(addresses: tuple[Address, ...]) -> Address | None:
    return addresses[0] if addresses else None


def _addresses(values: list[str]) -> tuple[Address, ...]:
    """Split the raw values first, then decode each name: an encoded word may hide a
    comma that would otherwise split one name in two."""
    found: dict[str, Address] = {}
    for name, address in _getaddresses([_unfold(value) for value in values]):
        address = decode_header_text(address).strip().strip("<>").lower()
        if "@" not in address or " " in address:
            continue
        if address not in found:
            found[address] = Address(decode_header_text(name).strip("\"' "), address)
    return tuple(found.values())


def _getaddresses(values: list[str]) -> list[tuple[str, str]]:
    # Newer Pythons parse strictly by default and give up on a whole header for one odd
    # entry; real mail needs the lenient parse.
    try:
        return getaddresses(values, strict=False)  # type: ignore[call-arg]
    except TypeError:  # Python without the strict parameter: lenient anyway
        return getaddresses(values)


def _unfold(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


def _first_id(value: str | None) -> str | None:
    ids = _all_ids(value)
    return ids[0] if ids else None


def _all_ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    text = decode_header_text(value)
    ids = _MESSAGE_ID.findall(text)
    if not ids:  # some clients leave the brackets out
        ids = [word for word in text.split() if "@" in word]
    return tuple(dict.fromkeys(ids))


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(decode_header_text(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # "-0000": the time is UTC, the zone unknown (RFC 5322 3.3)
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


# --- body and attachments -----------------------------------------------------------------


def _leaves(message: Message) -> Iterator[Message]:
    """The non-multipart parts in order; an attached message (message/rfc822) is a leaf,
    kept whole as an attachment rather than mixed into this message's body. A stack, not
    recursion: nesting depth is up to the sender."""
    stack = [message]
    while stack:
        part = stack.pop()
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            stack.extend(reversed(part.get_payload()))
        else:
            yield part


def _body_and_attachments(message: Message) -> tuple[str, list[Attachment]]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for index, part in enumerate(_leaves(message), start=1):
        content_type = _content_type(part)
        filename = _filename(part)
        disposition = part.get_content_disposition()
        if content_type in _TEXT_TYPES and disposition != "attachment" and not filename:
            text = _part_text(part)
            (plain if content_type == "text/plain" else html).append(text)
        else:
            data = _part_bytes(part)
            name = filename or _default_name(content_type, index)
            attachments.append(Attachment(name, content_type, len(data), data))
    texts = [text.strip() for text in plain if text.strip()]
    if not texts:  # an HTML-only mail, or a text/plain alternative left empty
        texts = [html_to_text(text) for text in html]
    return "\n\n".join(text for text in texts if text), attachments


def _content_type(part: Message) -> str:
    content_type = part.get_content_type()
    # A multipart without a usable boundary arrives as one text blob.
    return "text/plain" if content_type.startswith("multipart/") else content_type


def _part_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message" and part.is_multipart():
        inner = part.get_payload(0)
        try:
            return inner.as_bytes(policy=compat32)
        except Exception:  # a broken inner message: keep what can be written
            return str(inner).encode("utf-8", errors="surrogateescape")
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    return payload.encode("utf-8", errors="surrogateescape") if isinstance(payload, str) else b""


def _part_text(part: Message) -> str:
    charset = part.get_param("charset")
    label = charset if isinstance(charset, str) else None
    text = decode_bytes(_part_bytes(part), label)
    return _LINE_ENDINGS.sub("\n", text)


def _filename(part: Message) -> str | None:
    """The attachment's name, decoded: RFC 2231 parameters, RFC 2047 words (Outlook puts
    them in parameters) and raw 8-bit bytes (which ``get_filename`` replaces by '?')."""
    decoded = Message()
    for name, value in part.raw_items():
        if name.lower() in ("content-type", "content-disposition"):
            decoded[name] = decode_header_text(str(value))
    raw = decoded.get_filename() or decoded.get_param("name")
    if not isinstance(raw, str):
        return None
    name = decode_header_text(raw)
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()  # never a path
    return name or None


def _default_name(content_type: str, index: int) -> str:
    if content_type == "application/ms-tnef":
        return "winmail.dat"
    if content_type == "message/rfc822":
        return f"message-{index}.eml"
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"attachment-{index}{extension}"


def _limit(
    attachments: list[Attachment], max_bytes: int | None
) -> tuple[tuple[Attachment, ...], tuple[SkippedAttachment, ...]]:
    if max_bytes is None:
        return tuple(attachments), ()
    kept = tuple(a for a in attachments if a.size <= max_bytes)
    skipped = tuple(
        SkippedAttachment(
            a.filename,
            a.content_type,
            a.size,
            f"{a.size} bytes is over the limit of {max_bytes} bytes (documents_max_mb)",
        )
        for a in attachments
        if a.size > max_bytes
    )
    return kept, skipped
