"""Phones as tables show them: ``"+420603123456"`` → ``"603 123 456"``.

A list of 50 contacts would otherwise import phonenumbers and compile its patterns
(~30 ms, a quarter of what crmctl adds to a read command's start-up) to print what
every Czech number looks like: phonenumbers' national format of a 9-digit Czech
number starting 2–8, 90, 91 or 95–97 is three groups of three (its CZ metadata, checked
against the library in tests/test_phone_display.py). Anything else goes to the library.
"""

from __future__ import annotations

import re

_CZECH_GROUPS = re.compile(r"\+420((?:[2-8][0-9]|9[015-7])[0-9])([0-9]{3})([0-9]{3})")


def format_phone_national(e164: str) -> str:
    """Czech numbers nationally, foreign ones internationally (as phonenumbers does)."""
    groups = _CZECH_GROUPS.fullmatch(e164)
    if groups:
        return " ".join(groups.groups())
    from crmctl.normalize import format_phone_national as library_format  # noqa: PLC0415  (start-up)

    return library_format(e164)
