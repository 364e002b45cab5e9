"""One mapped source row → an ``ImportRow``: normalised, with warnings, or rejected.

Every message names the column as the user's header spells it and quotes the value,
e.g. ``column "Telefon": invalid phone "12345": …; dropped``.

| Problem in a row | What happens |
|---|---|
| Whitespace around values; numbers and dates typed by Excel | fixed silently |
| IČO typed as a number or without its leading zeros (`6947`) | fixed silently: `00006947` |
| Phone in any usual spelling (`603 123 456`, `00420 603…`, `+420-603-…`) | fixed silently: E.164 (`+420603123456`); numbers without a prefix are Czech |
| E-mail in upper case, `mailto:`, `Jan <jan@firma.cz>` | fixed silently: `jan@firma.cz` |
| PSČ written `11000`, `110-00` | fixed silently: `110 00`; kraj and okres from the PSČ table |
| Titles in the name (`Ing. Jan Novák, Ph.D.`), also in a first/last-name cell | fixed silently: split into titles before/after, first and last name |
| A one-word name, or a first name only | fixed silently: it is the last name |
| Several e-mails or phones in one cell (separated by `,` `;` spaces or new lines) | fixed silently: all are kept, duplicates once |
| Country written `Česká republika`, `Czech Republic`, `Česko`, `Slovensko`, `Slovakia` | fixed silently: `CZ`, `SK` |
| JSON lists in crmctl export cells (`["a@b.cz"]`) | read silently |
| No company name and no person (no name part and no e-mail) | **row rejected** |
| A CSV record with more or fewer fields than the header (a stray delimiter or quote; empty fields after the last column are fine) | **row rejected** |
| A CSV quote that is never closed (the rest of the file would be one cell) | **row rejected**, naming the line where the quote opens |
| Invalid IČO | **row rejected** |
| IČO or DIČ without a company name | **row rejected** |
| A value longer than its database column (company name 300, street 300, city 200, function 200, first/last name 100, each title 50, industry 200, website 300) | **row rejected** |
| A crmctl `companies` or `custom` cell that is not valid JSON of the right shape | **row rejected** |
| Invalid e-mail | warning, e-mail dropped; **row rejected** if that leaves neither company nor person |
| Invalid phone, DIČ, PSČ, website or country (country must be a 2-letter code) | warning, value dropped |
| Valid PSČ not in the PSČ table | warning; PSČ kept, kraj and okres left empty |
| A person with an e-mail but no name | warning; the e-mail address is the last name |
| A function or title in a row without a person | warning, dropped |
| An invalid tag (over 100 characters) | warning, tag dropped |
| Several numbers or addresses in a company phone / e-mail cell | the first is kept; warning for each other one |

Where values go:

* The company (``links[0]``) gets the address, IČO, DIČ, company phone and e-mail,
  website and industry; the person's function is the role of the link. A crmctl
  ``companies`` cell gives one link per entry and the plain company column is ignored.
* A row without a company keeps its address in the person's custom fields
  ``street``, ``city``, ``psc`` and ``country`` (and ``website``, ``industry``); a
  company phone or e-mail becomes the person's.
* A row without a person: a phone becomes the company's phone if it has none, a
  note the company's custom field ``note``.
* ``custom.KEY`` columns and a crmctl ``custom`` object go to the person, else to the
  company. Tags are split on ``,`` and ``;`` (Google's ``:::`` too).
* A PSČ abroad (a country other than CZ or SK) is kept as written (up to 6 characters)
  and not looked up.
"""  # noqa: E501 (the policy table is Markdown for the README: one line per row)

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from crmctl.errors import ValidationError
from crmctl.geo import PscPlace, lookup_psc
from crmctl.importer.mapping import FIELDS, Mapping, header_key
from crmctl.importer.model import (
    Cell,
    CompanyData,
    CompanyLink,
    ImportRow,
    PersonData,
    RowIssue,
    SourceRow,
)
from crmctl.importer.values import cell_text, custom_value
from crmctl.normalize import (
    clean_tag,
    normalize_dic,
    normalize_email,
    normalize_ico,
    normalize_phone,
    normalize_psc,
    normalize_website,
    split_person_name,
)
from crmctl.text import company_name_key, person_name_key

__all__ = ["LIMITS", "RowNormaliser"]

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
_NAME_LIMIT = LIMITS["last_name"]
_TITLE_LIMIT = LIMITS["title_before"]
_FUNCTION_LIMIT = LIMITS["function"]
_PSC_ABROAD_LIMIT = 6  # the companies.psc column

_COUNTRIES: dict[str, str] = {
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
_PHONE_LIST = re.compile(r"[,;\r\n\[]")
_EMAIL_SEPARATORS = re.compile(r"[,;\s]+")
_EMAIL_PLAIN = re.compile(r"[^,;\s<:\[]+")
_ANGLE_ADDRESS = re.compile(r"<([^<>\s]+)>")
_TAG_SEPARATORS = re.compile(r"[,;]|:::")
_GOOGLE_SYSTEM_GROUP = "* myContacts"  # on every Google contact: not a real label
_MAX_PHONE_TOKENS = 12  # bounds the search for numbers written with spaces
_SHOWN_LENGTH = 60

Column = tuple[int, str]  # (index, header)


class _Rejected(Exception):
    def __init__(self, issue: RowIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _shown(value: str) -> str:
    """A value as quoted in a message: long values cut to keep messages one line."""
    return value if len(value) <= _SHOWN_LENGTH else value[: _SHOWN_LENGTH - 1] + "…"


def _issue(field: str | None, header: str, message: str) -> RowIssue:
    return RowIssue(field, f'column "{header}": {message}')


def _dropped(field: str, header: str, error: ValidationError) -> RowIssue:
    return _issue(field, header, f"{error.message}; dropped")


def _reject_if_long(field: str, header: str, value: str) -> None:
    limit = LIMITS[field]
    if len(value) > limit:
        raise _Rejected(
            _issue(
                field,
                header,
                f'value "{_shown(value)}" is {len(value)} characters long; the limit is {limit}',
            )
        )


# A firm's cells repeat on the row of each of its contacts: each value is checked once.
# (A value that fails raises, and is not remembered; rejections are rare.)
_company_name_key = lru_cache(maxsize=16_384)(company_name_key)
_normalize_ico = lru_cache(maxsize=16_384)(normalize_ico)
_normalize_dic = lru_cache(maxsize=16_384)(normalize_dic)
_normalize_psc = lru_cache(maxsize=16_384)(normalize_psc)
_normalize_website = lru_cache(maxsize=16_384)(normalize_website)


@lru_cache(maxsize=65_536)
def _place(psc: str, city: str | None) -> PscPlace | None:
    # A file has few distinct PSČ/city pairs; the lookup itself costs ~9 µs.
    return lookup_psc(psc, city)


def _json_list(text: str) -> list[Any] | None:
    """A crmctl export's JSON list cell, or None if the text is not one."""
    if not text.startswith("["):
        return None
    try:
        loaded = json.loads(text)
    except ValueError:
        return None
    return loaded if isinstance(loaded, list) else None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items)) if len(items) > 1 else items


# --- phones and e-mails -----------------------------------------------------------


def _valid_phone(text: str, region: str) -> str | None:
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
            number = _valid_phone(" ".join(tokens[start:end]), region)
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


def _phones_in_part(part: str, region: str) -> tuple[list[str], list[str]]:
    """The numbers in one comma-separated part of a cell, and the pieces that are not."""
    whole = _valid_phone(part, region)
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


def _phone_parts(text: str) -> list[str]:
    listed = _json_list(text)
    if listed is not None:
        return [str(item).strip() for item in listed if str(item).strip()]
    if "," in text or ";" in text or "\n" in text or "\r" in text:
        return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]
    return [text]


def _email_parts(text: str) -> list[str]:
    if _EMAIL_PLAIN.fullmatch(text):  # one bare address: nearly every cell
        return [text]
    listed = _json_list(text)
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


def _tag_parts(text: str) -> list[str]:
    listed = _json_list(text)
    if listed is not None:
        return [str(item) for item in listed]
    return _TAG_SEPARATORS.split(text)


def _is_company_entry(entry: Any) -> bool:
    """A crmctl companies-list entry: a name, an optional role and primary flag."""
    return (
        isinstance(entry, dict)
        and isinstance(entry.get("name"), str)
        and bool(entry["name"].strip())
        and isinstance(entry.get("role"), str | None)
        and isinstance(entry.get("primary"), bool | None)
    )


# --- names ------------------------------------------------------------------------


class _Name:
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


def _titles(column: str | None, split_off: list[str], separator: str) -> str | None:
    """A title column's text and the titles split off the name, each once."""
    if not split_off:
        return column
    return separator.join(_unique([title for title in (column, *split_off) if title]))


def _has_title(text: str | None) -> bool:
    # Titles are written with dots or after a comma ("Novák, Ph.D."): only then split,
    # split_person_name is the most expensive step of a row.
    return text is not None and ("." in text or "," in text)


# --- the normaliser ---------------------------------------------------------------

_SINGLE_FIELDS = tuple(
    name for name, spec in FIELDS.items() if not spec.repeatable and name != "ignore"
)


class _Emails:
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
                self.invalid.append(_issue(field, header, error.message))
        return found

    def keep(self, found: list[str], header: str) -> None:
        if found and not self.valid:
            self.first_header = header
        self.valid.extend(email for email in found if email not in self.valid)


class RowNormaliser:
    """Normalises the rows of one sheet, mapped by ``mapping``.

    Built once per sheet: the column lists per field are worked out here so that
    ``normalise`` (run on every row) only reads cells.
    """

    def __init__(self, headers: list[str], mapping: Mapping, *, region: str = "CZ") -> None:
        self._region = region
        self._headers = {column.index: column.header for column in mapping.columns}
        for index, header in enumerate(headers):
            self._headers.setdefault(index, header)
        self._singles: tuple[tuple[str, int], ...] = tuple(
            (name, index) for name in _SINGLE_FIELDS for index in mapping.for_field(name)[:1]
        )
        self._header_of = {name: self._headers[index] for name, index in self._singles}
        self._emails = self._columns(mapping, "email")
        self._phones = self._columns(mapping, "phone")
        self._notes = self._columns(mapping, "note")
        self._tags = self._columns(mapping, "tags")
        self._custom: tuple[tuple[int, str], ...] = tuple(
            (column.index, column.field.removeprefix("custom."))
            for column in mapping.custom_fields()
        )
        self._missing = self._missing_message()

    def _columns(self, mapping: Mapping, name: str) -> tuple[Column, ...]:
        return tuple((index, self._headers[index]) for index in mapping.for_field(name))

    def _missing_message(self) -> str:
        wanted = ("company", "companies", "name", "first_name", "last_name")
        headers = [self._header_of[name] for name in wanted if name in self._header_of]
        headers += [header for _, header in self._emails]
        if not headers:
            return (
                "no company and no person in this row: no column is mapped to "
                "company, name, last_name or email"
            )
        quoted = ", ".join(f'"{header}"' for header in headers)
        return f"no company and no person in this row: columns {quoted} are empty"

    # -- the row -------------------------------------------------------------------

    def normalise(self, row: SourceRow) -> ImportRow:
        result = ImportRow(source=row)
        if row.problem is not None:  # the reader could not split it into its cells
            result.rejection = RowIssue(None, row.problem)
            return result
        try:
            self._fill(row.cells, result)
        except _Rejected as rejected:
            result.rejection = rejected.issue
            result.links = []
            result.person = None
            result.tags = []
            result.owner = None
        return result

    def _values(self, cells: tuple[Cell, ...]) -> dict[str, str]:
        """The non-empty one-value fields of the row, as text."""
        count = len(cells)
        values: dict[str, str] = {}
        for name, index in self._singles:
            if index < count:
                text = cell_text(cells[index])
                if text:
                    values[name] = text
        return values

    def _fill(self, cells: tuple[Cell, ...], result: ImportRow) -> None:
        values = self._values(cells)
        warnings = result.warnings
        links, from_json = self._links(values)
        company = links[0].company if links else None
        if company is None:
            self._no_ids_without_company(values)
        emails = self._read_emails(cells, values, company, warnings)
        phones = self._read_phones(cells, values, company, warnings)
        person = self._person(values, emails, warnings)
        if person is None and company is None:
            raise _Rejected(emails.invalid[0] if emails.invalid else RowIssue(None, self._missing))
        if emails.invalid:
            warnings.extend(RowIssue(i.field, f"{i.message}; dropped") for i in emails.invalid)
        if company is not None:
            self._fill_company(company, values, warnings)
            if person is not None and not from_json:
                links[0].role = person.function
        self._place_contact_data(cells, values, person, company, phones, warnings)
        result.links = links
        result.person = person
        result.owner = values.get("owner")
        result.tags = self._read_tags(cells, warnings)

    def _place_contact_data(
        self,
        cells: tuple[Cell, ...],
        values: dict[str, str],
        person: PersonData | None,
        company: CompanyData | None,
        phones: list[str],
        warnings: list[RowIssue],
    ) -> None:
        """Phones, notes and custom fields: the person's if there is one, else the company's."""
        note = self._read_notes(cells)
        custom = self._read_custom(cells, values)
        if person is not None:
            person.phones = phones
            person.note = note
            person.custom.update(custom)
            if company is None:
                self._address_to_custom(values, person.custom, warnings)
            return
        assert company is not None  # a row with neither was rejected
        if phones and not company.phone:
            company.phone = phones[0]
        if note:
            company.custom["note"] = note
        company.custom.update(custom)
        for name in ("function", "title_before", "title_after"):
            if name in values:
                warnings.append(
                    _issue(
                        name,
                        self._header_of[name],
                        f'no person in this row for "{_shown(values[name])}"; dropped',
                    )
                )

    # -- companies -----------------------------------------------------------------

    def _links(self, values: dict[str, str]) -> tuple[list[CompanyLink], bool]:
        """The row's companies, and whether they came from a crmctl ``companies`` cell."""
        listed = values.get("companies")
        if listed:
            links = self._json_links(listed)
            if links:
                return links, True
        name = values.get("company")
        if not name:
            return [], False
        _reject_if_long("company", self._header_of["company"], name)
        return [CompanyLink(CompanyData(name, _company_name_key(name)), primary=True)], False

    def _json_links(self, text: str) -> list[CompanyLink]:
        header = self._header_of["companies"]
        entries = _json_list(text)
        if entries is None or not all(_is_company_entry(entry) for entry in entries):
            raise _Rejected(
                _issue(
                    "companies",
                    header,
                    f'invalid crmctl companies list "{_shown(text)}": expected JSON such as '
                    '[{"name": "ACME s.r.o.", "role": "jednatel", "primary": true}]',
                )
            )
        links = []
        for entry in entries:
            name = entry["name"].strip()
            _reject_if_long("company", header, name)
            role = (entry.get("role") or "").strip() or None
            company = CompanyData(name, _company_name_key(name))
            links.append(CompanyLink(company, role, bool(entry.get("primary"))))
        # The primary company first (it gets the row's address), and exactly one primary.
        links.sort(key=lambda link: not link.primary)
        for position, link in enumerate(links):
            link.primary = position == 0
        return links

    def _no_ids_without_company(self, values: dict[str, str]) -> None:
        for name, label in (("ico", "IČO"), ("dic", "DIČ")):
            if name in values:
                where = self._header_of.get("company")
                fill = f'; fill in column "{where}"' if where else "; add a company column"
                raise _Rejected(
                    _issue(
                        name,
                        self._header_of[name],
                        f'{label} "{values[name]}" but no company name in this row{fill}',
                    )
                )

    def _fill_company(
        self, company: CompanyData, values: dict[str, str], warnings: list[RowIssue]
    ) -> None:
        header_of = self._header_of
        ico = values.get("ico")
        if ico:
            try:
                company.ico = _normalize_ico(ico)
            except ValidationError as error:
                raise _Rejected(_issue("ico", header_of["ico"], error.message)) from None
        dic = values.get("dic")
        if dic:
            company.dic = self._checked("dic", dic, _normalize_dic, warnings)
        # Spelled out, not a loop over names: this runs for every row.
        company.street = values.get("street")
        if company.street and len(company.street) > LIMITS["street"]:
            _reject_if_long("street", header_of["street"], company.street)
        company.city = values.get("city")
        if company.city and len(company.city) > LIMITS["city"]:
            _reject_if_long("city", header_of["city"], company.city)
        company.industry = values.get("industry")
        if company.industry and len(company.industry) > LIMITS["industry"]:
            _reject_if_long("industry", header_of["industry"], company.industry)
        if "country" in values:
            company.country = self._country(values, warnings)
        if "psc" in values:
            company.psc = self._psc(values, company.country, warnings)
            if company.psc and (company.country or self._region) == "CZ":
                self._set_region(company, warnings)
        website = values.get("website")
        if website:
            company.website = self._checked("website", website, _normalize_website, warnings)
            if company.website:
                _reject_if_long("website", header_of["website"], company.website)

    def _set_region(self, company: CompanyData, warnings: list[RowIssue]) -> None:
        assert company.psc is not None
        place = _place(company.psc, company.city)
        if place is None:
            warnings.append(
                _issue(
                    "psc",
                    self._header_of["psc"],
                    f'PSČ "{company.psc}" is not in the PSČ table; kept, kraj and okres left empty',
                )
            )
        else:
            company.region, company.district = place.kraj, place.okres

    def _checked(
        self,
        name: str,
        text: str,
        normaliser: Callable[[str], str],
        warnings: list[RowIssue],
    ) -> str | None:
        try:
            return normaliser(text)
        except ValidationError as error:
            warnings.append(_dropped(name, self._header_of[name], error))
            return None

    def _country(self, values: dict[str, str], warnings: list[RowIssue]) -> str | None:
        text = values.get("country")
        if not text:
            return None
        code = _COUNTRIES.get(header_key(text))
        if code:
            return code
        if len(text) == 2 and text.isascii() and text.isalpha():
            return text.upper()
        warnings.append(
            _issue(
                "country",
                self._header_of["country"],
                f'invalid country "{_shown(text)}": use a two-letter code such as CZ; dropped',
            )
        )
        return None

    def _psc(
        self, values: dict[str, str], country: str | None, warnings: list[RowIssue]
    ) -> str | None:
        text = values.get("psc")
        if not text:
            return None
        if (country or self._region) in ("CZ", "SK"):
            return self._checked("psc", text, _normalize_psc, warnings)
        if len(text) <= _PSC_ABROAD_LIMIT:
            return text
        warnings.append(
            _issue(
                "psc",
                self._header_of["psc"],
                f'postal code "{_shown(text)}" is longer than {_PSC_ABROAD_LIMIT} characters; '
                "dropped",
            )
        )
        return None

    def _address_to_custom(
        self, values: dict[str, str], custom: dict[str, Any], warnings: list[RowIssue]
    ) -> None:
        """A row without a company keeps its address with the person."""
        for name in ("street", "city", "industry"):
            if name in values:
                custom[name] = values[name]
        country = self._country(values, warnings)
        psc = self._psc(values, country, warnings)
        website = values.get("website")
        if website:
            website = self._checked("website", website, _normalize_website, warnings)
        for name, value in (("psc", psc), ("country", country), ("website", website)):
            if value:
                custom[name] = value

    # -- the person ----------------------------------------------------------------

    def _name(self, values: dict[str, str]) -> _Name:
        name = _Name()
        first = values.get("first_name")
        last = values.get("last_name")
        full = values.get("name")
        if _has_title(first):
            first = name.take_split(first or "")
        if _has_title(last):
            last = name.take_split(last or "")
        if not last and full:
            # The parts lack a last name: the full-name column says more.
            name.title_before, name.title_after = [], []
            name.first = name.take_split(full)
            name.first_header = name.last_header = self._header_of["name"]
        else:
            name.first = " ".join(filter(None, (first, values.get("middle_name")))) or None
            name.last = last
            name.first_header = self._header_of.get("first_name", "")
            name.last_header = self._header_of.get("last_name", "")
        name.complete()
        return name

    def _person(
        self, values: dict[str, str], emails: _Emails, warnings: list[RowIssue]
    ) -> PersonData | None:
        name = self._name(values)
        if not name.last:
            if not emails.valid:
                return None
            name.last, name.last_header = emails.valid[0], emails.first_header
            warnings.append(
                _issue(
                    "last_name",
                    emails.first_header,
                    f'no name for "{name.last}"; the e-mail address is used as the last name',
                )
            )
        person = PersonData(
            last_name=name.last,
            name_key=person_name_key(name.first, name.last),
            title_before=_titles(values.get("title_before"), name.title_before, " "),
            first_name=name.first,
            title_after=_titles(values.get("title_after"), name.title_after, ", "),
            function=values.get("function"),
            emails=emails.valid,
        )
        if (
            len(person.last_name) > _NAME_LIMIT
            or (person.first_name and len(person.first_name) > _NAME_LIMIT)
            or (person.title_before and len(person.title_before) > _TITLE_LIMIT)
            or (person.title_after and len(person.title_after) > _TITLE_LIMIT)
            or (person.function and len(person.function) > _FUNCTION_LIMIT)
        ):
            self._reject_long_person(person, name, values)
        return person

    def _reject_long_person(self, person: PersonData, name: _Name, values: dict[str, str]) -> None:
        """Reject the row, naming the column the too-long part came from."""
        header_of = self._header_of
        # A title from its own column, else from the name it was split off.
        split_from = name.last_header or name.first_header
        checks = (
            ("first_name", person.first_name, name.first_header),
            ("last_name", person.last_name, name.last_header),
            ("title_before", person.title_before, header_of.get("title_before", split_from)),
            ("title_after", person.title_after, header_of.get("title_after", split_from)),
            ("function", person.function, header_of.get("function", "")),
        )
        for field, value, header in checks:
            if value:
                _reject_if_long(field, header, value)

    def _read_emails(
        self,
        cells: tuple[Cell, ...],
        values: dict[str, str],
        company: CompanyData | None,
        warnings: list[RowIssue],
    ) -> _Emails:
        emails = _Emails()
        count = len(cells)
        for index, header in self._emails:
            text = cell_text(cells[index]) if index < count else None
            if text:
                emails.keep(emails.add(text, "email", header), header)
        company_email = values.get("company_email")
        if company_email:
            header = self._header_of["company_email"]
            found = emails.add(company_email, "company_email", header)
            if company is None:
                emails.keep(found, header)  # no company to hold it: the person's
            elif found:
                company.email = found[0]
                warnings.extend(
                    _issue("company_email", header, f'a company has one e-mail; "{extra}" dropped')
                    for extra in found[1:]
                )
        return emails

    def _read_phones(
        self,
        cells: tuple[Cell, ...],
        values: dict[str, str],
        company: CompanyData | None,
        warnings: list[RowIssue],
    ) -> list[str]:
        phones: list[str] = []
        count = len(cells)
        for index, header in self._phones:
            text = cell_text(cells[index]) if index < count else None
            if text:
                phones.extend(self._parse_phones(text, "phone", header, warnings))
        company_phone = values.get("company_phone")
        if company_phone:
            header = self._header_of["company_phone"]
            found = self._parse_phones(company_phone, "company_phone", header, warnings)
            if company is None:
                phones.extend(found)  # no company to hold it: the person's
            elif found:
                company.phone = found[0]
                warnings.extend(
                    _issue("company_phone", header, f'a company has one phone; "{extra}" dropped')
                    for extra in found[1:]
                )
        return _unique(phones)

    def _parse_phones(
        self, text: str, field: str, header: str, warnings: list[RowIssue]
    ) -> list[str]:
        region = self._region
        if not _PHONE_LIST.search(text):  # one number: nearly every cell
            number = _valid_phone(text, region)
            if number:
                return [number]
        numbers: list[str] = []
        for part in _phone_parts(text):
            found, bad = _phones_in_part(part, region)
            numbers.extend(found)
            for piece in bad:
                try:
                    normalize_phone(piece, region)
                except ValidationError as error:  # always: the piece did not parse
                    warnings.append(_dropped(field, header, error))
        return numbers

    # -- notes, custom fields, tags -------------------------------------------------

    def _read_notes(self, cells: tuple[Cell, ...]) -> str | None:
        count = len(cells)
        notes = [
            text
            for index, _ in self._notes
            if index < count and (text := cell_text(cells[index])) is not None
        ]
        return (notes[0] if len(notes) == 1 else "\n".join(notes)) or None

    def _read_custom(self, cells: tuple[Cell, ...], values: dict[str, str]) -> dict[str, Any]:
        custom: dict[str, Any] = {}
        listed = values.get("custom")
        if listed:
            custom.update(self._json_custom(listed))
        count = len(cells)
        for index, key in self._custom:
            if index >= count or cells[index] is None:
                continue
            value = custom_value(cells[index])
            if value is not None and value != "" and value != []:
                custom[key] = value
        return custom

    def _json_custom(self, text: str) -> dict[str, Any]:
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if not isinstance(loaded, dict):
            raise _Rejected(
                _issue(
                    "custom",
                    self._header_of["custom"],
                    f'invalid crmctl custom fields "{_shown(text)}": expected a JSON object '
                    'such as {"segment": "A"}',
                )
            )
        return loaded

    def _read_tags(self, cells: tuple[Cell, ...], warnings: list[RowIssue]) -> list[str]:
        tags: list[str] = []
        count = len(cells)
        for index, header in self._tags:
            text = cell_text(cells[index]) if index < count else None
            if text:
                tags.extend(self._parse_tags(text, header, warnings))
        return _unique(tags)

    @staticmethod
    def _parse_tags(text: str, header: str, warnings: list[RowIssue]) -> list[str]:
        tags: list[str] = []
        for part in _tag_parts(text):
            part = part.strip()
            if not part or part == _GOOGLE_SYSTEM_GROUP:
                continue
            try:
                tags.append(clean_tag(part.removeprefix("* ")))  # Google: "* starred"
            except ValidationError:
                warnings.append(
                    _issue(
                        "tags",
                        header,
                        f'invalid tag "{_shown(part)}": 1-100 characters, no commas; dropped',
                    )
                )
        return tags
