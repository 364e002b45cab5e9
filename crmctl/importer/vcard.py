"""vCard files (.vcf): every card one row, in the importer's canonical columns."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import vobject
from vobject.base import VObjectError

from crmctl.errors import ImportFileError
from crmctl.importer.encoding import decode_error, text_start
from crmctl.importer.model import Cell, SourceRow, SourceTable
from crmctl.importer.source import ReadOptions
from crmctl.text import nfc

# The vCard reader's columns are the importer's canonical field names, so the mapping
# recognises them without a saved mapping.
VCARD_HEADERS = (
    "name",
    "title_before",
    "first_name",
    "last_name",
    "title_after",
    "company",
    "function",
    "email",
    "phone",
    "street",
    "city",
    "psc",
    "country",
    "website",
    "note",
    "tags",
)


# --- vCard ------------------------------------------------------------------------------


def vcard_tables(path: Path, options: ReadOptions) -> Iterator[SourceTable]:
    rows = _vcard_rows(path, text_start(path, options, "vCard").encoding)
    first = next(rows, None)
    if first is None:
        raise ImportFileError(
            f"{path.name}: no vCard found (no BEGIN:VCARD line); export the contacts again as .vcf"
        )
    # A vCard file has no header row: 0 says so.
    yield SourceTable("", 0, list(VCARD_HEADERS), chain([first], rows))


def _vcard_rows(path: Path, encoding: str) -> Iterator[SourceRow]:
    """One row per card, numbered by its BEGIN:VCARD line; each card parsed on its own."""
    begin = 0
    lines: list[str] = []
    try:
        with path.open(encoding=encoding) as stream:
            for number, line in enumerate(stream, start=1):
                key = line.strip().upper()
                if not begin:
                    if key == "BEGIN:VCARD":
                        begin, lines = number, [line]
                    elif key:
                        raise ImportFileError(
                            f"{path.name}: line {number} is outside a vCard (BEGIN:VCARD … "
                            "END:VCARD); export the contacts again as .vcf"
                        )
                    continue
                lines.append(line)
                if key == "END:VCARD":
                    yield SourceRow("", begin, _vcard_cells(path, begin, nfc("".join(lines))))
                    begin, lines = 0, []
    except UnicodeDecodeError:
        raise decode_error(path, encoding) from None
    if begin:
        raise ImportFileError(
            f"{path.name}: the vCard at line {begin} has no END:VCARD; the file is cut short — "
            "export the contacts again"
        )


def _vcard_cells(path: Path, begin: int, text: str) -> tuple[Cell, ...]:
    try:
        # allowQP: vCard 2.1 folds quoted-printable values with a trailing "=".
        card = vobject.readOne(text, allowQP=True)
    except (VObjectError, ValueError, LookupError, TypeError, AttributeError) as error:
        # vobject counts lines within the card (its first line as 0 or 1).
        inner = getattr(error, "lineNumber", None)
        line = begin + max(int(inner) - 1, 0) if isinstance(inner, int) else begin
        detail = getattr(error, "msg", None) or str(error) or type(error).__name__
        raise ImportFileError(
            f"{path.name}: line {line}: the vCard cannot be read ({detail}); fix the line or "
            "export the contacts again"
        ) from None
    return _card_cells(card)


def _card_cells(card: Any) -> tuple[Cell, ...]:
    contents: dict[str, list[Any]] = card.contents
    name = contents.get("n")
    structured = name[0].value if name else None
    org = _first_value(contents, "org")
    address = _first_value(contents, "adr")
    cells: dict[str, Cell] = {
        "name": _text(_first_value(contents, "fn")),
        "title_before": _part(structured, "prefix"),
        "first_name": _joined([_part(structured, "given"), _part(structured, "additional")]),
        "last_name": _part(structured, "family"),
        "title_after": _part(structured, "suffix"),
        "company": _text(org[0] if isinstance(org, list) and org else org),
        "function": _text(_first_value(contents, "title")),
        "email": _texts_list(line.value for line in contents.get("email", [])),
        "phone": _texts_list(_phone(line.value) for line in contents.get("tel", [])),
        "street": _joined([_part(address, "street"), _part(address, "extended")], ", "),
        "city": _part(address, "city"),
        "psc": _part(address, "code"),
        "country": _part(address, "country"),
        "website": _text(_first_value(contents, "url")),
        "note": _joined([_text(line.value) for line in contents.get("note", [])], "\n"),
        "tags": _joined(_categories(contents), ", "),
    }
    return tuple(cells[header] for header in VCARD_HEADERS)


def _first_value(contents: dict[str, list[Any]], name: str) -> Any:
    lines = contents.get(name)
    return lines[0].value if lines else None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        return _joined([_text(item) for item in value])
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _part(value: Any, attribute: str) -> str | None:
    return _text(getattr(value, attribute, None)) if value is not None else None


def _joined(parts: list[str | None], separator: str = " ") -> str | None:
    return separator.join(part for part in parts if part) or None


def _texts_list(values: Iterator[Any]) -> list[str] | None:
    texts = [text for text in (_text(value) for value in values) if text]
    return texts or None


def _phone(value: Any) -> Any:
    # vCard 4 writes phones as URIs: TEL;VALUE=uri:tel:+420-777-111-222
    if isinstance(value, str) and value[:4].lower() == "tel:":
        return value[4:]
    return value


def _categories(contents: dict[str, list[Any]]) -> list[str | None]:
    tags: list[str | None] = []
    for line in contents.get("categories", []):
        values = line.value if isinstance(line.value, list) else [line.value]
        tags.extend(_text(value) for value in values)
    return tags
