"""Turning reader cells into text, dates and numbers.

These run once per cell on imports of a million rows, so each function checks the
common case first (CSV gives plain ``str``) and uses compiled regular expressions.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from crmctl.importer.model import Cell

__all__ = ["cell_text", "custom_value", "parse_date", "parse_number"]

# crmctl's own CSV export puts an apostrophe before these so that Excel does not take
# the cell for a formula; an import of that file must get the original text back.
_FORMULA_STARTS = frozenset("=+-@")

# Excel keeps 15 significant digits; anything further in a float is binary noise
# (0.1 + 0.2 comes back as 0.30000000000000004).
_EXCEL_DIGITS = ".15g"

# re.ASCII: \d must not match other scripts' digits ("٣"), which int() would accept.
_CZECH_DATE = re.compile(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})", re.ASCII)
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)

# Spaces Czech software uses to group thousands: plain, non-breaking, narrow no-break, thin.
_GROUP_SPACES = " \u00a0\u202f\u2009"
_SIGN = r"[+\-\u2212]?"
_PLAIN_INTEGER = re.compile(_SIGN + r"\d+", re.ASCII)
_DECIMAL_COMMA = re.compile(_SIGN + r"\d+,\d+", re.ASCII)
_SPACE_GROUPED = re.compile(_SIGN + rf"\d{{1,3}}(?:[{_GROUP_SPACES}]\d{{3}})+(?:,\d+)?", re.ASCII)
# "1.234,50" and "1.234.567": dots group thousands only next to a decimal comma or when
# there are several groups; a single "1.234" is read as a decimal point (see below).
_DOT_GROUPED = re.compile(_SIGN + r"\d{1,3}(?:(?:\.\d{3})+,\d+|(?:\.\d{3}){2,})", re.ASCII)
# A decimal point, as programs and English-language exports write it ("12.5").
_DECIMAL_POINT = re.compile(_SIGN + r"\d+\.\d+", re.ASCII)
_LEADING_ZERO = re.compile(r"[+\-\u2212]?0\d", re.ASCII)


def cell_text(value: Cell) -> str | None:
    """The cell as stripped text, or ``None`` when it is empty."""
    if type(value) is str:  # the common case first: every CSV cell
        text = value.strip()
        if not text:
            return None
        if text[0] == "'" and len(text) > 1 and text[1] in _FORMULA_STARTS:
            return text[1:]
        return text
    if value is None:
        return None
    return _non_text(value)


def _non_text(value: Cell) -> str | None:
    # bool before int: bool is a subclass of int.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    # datetime before date: datetime is a subclass of date.
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        parts = [part.strip() for part in value if part and part.strip()]
        return "; ".join(parts) if parts else None
    if isinstance(value, str):  # a str subclass
        return cell_text(str(value))
    # Anything else a spreadsheet library may hand over (time, timedelta).
    return str(value).strip() or None


def _float_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    text = format(value, _EXCEL_DIGITS)
    # Very large or small values come out in exponent form; keep Python's exact repr.
    return repr(value) if "e" in text else text


def _datetime_text(value: datetime) -> str:
    if value.hour == value.minute == value.second == value.microsecond == 0:
        return value.date().isoformat()
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def parse_date(text: str) -> date | None:
    """A date written as ``d.m.yyyy``, ``d. m. yyyy`` or ``yyyy-mm-dd``; else ``None``."""
    text = text.strip()
    match = _CZECH_DATE.fullmatch(text)
    if match:
        day, month, year = match.groups()
    else:
        match = _ISO_DATE.fullmatch(text)
        if not match:
            return None
        year, month, day = match.groups()
    try:
        return date(int(year), int(month), int(day))
    except ValueError:  # 31.2.2024
        return None


def parse_number(text: str) -> int | float | None:
    """A number as Czech users write it ("1 234,50", "1.234,50", "-12"); else ``None``.

    A whole number gives ``int``, one with a decimal part ``float``. A single dot is a
    decimal point ("12.5"): Czech thousands are grouped with spaces, and "1.234,50"
    (dots next to a decimal comma) is understood too.
    """
    text = text.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return int(text)
    if _PLAIN_INTEGER.fullmatch(text):
        return int(_ascii_sign(text))
    if _DECIMAL_COMMA.fullmatch(text):
        return float(_ascii_sign(text).replace(",", "."))
    if _SPACE_GROUPED.fullmatch(text):
        return _grouped(text, _GROUP_SPACES)
    if _DOT_GROUPED.fullmatch(text):
        return _grouped(text, ".")
    if _DECIMAL_POINT.fullmatch(text):
        return float(_ascii_sign(text))
    return None


def _ascii_sign(text: str) -> str:
    return "-" + text[1:] if text[0] == "\u2212" else text


def _grouped(text: str, separators: str) -> int | float:
    plain = _ascii_sign(text)
    for separator in separators:
        plain = plain.replace(separator, "")
    if "," in plain:
        # float() of the decimal text rounds exactly as Decimal → float would.
        return float(plain.replace(",", "."))
    return int(plain)


def custom_value(value: Cell) -> str | int | float | bool | None:
    """A custom field's value: a number, an ISO date text, a bool, or stripped text."""
    if type(value) is str:
        return _custom_text(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # Excel stores every number as a float; a whole number should stay whole.
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return cell_text(value)


def _custom_text(value: str) -> str | int | float | None:
    text = cell_text(value)
    if text is None:
        return None
    first = text[0]
    # Only text that starts like a number or a date can be one; most text stops here.
    if not (first.isdigit() or first in "-\u2212"):
        return text
    parsed_date = parse_date(text)
    if parsed_date is not None:
        return parsed_date.isoformat()
    # Leading zeros (a customer number "00123") are part of the text: a number would
    # lose them. A leading "+" (a phone number) never gets this far.
    if _LEADING_ZERO.match(text):
        return text
    number = parse_number(text)
    return text if number is None else number
