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

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crmctl.errors import FileUnreadable, ValidationError
from crmctl.text import fold

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
    "load_mapping",
    "save_mapping",
]

UNMAPPED_POLICIES = ("custom", "ignore")


@dataclass(frozen=True)
class FieldSpec:
    description: str
    repeatable: bool = False


FIELDS: dict[str, FieldSpec] = {
    # The company.
    "company": FieldSpec("company name"),
    "ico": FieldSpec("IČO (8-digit company number)"),
    "dic": FieldSpec("DIČ (VAT number)"),
    "street": FieldSpec("street and number (the company's, else the person's custom field)"),
    "city": FieldSpec("city"),
    "psc": FieldSpec("PSČ (postal code); kraj and okres are derived from it"),
    "country": FieldSpec("country, a 2-letter code or its name"),
    "website": FieldSpec("company website"),
    "company_phone": FieldSpec("the company's phone number"),
    "company_email": FieldSpec("the company's e-mail address"),
    "industry": FieldSpec("the company's industry"),
    # The person.
    "name": FieldSpec("full name with titles, split into its parts"),
    "title_before": FieldSpec("titles before the name (Ing., MUDr.)"),
    "first_name": FieldSpec("first name"),
    "middle_name": FieldSpec("middle name, joined to the first name"),
    "last_name": FieldSpec("last name"),
    "title_after": FieldSpec("titles after the name (Ph.D., MBA)"),
    "function": FieldSpec("job title; also the role at the company"),
    "email": FieldSpec("e-mail addresses", repeatable=True),
    "phone": FieldSpec("phone numbers (mobile too)", repeatable=True),
    "note": FieldSpec("note; several columns are joined line by line", repeatable=True),
    # Both.
    "owner": FieldSpec("the responsible crmctl user, by login or name"),
    "tags": FieldSpec("tags, separated by commas or semicolons", repeatable=True),
    # crmctl's own export.
    "companies": FieldSpec("crmctl export: JSON list of the person's companies"),
    "custom": FieldSpec("crmctl export: JSON object of custom fields"),
    "ignore": FieldSpec("not imported", repeatable=True),
}

_CUSTOM_FIELD = re.compile(r"custom\.[a-z0-9_]+")
_NON_ALNUM = re.compile(r"[\W_]+")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def header_key(text: str) -> str:
    """``"E-mail 2 Address"`` → ``"e mail 2 address"``; ``"PSČ:"`` → ``"psc"``."""
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def custom_key(text: str) -> str:
    """The ``custom.KEY`` slug of a header: ``"Počet zaměstnanců"`` → ``"pocet_zamestnancu"``.

    Letters outside the fold map (Cyrillic, ß) are dropped: keys are ``[a-z0-9_]+``.
    """
    return _NOT_SLUG.sub("_", header_key(text)).strip("_")


def is_valid_field(name: str) -> bool:
    return name in FIELDS or _CUSTOM_FIELD.fullmatch(name) is not None


def _is_repeatable(name: str) -> bool:
    spec = FIELDS.get(name)
    return spec is not None and spec.repeatable


# --- the synonym table ------------------------------------------------------------------


def _table(entries: dict[str, Iterable[str]]) -> dict[str, str]:
    """``{field: [header, …]}`` → ``{header_key(header): field}``."""
    result: dict[str, str] = {}
    for name, headers in entries.items():
        for header in headers:
            key = header_key(header)
            assert key not in result, f"synonym {header!r} listed twice"
            result[key] = name
    return result


_SYNONYMS: dict[str, str] = _table(
    {
        "company": [
            "Firma",
            "Společnost",
            "Název firmy",
            "Název společnosti",
            "Název",
            "Název subjektu",
            "Obchodní jméno",
            "Obchodní název",
            "Organizace",
            "Odběratel",
            "Zákazník",
            "Company",
            "Company name",
            "Organization",
            "Organisation",
            "Organization name",
            "Account name",
            "Business name",
            "Associated Company",  # HubSpot contacts
        ],
        "ico": ["IČO", "IČ", "I.Č.", "I.Č.O.", "IČO firmy", "Identifikační číslo", "Reg. No."],
        "dic": [
            "DIČ",
            "D.I.Č.",
            "Daňové identifikační číslo",
            "IČ DPH",
            "VAT",
            "VAT ID",
            "VAT number",
            "VAT No.",
            "Tax ID",
        ],
        "street": [
            "Ulice",
            "Ulice a číslo",
            "Ulice a č.p.",
            "Adresa",
            "Sídlo",
            "Street",
            "Street address",  # HubSpot
            "Address",
            "Address line 1",
            "Business Street",  # Outlook
        ],
        "city": ["Město", "Obec", "Místo", "City", "Town", "Business City"],
        "psc": [
            "PSČ",
            "P.S.Č.",
            "Postal code",
            "Post code",
            "Postcode",
            "ZIP",
            "ZIP code",
            "Business Postal Code",
        ],
        "country": [
            "Stát",
            "Země",
            "Country",
            "Country code",
            "Country/Region",  # HubSpot
            "Business Country/Region",  # Outlook
        ],
        "website": [
            "Web",
            "WWW",
            "Webové stránky",
            "Webová stránka",
            "Website",
            "Web site",
            "Web page",  # Outlook
            "Website URL",  # HubSpot
            "Company Domain Name",  # HubSpot companies
            "Domain",
            "Homepage",
            "URL",
        ],
        "company_phone": [
            "Telefon firmy",
            "Telefon společnosti",
            "Company phone",
            "Company Main Phone",  # Outlook
        ],
        "company_email": ["E-mail firmy", "Email firmy", "Firemní e-mail", "Company e-mail"],
        "industry": ["Obor", "Obor činnosti", "Odvětví", "Industry"],
        "name": [
            "Jméno",  # the first name next to a last-name column (see _apply_context)
            "Jméno a příjmení",
            "Celé jméno",
            "Kontaktní osoba",
            "Kontakt",
            "Osoba",
            "Name",  # Google (old), Pipedrive, crmctl
            "Full name",
            "Contact",
            "Contact name",
            "Contact person",
            "Display name",
        ],
        "title_before": [
            "Titul",
            "Titul před",
            "Titul před jménem",
            "Tituly před jménem",
            "Title",  # Outlook: the name prefix, not the job
            "title_before",  # crmctl
            "Name prefix",  # Google
            "Prefix",
        ],
        "first_name": [
            "Křestní jméno",
            "First name",  # Outlook, Google (new), HubSpot, Pipedrive, crmctl
            "Firstname",
            "Given name",  # Google (old)
        ],
        "middle_name": [
            "Druhé jméno",
            "Prostřední jméno",
            "Middle name",
            "Additional name",  # Google (old)
        ],
        "last_name": ["Příjmení", "Last name", "Lastname", "Surname", "Family name"],
        "title_after": [
            "Titul za",
            "Titul za jménem",
            "Tituly za jménem",
            "Suffix",  # Outlook
            "Name suffix",  # Google
            "title_after",  # crmctl
        ],
        "function": [
            "Funkce",
            "Pozice",
            "Pracovní pozice",
            "Pracovní zařazení",
            "Role",
            "Function",
            "Position",
            "Job title",  # Outlook, HubSpot, Pipedrive
            "Job",
            "Occupation",  # Google (old)
            "Organization title",  # Google (new)
        ],
        "email": [
            "E-mail",
            "Email",
            "Mail",
            "E-mailová adresa",
            "E-mail address",
            "Email address",
            "Emails",  # crmctl
            "Primary email",
            "Work email",
        ],
        "phone": [
            "Telefon",
            "Tel.",
            "Tel. č.",
            "Telefonní číslo",
            "Mobil",
            "Mobilní telefon",
            "Mobilní číslo",
            "Phone",
            "Phone number",  # HubSpot
            "Mobile",
            "Mobile phone number",  # HubSpot
            "Telephone",
            "Phones",  # crmctl
        ],
        "note": [
            "Poznámka",
            "Poznámky",
            "Komentář",
            "Popis",
            "Note",
            "Notes",  # Outlook, Google
            "Comment",
            "Comments",
            "Description",
        ],
        "owner": [
            "Obchodník",
            "Vlastník",
            "Odpovědná osoba",
            "Zodpovědná osoba",
            "Obchodní zástupce",
            "Správce",
            "Owner",
            "Contact owner",  # HubSpot
            "Company owner",  # HubSpot
            "Account owner",
            "Sales rep",
        ],
        "tags": [
            "Štítky",
            "Štítek",
            "Kategorie",
            "Skupina",
            "Skupiny",
            "Tags",
            "Tag",
            "Labels",  # Google (new), Pipedrive
            "Label",
            "Categories",  # Outlook
            "Category",
            "Group Membership",  # Google (old)
            "Groups",
        ],
        "companies": ["companies"],
        "custom": ["custom"],
        "ignore": [
            # crmctl's bookkeeping and relations: not importable data.
            "id",
            "created_at",
            "created_by",
            "updated_at",
            "updated_by",
            "deleted_at",
            "merged_into",
            "reports_to",
            "assistant_of",
            "related",
            "direct_reports",
            "assistants",
            "related_from",
            # Derived from the PSČ on import.
            "region",
            "district",
            "Kraj",
            "Okres",
            "State",
            "State/Region",  # HubSpot
            "Business State",  # Outlook
            "Record ID",  # HubSpot
            "E-mail Type",  # Outlook: "SMTP"
            "E-mail Display Name",  # Outlook
        ],
    }
)

# Pipedrive's organisation export prefixes its columns with "Organization - ".
_ORGANIZATION_FIELDS: dict[str, str] = _table(
    {
        "company": ["Name"],
        "owner": ["Owner"],
        "street": ["Address"],
        "city": ["Address - City/town/village/locality"],
        "psc": ["Address - ZIP/Postal code"],
        "country": ["Address - Country"],
        "website": ["Website"],
        "company_phone": ["Phone"],
        "company_email": ["Email"],
        "industry": ["Industry"],
        "tags": ["Label", "Labels"],
        # Parts of the full address already in "Organization - Address", and the id.
        "ignore": [
            "ID",
            "Address - Full/combined address",
            "Address - Formatted address",
            "Address - Street/road name",
            "Address - House number",
            "Address - Apartment/suite no",
            "Address - District/sublocality",
            "Address - State/county",
            "Address - Region",
        ],
    }
)

_PREFIXES: tuple[tuple[str, dict[str, str] | None], ...] = (
    ("person ", None),  # Pipedrive person export: the generic table applies
    ("organization ", _ORGANIZATION_FIELDS),
    ("organisation ", _ORGANIZATION_FIELDS),
)

# Numbered and typed columns. The value None means "known layout, but not a field we
# import" (a second address, a department): the unmapped policy decides.
_EMAIL_PATTERN = re.compile(
    r"e ?mail(?: \d+)?(?: (?:address|value|work|home|other))?"  # Outlook, Google, Pipedrive
)
_PHONE_PATTERN = re.compile(
    r"(?:(?:business|home|mobile|other|primary|car|work) )?phone(?: \d+)?"  # Outlook
    r"(?: (?:value|work|home|mobile|other|main))?"  # Google, Pipedrive
    r"|(?:telefon|tel|mobil)(?: \d+)?"
)
_TYPE_PATTERN = re.compile(
    r"(?:e ?mail|phone|address|website|organization|relation|event|im|custom field"
    r"|external id|calendar link) \d+ (?:label|type)"
)
_GOOGLE_ADDRESS = re.compile(r"address (\d+) (street|city|postal code|country|formatted|region)")
_GOOGLE_ORGANIZATION = re.compile(r"organization (\d+) (name|title)")
_GOOGLE_WEBSITE = re.compile(r"website \d+ value")
_GOOGLE_ADDRESS_FIELDS = {
    "street": "street",
    "city": "city",
    "postal code": "psc",
    "country": "country",
    # Duplicates of the parts, and the kraj the PSČ gives anyway.
    "formatted": "ignore",
    "region": "ignore",
}
_GOOGLE_ORGANIZATION_FIELDS = {"name": "company", "title": "function"}


def _pattern_field(key: str) -> str | None:
    if _TYPE_PATTERN.fullmatch(key) or (key.startswith("e mail") and key.endswith("display name")):
        return "ignore"
    if _EMAIL_PATTERN.fullmatch(key):
        return "email"
    if _PHONE_PATTERN.fullmatch(key):
        return "phone"
    if _GOOGLE_WEBSITE.fullmatch(key):
        return "website"
    address = _GOOGLE_ADDRESS.fullmatch(key)
    if address:
        # Only the first address is the company's; more addresses fall to the policy.
        return _GOOGLE_ADDRESS_FIELDS[address.group(2)] if address.group(1) == "1" else None
    organization = _GOOGLE_ORGANIZATION.fullmatch(key)
    if organization and organization.group(1) == "1":
        return _GOOGLE_ORGANIZATION_FIELDS[organization.group(2)]
    return None


def _synonym(key: str) -> str | None:
    """The field a folded header names, or None if it is not a known header."""
    if not key:
        return None
    found = _SYNONYMS.get(key) or _pattern_field(key)
    if found:
        return found
    for prefix, table in _PREFIXES:
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            return table.get(rest) if table is not None else _synonym(rest)
    return None


def is_known_header(text: str) -> bool:
    """Whether ``text`` is a header the synonym table knows (to find the header row)."""
    return _synonym(header_key(text)) is not None


# --- the mapping ------------------------------------------------------------------------


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
        if _is_repeatable(column.field):
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
        synonym = _synonym(key)
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


# --- mapping files ----------------------------------------------------------------------


class SavedMapping(dict[str, str]):
    """``{header text: field}`` from a mapping file, plus its ``unmapped`` policy if set."""

    def __init__(self, columns: dict[str, str], unmapped: str | None = None) -> None:
        super().__init__(columns)
        self.unmapped = unmapped


_STR_TAG = "tag:yaml.org,2002:str"
_FILE_KEYS = ("columns", "unmapped")


def _valid_fields_text() -> str:
    return ", ".join([*FIELDS, "custom.KEY"])


def _where(path: Path, node: Any) -> str:
    mark = node.start_mark
    return f"{path}:{mark.line + 1}:{mark.column + 1}"


def _compose(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FileUnreadable(f"{path}: cannot read the mapping file ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ValidationError(f"{path}: cannot read the mapping file ({error})") from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or error
        raise ValidationError(f"{where}: invalid YAML ({problem})") from None


def _pairs(path: Path, node: Any, what: str) -> list[tuple[Any, Any]]:
    """The key/value nodes of a mapping node; text keys only, each once."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        raise ValidationError(f"{_where(path, node)}: {what} must be a mapping")
    seen: set[str] = set()
    for key, _value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag != _STR_TAG:
            shown = key.value if isinstance(key, yaml.ScalarNode) else "…"
            raise ValidationError(
                f'{_where(path, key)}: column header {shown} must be text; quote it: "{shown}"'
            )
        if key.value in seen:
            raise ValidationError(f'{_where(path, key)}: "{key.value}" is listed twice')
        seen.add(key.value)
    return list(node.value)


def _scalar_text(path: Path, node: Any, what: str) -> str:
    import yaml

    if not isinstance(node, yaml.ScalarNode) or node.tag != _STR_TAG:
        raise ValidationError(f"{_where(path, node)}: {what} must be text")
    return str(node.value)


def _column_field(path: Path, header: str, node: Any) -> str:
    name = _scalar_text(path, node, f'the field for column "{header}"').strip()
    if not is_valid_field(name):
        raise ValidationError(
            f'{_where(path, node)}: unknown field "{name}" for column "{header}"; '
            f"valid fields: {_valid_fields_text()}"
        )
    return name


def load_mapping(path: Path) -> SavedMapping:
    """Read ``columns: {"Header": field}`` (and ``unmapped: custom|ignore``) from YAML.

    Errors name ``file:line:column``. The result is a plain ``dict`` for
    ``build_mapping(saved=…)``; ``.unmapped`` is the policy, or None if not set.
    """
    root = _compose(path)
    if root is None:
        raise ValidationError(f'{path}: the mapping file is empty; expected "columns:"')
    columns: dict[str, str] = {}
    unmapped: str | None = None
    has_columns = False
    for key, value in _pairs(path, root, "the mapping file"):
        if key.value == "columns":
            has_columns = True
            for header, target in _pairs(path, value, '"columns"'):
                columns[header.value] = _column_field(path, header.value, target)
        elif key.value == "unmapped":
            unmapped = _scalar_text(path, value, '"unmapped"')
            if unmapped not in UNMAPPED_POLICIES:
                raise ValidationError(
                    f'{_where(path, value)}: unmapped must be "custom" or "ignore", '
                    f'not "{unmapped}"'
                )
        else:
            raise ValidationError(
                f'{_where(path, key)}: unknown key "{key.value}"; expected "columns" or "unmapped"'
            )
    if not has_columns:
        raise ValidationError(f'{path}: no "columns:" mapping of "Header": field')
    return SavedMapping(columns, unmapped)


def save_mapping(path: Path, mapping: Mapping) -> None:
    """Write ``mapping`` in the format ``load_mapping`` reads (UTF-8, sheet column order)."""
    import yaml

    body = yaml.safe_dump(
        mapping.as_yaml_dict(),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=10_000,  # one line per column, however long its header
    )
    header = (
        f'# crmctl import column mapping: "column header": field. Fields: {_valid_fields_text()}.\n'
    )
    path.write_text(header + body, encoding="utf-8")
