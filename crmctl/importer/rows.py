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
from typing import Any

from crmctl.errors import ValidationError
from crmctl.importer.company_columns import CompanyColumns
from crmctl.importer.mapping import Mapping
from crmctl.importer.model import Cell, CompanyData, ImportRow, PersonData, RowIssue, SourceRow
from crmctl.importer.row_parts import (
    FUNCTION_LIMIT,
    GOOGLE_SYSTEM_GROUP,
    LIMITS,
    NAME_LIMIT,
    PHONE_LIST,
    SINGLE_FIELDS,
    TITLE_LIMIT,
    Column,
    Emails,
    Name,
    Rejected,
    dropped_issue,
    has_title,
    phone_parts,
    phones_in_part,
    reject_if_long,
    row_issue,
    shown,
    tag_parts,
    title_text,
    unique,
    valid_phone,
)
from crmctl.importer.values import cell_text, custom_value
from crmctl.normalize import normalize_phone
from crmctl.tag_names import clean_tag
from crmctl.text import person_name_key

__all__ = ["LIMITS", "RowNormaliser"]


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
            (name, index) for name in SINGLE_FIELDS for index in mapping.for_field(name)[:1]
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
        self._company = CompanyColumns(self._header_of, region)

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
        except Rejected as rejected:
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
        links, from_json = self._company.links(values)
        company = links[0].company if links else None
        if company is None:
            self._company.no_ids_without_company(values)
        emails = self._read_emails(cells, values, company, warnings)
        phones = self._read_phones(cells, values, company, warnings)
        person = self._person(values, emails, warnings)
        if person is None and company is None:
            raise Rejected(emails.invalid[0] if emails.invalid else RowIssue(None, self._missing))
        if emails.invalid:
            warnings.extend(RowIssue(i.field, f"{i.message}; dropped") for i in emails.invalid)
        if company is not None:
            self._company.fill(company, values, warnings)
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
                self._company.address_to_custom(values, person.custom, warnings)
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
                    row_issue(
                        name,
                        self._header_of[name],
                        f'no person in this row for "{shown(values[name])}"; dropped',
                    )
                )

    # -- the person ----------------------------------------------------------------

    def _name(self, values: dict[str, str]) -> Name:
        name = Name()
        first = values.get("first_name")
        last = values.get("last_name")
        full = values.get("name")
        if has_title(first):
            first = name.take_split(first or "")
        if has_title(last):
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
        self, values: dict[str, str], emails: Emails, warnings: list[RowIssue]
    ) -> PersonData | None:
        name = self._name(values)
        if not name.last:
            if not emails.valid:
                return None
            name.last, name.last_header = emails.valid[0], emails.first_header
            warnings.append(
                row_issue(
                    "last_name",
                    emails.first_header,
                    f'no name for "{name.last}"; the e-mail address is used as the last name',
                )
            )
        person = PersonData(
            last_name=name.last,
            name_key=person_name_key(name.first, name.last),
            title_before=title_text(values.get("title_before"), name.title_before, " "),
            first_name=name.first,
            title_after=title_text(values.get("title_after"), name.title_after, ", "),
            function=values.get("function"),
            emails=emails.valid,
        )
        if (
            len(person.last_name) > NAME_LIMIT
            or (person.first_name and len(person.first_name) > NAME_LIMIT)
            or (person.title_before and len(person.title_before) > TITLE_LIMIT)
            or (person.title_after and len(person.title_after) > TITLE_LIMIT)
            or (person.function and len(person.function) > FUNCTION_LIMIT)
        ):
            self._reject_long_person(person, name, values)
        return person

    def _reject_long_person(self, person: PersonData, name: Name, values: dict[str, str]) -> None:
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
                reject_if_long(field, header, value)

    def _read_emails(
        self,
        cells: tuple[Cell, ...],
        values: dict[str, str],
        company: CompanyData | None,
        warnings: list[RowIssue],
    ) -> Emails:
        emails = Emails()
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
                    row_issue(
                        "company_email", header, f'a company has one e-mail; "{extra}" dropped'
                    )
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
                    row_issue(
                        "company_phone", header, f'a company has one phone; "{extra}" dropped'
                    )
                    for extra in found[1:]
                )
        return unique(phones)

    def _parse_phones(
        self, text: str, field: str, header: str, warnings: list[RowIssue]
    ) -> list[str]:
        region = self._region
        if not PHONE_LIST.search(text):  # one number: nearly every cell
            number = valid_phone(text, region)
            if number:
                return [number]
        numbers: list[str] = []
        for part in phone_parts(text):
            found, bad = phones_in_part(part, region)
            numbers.extend(found)
            for piece in bad:
                try:
                    normalize_phone(piece, region)
                except ValidationError as error:  # always: the piece did not parse
                    warnings.append(dropped_issue(field, header, error))
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
            raise Rejected(
                row_issue(
                    "custom",
                    self._header_of["custom"],
                    f'invalid crmctl custom fields "{shown(text)}": expected a JSON object '
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
        return unique(tags)

    @staticmethod
    def _parse_tags(text: str, header: str, warnings: list[RowIssue]) -> list[str]:
        tags: list[str] = []
        for part in tag_parts(text):
            part = part.strip()
            if not part or part == GOOGLE_SYSTEM_GROUP:
                continue
            try:
                tags.append(clean_tag(part.removeprefix("* ")))  # Google: "* starred"
            except ValidationError:
                warnings.append(
                    row_issue(
                        "tags",
                        header,
                        f'invalid tag "{shown(part)}": 1-100 characters, no commas; dropped',
                    )
                )
        return tags
