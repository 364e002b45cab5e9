"""Phones in tables (crmctl.phone_display): the same text as phonenumbers' own format."""

from __future__ import annotations

import subprocess
import sys

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmctl import normalize, phone_display


def _valid(e164: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(e164, None))


# Every 9-digit number after +420, valid ones only (what crmctl stores).
czech = st.from_regex(r"\A\+420[0-9]{9}\Z").filter(_valid)
foreign = (
    st.sampled_from(["+421", "+49", "+43", "+48", "+1", "+44"])
    .flatmap(lambda prefix: st.from_regex(rf"\A\{prefix}[0-9]{{8,10}}\Z"))
    .filter(_valid)
)


@settings(max_examples=500)
@given(czech)
def test_czech_numbers_as_the_library_formats_them(e164: str) -> None:
    assert phone_display.format_phone_national(e164) == normalize.format_phone_national(e164)


@settings(max_examples=200)
@given(foreign)
def test_foreign_numbers_as_the_library_formats_them(e164: str) -> None:
    assert phone_display.format_phone_national(e164) == normalize.format_phone_national(e164)


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+420603123456", "603 123 456"),
        ("+420222123456", "222 123 456"),
        ("+420910123456", "910 123 456"),
        ("+421905123456", "+421 905 123 456"),
    ],
)
def test_examples(e164: str, shown: str) -> None:
    assert phone_display.format_phone_national(e164) == shown


def test_a_czech_number_is_shown_without_loading_phonenumbers() -> None:
    code = (
        "import sys; from crmctl.phone_display import format_phone_national as f; "
        "assert f('+420603123456') == '603 123 456'; "
        "assert 'phonenumbers' not in sys.modules, 'phonenumbers was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
