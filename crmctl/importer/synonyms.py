"""The synonym table: header keys of Czech and English sheets and of the export layouts of
Outlook, Google Contacts, HubSpot, Pipedrive and crmctl, and the numbered-column patterns."""

from __future__ import annotations

import re
from collections.abc import Iterable

from crmctl.importer.fields import header_key


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


def synonym_field(key: str) -> str | None:
    """The field a folded header names, or None if it is not a known header."""
    if not key:
        return None
    found = _SYNONYMS.get(key) or _pattern_field(key)
    if found:
        return found
    for prefix, table in _PREFIXES:
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            return table.get(rest) if table is not None else synonym_field(rest)
    return None


def is_known_header(text: str) -> bool:
    """Whether ``text`` is a header the synonym table knows (to find the header row)."""
    return synonym_field(header_key(text)) is not None
