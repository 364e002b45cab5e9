"""Row normalising (crmctl.importer.rows): one test per line of the policy table."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmctl.importer.mapping import build_mapping
from crmctl.importer.model import (
    CompanyData,
    CompanyLink,
    ImportRow,
    PersonData,
    RowIssue,
    SourceRow,
)
from crmctl.importer.rows import LIMITS, RowNormaliser

VALID_ICO = "27082440"


def normalise(row: dict[str, Any], *, region: str = "CZ", **mapping: Any) -> ImportRow:
    """One row given as ``{header: cell}``, mapped by synonyms."""
    headers = list(row)
    normaliser = RowNormaliser(headers, build_mapping(headers, **mapping), region=region)
    return normaliser.normalise(SourceRow("List1", 2, tuple(row.values())))


def ok(row: dict[str, Any], **kwargs: Any) -> ImportRow:
    """A row that must import without warnings."""
    result = normalise(row, **kwargs)
    assert result.rejection is None, result.rejection
    assert result.warnings == [], result.warnings
    return result


def person(result: ImportRow) -> PersonData:
    assert result.person is not None
    return result.person


def company(result: ImportRow) -> CompanyData:
    assert result.company is not None
    return result.company


def rejected(row: dict[str, Any], **kwargs: Any) -> RowIssue:
    result = normalise(row, **kwargs)
    assert result.rejection is not None, result
    assert result.links == [] and result.person is None
    return result.rejection


def warned(row: dict[str, Any], **kwargs: Any) -> tuple[ImportRow, list[str]]:
    result = normalise(row, **kwargs)
    assert result.rejection is None, result.rejection
    return result, [issue.message for issue in result.warnings]


# --- fixed silently -----------------------------------------------------------------


def test_whitespace_is_stripped() -> None:
    result = ok({"Firma": "  ACME s.r.o. \n", "Příjmení": "\tNovák ", "Město": " Brno "})
    assert company(result).name == "ACME s.r.o."
    assert company(result).city == "Brno"
    assert person(result).last_name == "Novák"


@pytest.mark.parametrize("ico", [6947, 6947.0, "6947", " 6947 ", "00006947"])
def test_ico_as_number_or_without_leading_zeros(ico: object) -> None:
    assert company(ok({"Firma": "Obec", "IČO": ico})).ico == "00006947"


@pytest.mark.parametrize(
    "phone",
    [
        "603 123 456",
        "603123456",
        "+420 603 123 456",
        "00420 603 123 456",
        "+420-603-123-456",
        "(+420) 603/123 456",
        603123456,
        603123456.0,
    ],
)
def test_phone_formats_become_e164(phone: object) -> None:
    assert person(ok({"Příjmení": "Novák", "Telefon": phone})).phones == ["+420603123456"]


def test_phone_region_reads_numbers_without_prefix() -> None:
    result = ok({"Příjmení": "Novák", "Telefon": "905 123 456"}, region="SK")
    assert person(result).phones == ["+421905123456"]


def test_email_case() -> None:
    result = ok({"Příjmení": "Novák", "E-mail": " Jan.Novak@Firma.CZ "})
    assert person(result).emails == ["jan.novak@firma.cz"]


@pytest.mark.parametrize(
    "email", ["mailto:jan@firma.cz", "Jan Novák <jan@firma.cz>", "JAN@firma.cz"]
)
def test_email_spellings(email: str) -> None:
    assert person(ok({"Příjmení": "Novák", "E-mail": email})).emails == ["jan@firma.cz"]


@pytest.mark.parametrize("psc", ["11000", 11000, "110-00", "110 00"])
def test_psc_is_formatted_and_gives_the_region(psc: object) -> None:
    result = company(ok({"Firma": "ACME", "Město": "Praha 1", "PSČ": psc}))
    assert (result.psc, result.region, result.district) == (
        "110 00",
        "Hlavní město Praha",
        "Hlavní město Praha",
    )


def test_titles_are_split_from_a_full_name() -> None:
    result = person(ok({"Jméno a příjmení": "Ing. Jan Novák, Ph.D."}))
    assert (result.title_before, result.first_name, result.last_name, result.title_after) == (
        "Ing.",
        "Jan",
        "Novák",
        "Ph.D.",
    )
    assert result.name_key == "jan novak"


def test_titles_are_split_from_first_and_last_name_cells() -> None:
    result = person(ok({"Titul": "Mgr.", "Jméno": "Ing. Jan", "Příjmení": "Novák, Ph.D."}))
    assert (result.title_before, result.first_name, result.last_name, result.title_after) == (
        "Mgr. Ing.",
        "Jan",
        "Novák",
        "Ph.D.",
    )


def test_name_parts_without_titles_are_taken_as_written() -> None:
    result = person(ok({"First Name": "Jan", "Middle Name": "Pavel", "Last Name": "van Berg"}))
    assert (result.first_name, result.last_name) == ("Jan Pavel", "van Berg")


@pytest.mark.parametrize(
    "row",
    [
        {"Kontaktní osoba": "Novák"},
        {"Kontaktní osoba": "Ing. Novák"},
        {"Křestní jméno": "Novák", "Příjmení": ""},
    ],
)
def test_a_single_word_name_is_the_last_name(row: dict[str, str]) -> None:
    result = person(ok(row))
    assert (result.first_name, result.last_name) == (None, "Novák")


def test_full_name_column_fills_in_missing_parts() -> None:
    row = {"Name": "Jan Novák", "Given Name": "Jan", "Family Name": ""}
    result = person(ok(row))
    assert (result.first_name, result.last_name) == ("Jan", "Novák")


@pytest.mark.parametrize(
    "cell",
    [
        "jan@firma.cz, petr@firma.cz",
        "jan@firma.cz;petr@firma.cz",
        "jan@firma.cz petr@firma.cz",
        "jan@firma.cz\npetr@firma.cz\njan@firma.cz",
        ["jan@firma.cz", "petr@firma.cz"],  # a vCard reader's list
    ],
)
def test_several_emails_in_one_cell(cell: object) -> None:
    result = person(ok({"Příjmení": "Novák", "E-mail": cell}))
    assert result.emails == ["jan@firma.cz", "petr@firma.cz"]


@pytest.mark.parametrize(
    "cell",
    [
        "603 123 456, 777 888 999",
        "603123456; 777888999",
        "603 123 456\n777 888 999",
        "603123456 777888999",
        "603 123 456 777 888 999",
        "603 123 456 nebo 777 888 999",
        ["603 123 456", "+420777888999"],
    ],
)
def test_several_phones_in_one_cell(cell: object) -> None:
    result = person(ok({"Příjmení": "Novák", "Telefon": cell}))
    assert result.phones == ["+420603123456", "+420777888999"]


def test_phones_from_several_columns_are_kept_once() -> None:
    row = {"Příjmení": "Novák", "Telefon": "603 123 456", "Mobil": "+420603123456"}
    assert person(ok(row)).phones == ["+420603123456"]


def test_json_lists_in_crmctl_export_cells() -> None:
    row = {
        "last_name": "Novák",
        "emails": '["jan@firma.cz", "Jan@Firma.cz", "novak@gmail.com"]',
        "phones": '["+420603123456"]',
        "tags": '["vip", "Praha, centrum"]',
    }
    result = normalise(row)
    assert person(result).emails == ["jan@firma.cz", "novak@gmail.com"]
    assert person(result).phones == ["+420603123456"]
    assert result.tags == ["vip"]
    assert [issue.message for issue in result.warnings] == [
        'column "tags": invalid tag "Praha, centrum": 1-100 characters, no commas; dropped'
    ]


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Česká republika", "CZ"),
        ("Czech Republic", "CZ"),
        ("Česko", "CZ"),
        ("CZ", "CZ"),
        ("cz", "CZ"),
        ("Slovensko", "SK"),
        ("Slovakia", "SK"),
        ("Německo", "DE"),
        ("AT", "AT"),
    ],
)
def test_country_names_become_codes(written: str, code: str) -> None:
    assert company(ok({"Firma": "ACME", "Stát": written})).country == code


def test_slovak_psc_is_formatted_but_not_looked_up() -> None:
    result = company(ok({"Firma": "ACME", "PSČ": "01001", "Stát": "Slovensko"}))
    assert (result.psc, result.region, result.country) == ("010 01", None, "SK")


def test_postal_code_abroad_is_kept_as_written() -> None:
    result = company(ok({"Firma": "ACME GmbH", "PSČ": "10115", "Stát": "DE"}))
    assert (result.psc, result.region) == ("10115", None)


# --- rejected -----------------------------------------------------------------------


def test_no_company_and_no_person_is_rejected() -> None:
    issue = rejected({"Firma": "", "Jméno": "", "Příjmení": " ", "E-mail": "", "Telefon": "603"})
    assert issue == RowIssue(
        None,
        'no company and no person in this row: columns "Firma", "Jméno", "Příjmení", '
        '"E-mail" are empty',
    )


def test_a_row_with_only_a_phone_is_rejected() -> None:
    issue = rejected({"Jméno": "", "Příjmení": "", "Mobil": "603 123 456"})
    assert issue.field is None


def test_invalid_ico_is_rejected_naming_the_column() -> None:
    issue = rejected({"Název firmy": "ACME", "IČ": "27082441"})
    assert issue == RowIssue(
        "ico",
        'column "IČ": invalid IČO "27082441": checksum does not match; '
        "check the number in the ARES register",
    )


@pytest.mark.parametrize(
    ("header", "value", "label"),
    [("IČO", VALID_ICO, "IČO"), ("DIČ", "CZ" + VALID_ICO, "DIČ"), ("DIČ", "nonsense", "DIČ")],
)
def test_ico_or_dic_without_a_company_is_rejected(header: str, value: str, label: str) -> None:
    issue = rejected({"Firma": "", header: value, "Příjmení": "Novák"})
    assert issue == RowIssue(
        label.lower().replace("č", "c").replace("í", "i"),
        f'column "{header}": {label} "{value}" but no company name in this row; '
        'fill in column "Firma"',
    )


@pytest.mark.parametrize(
    ("header", "field", "value"),
    [
        ("Firma", "company", "A" * 301),
        ("Ulice", "street", "U" * 301),
        ("Město", "city", "M" * 201),
        ("Obor", "industry", "O" * 201),
        ("Funkce", "function", "F" * 201),
        ("Jméno", "first_name", "J" * 101),
        ("Příjmení", "last_name", "P" * 101),
        ("Titul", "title_before", "T" * 51),
        ("Titul za", "title_after", "T" * 51),
        ("Web", "website", "firma.cz/" + "w" * 300),
    ],
)
def test_values_longer_than_their_column_are_rejected(header: str, field: str, value: str) -> None:
    row = {"Firma": "ACME", "Jméno": "Jan", "Příjmení": "Novák", header: value}
    issue = rejected(row)
    assert issue.field == field
    assert issue.message.startswith(f'column "{header}": value "')
    assert issue.message.endswith(f"characters long; the limit is {LIMITS[field]}")


def test_value_at_its_limit_is_accepted() -> None:
    result = ok({"Firma": "A" * 300, "Příjmení": "P" * 100, "Titul": "T" * 50})
    assert len(company(result).name) == 300


def test_long_name_from_a_full_name_column_names_that_column() -> None:
    issue = rejected({"Jméno a příjmení": "Jan " + "N" * 101})
    assert issue.field == "last_name"
    assert issue.message.startswith('column "Jméno a příjmení": value "NNN')


@pytest.mark.parametrize(
    "cell",
    [
        "[{",
        '{"name": "ACME"}',
        '[{"role": "jednatel"}]',
        '[{"name": ""}]',
        '[{"name": "ACME", "primary": "yes"}]',
        '["ACME"]',
    ],
)
def test_bad_crmctl_companies_cell_is_rejected(cell: str) -> None:
    issue = rejected({"last_name": "Novák", "companies": cell})
    assert issue.field == "companies"
    assert issue.message.startswith(f'column "companies": invalid crmctl companies list "{cell}"')


@pytest.mark.parametrize("cell", ['{"segment":', '["A"]', '"A"', "12"])
def test_bad_crmctl_custom_cell_is_rejected(cell: str) -> None:
    issue = rejected({"last_name": "Novák", "custom": cell})
    assert issue == RowIssue(
        "custom",
        f'column "custom": invalid crmctl custom fields "{cell}": expected a JSON object '
        'such as {"segment": "A"}',
    )


# --- warning, field dropped ---------------------------------------------------------


def test_invalid_email_is_dropped_with_a_warning() -> None:
    result, messages = warned({"Příjmení": "Novák", "E-mail": "jan@firma.cz; jan(at)firma.cz"})
    assert person(result).emails == ["jan@firma.cz"]
    assert messages == [
        'column "E-mail": invalid e-mail "jan(at)firma.cz": needs exactly one @; '
        "write it as e.g. jan@firma.cz; dropped"
    ]


def test_invalid_email_of_a_company_row_leaves_the_company() -> None:
    result, messages = warned({"Firma": "ACME", "Příjmení": "", "E-mail": "jan@"})
    assert result.person is None
    assert company(result).name == "ACME"
    assert len(messages) == 1 and messages[0].startswith('column "E-mail": invalid e-mail "jan@"')


def test_invalid_email_that_leaves_nothing_rejects_the_row() -> None:
    issue = rejected({"Firma": "", "Příjmení": "", "E-mail": "jan.firma.cz"})
    assert issue == RowIssue(
        "email",
        'column "E-mail": invalid e-mail "jan.firma.cz": needs exactly one @; '
        "write it as e.g. jan@firma.cz",
    )


def test_invalid_phone_is_dropped_with_a_warning() -> None:
    result, messages = warned({"Příjmení": "Novák", "Telefon": "12345, 603 123 456"})
    assert person(result).phones == ["+420603123456"]
    assert messages == [
        'column "Telefon": invalid phone "12345": not a valid phone number; '
        "write it as e.g. 603 123 456 or +421 905 123 456; dropped"
    ]


def test_words_without_digits_are_an_invalid_phone() -> None:
    result, messages = warned({"Příjmení": "Novák", "Telefon": "neuvedeno"})
    assert person(result).phones == []
    assert messages[0].startswith('column "Telefon": invalid phone "neuvedeno"')


def test_invalid_dic_is_dropped_with_a_warning() -> None:
    result, messages = warned({"Firma": "ACME", "DIČ": "CZ27082441"})
    assert company(result).dic is None
    assert messages == [
        'column "DIČ": invalid DIČ "CZ27082441": checksum does not match; enter it with the '
        "country prefix (e.g. CZ27082440) and check it in the ARES register or the EU VIES "
        "service; dropped"
    ]


def test_valid_dic() -> None:
    assert company(ok({"Firma": "ACME", "DIČ": "cz 270 82 440"})).dic == "CZ27082440"


def test_invalid_psc_is_dropped_with_a_warning() -> None:
    result, messages = warned({"Firma": "ACME", "PSČ": "1100"})
    assert company(result).psc is None
    assert messages == ['column "PSČ": invalid PSČ "1100": use five digits, e.g. 110 00; dropped']


def test_invalid_website_is_dropped_with_a_warning() -> None:
    result, messages = warned({"Firma": "ACME", "Web": "ftp://firma.cz"})
    assert company(result).website is None
    assert messages == [
        'column "Web": invalid website "ftp://firma.cz": "ftp" is not a web address scheme; '
        "write it as e.g. https://www.firma.cz; dropped"
    ]


def test_valid_website() -> None:
    assert company(ok({"Firma": "ACME", "Web": "WWW.Firma.cz"})).website == "https://www.firma.cz"


def test_invalid_country_is_dropped_with_a_warning() -> None:
    result, messages = warned({"Firma": "ACME", "Stát": "Absurdistán"})
    assert company(result).country is None
    assert messages == [
        'column "Stát": invalid country "Absurdistán": use a two-letter code such as CZ; dropped'
    ]


def test_psc_missing_from_the_table_is_kept_without_a_region() -> None:
    result, messages = warned({"Firma": "ACME", "PSČ": "99999"})
    assert (company(result).psc, company(result).region, company(result).district) == (
        "999 99",
        None,
        None,
    )
    assert messages == [
        'column "PSČ": PSČ "999 99" is not in the PSČ table; kept, kraj and okres left empty'
    ]


def test_email_without_a_name_becomes_the_last_name() -> None:
    result, messages = warned({"Jméno": "", "Příjmení": "", "E-mail": "Jan@Firma.cz"})
    assert (person(result).first_name, person(result).last_name) == (None, "jan@firma.cz")
    assert person(result).emails == ["jan@firma.cz"]
    assert messages == [
        'column "E-mail": no name for "jan@firma.cz"; the e-mail address is used as the last name'
    ]


def test_function_without_a_person_is_dropped_with_a_warning() -> None:
    result, messages = warned({"Firma": "ACME", "Příjmení": "", "Funkce": "jednatel"})
    assert result.person is None
    assert messages == ['column "Funkce": no person in this row for "jednatel"; dropped']


def test_a_company_keeps_one_phone_and_one_email() -> None:
    row = {"Firma": "ACME", "Telefon firmy": "542 123 456, 603 123 456", "E-mail firmy": "a@b.cz"}
    result, messages = warned(row)
    assert (company(result).phone, company(result).email) == ("+420542123456", "a@b.cz")
    assert messages == ['column "Telefon firmy": a company has one phone; "+420603123456" dropped']


# --- building the result -------------------------------------------------------------


def test_company_link_with_person_and_region() -> None:
    row = {
        "Firma": "ACME, s. r. o.",
        "IČO": VALID_ICO,
        "DIČ": "CZ27082440",
        "Ulice": "Dlouhá 1",
        "Město": "Brno",
        "PSČ": "602 00",
        "Telefon firmy": "542 123 456",
        "E-mail firmy": "Info@Acme.cz",
        "Web": "acme.cz",
        "Obor": "strojírenství",
        "Jméno": "Jan",
        "Příjmení": "Novák",
        "Funkce": "jednatel",
    }
    result = ok(row)
    assert result.links == [
        CompanyLink(
            CompanyData(
                name="ACME, s. r. o.",
                name_key="acme",
                ico=VALID_ICO,
                dic="CZ27082440",
                street="Dlouhá 1",
                city="Brno",
                psc="602 00",
                region="Jihomoravský kraj",
                district="Brno-město",
                country=None,
                website="https://acme.cz",
                phone="+420542123456",
                email="info@acme.cz",
                industry="strojírenství",
            ),
            role="jednatel",
            primary=True,
        )
    ]
    assert result.person == PersonData(
        last_name="Novák", name_key="jan novak", first_name="Jan", function="jednatel"
    )


def test_company_only_row() -> None:
    result = ok({"Název firmy": "ACME a.s.", "IČ": VALID_ICO, "Telefon": "603 123 456"})
    assert result.person is None
    assert company(result).phone == "+420603123456"  # a company list: its phone
    assert result.links[0].role is None


def test_crmctl_companies_cell_gives_one_link_each_and_overrides_company() -> None:
    cell = (
        '[{"id": 7, "name": "Beta a.s.", "role": null, "primary": false},'
        ' {"id": 1, "name": "ACME s.r.o.", "role": "jednatel", "primary": true}]'
    )
    headers = ["last_name", "function", "companies", "company"]
    normaliser = RowNormaliser(headers, build_mapping(headers, saved={"company": "company"}))
    result = normaliser.normalise(SourceRow("S", 2, ("Novák", "ředitel", cell, "Gama")))
    assert result.rejection is None
    assert [
        (link.company.name, link.company.name_key, link.role, link.primary) for link in result.links
    ] == [
        ("ACME s.r.o.", "acme", "jednatel", True),
        ("Beta a.s.", "beta", None, False),
    ]


def test_empty_crmctl_companies_list_falls_back_to_the_company_column() -> None:
    headers = ["last_name", "companies", "company"]
    normaliser = RowNormaliser(headers, build_mapping(headers, saved={"company": "company"}))
    result = normaliser.normalise(SourceRow("S", 2, ("Novák", "[]", "Gama")))
    assert [link.company.name for link in result.links] == ["Gama"]


def test_address_without_a_company_goes_to_the_persons_custom_fields() -> None:
    row = {
        "Příjmení": "Novák",
        "Ulice": "Dlouhá 1",
        "Město": "Brno",
        "PSČ": "60200",
        "Stát": "Česko",
        "Web": "novak.cz",
    }
    result = ok(row)
    assert result.links == []
    assert person(result).custom == {
        "street": "Dlouhá 1",
        "city": "Brno",
        "psc": "602 00",
        "country": "CZ",
        "website": "https://novak.cz",
    }


def test_company_contacts_without_a_company_are_the_persons() -> None:
    row = {"Příjmení": "Novák", "Telefon firmy": "603 123 456", "E-mail firmy": "a@b.cz"}
    result = person(ok(row))
    assert (result.phones, result.emails) == (["+420603123456"], ["a@b.cz"])


def test_custom_columns_go_to_the_person() -> None:
    row = {
        "Příjmení": "Novák",
        "custom": '{"segment": "A", "score": 3}',
        "Segment": "B",
        "Narozen": date(1980, 5, 17),
        "Prázdné": "",
    }
    result = person(ok(row))
    assert result.custom == {"segment": "B", "score": 3, "narozen": "1980-05-17"}


def test_custom_columns_without_a_person_go_to_the_company() -> None:
    row = {
        "Firma": "ACME",
        "Segment": "A",
        "Poznámka": "dobrý klient",
        "Založeno": datetime(2001, 2, 3),
    }
    result = company(ok(row))
    assert result.custom["segment"] == "A"
    assert result.custom["note"] == "dobrý klient"
    assert result.custom["zalozeno"].startswith("2001-02-03")


def test_owner_tags_and_notes() -> None:
    row = {
        "Příjmení": "Novák",
        "Obchodník": " jnovak ",
        "Štítky": "vip; Praha,  ,vip",
        "Kategorie": "* myContacts ::: * starred ::: Klienti",
        "Poznámka": "první",
        "Popis": " ",
        "Komentář": "druhá",
    }
    result = ok(row)
    assert result.owner == "jnovak"
    assert result.tags == ["vip", "Praha", "starred", "Klienti"]
    assert person(result).note == "první\ndruhá"


def test_source_is_the_source_row_and_short_rows_are_read() -> None:
    headers = ["Firma", "Příjmení", "E-mail"]
    source = SourceRow("Kontakty", 17, ("ACME",))  # trailing cells missing
    result = RowNormaliser(headers, build_mapping(headers)).normalise(source)
    assert result.source is source
    assert (result.sheet, result.number) == ("Kontakty", 17)
    assert company(result).name == "ACME" and result.person is None


def test_excel_values_are_read_as_text() -> None:
    result = ok({"Firma": 1234, "Příjmení": "Novák", "PSČ": 60200.0, "Telefon": 603123456.0})
    assert company(result).name == "1234"
    assert company(result).psc == "602 00"
    assert person(result).phones == ["+420603123456"]


def test_ignored_and_duplicate_columns_are_not_read() -> None:
    row = {"Firma": "ACME", "Společnost": "Jiná", "id": "5", "Příjmení": "Novák"}
    result = ok(row)
    assert company(result).name == "ACME"
    assert person(result).custom == {}


# --- properties ---------------------------------------------------------------------


def _is_czech_number(digits: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(digits, "CZ"))


czech_numbers = st.from_regex(r"\A[2-79][0-9]{8}\Z").filter(_is_czech_number)
prefixes = st.sampled_from(["", "+420", "+420 ", "00420", "00420 ", "(+420) "])
separators = st.sampled_from(["", " ", "-", ".", "/", " / "])


@given(czech_numbers, prefixes, separators, separators)
def test_any_spelling_of_a_czech_number_gives_one_e164(
    digits: str, prefix: str, first: str, second: str
) -> None:
    written = f"{prefix}{digits[:3]}{first}{digits[3:6]}{second}{digits[6:]}"
    result = ok({"Příjmení": "Novák", "Telefon": written})
    assert person(result).phones == ["+420" + digits]


legal_forms = st.sampled_from(
    ["s.r.o.", "s. r. o.", "S.R.O.", "spol. s r.o.", "spol. s r. o.", "a.s.", "a. s.", "AS", "k.s."]
)
base_names = st.from_regex(r"\A[A-Za-zÁČĎÉĚÍŇÓŘŠŤÚŮÝŽáčďéěíňóřšťúůýž]{2,12}( [0-9]{1,4})?\Z")


@given(base_names, legal_forms, st.sampled_from([" ", ", ", "  "]))
def test_any_legal_form_spelling_gives_one_name_key(base: str, form: str, separator: str) -> None:
    plain = company(ok({"Firma": base})).name_key
    with_form = company(ok({"Firma": f"{base}{separator}{form}"})).name_key
    assert with_form == plain
