"""Column mapping of import files (crmctl.importer.mapping): layouts, policies, files."""

from __future__ import annotations

from pathlib import Path

import pytest

from crmctl.errors import ValidationError
from crmctl.importer.mapping import (
    FIELDS,
    ColumnMapping,
    build_mapping,
    custom_key,
    header_key,
    is_known_header,
    is_valid_field,
)
from crmctl.importer.mapping_file import load_mapping, save_mapping
from crmctl.importer.synonyms import _SYNONYMS


def header_row(text: str) -> list[str]:
    """A header row as an export writes it (the layouts below are copied from real files)."""
    return text.split(",")


def fields(headers: list[str], **kwargs: object) -> dict[str, str]:
    """Header → field for a header row (headers are unique in every layout below)."""
    mapping = build_mapping(headers, **kwargs)  # type: ignore[arg-type]
    return {column.header: column.field for column in mapping.columns}


# --- header keys --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("E-mail 2 Address", "e mail 2 address"),
        ("  PSČ: ", "psc"),
        ("Název firmy", "nazev firmy"),
        ("Business Country/Region", "business country region"),
        ("created_at", "created at"),
        ("Person - Email - Work", "person email work"),
        ("---", ""),
    ],
)
def test_header_key(text: str, key: str) -> None:
    assert header_key(text) == key


def test_custom_key_is_an_ascii_slug() -> None:
    assert custom_key("Počet zaměstnanců") == "pocet_zamestnancu"
    assert custom_key("Obrat (mil. Kč) 2024") == "obrat_mil_kc_2024"
    assert custom_key("Straße") == "stra_e"


@pytest.mark.parametrize(
    "text", ["PSČ", "E-mail 3 Address", "Phone 12 - Value", "Person - Email - Work", "IČ"]
)
def test_known_headers(text: str) -> None:
    assert is_known_header(text)


@pytest.mark.parametrize("text", ["Praha", "", "Počet zaměstnanců", "Seznam kontaktů 2024"])
def test_unknown_headers(text: str) -> None:
    assert not is_known_header(text)


def test_every_synonym_is_a_valid_field() -> None:
    assert all(is_valid_field(name) for name in _SYNONYMS.values())
    assert is_valid_field("custom.segment")
    assert not is_valid_field("custom.Segment")
    assert not is_valid_field("phone_number")


# --- layouts ------------------------------------------------------------------------


def test_czech_layout() -> None:
    headers = [
        "Firma",
        "IČO",
        "DIČ",
        "Titul",
        "Jméno",
        "Příjmení",
        "Titul za",
        "Funkce",
        "E-mail",
        "Telefon",
        "Mobil",
        "Ulice",
        "Město",
        "PSČ",
        "Stát",
        "Web",
        "Obor",
        "Obchodník",
        "Poznámka",
        "Štítky",
        "Počet zaměstnanců",
    ]
    assert fields(headers) == {
        "Firma": "company",
        "IČO": "ico",
        "DIČ": "dic",
        "Titul": "title_before",
        "Jméno": "first_name",  # next to Příjmení
        "Příjmení": "last_name",
        "Titul za": "title_after",
        "Funkce": "function",
        "E-mail": "email",
        "Telefon": "phone",
        "Mobil": "phone",
        "Ulice": "street",
        "Město": "city",
        "PSČ": "psc",
        "Stát": "country",
        "Web": "website",
        "Obor": "industry",
        "Obchodník": "owner",
        "Poznámka": "note",
        "Štítky": "tags",
        "Počet zaměstnanců": "custom.pocet_zamestnancu",
    }


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ["Společnost", "IČ", "Jméno", "Pozice", "Tel.", "Mail"],
            ["company", "ico", "name", "function", "phone", "email"],
        ),
        (
            ["Odběratel", "Kontaktní osoba", "Email", "Adresa", "Obec", "WWW"],
            ["company", "name", "email", "street", "city", "website"],
        ),
        (
            ["Organizace", "Jméno a příjmení", "Titul před", "Země", "Vlastník", "Odpovědná osoba"],
            ["company", "name", "title_before", "country", "owner", "ignore"],
        ),
    ],
)
def test_czech_variants(headers: list[str], expected: list[str]) -> None:
    assert list(fields(headers).values()) == expected


def test_company_list_without_people_gives_phone_and_email_to_the_company() -> None:
    headers = ["Název firmy", "IČ", "Telefon", "E-mail", "Adresa"]
    assert fields(headers) == {
        "Název firmy": "company",
        "IČ": "ico",
        "Telefon": "company_phone",
        "E-mail": "company_email",
        "Adresa": "street",
    }


OUTLOOK = header_row(
    "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,"
    "Business Street,Business Street 2,Business Street 3,Business City,Business State,"
    "Business Postal Code,Business Country/Region,Home Street,Home Street 2,Home Street 3,"
    "Home City,Home State,Home Postal Code,Home Country/Region,Other Street,Other Street 2,"
    "Other Street 3,Other City,Other State,Other Postal Code,Other Country/Region,"
    "Assistant's Phone,Business Fax,Business Phone,Business Phone 2,Callback,Car Phone,"
    "Company Main Phone,Home Fax,Home Phone,Home Phone 2,ISDN,Mobile Phone,Other Fax,"
    "Other Phone,Pager,Primary Phone,Radio Phone,TTY/TDD Phone,Telex,Account,Anniversary,"
    "Assistant's Name,Billing Information,Birthday,Business Address PO Box,Categories,"
    "Children,Directory Server,E-mail Address,E-mail Type,E-mail Display Name,"
    "E-mail 2 Address,E-mail 2 Type,E-mail 2 Display Name,E-mail 3 Address,E-mail 3 Type,"
    "E-mail 3 Display Name,Gender,Government ID Number,Hobby,Home Address PO Box,Initials,"
    "Internet Free Busy,Keywords,Language,Location,Manager's Name,Mileage,Notes,"
    "Office Location,Organizational ID Number,Other Address PO Box,Priority,Private,"
    "Profession,Referred By,Sensitivity,Spouse,User 1,User 2,User 3,User 4,Web Page"
)


def test_outlook_layout() -> None:
    mapped = fields(OUTLOOK)
    expected = {
        "Title": "title_before",  # Outlook's name prefix
        "First Name": "first_name",
        "Middle Name": "middle_name",
        "Last Name": "last_name",
        "Suffix": "title_after",
        "Company": "company",
        "Job Title": "function",
        "Business Street": "street",
        "Business City": "city",
        "Business State": "ignore",
        "Business Postal Code": "psc",
        "Business Country/Region": "country",
        "Business Phone": "phone",
        "Business Phone 2": "phone",
        "Mobile Phone": "phone",
        "Home Phone": "phone",
        "Company Main Phone": "company_phone",
        "E-mail Address": "email",
        "E-mail Type": "ignore",
        "E-mail Display Name": "ignore",
        "E-mail 2 Address": "email",
        "E-mail 2 Type": "ignore",
        "E-mail 3 Address": "email",
        "E-mail 3 Display Name": "ignore",
        "Web Page": "website",
        "Notes": "note",
        "Categories": "tags",
        # Known to Outlook, not to crmctl: kept by the default policy.
        "Department": "custom.department",
        "Business Street 2": "custom.business_street_2",
        "Home City": "custom.home_city",
        "Birthday": "custom.birthday",
    }
    assert {header: mapped[header] for header in expected} == expected
    assert build_mapping(OUTLOOK).warnings() == []


GOOGLE_NEW = header_row(
    "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,"
    "Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,"
    "Organization Title,Organization Department,Birthday,Notes,Photo,Labels,"
    "E-mail 1 - Label,E-mail 1 - Value,E-mail 2 - Label,E-mail 2 - Value,"
    "Phone 1 - Label,Phone 1 - Value,Phone 2 - Label,Phone 2 - Value,"
    "Address 1 - Label,Address 1 - Formatted,Address 1 - Street,Address 1 - City,"
    "Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Address 2 - Label,Address 2 - Street,Address 2 - City,"
    "Website 1 - Label,Website 1 - Value"
)


def test_google_new_layout() -> None:
    mapped = fields(GOOGLE_NEW)
    expected = {
        "First Name": "first_name",
        "Middle Name": "middle_name",
        "Last Name": "last_name",
        "Name Prefix": "title_before",
        "Name Suffix": "title_after",
        "Organization Name": "company",
        "Organization Title": "function",
        "Notes": "note",
        "Labels": "tags",
        "E-mail 1 - Label": "ignore",
        "E-mail 1 - Value": "email",
        "E-mail 2 - Value": "email",
        "Phone 1 - Label": "ignore",
        "Phone 1 - Value": "phone",
        "Phone 2 - Value": "phone",
        "Address 1 - Label": "ignore",
        "Address 1 - Formatted": "ignore",
        "Address 1 - Street": "street",
        "Address 1 - City": "city",
        "Address 1 - Region": "ignore",
        "Address 1 - Postal Code": "psc",
        "Address 1 - Country": "country",
        "Website 1 - Label": "ignore",
        "Website 1 - Value": "website",
        # Only the first address is the company's.
        "Address 2 - Street": "custom.address_2_street",
        "Address 2 - City": "custom.address_2_city",
    }
    assert {header: mapped[header] for header in expected} == expected


GOOGLE_OLD = header_row(
    "Name,Given Name,Additional Name,Family Name,Yomi Name,Given Name Yomi,"
    "Additional Name Yomi,Family Name Yomi,Name Prefix,Name Suffix,Initials,Nickname,"
    "Short Name,Maiden Name,Birthday,Gender,Location,Billing Information,Directory Server,"
    "Mileage,Occupation,Hobby,Sensitivity,Priority,Subject,Notes,Language,Photo,"
    "Group Membership,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,"
    "Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Address 1 - Type,"
    "Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,"
    "Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,"
    "Address 1 - Extended Address,Organization 1 - Type,Organization 1 - Name,"
    "Organization 1 - Yomi Name,Organization 1 - Title,Organization 1 - Department,"
    "Organization 1 - Symbol,Organization 1 - Location,Organization 1 - Job Description,"
    "Organization 2 - Type,Organization 2 - Name,Website 1 - Type,Website 1 - Value"
)


def test_google_old_layout() -> None:
    mapped = fields(GOOGLE_OLD)
    expected = {
        "Name": "name",
        "Given Name": "first_name",
        "Additional Name": "middle_name",
        "Family Name": "last_name",
        "Name Prefix": "title_before",
        "Name Suffix": "title_after",
        "Occupation": "function",
        "Notes": "note",
        "Group Membership": "tags",
        "E-mail 1 - Type": "ignore",
        "E-mail 1 - Value": "email",
        "E-mail 2 - Value": "email",
        "Phone 1 - Type": "ignore",
        "Phone 1 - Value": "phone",
        "Phone 2 - Value": "phone",
        "Address 1 - Type": "ignore",
        "Address 1 - Street": "street",
        "Address 1 - City": "city",
        "Address 1 - Postal Code": "psc",
        "Address 1 - Country": "country",
        "Organization 1 - Type": "ignore",
        "Organization 1 - Name": "company",
        "Organization 1 - Department": "custom.organization_1_department",
        "Organization 2 - Name": "custom.organization_2_name",
        "Website 1 - Type": "ignore",
        "Website 1 - Value": "website",
    }
    assert {header: mapped[header] for header in expected} == expected
    # "Organization 1 - Title" is the job title too, after "Occupation": one wins.
    mapping = build_mapping(GOOGLE_OLD)
    assert [(c.header, c.wanted) for c in mapping.duplicates()] == [
        ("Organization 1 - Title", "function")
    ]


HUBSPOT_CONTACTS = header_row(
    "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Job Title,"
    "Company Name,Associated Company,Contact owner,Lifecycle Stage,Lead Status,Create Date,"
    "Last Activity Date,Street Address,City,State/Region,Postal Code,Country/Region,Website URL"
)


def test_hubspot_contacts_layout() -> None:
    assert fields(HUBSPOT_CONTACTS) == {
        "Record ID": "ignore",
        "First Name": "first_name",
        "Last Name": "last_name",
        "Email": "email",
        "Phone Number": "phone",
        "Mobile Phone Number": "phone",
        "Job Title": "function",
        "Company Name": "company",
        "Associated Company": "ignore",  # company already comes from "Company Name"
        "Contact owner": "owner",
        "Lifecycle Stage": "custom.lifecycle_stage",
        "Lead Status": "custom.lead_status",
        "Create Date": "custom.create_date",
        "Last Activity Date": "custom.last_activity_date",
        "Street Address": "street",
        "City": "city",
        "State/Region": "ignore",
        "Postal Code": "psc",
        "Country/Region": "country",
        "Website URL": "website",
    }
    ignore_rest = fields(HUBSPOT_CONTACTS, unmapped="ignore")
    assert ignore_rest["Lifecycle Stage"] == ignore_rest["Create Date"] == "ignore"


def test_hubspot_companies_layout() -> None:
    headers = header_row(
        "Record ID,Company name,Company Domain Name,Phone Number,Street Address,City,"
        "Postal Code,Country/Region,Industry,Company owner,Create Date"
    )
    assert fields(headers) == {
        "Record ID": "ignore",
        "Company name": "company",
        "Company Domain Name": "website",
        "Phone Number": "company_phone",  # no person columns: the company's
        "Street Address": "street",
        "City": "city",
        "Postal Code": "psc",
        "Country/Region": "country",
        "Industry": "industry",
        "Company owner": "owner",
        "Create Date": "custom.create_date",
    }


PIPEDRIVE_PERSON = header_row(
    "Person - ID,Person - Name,Person - First name,Person - Last name,Person - Organization,"
    "Person - Email - Work,Person - Email - Home,Person - Email - Other,Person - Phone - Work,"
    "Person - Phone - Home,Person - Phone - Mobile,Person - Phone - Other,Person - Owner,"
    "Person - Job title,Person - Labels,Person - Add time,Organization - Name,"
    "Organization - Address,Organization - Owner"
)


def test_pipedrive_person_layout() -> None:
    mapping = build_mapping(PIPEDRIVE_PERSON)
    assert {column.header: column.field for column in mapping.columns} == {
        "Person - ID": "ignore",
        "Person - Name": "name",
        "Person - First name": "first_name",
        "Person - Last name": "last_name",
        "Person - Organization": "company",
        "Person - Email - Work": "email",
        "Person - Email - Home": "email",
        "Person - Email - Other": "email",
        "Person - Phone - Work": "phone",
        "Person - Phone - Home": "phone",
        "Person - Phone - Mobile": "phone",
        "Person - Phone - Other": "phone",
        "Person - Owner": "owner",
        "Person - Job title": "function",
        "Person - Labels": "tags",
        "Person - Add time": "custom.person_add_time",
        "Organization - Name": "ignore",
        "Organization - Address": "street",
        "Organization - Owner": "ignore",
    }
    assert mapping.warnings() == [
        'column "Organization - Name": company already comes from column '
        '"Person - Organization"; ignored (map it in a mapping file to choose)',
        'column "Organization - Owner": owner already comes from column '
        '"Person - Owner"; ignored (map it in a mapping file to choose)',
    ]


def test_pipedrive_organization_layout() -> None:
    headers = header_row(
        "Organization - ID,Organization - Name,Organization - Owner,Organization - Address,"
        "Organization - Address - Street/road name,Organization - Address - House number,"
        "Organization - Address - City/town/village/locality,"
        "Organization - Address - ZIP/Postal code,Organization - Address - Country,"
        "Organization - Label,Organization - Website,Organization - People"
    )
    assert list(fields(headers).values()) == [
        "ignore",
        "company",
        "owner",
        "street",
        "ignore",
        "ignore",
        "city",
        "psc",
        "country",
        "tags",
        "website",
        "custom.organization_people",
    ]


def test_pipedrive_without_prefix() -> None:
    headers = [
        "ID",
        "Name",
        "First name",
        "Last name",
        "Organization",
        "Email - Work",
        "Phone - Mobile",
        "Owner",
        "Job title",
    ]
    assert list(fields(headers).values()) == [
        "ignore",
        "name",
        "first_name",
        "last_name",
        "company",
        "email",
        "phone",
        "owner",
        "function",
    ]


CRMCTL_CONTACTS = header_row(
    "id,name,title_before,first_name,last_name,title_after,function,note,emails,phones,"
    "companies,company,reports_to,assistant_of,related,direct_reports,assistants,related_from,"
    "tags,owner,custom,created_at,created_by,updated_at,updated_by,deleted_at,merged_into"
)


def test_crmctl_contacts_export() -> None:
    mapped = fields(CRMCTL_CONTACTS)
    assert {header: field for header, field in mapped.items() if field != "ignore"} == {
        "name": "name",
        "title_before": "title_before",
        "first_name": "first_name",
        "last_name": "last_name",
        "title_after": "title_after",
        "function": "function",
        "note": "note",
        "emails": "email",
        "phones": "phone",
        "companies": "companies",
        "tags": "tags",
        "owner": "owner",
        "custom": "custom",
    }
    assert mapped["company"] == "ignore"  # the companies JSON says more
    assert build_mapping(CRMCTL_CONTACTS).warnings() == []


CRMCTL_COMPANIES = header_row(
    "id,name,ico,dic,street,city,psc,region,district,country,industry,website,phone,email,"
    "tags,owner,custom,created_at,created_by,updated_at,updated_by,deleted_at,merged_into"
)


def test_crmctl_companies_export() -> None:
    mapped = fields(CRMCTL_COMPANIES)
    assert {header: field for header, field in mapped.items() if field != "ignore"} == {
        "name": "company",
        "ico": "ico",
        "dic": "dic",
        "street": "street",
        "city": "city",
        "psc": "psc",
        "country": "country",
        "industry": "industry",
        "website": "website",
        "phone": "company_phone",
        "email": "company_email",
        "tags": "tags",
        "owner": "owner",
        "custom": "custom",
    }
    assert mapped["region"] == mapped["district"] == "ignore"


# --- policies -----------------------------------------------------------------------


def test_unmapped_columns_become_unique_custom_fields() -> None:
    mapping = build_mapping(["Firma", "Počet zaměstnanců", "Pocet zamestnancu", "Segment", "€"])
    assert [(c.field, c.how) for c in mapping.columns] == [
        ("company", "synonym"),
        ("custom.pocet_zamestnancu", "unmapped"),
        ("custom.pocet_zamestnancu_2", "unmapped"),
        ("custom.segment", "unmapped"),
        ("custom.column_5", "unmapped"),
    ]


def test_unmapped_columns_can_be_ignored() -> None:
    mapping = build_mapping(["Firma", "Segment"], unmapped="ignore")
    assert mapping.columns[1] == ColumnMapping(1, "Segment", "ignore", "unmapped")
    assert mapping.unmapped == "ignore"


def test_unknown_unmapped_policy() -> None:
    with pytest.raises(ValidationError, match="'custom' or 'ignore'"):
        build_mapping(["Firma"], unmapped="keep")


def test_empty_headers_are_ignored() -> None:
    mapping = build_mapping(["Firma", "", "  "])
    assert [(c.field, c.how) for c in mapping.columns[1:]] == [
        ("ignore", "ignored"),
        ("ignore", "ignored"),
    ]


def test_saved_mapping_wins() -> None:
    saved = {"Telefon": "company_phone", "Kód": "custom.kod", "POZNÁMKA ": "ignore"}
    mapping = build_mapping(["Firma", "Jméno", "Telefon", "Kód", "Poznámka"], saved=saved)
    assert [(c.field, c.how) for c in mapping.columns] == [
        ("company", "synonym"),
        ("name", "synonym"),
        ("company_phone", "saved"),
        ("custom.kod", "saved"),
        ("ignore", "saved"),  # matched by the folded header
    ]


def test_saved_mapping_wins_a_contested_field() -> None:
    mapping = build_mapping(["Firma", "Odběratel"], saved={"Odběratel": "company"})
    assert [(c.field, c.how, c.wanted) for c in mapping.columns] == [
        ("ignore", "ignored", "company"),
        ("company", "saved", None),
    ]


def test_first_column_wins_a_one_value_field_and_repeatable_fields_collect() -> None:
    headers = ["Firma", "Společnost", "E-mail", "E-mail 2", "Poznámka", "Popis", "Příjmení"]
    mapping = build_mapping(headers)
    assert mapping.for_field("company") == [0]
    assert mapping.for_field("email") == [2, 3]
    assert mapping.for_field("note") == [4, 5]
    assert mapping.columns[1].how == "ignored"
    assert mapping.warnings() == [
        'column "Společnost": company already comes from column "Firma"; '
        "ignored (map it in a mapping file to choose)"
    ]


def test_as_yaml_dict() -> None:
    mapping = build_mapping(["Firma", "", "Segment"])
    assert mapping.as_yaml_dict() == {
        "columns": {"Firma": "company", "Segment": "custom.segment"},
        "unmapped": "custom",
    }


# --- mapping files ------------------------------------------------------------------


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    headers = [
        "Firma",
        "yes",
        "123",
        "Tel.: #1",
        "  mezery  ",
        "'uvozovky' \"a\"",
        "Počet zaměstnanců",
        "Společnost",
        "Příjmení",
    ]
    mapping = build_mapping(headers, saved={"yes": "tags", "123": "custom.kod"})
    path = tmp_path / "mapping.yaml"
    save_mapping(path, mapping)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert "Počet zaměstnanců" in text  # UTF-8, not escapes
    loaded = load_mapping(path)
    assert loaded == mapping.as_yaml_dict()["columns"]
    assert list(loaded) == [h for h in headers]  # sheet order
    assert loaded.unmapped == "custom"
    rebuilt = build_mapping(headers, saved=loaded)
    assert [c.field for c in rebuilt.columns] == [c.field for c in mapping.columns]


def test_load_mapping_without_policy(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text('columns:\n  "Kód zákazníka": custom.kod\n  Firma: company\n', "utf-8")
    loaded = load_mapping(path)
    assert loaded == {"Kód zákazníka": "custom.kod", "Firma": "company"}
    assert loaded.unmapped is None


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("columns:\n  Firma: company\n  Jméno: [name\n", ":4:1:", "invalid YAML"),
        ("columns:\n  Firma: company\n\tIČO: ico\n", ":3:1:", "invalid YAML"),
        ("columns:\n  Firma: company\n  Tel: telefon\n", ":3:8:", 'unknown field "telefon"'),
        ("columns:\n  Firma: company\n  Kód: custom.Kód\n", ":3:8:", 'unknown field "custom.K'),
        ("columns:\n  123: company\n", ":2:3:", 'quote it: "123"'),
        ("columns:\n  Firma: company\n  Firma: name\n", ":3:3:", '"Firma" is listed twice'),
        ("columns:\n  Firma: [company]\n", ":2:10:", "must be text"),
        ("columns: []\n", ":1:10:", '"columns" must be a mapping'),
        ("colums:\n  Firma: company\n", ":1:1:", 'unknown key "colums"'),
        ("columns:\n  Firma: company\nunmapped: keep\n", ":3:11:", 'not "keep"'),
        ("- Firma\n", ":1:1:", "must be a mapping"),
    ],
)
def test_mapping_file_errors(tmp_path: Path, text: str, where: str, fragment: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_mapping(path)
    assert info.value.message.startswith(f"{path}{where}"), info.value.message
    assert fragment in info.value.message


def test_unknown_field_lists_the_valid_ones(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("columns:\n  Tel: telefon\n", encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        load_mapping(path)
    assert "valid fields: company, ico, " in info.value.message
    assert all(name in info.value.message for name in FIELDS)
    assert "custom.KEY" in info.value.message


@pytest.mark.parametrize("text", ["", "# nothing\n", "unmapped: ignore\n"])
def test_mapping_file_without_columns(tmp_path: Path, text: str) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match="columns"):
        load_mapping(path)
