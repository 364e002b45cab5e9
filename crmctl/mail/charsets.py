"""Text from the bytes real Czech mail carries, whatever its label says.

Mail clients mislabel charsets all the time: UTF-8 sent as ``iso-8859-1``, cp1250 sent
as ``iso-8859-2`` or ``us-ascii``, raw 8-bit headers with no label at all, labels Python
does not know (``x-cp1250``). The order below recovers Czech text in each of those cases
and never raises: the last fallback is cp1250 with replacement characters.
"""

from __future__ import annotations

import codecs
import re
from email.header import decode_header

from crmctl.text import nfc

FALLBACK = "cp1250"
# Labels that are often a lie for Czech text; the codecs tried against them.
_CZECH = ("cp1250", "iso8859-2")
_CENTRAL_OR_WESTERN = frozenset(
    {"ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15", "cp1250", "iso8859-2"}
)
# Labels Python does not know, seen in the wild, with what they mean.
_ALIASES = {
    "x-cp1250": "cp1250",
    "windows-1250": "cp1250",
    "x-user-defined": FALLBACK,
    "unknown-8bit": FALLBACK,
    "x-unknown": FALLBACK,
    "iso-8859-8-i": "iso8859-8",
}
_CZECH_LETTERS = frozenset("ěščřžýáíéůúťďňóĚŠČŘŽÝÁÍÉŮÚŤĎŇÓ")
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_BETWEEN_WORDS = re.compile(r"(\?=)\s+(=\?)")
_WHITESPACE = re.compile(r"\s+")


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label, or None for no label or an unknown one."""
    if not label:
        return None
    cleaned = label.strip().strip("\"'").lower()
    cleaned = _ALIASES.get(cleaned, cleaned)
    try:
        return codecs.lookup(cleaned).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """``data`` as text, never raising.

    Valid UTF-8 first (a wrong label usually hides UTF-8). Then the label, unless it is a
    Western or Central European one (or none, or unknown) that another of cp1250 and
    iso-8859-2 reads as more Czech letters: cp1250 "č" is Latin-1 "è", and cp1250 and
    iso-8859-2 differ in "š", "ž", "ť". Other labels (koi8-r, …) are trusted.
    """
    if data.isascii():
        return nfc(data.decode("ascii"))
    try:
        return nfc(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    codec = codec_name(label)
    declared = _decode(data, codec) if codec is not None else None
    trusted = codec not in _CENTRAL_OR_WESTERN
    if declared is not None and trusted and not _C1_CONTROLS.search(declared):
        return nfc(declared)
    candidates = [text for text in (declared, *(_decode(data, c) for c in _CZECH)) if text]
    if not candidates:
        return nfc(data.decode(FALLBACK, errors="replace"))
    # max() keeps the first of equals: the label wins a tie.
    return nfc(max(candidates, key=_czech_score))


def _decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _czech_score(text: str) -> int:
    # C1 control characters never appear in real text: cp1250 read as iso-8859-2 puts
    # "š" (0x9A) there.
    controls = len(_C1_CONTROLS.findall(text))
    return sum(1 for char in text if char in _CZECH_LETTERS) - 10 * controls


def unsurrogate(value: str) -> bytes:
    """Header text as the stdlib parser keeps it (8-bit bytes as surrogates) → bytes."""
    return value.encode("ascii", errors="surrogateescape")


def decode_header_text(value: str | None) -> str:
    """One header as readable text: raw 8-bit bytes and RFC 2047 encoded words decoded,
    folding and runs of whitespace collapsed."""
    if not value:
        return ""
    value = str(value)
    try:
        raw = unsurrogate(value)
    except UnicodeEncodeError:  # already text (a parser policy that decoded it)
        text = value
    else:
        text = decode_bytes(raw)
    if _ENCODED_WORD.search(text):
        text = _decode_encoded_words(text)
    return _WHITESPACE.sub(" ", text).strip()


def _decode_encoded_words(text: str) -> str:
    # Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
    text = _BETWEEN_WORDS.sub(r"\1\2", text)
    try:
        chunks = decode_header(text)
    except Exception:  # the stdlib raises several types on malformed base64/labels
        return text
    parts: list[str] = []
    for chunk, label in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        else:
            parts.append(decode_bytes(chunk, label))
    # decode_header drops the space between an encoded word and plain text around it.
    return _join_chunks(parts, chunks)


def _join_chunks(parts: list[str], chunks: list[tuple[bytes | str, str | None]]) -> str:
    out = ""
    for index, part in enumerate(parts):
        encoded = chunks[index][1] is not None
        previous_encoded = index > 0 and chunks[index - 1][1] is not None
        if index > 0 and encoded != previous_encoded and not out.endswith(" "):
            part = part if part.startswith(" ") else " " + part
        out += part
    return out
