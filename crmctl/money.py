"""Reading amounts of money as people write them, into ``Decimal`` (never float).

``1 250 000,50``, ``1250000.5``, ``12 000 Kč``, ``12 000,- Kč``, ``€1,200``, ``1.250.000``,
``CZK 5000`` and ``$3,500.25`` all parse. Rules for separators:

* spaces (also non-breaking), apostrophes and underscores group thousands;
* with both ``,`` and ``.``, the one that comes last is the decimal separator;
* a lone ``,`` followed by exactly three digits groups thousands (``€1,200`` is 1200),
  otherwise it is the decimal comma (``0,5``, ``1 250,50``);
* a lone ``.`` is the decimal point; several ``.`` or ``,`` group thousands.

At most two decimal places and twelve integer digits (``Numeric(14, 2)``); no negatives.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from crmctl.errors import ValidationError

CURRENCY_SIGNS = {
    "kč": "CZK",
    "kc": "CZK",
    "czk": "CZK",
    ",-": None,
    ".-": None,
    "€": "EUR",
    "eur": "EUR",
    "$": "USD",
    "usd": "USD",
    "£": "GBP",
    "gbp": "GBP",
}
_CODE = re.compile(r"^[A-Z]{3}$")
_SIGN = re.compile(r"kč|kc|czk|eur|usd|gbp|€|\$|£|,-|\.-|\b[A-Za-z]{3}\b", re.IGNORECASE)
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'_")
MAX_INTEGER_DIGITS = 12


def parse_money(raw: str | int | Decimal, field: str = "value") -> tuple[Decimal, str | None]:
    """The amount and the currency named in the text (``None`` when none is)."""
    if isinstance(raw, bool):
        raise ValidationError(f"{field}: expected an amount such as 12 000 or 1250,50")
    if isinstance(raw, int | Decimal):
        return _checked(Decimal(raw), str(raw), field), None
    text = str(raw).strip()
    currency: str | None = None
    for match in _SIGN.findall(text):
        code = CURRENCY_SIGNS.get(match.lower(), match.upper())
        if code is not None:
            if currency not in (None, code):
                raise ValidationError(f"{field}: {raw!r} names two currencies")
            currency = code
    number = _SIGN.sub("", text).translate(_GROUPING)
    if not re.fullmatch(r"\d[\d.,]*", number or "x"):
        raise ValidationError(
            f"{field}: {raw!r} is not an amount; write e.g. 1 250 000,50 or 12 000 Kč"
        )
    return _checked(_to_decimal(number, raw, field), str(raw), field), currency


def _to_decimal(number: str, raw: object, field: str) -> Decimal:
    commas, dots = number.count(","), number.count(".")
    if commas and dots:
        decimal_mark = "," if number.rfind(",") > number.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        number = number.replace(grouping, "").replace(decimal_mark, ".")
    elif commas == 1:
        whole, frac = number.split(",")
        number = whole + frac if len(frac) == 3 else f"{whole}.{frac}"
    elif commas > 1:
        number = number.replace(",", "")
    elif dots > 1:
        number = number.replace(".", "")
    try:
        return Decimal(number)
    except InvalidOperation:
        raise ValidationError(f"{field}: {raw!r} is not an amount") from None


def _checked(amount: Decimal, raw: str, field: str) -> Decimal:
    if not amount.is_finite() or amount < 0:
        raise ValidationError(f"{field}: {raw!r} must be zero or more")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(f"{field}: {raw!r} has more than two decimal places")
    amount = amount.quantize(Decimal("0.01"))
    if len(str(int(amount))) > MAX_INTEGER_DIGITS:
        raise ValidationError(f"{field}: {raw!r} is too large (at most 12 digits before the comma)")
    return amount


def currency_code(raw: str, field: str = "currency") -> str:
    code = CURRENCY_SIGNS.get(raw.strip().lower()) or raw.strip().upper()
    if not _CODE.match(code):
        raise ValidationError(f"{field}: {raw!r} is not a currency code such as CZK or EUR")
    return code
