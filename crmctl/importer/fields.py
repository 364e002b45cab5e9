"""The import fields a column may map to, and how headers and custom fields are keyed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from crmctl.text import fold

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


def is_repeatable(name: str) -> bool:
    spec = FIELDS.get(name)
    return spec is not None and spec.repeatable
