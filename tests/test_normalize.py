"""Field normalisers and validators (crmctl.normalize)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cz.dic import calc_check_digit_legal

from crmctl.errors import ExitCode, ValidationError
from crmctl.normalize import (
    PersonName,
    format_phone_national,
    normalize_dic,
    normalize_email,
    normalize_ico,
    normalize_phone,
    normalize_psc,
    normalize_website,
    split_person_name,
)

# --- IČO --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("27082440", "27082440"),
        ("00006947", "00006947"),
        ("25596641", "25596641"),
        (6947, "00006947"),
        ("6947", "00006947"),
        (27082440, "27082440"),
        (" 270 82 440 ", "27082440"),
    ],
)
def test_ico_valid(raw: str | int, expected: str) -> None:
    assert normalize_ico(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("27082441", "checksum does not match"),
        ("12345678", "checksum does not match"),
        (0, "checksum does not match"),
        ("2708244O", "digits only"),
        ("abc", "digits only"),
        ("123456789", "has 9 digits"),
        ("", "empty"),
        ("   ", "empty"),
        (-6947, "negative"),
    ],
)
def test_ico_invalid(raw: str | int, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        normalize_ico(raw)
    assert "IČO" in info.value.message
    assert fragment in info.value.message
    assert info.value.exit_code == ExitCode.INVALID


def test_ico_error_names_value_and_what_to_do() -> None:
    with pytest.raises(ValidationError) as info:
        normalize_ico("27082441")
    assert info.value.message == (
        'invalid IČO "27082441": checksum does not match; check the number in the ARES register'
    )


def test_ico_error_shows_zero_padding() -> None:
    with pytest.raises(ValidationError, match=r'"6948" \(read as "00006948"\)'):
        normalize_ico(6948)


ico_prefixes = st.from_regex(r"\A[0-9]{7}\Z")


@given(ico_prefixes)
def test_ico_accepts_every_prefix_with_its_check_digit(prefix: str) -> None:
    ico = prefix + calc_check_digit_legal(prefix)
    assert normalize_ico(ico) == ico
    assert normalize_ico(int(ico)) == ico


@given(ico_prefixes, st.integers(min_value=1, max_value=9))
def test_ico_rejects_a_wrong_check_digit(prefix: str, shift: int) -> None:
    wrong = str((int(calc_check_digit_legal(prefix)) + shift) % 10)
    with pytest.raises(ValidationError, match="checksum"):
        normalize_ico(prefix + wrong)


@given(ico_prefixes)
def test_ico_is_idempotent(prefix: str) -> None:
    once = normalize_ico(prefix + calc_check_digit_legal(prefix))
    assert normalize_ico(once) == once


# --- DIČ --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("CZ27082440", "CZ27082440"),
        ("cz 270 82 440", "CZ27082440"),
        ("27082440", "CZ27082440"),
        ("CZ7103192745", "CZ7103192745"),  # a person: the birth number
        ("SK2020317068", "SK2020317068"),
        ("DE136695976", "DE136695976"),
    ],
)
def test_dic_valid(raw: str, expected: str) -> None:
    assert normalize_dic(raw) == expected


@pytest.mark.parametrize("raw", ["CZ27082441", "27082441", "CZ123", "XX27082440", "CZ", "", "DIČ"])
def test_dic_invalid(raw: str) -> None:
    with pytest.raises(ValidationError, match="DIČ"):
        normalize_dic(raw)


def test_dic_error_names_value() -> None:
    with pytest.raises(ValidationError, match=r'invalid DIČ "CZ27082441": checksum does not match'):
        normalize_dic("CZ27082441")


# --- PSČ --------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["11000", "110 00", "110-00", 11000, " 110 00 ", "110\u00a000"])
def test_psc_forms(raw: str | int) -> None:
    assert normalize_psc(raw) == "110 00"


@pytest.mark.parametrize(
    "raw", ["1100", "110000", "110 000", "11 000", "abcde", "", 1100, "110.00"]
)
def test_psc_invalid(raw: str | int) -> None:
    with pytest.raises(ValidationError, match=r'invalid PSČ ".*": use five digits'):
        normalize_psc(raw)


@given(st.from_regex(r"\A[0-9]{5}\Z"))
def test_psc_round_trips(digits: str) -> None:
    formatted = normalize_psc(digits)
    assert formatted == f"{digits[:3]} {digits[3:]}"
    assert normalize_psc(formatted) == formatted
    assert normalize_psc(formatted.replace(" ", "-")) == formatted
    if digits[0] != "0":
        assert normalize_psc(int(digits)) == formatted


# --- phone ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["603 123 456", "603123456", "+420603123456", "00420 603 123 456", "(+420) 603-123-456"],
)
def test_phone_czech_forms(raw: str) -> None:
    assert normalize_phone(raw) == "+420603123456"


def test_phone_slovak() -> None:
    assert normalize_phone("+421 905 123 456") == "+421905123456"
    assert normalize_phone("0905 123 456", region="SK") == "+421905123456"


@pytest.mark.parametrize("raw", ["123", "abc", "", "+420 123", "603 123 456 789", "+999 123"])
def test_phone_invalid(raw: str) -> None:
    with pytest.raises(ValidationError, match=r'invalid phone ".*"'):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("e164", "expected"),
    [
        ("+420603123456", "603 123 456"),
        ("+420222123456", "222 123 456"),
        ("+421905123456", "+421 905 123 456"),
    ],
)
def test_format_phone_national(e164: str, expected: str) -> None:
    assert format_phone_national(e164) == expected


def test_format_phone_national_rejects_garbage() -> None:
    with pytest.raises(ValidationError, match="phone"):
        format_phone_national("nonsense")


def _is_czech_number(digits: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(digits, "CZ"))


czech_numbers = st.from_regex(r"\A[2-79][0-9]{8}\Z").filter(_is_czech_number).map(normalize_phone)


@given(czech_numbers)
def test_phone_round_trips_through_national_format(e164: str) -> None:
    assert e164.startswith("+420")
    assert normalize_phone(format_phone_national(e164)) == e164
    assert normalize_phone(e164) == e164


# --- e-mail -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Jan.Novak@Firma.CZ ", "jan.novak@firma.cz"),
        ("info@sub.firma.co.uk", "info@sub.firma.co.uk"),
        ("o'neil+crm@x-y.cz", "o'neil+crm@x-y.cz"),
        ("jan@příklad.cz", "jan@příklad.cz"),
        ("jan@xn--pklad-zsa96e.cz", "jan@xn--pklad-zsa96e.cz"),
    ],
)
def test_email_valid(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "jan",
        "jan@",
        "@firma.cz",
        "jan novak@firma.cz",
        "jan@@firma.cz",
        "jan@firma@cz.cz",
        "jan@firma",
        "jan@firma..cz",
        "jan@-firma.cz",
        "jan@firma.cz.",
        "jan@fir ma.cz",
        ".jan@firma.cz",
        "jan..novak@firma.cz",
        "jan@firma.cz; eva@firma.cz",
    ],
)
def test_email_invalid(raw: str) -> None:
    with pytest.raises(ValidationError, match=r'invalid e-mail ".*"'):
        normalize_email(raw)


# --- website ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.firma.cz", "https://www.firma.cz"),
        ("WWW.Firma.CZ/Kontakt", "https://www.firma.cz/Kontakt"),
        ("http://Firma.cz", "http://firma.cz"),
        ("HTTPS://firma.cz:8443/a?b=C#D", "https://firma.cz:8443/a?b=C#D"),
        ("  firma.cz  ", "https://firma.cz"),
        ("příklad.cz", "https://příklad.cz"),
    ],
)
def test_website_valid(raw: str, expected: str) -> None:
    assert normalize_website(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "firma cz", "www.firma.cz/o nas", "ftp://firma.cz", "firma", "https://", "x@y.cz"]
)
def test_website_invalid(raw: str) -> None:
    with pytest.raises(ValidationError, match=r'invalid website ".*"'):
        normalize_website(raw)


# --- person names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ing. Jan Novák", PersonName("Ing.", "Jan", "Novák", "")),
        (
            "MUDr. Ing. Petra Svobodová, Ph.D.",
            PersonName("MUDr. Ing.", "Petra", "Svobodová", "Ph.D."),
        ),
        ("Jan", PersonName("", "Jan", "", "")),
        ("Jan van der Berg", PersonName("", "Jan", "van der Berg", "")),
        ("  Jan \t  Novák  ", PersonName("", "Jan", "Novák", "")),
        ("Ing. arch. Eva Malá, MBA", PersonName("Ing. arch.", "Eva", "Malá", "MBA")),
        ("Ing.arch. Eva Malá", PersonName("Ing. arch.", "Eva", "Malá", "")),
        (
            "prof. RNDr. Karel Dvořák, CSc., dr. h. c.",
            PersonName("prof. RNDr.", "Karel", "Dvořák", "CSc., Dr. h. c."),
        ),
        (
            "doc. PhDr. Marie Černá, Ph.D., MBA",
            PersonName("doc. PhDr.", "Marie", "Černá", "Ph.D., MBA"),
        ),
        ("Bc.Jan Novák, DiS.", PersonName("Bc.", "Jan", "Novák", "DiS.")),
        ("Mgr Jan Novák PhD", PersonName("Mgr.", "Jan", "Novák", "Ph.D.")),
        ("ing. jan novák", PersonName("Ing.", "jan", "novák", "")),
        ("Jan Dis", PersonName("", "Jan", "Dis", "")),
        ("", PersonName("", "", "", "")),
    ],
)
def test_split_person_name(raw: str, expected: PersonName) -> None:
    assert split_person_name(raw) == expected


def test_person_name_is_frozen() -> None:
    name = split_person_name("Jan Novák")
    with pytest.raises(AttributeError):
        name.first_name = "Eva"  # type: ignore[misc]


name_text = st.text(alphabet=st.characters(categories=("L",)) | st.sampled_from(" ."))


@given(name_text)
def test_split_person_name_never_raises(raw: str) -> None:
    name = split_person_name(raw)
    assert isinstance(name, PersonName)
    for part in (name.title_before, name.first_name, name.last_name, name.title_after):
        assert part == part.strip()
    assert not any(ch.isspace() for ch in name.first_name)


@pytest.mark.parametrize("raw", ["２７０８２４４０", "2708244²"])
def test_ico_rejects_non_ascii_digits(raw: str) -> None:
    with pytest.raises(ValidationError, match="digits only"):
        normalize_ico(raw)


def test_psc_rejects_non_ascii_digits() -> None:
    with pytest.raises(ValidationError, match="PSČ"):
        normalize_psc("١١٠٠٠")
