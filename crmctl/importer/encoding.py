"""Opening a text file (CSV or vCard) and telling its encoding: BOM, UTF-8 or a Czech code page.

The start of the file is scanned once; a file that mixes encodings or cannot be decoded
is refused with the line to look at, never read as mojibake.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from crmctl.errors import ImportFileError
from crmctl.importer.source import ReadOptions

_SAMPLE_BYTES = 1 << 20
_CHUNK_BYTES = 1 << 20

_CZECH_LETTERS = re.compile("[áčďéěíňóřšťúůýžÁČĎÉĚÍŇÓŘŠŤÚŮÝŽ]")
# ISO-8859-2 has C1 control characters where cp1250 has Š, Ž, š, ž (0x8A, 0x8E, 0x9A,
# 0x9E): a cp1250 file read as ISO-8859-2 is full of them, real text never.
_C1_CONTROLS = re.compile("[\x80-\x9f]")


# --- text files: encoding ---------------------------------------------------------------


def open_binary(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as error:
        raise ImportFileError(
            f"{path.name}: the file cannot be opened ({error.strerror or error}); check its "
            "permissions"
        ) from None


@dataclass(frozen=True)
class _TextStart:
    encoding: str
    head: bytes  # the first bytes of the file
    complete: bool  # head is the whole file

    def text(self) -> str:
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        return decoder.decode(self.head, final=self.complete)


def text_start(path: Path, options: ReadOptions, kind: str) -> _TextStart:
    """The encoding to read a text file with; also refuses binary files (a NUL byte)."""
    with open_binary(path) as stream:
        head = stream.read(_SAMPLE_BYTES)
        if not head.strip():
            raise ImportFileError(f"{path.name}: the file is empty")
        complete = len(head) < _SAMPLE_BYTES
        bom = _bom_encoding(head)
        encoding = _given_encoding(options.encoding, bom) or bom
        if encoding is not None and codecs.lookup(encoding).name.startswith("utf-16"):
            return _TextStart(encoding, head, complete)  # NUL bytes are part of UTF-16 text
        fits_utf8 = _scan(path, stream, head, check_utf8=encoding is None, kind=kind)
    if encoding is None and not fits_utf8:
        _refuse_mixed_encodings(path)
        encoding = _single_byte_encoding(head)
    return _TextStart(encoding or "utf-8", head, complete)


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # what Excel's "Unicode text" (.txt) export writes
    return None


def _given_encoding(given: str | None, bom: str | None) -> str | None:
    # "--encoding utf-8" on a file with a BOM must not leave the BOM in the first header.
    if given is not None and bom == "utf-8-sig" and codecs.lookup(given).name == "utf-8":
        return bom
    return given


def _scan(path: Path, stream: BinaryIO, head: bytes, check_utf8: bool, kind: str) -> bool:
    """Read the whole file once, in chunks: refuse a NUL byte; does it all decode as UTF-8?

    A sample could decide UTF-8 wrongly when the first accented letter comes late, and a
    NUL byte would pass silently through the csv module; scanning costs little next to
    parsing.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    fits_utf8 = check_utf8
    chunk, offset = head, 0
    while chunk:
        nul = chunk.find(b"\0")
        if nul >= 0:
            line = _line_of_offset(path, offset + nul)
            raise ImportFileError(
                f"{path.name}: line {line} contains a NUL byte: this is not a text {kind}; "
                f"export it again as {kind}"
            )
        if fits_utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                fits_utf8 = False
        offset += len(chunk)
        chunk = stream.read(_CHUNK_BYTES)
    if fits_utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:  # the file ends inside a character
            fits_utf8 = False
    return fits_utf8


def _line_of_offset(path: Path, offset: int) -> int:
    newlines = 0
    with open_binary(path) as stream:
        while offset > 0:
            chunk = stream.read(min(_CHUNK_BYTES, offset))
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            offset -= len(chunk)
    return newlines + 1


def _refuse_mixed_encodings(path: Path) -> None:
    """A file that is not UTF-8 but has UTF-8 lines mixes encodings: read either way, some
    lines would be garbled (UTF-8 read as cp1250 decodes without error, as "KĹ™Ă­Ĺľ")."""
    utf8_line = bad_line = 0
    bad = b""
    with open_binary(path) as stream:
        for number, raw in enumerate(stream, start=1):
            if raw.isascii():
                continue
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                if not bad_line:
                    bad_line, bad = number, error.object[error.start : error.end]
            else:
                utf8_line = utf8_line or number
            if utf8_line and bad_line:
                raise ImportFileError(
                    f"{path.name}: line {bad_line}: bytes {_hex(bad)} are not valid UTF-8, but "
                    f"line {utf8_line} is UTF-8 text: the file mixes encodings; save the file "
                    "as UTF-8 (or pass --encoding if the whole file is in one)"
                )


def _hex(data: bytes) -> str:
    return " ".join(f"0x{byte:02X}" for byte in data[:4])


def _single_byte_encoding(head: bytes) -> str:
    """cp1250 or ISO-8859-2, whichever makes the sample look more like Czech text."""

    def score(encoding: str) -> int:
        text = head.decode(encoding, errors="replace")
        noise = len(_C1_CONTROLS.findall(text)) + text.count("\ufffd")
        return len(_CZECH_LETTERS.findall(text)) - noise

    # On a tie cp1250 wins: it is what Czech Windows and Excel write.
    return "iso-8859-2" if score("iso-8859-2") > score("cp1250") else "cp1250"


def decode_error(path: Path, encoding: str) -> ImportFileError:
    line, bad = _undecodable_line(path, encoding)
    where = f"line {line}: bytes {_hex(bad)} are" if line else "the file is"
    name = codecs.lookup(encoding).name
    other = "cp1250" if name.startswith("utf-8") else "utf-8"
    return ImportFileError(
        f"{path.name}: {where} not valid {encoding} text; save the file as UTF-8, or pass "
        f"the file's encoding, e.g. --encoding {other} (or iso-8859-2)"
    )


def _undecodable_line(path: Path, encoding: str) -> tuple[int, bytes]:
    decoder = codecs.getincrementaldecoder(encoding)()
    with open_binary(path) as stream:
        for number, raw in enumerate(stream, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as error:
                return number, error.object[error.start : error.end]
    return 0, b""
