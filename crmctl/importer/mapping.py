"""Which import field each column of a spreadsheet holds.

A column's header is folded (``header_key``: no accents, lower case, punctuation
as single spaces) and looked up, in this order:

1. a saved mapping (``--mapping FILE``: ``columns: {"Header text": field}``);
2. the synonym table: Czech headers, generic English ones, and the real export
   layouts of Outlook, Google Contacts (old and new), HubSpot, Pipedrive and
   crmctl itself; numbered columns ("E-mail 2 Address", "Phone 3 - Value") by
   pattern;
3. the unmapped policy: ``custom`` keeps the column as ``custom.<slug>``,
   ``ignore`` drops it.

A field that takes one value (everything but ``email``, ``phone``, ``note``,
``tags`` and ``ignore``) is taken by the first column that maps to it (a saved
mapping before a synonym); later ones are ignored and listed by
``Mapping.warnings()``.

Context rules, for synonyms only (a saved mapping is taken as written):

* a crmctl companies export (``name`` and ``ico`` but no ``last_name`` or
  ``emails``): ``name`` is the company's name;
* a sheet without any person column (no name part, title or function) but with a
  company: ``phone`` and ``email`` are the company's;
* ``company`` is ignored next to crmctl's ``companies`` JSON column;
* Czech ``Jméno`` is the first name next to a last-name column, else the full name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmctl.errors import ValidationError
from crmctl.importer.fields import (
    FIELDS,
    UNMAPPED_POLICIES,
    FieldSpec,
    custom_key,
    header_key,
    is_repeatable,
    is_valid_field,
)
from crmctl.importer.synonyms import is_known_header, synonym_field

__all__ = [
    "FIELDS",
    "ColumnMapping",
    "FieldSpec",
    "Mapping",
    "SavedMapping",
    "build_mapping",
    "custom_key",
    "header_key",
    "is_known_header",
    "is_valid_field",
]


@dataclass
class ColumnMapping:
    """Column ``index`` (0-based) with header ``header`` holds ``field``.

    ``how``: "saved" (the user's mapping file), "synonym", "unmapped" (the unmapped
    policy made it ``custom.<slug>`` or ``ignore``) or "ignored" (an empty header, or a
    second column for a one-value field: then ``wanted`` is that field).
    """

    index: int
    header: str
    field: str
    how: str
    wanted: str | None = None


@dataclass
class Mapping:
    columns: list[ColumnMapping]
    unmapped: str = "custom"

    def for_field(self, name: str) -> list[int]:
        """The indexes of the columns mapped to ``name``, in column order."""
        return [column.index for column in self.columns if column.field == name]

    def custom_fields(self) -> list[ColumnMapping]:
        return [column for column in self.columns if column.field.startswith("custom.")]

    def duplicates(self) -> list[ColumnMapping]:
        """Columns ignored because an earlier column took their one-value field."""
        return [column for column in self.columns if column.wanted is not None]

    def warnings(self) -> list[str]:
        """One line per ignored duplicate, for the import preview."""
        lines = []
        for column in self.duplicates():
            taken = next(
                other for other in self.columns if other.field == column.wanted
            )  # the winner always exists
            lines.append(
                f'column "{column.header}": {column.wanted} already comes from column '
                f'"{taken.header}"; ignored (map it in a mapping file to choose)'
            )
        return lines

    def as_yaml_dict(self) -> dict[str, Any]:
        """``{"columns": {header: field}, "unmapped": policy}``, columns in sheet order.

        A header that repeats keeps its first column's field; empty headers cannot be
        named and are left out (they are always ignored).
        """
        columns: dict[str, str] = {}
        for column in self.columns:
            if column.header.strip() and column.header not in columns:
                columns[column.header] = column.field
        return {"columns": columns, "unmapped": self.unmapped}


def _saved_field(header: str, saved: dict[str, str], saved_by_key: dict[str, str]) -> str | None:
    found = saved.get(header)
    return found if found is not None else saved_by_key.get(header_key(header))


_PERSON_FIELDS = frozenset(
    {"name", "first_name", "middle_name", "last_name", "title_before", "title_after", "function"}
)


def _apply_context(columns: list[ColumnMapping], keys: list[str]) -> None:
    """Re-read ambiguous synonyms in the light of the whole header row."""
    key_set = set(keys)
    synonyms = [column for column in columns if column.how == "synonym"]
    fields = {column.field for column in columns}
    if "name" in key_set and "ico" in key_set and not key_set & {"last name", "emails"}:
        for column in synonyms:
            if keys[column.index] == "name":  # a crmctl companies export
                column.field = "company"
    if "last_name" in fields:
        for column in synonyms:
            if keys[column.index] == "jmeno":
                column.field = "first_name"
    fields = {column.field for column in columns}
    if "companies" in fields:
        for column in synonyms:
            if column.field == "company":
                column.field = "ignore"
    if "company" in fields and not fields & _PERSON_FIELDS:
        company_fields = {"phone": "company_phone", "email": "company_email"}
        for column in synonyms:
            column.field = company_fields.get(column.field, column.field)


def _drop_duplicates(columns: list[ColumnMapping]) -> None:
    """A one-value field keeps its first saved column, else its first column."""
    ordered = sorted(columns, key=lambda column: (column.how != "saved", column.index))
    taken: set[str] = set()
    for column in ordered:
        if is_repeatable(column.field):
            continue
        if column.field in taken:
            column.wanted = column.field
            column.field = "ignore"
            column.how = "ignored"
        else:
            taken.add(column.field)


def _name_unmapped(columns: list[ColumnMapping], unmapped: str) -> None:
    """Give unmapped columns unique ``custom.<slug>`` fields (or ``ignore``)."""
    used = {column.field for column in columns if column.how != "unmapped"}
    for column in columns:
        if column.how != "unmapped":
            continue
        if unmapped == "ignore":
            column.field = "ignore"
            continue
        base = f"custom.{custom_key(column.header) or f'column_{column.index + 1}'}"
        name, number = base, 1
        while name in used:
            number += 1
            name = f"{base}_{number}"
        used.add(name)
        column.field = name


def build_mapping(
    headers: list[str], *, saved: dict[str, str] | None = None, unmapped: str = "custom"
) -> Mapping:
    """Map every column: a saved mapping first, then synonyms, then the unmapped policy."""
    if unmapped not in UNMAPPED_POLICIES:
        raise ValidationError(f"unmapped columns: use 'custom' or 'ignore', not {unmapped!r}")
    saved = saved or {}
    saved_by_key = {header_key(text): name for text, name in saved.items()}
    keys = [header_key(header or "") for header in headers]
    columns: list[ColumnMapping] = []
    for index, (header, key) in enumerate(zip(headers, keys, strict=True)):
        header = header or ""
        from_file = _saved_field(header, saved, saved_by_key) if header.strip() else None
        synonym = synonym_field(key)
        if from_file is not None:
            columns.append(ColumnMapping(index, header, from_file, "saved"))
        elif not header.strip():
            columns.append(ColumnMapping(index, header, "ignore", "ignored"))
        elif synonym is not None:
            columns.append(ColumnMapping(index, header, synonym, "synonym"))
        else:
            columns.append(ColumnMapping(index, header, "", "unmapped"))
    _apply_context(columns, keys)
    _name_unmapped(columns, unmapped)
    _drop_duplicates(columns)
    return Mapping(columns, unmapped)


class SavedMapping(dict[str, str]):
    """``{header text: field}`` from a mapping file, plus its ``unmapped`` policy if set."""

    def __init__(self, columns: dict[str, str], unmapped: str | None = None) -> None:
        super().__init__(columns)
        self.unmapped = unmapped
