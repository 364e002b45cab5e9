"""The pieces an import row is normalised from: field limits, issue messages, cached
normalisers, and splitting a cell into phones, e-mails, tags and name parts."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from crmctl.errors import ValidationError
from crmctl.geo import PscPlace, lookup_psc
from crmctl.importer.mapping import FIELDS, header_key
from crmctl.importer.model import RowIssue
from crmctl.normalize import (
    normalize_dic,
    normalize_email,
    normalize_ico,
    normalize_phone,
    normalize_psc,
    normalize_website,
    split_person_name,
)
from crmctl.text import company_name_key

# The lengths of the database columns the fields go to.
LIMITS: dict[str, int] = {
    "company": 300,
    "street": 300,
    "city": 200,
    "function": 200,
    "first_name": 100,
    "last_name": 100,
    "title_before": 50,
    "title_after": 50,
    "industry": 200,
    "website": 300,
}
NAME_LIMIT = LIMITS["last_name"]
TITLE_LIMIT = LIMITS["title_before"]
FUNCTION_LIMIT = LIMITS["function"]
PSC_ABROAD_LIMIT = 6  # the companies.psc column

COUNTRIES: dict[str, str] = {
    header_key(name): code
    for code, names in {
        "CZ": ["Česká republika", "Czech Republic", "Česko", "Czechia", "ČR"],
        "SK": ["Slovensko", "Slovakia", "Slovenská republika", "Slovak Republic", "SR"],
        "DE": ["Německo", "Germany", "Deutschland"],
        "AT": ["Rakousko", "Austria", "Österreich"],
        "PL": ["Polsko", "Poland", "Polska"],
        "HU": ["Maďarsko", "Hungary"],
        "GB": ["Velká Británie", "United Kingdom", "UK"],
        "US": ["USA", "Spojené státy", "United States"],
    }.items()
    for name in names
}

_LIST_SEPARATORS = re.compile(r"[,;\r\n]+")
PHONE_LIST = re.compile(r"[,;\r\n\[]")
_EMAIL_SEPARATORS = re.compile(r"[,;\s]+")
_EMAIL_PLAIN = re.compile(r"[^,;\s<:\[]+")
_ANGLE_ADDRESS = re.compile(r"<([^<>\s]+)>")
_TAG_SEPARATORS = re.compile(r"[,;]|:::")
GOOGLE_SYSTEM_GROUP = "* myContacts"  # on every Google contact: not a real label
_MAX_PHONE_TOKENS = 12  # bounds the search for numbers written with spaces
_SHOWN_LENGTH = 60

Column = tuple[int, str]  # (index, header)


class Rejected(Exception):
    def __init__(self, issue: RowIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def shown(value: str) -> str:
    """A value as quoted in a message: long values cut to keep messages one line."""
    return value if len(value) <= _SHOWN_LENGTH else value[: _SHOWN_LENGTH - 1] + "…"


def row_issue(field: str | None, header: str, message: str) -> RowIssue:
    return RowIssue(field, f'column "{header}": {message}')


def dropped_issue(field: str, header: str, error: ValidationError) -> RowIssue:
    return row_issue(field, header, f"{error.message}; dropped")


def reject_if_long(field: str, header: str, value: str) -> None:
    limit = LIMITS[field]
    if len(value) > limit:
        raise Rejected(
            row_issue(
                field,
                header,
                f'value "{shown(value)}" is {len(value)} characters long; the limit is {limit}',
            )
        )


# A firm's cells repeat on the row of each of its contacts: each value is checked once.
# (A value that fails raises, and is not remembered; rejections are rare.)
cached_company_name_key = lru_cache(maxsize=16_384)(company_name_key)
cached_normalize_ico = lru_cache(maxsize=16_384)(normalize_ico)
cached_normalize_dic = lru_cache(maxsize=16_384)(normalize_dic)
cached_normalize_psc = lru_cache(maxsize=16_384)(normalize_psc)
cached_normalize_website = lru_cache(maxsize=16_384)(normalize_website)


@lru_cache(maxsize=65_536)
def psc_place(psc: str, city: str | None) -> PscPlace | None:
    # A file has few distinct PSČ/city pairs; the lookup itself costs ~9 µs.
    return lookup_psc(psc, city)


def json_list(text: str) -> list[Any] | None:
    """A crmctl export's JSON list cell, or None if the text is not one."""
    if not text.startswith("["):
        return None
    try:
        loaded = json.loads(text)
    except ValueError:
        return None
    return loaded if isinstance(loaded, list) else None


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items)) if len(items) > 1 else items


# --- phones and e-mails -----------------------------------------------------------


def valid_phone(text: str, region: str) -> str | None:
    try:
        return normalize_phone(text, region)
    except ValidationError:
        return None


def _segment_phones(tokens: list[str], region: str) -> list[str] | None:
    """Numbers written with spaces, back to back: the longest valid run, repeatedly."""
    numbers: list[str] = []
    start = 0
    while start < len(tokens):
        for end in range(len(tokens), start, -1):
            number = valid_phone(" ".join(tokens[start:end]), region)
            if number:
                numbers.append(number)
                start = end
                break
        else:
            return None
    return numbers


def _digit_groups(part: str) -> list[list[str]]:
    """Runs of tokens with digits: words such as "mobil" or "nebo" separate numbers."""
    groups: list[list[str]] = [[]]
    for token in part.split():
        if any(char.isdigit() for char in token):
            groups[-1].append(token)
        elif groups[-1]:
            groups.append([])
    return [group for group in groups if group]


def phones_in_part(part: str, region: str) -> tuple[list[str], list[str]]:
    """The numbers in one comma-separated part of a cell, and the pieces that are not."""
    whole = valid_phone(part, region)
    if whole:
        return [whole], []
    groups = _digit_groups(part)
    if not groups or sum(len(group) for group in groups) > _MAX_PHONE_TOKENS:
        return [], [part]
    numbers: list[str] = []
    bad: list[str] = []
    for group in groups:
        found = _segment_phones(group, region)
        if found is None:
            bad.append(" ".join(group))
        else:
            numbers.extend(found)
    return numbers, bad


def phone_parts(text: str) -> list[str]:
    listed = json_list(text)
    if listed is not None:
        return [str(item).strip() for item in listed if str(item).strip()]
    if "," in text or ";" in text or "\n" in text or "\r" in text:
        return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]
    return [text]


def _email_parts(text: str) -> list[str]:
    if _EMAIL_PLAIN.fullmatch(text):  # one bare address: nearly every cell
        return [text]
    listed = json_list(text)
    if listed is not None:
        return [str(item).strip() for item in listed if str(item).strip()]
    if "<" in text:
        named = _ANGLE_ADDRESS.findall(text)  # "Jan Novák <jan@firma.cz>"
        if named:
            return named
    parts = _EMAIL_SEPARATORS.split(text) if "," in text or ";" in text else text.split()
    if ":" in text:
        return [part[7:] if part[:7].lower() == "mailto:" else part for part in parts if part]
    return parts


def tag_parts(text: str) -> list[str]:
    listed = json_list(text)
    if listed is not None:
        return [str(item) for item in listed]
    return _TAG_SEPARATORS.split(text)


def is_company_entry(entry: Any) -> bool:
    """A crmctl companies-list entry: a name, an optional role and primary flag."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("name"), str)
        and bool(entry["name"].strip())
        and isinstance(entry.get("role"), str | None)
        and isinstance(entry.get("primary"), bool | None)
    )


# --- names ------------------------------------------------------------------------


class Name:
    """A person's name parts, and the columns they came from (for messages)."""

    __slots__ = ("first", "first_header", "last", "last_header", "title_after", "title_before")

    def __init__(self) -> None:
        self.title_before: list[str] = []
        self.first: str | None = None
        self.last: str | None = None
        self.title_after: list[str] = []
        self.first_header = ""
        self.last_header = ""

    def take_split(self, text: str) -> str | None:
        """Move the titles in ``text`` here; the name that remains."""
        parts = split_person_name(text)
        if parts.title_before:
            self.title_before.append(parts.title_before)
        if parts.title_after:
            self.title_after.append(parts.title_after)
        return " ".join(filter(None, (parts.first_name, parts.last_name))) or None

    def complete(self) -> None:
        """Without a last name, one word is the last name; more are first + the rest."""
        if self.last or not self.first:
            return
        first, _, rest = self.first.partition(" ")
        rest = rest.strip()
        self.first, self.last = (first, rest) if rest else (None, first)
        self.last_header = self.first_header


def title_text(column: str | None, split_off: list[str], separator: str) -> str | None:
    """A title column's text and the titles split off the name, each once."""
    if not split_off:
        return column
    return separator.join(unique([title for title in (column, *split_off) if title]))


def has_title(text: str | None) -> bool:
    # Titles are written with dots or after a comma ("Novák, Ph.D."): only then split,
    # split_person_name is the most expensive step of a row.
    return text is not None and ("." in text or "," in text)


# --- the normaliser ---------------------------------------------------------------

SINGLE_FIELDS = tuple(
    name for name, spec in FIELDS.items() if not spec.repeatable and name != "ignore"
)


class Emails:
    """The e-mails of a row: valid ones, where the first came from, invalid ones."""

    __slots__ = ("first_header", "invalid", "valid")

    def __init__(self) -> None:
        self.valid: list[str] = []
        self.first_header = ""
        self.invalid: list[RowIssue] = []  # messages without "; dropped": may reject

    def add(self, text: str, field: str, header: str) -> list[str]:
        found = []
        for part in _email_parts(text):
            try:
                found.append(normalize_email(part))
            except ValidationError as error:
                self.invalid.append(row_issue(field, header, error.message))
        return found

    def keep(self, found: list[str], header: str) -> None:
        if found and not self.valid:
            self.first_header = header
        self.valid.extend(email for email in found if email not in self.valid)
