"""Normalise and validate contact fields: IČO, DIČ, PSČ, phone, e-mail, web, names.

Every ``normalize_*`` function returns the canonical form or raises
``crmctl.errors.ValidationError`` whose message names the field, quotes the bad
value and says what to do about it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from stdnum import exceptions as stdnum_errors
from stdnum.cz import dic as cz_dic
from stdnum.eu import vat as eu_vat

from crmctl.errors import ValidationError

__all__ = [
    "PersonName",
    "format_phone_national",
    "normalize_dic",
    "normalize_email",
    "normalize_ico",
    "normalize_phone",
    "normalize_psc",
    "normalize_website",
    "phone_search_forms",
    "split_person_name",
]


def _without_spaces(value: str) -> str:
    return "".join(value.split())


def _text(raw: object, field: str) -> str:
    if not isinstance(raw, str):
        raise ValidationError(f"invalid {field} {raw!r}: expected text")
    return raw


def _digits(raw: object, field: str) -> str:
    """``raw`` (text or a whole number) as written, without spaces."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0:
            raise ValidationError(f'invalid {field} "{raw}": must not be negative')
        return str(raw)
    return _without_spaces(_text(raw, field))


# --- IČO --------------------------------------------------------------------------

_ICO_LENGTH = 8


def normalize_ico(raw: str | int) -> str:
    """``"27 08 24 40"`` → ``"27082440"``; ``6947`` → ``"00006947"`` (zeros lost in Excel)."""
    value = _digits(raw, "IČO")
    if not value:
        raise ValidationError("IČO is empty: enter the 8-digit company number")
    if not (value.isascii() and value.isdigit()):
        raise ValidationError(f'invalid IČO "{raw}": use digits only (8 digits, e.g. 27082440)')
    if len(value) > _ICO_LENGTH:
        raise ValidationError(
            f'invalid IČO "{raw}": has {len(value)} digits, an IČO has 8; '
            "check the number in the ARES register"
        )
    ico = value.zfill(_ICO_LENGTH)
    # The IČO check digit is the one DIČ uses for legal entities.
    if cz_dic.calc_check_digit_legal(ico[:-1]) != ico[-1]:
        padded = f' (read as "{ico}")' if ico != value else ""
        raise ValidationError(
            f'invalid IČO "{value}"{padded}: checksum does not match; '
            "check the number in the ARES register"
        )
    return ico


# --- DIČ --------------------------------------------------------------------------

_DIC_SEPARATORS = re.compile(r"[\s\-./]")

_STDNUM_REASONS: dict[type[stdnum_errors.ValidationError], str] = {
    stdnum_errors.InvalidChecksum: "checksum does not match",
    stdnum_errors.InvalidLength: "wrong number of digits for that country",
    stdnum_errors.InvalidFormat: "not in that country's format",
    stdnum_errors.InvalidComponent: "unknown country prefix or invalid part",
}


def _dic_reason(error: stdnum_errors.ValidationError) -> str:
    for kind, reason in _STDNUM_REASONS.items():
        if isinstance(error, kind):
            return reason
    return "not a valid VAT number"


def normalize_dic(raw: str) -> str:
    """``"cz 270 82 440"`` or ``"27082440"`` → ``"CZ27082440"``; other EU VAT ids too."""
    value = _DIC_SEPARATORS.sub("", _text(raw, "DIČ")).upper()
    if not value:
        raise ValidationError("DIČ is empty: enter the VAT number, e.g. CZ27082440")
    if value[0].isdigit():
        value = "CZ" + value
    try:
        return eu_vat.validate(value)
    except stdnum_errors.ValidationError as exc:
        raise ValidationError(
            f'invalid DIČ "{raw}": {_dic_reason(exc)}; enter it with the country prefix '
            "(e.g. CZ27082440) and check it in the ARES register or the EU VIES service"
        ) from None


# --- PSČ --------------------------------------------------------------------------

_PSC = re.compile(r"^([0-9]{3})[ \-]?([0-9]{2})$")


def normalize_psc(raw: str | int) -> str:
    """``11000``, ``"11000"``, ``"110 00"``, ``"110-00"`` → ``"110 00"``."""
    value = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else _text(raw, "PSČ")
    match = _PSC.match(" ".join(value.split()))
    if not match:
        raise ValidationError(f'invalid PSČ "{raw}": use five digits, e.g. 110 00')
    return f"{match.group(1)} {match.group(2)}"


# --- phone ------------------------------------------------------------------------


def _parse_phone(raw: str, region: str | None) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            f'invalid phone "{raw}": not a valid phone number; '
            "write it as e.g. 603 123 456 or +421 905 123 456"
        )
    return number


def _czech_number_pattern() -> re.Pattern[str]:
    """Every valid 9-digit Czech number, from phonenumbers' own metadata for CZ."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CZ")
    kinds = (
        "fixed_line",
        "mobile",
        "toll_free",
        "premium_rate",
        "shared_cost",
        "personal_number",
        "voip",
        "pager",
        "uan",
        "voicemail",
    )
    patterns = [
        description.national_number_pattern
        for description in (getattr(metadata, kind) for kind in kinds)
        if description is not None and description.national_number_pattern
    ]
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


_CZECH_NUMBER = _czech_number_pattern()
_CZECH_WRITTEN = re.compile(r"^(?:\+420|00420)?([0-9]{9})$")
_PHONE_PUNCTUATION = str.maketrans("", "", " -./()\u00a0")


def normalize_phone(raw: str, region: str = "CZ") -> str:
    """``"603 123 456"``, ``"00420 603 123 456"`` → ``"+420603123456"`` (E.164).

    Numbers without a country prefix are read as numbers of ``region``.
    """
    text = _text(raw, "phone").strip()
    # Plain Czech numbers are most of every import: match them against the library's
    # own CZ patterns (the test of is_valid_number) without a full parse.
    written = _CZECH_WRITTEN.match(text.translate(_PHONE_PUNCTUATION))
    if written and (region == "CZ" or text[:1] in "+0"):
        digits = written.group(1)
        if _CZECH_NUMBER.fullmatch(digits):
            return "+420" + digits
    number = _parse_phone(text, region)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_forms(e164: str) -> list[str]:
    """The forms a user types when searching: E.164 and, for Czech numbers, national."""
    return [e164, e164[4:]] if e164.startswith("+420") else [e164]


def format_phone_national(e164: str) -> str:
    """``"+420603123456"`` → ``"603 123 456"``; foreign numbers in international form."""
    number = _parse_phone(_text(e164, "phone").strip(), None)
    if phonenumbers.region_code_for_number(number) == "CZ":
        style = phonenumbers.PhoneNumberFormat.NATIONAL
    else:
        style = phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


# --- e-mail and web ---------------------------------------------------------------

_LOCAL_SPECIALS = frozenset("!#$%&'*+/=?^_`{|}~-")
_MAX_EMAIL = 254
_MAX_LOCAL = 64
_MAX_LABEL = 63


def _valid_label(label: str) -> bool:
    """A DNS label: letters (any script, for IDN), digits, inner hyphens."""
    return (
        0 < len(label) <= _MAX_LABEL
        and all(ch.isalnum() or ch == "-" for ch in label)
        and not label.startswith("-")
        and not label.endswith("-")
    )


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    return (
        len(labels) >= 2
        and all(_valid_label(label) for label in labels)
        and not labels[-1].isdigit()
    )


def _valid_local_part(local: str) -> bool:
    atoms = local.split(".")
    return (
        0 < len(local) <= _MAX_LOCAL
        and all(atoms)
        and all(ch.isalnum() or ch in _LOCAL_SPECIALS for atom in atoms for ch in atom)
    )


# Plain ASCII addresses are nearly every import row: one compiled match accepts them (a
# subset of what the checks below accept) so that only unusual ones are checked by hand.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?",
    re.ASCII,
)


def normalize_email(raw: str) -> str:
    """``" Jan.Novak@Firma.CZ "`` → ``"jan.novak@firma.cz"``; checks the syntax only."""
    value = _text(raw, "e-mail").strip().lower()
    if (
        _PLAIN_EMAIL.fullmatch(value)
        and len(value) <= _MAX_EMAIL
        and value.index("@") <= _MAX_LOCAL
    ):
        return value
    local, at, domain = value.partition("@")
    if not at or "@" in domain:
        reason = "needs exactly one @"
    elif not _valid_local_part(local):
        reason = "the part before @ is empty or has spaces or characters not allowed there"
    elif not _valid_domain(domain) or len(value) > _MAX_EMAIL:
        reason = f'"{domain}" is not a valid domain'
    else:
        return value
    raise ValidationError(f'invalid e-mail "{raw}": {reason}; write it as e.g. jan@firma.cz')


_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)
_WEB_SCHEMES = ("http", "https")


def _website_error(raw: str, reason: str) -> ValidationError:
    return ValidationError(
        f'invalid website "{raw}": {reason}; write it as e.g. https://www.firma.cz'
    )


def _web_host(raw: str, netloc: str) -> str:
    """``Host:port`` with the host lower-cased; rejects user names and bad hosts."""
    if "@" in netloc:
        raise _website_error(raw, "it must not contain a user name or @")
    host, colon, port = netloc.partition(":")
    if not _valid_domain(host.lower()):
        raise _website_error(raw, f'"{host}" is not a valid host name')
    if colon and not port.isdigit():
        raise _website_error(raw, f'"{port}" is not a port number')
    return f"{host.lower()}{colon}{port}"


def normalize_website(raw: str) -> str:
    """``"WWW.Firma.cz/kontakt"`` → ``"https://www.firma.cz/kontakt"``."""
    value = _text(raw, "website").strip()
    if not value:
        raise _website_error(raw, "it is empty")
    if any(ch.isspace() for ch in value):
        raise _website_error(raw, "it contains spaces")
    if value.startswith("//"):
        value = "https:" + value
    elif not _SCHEME.match(value):
        value = "https://" + value
    try:
        parts = urlsplit(value)
    except ValueError:
        raise _website_error(raw, "it is not a web address") from None
    scheme = parts.scheme.lower()
    if scheme not in _WEB_SCHEMES:
        raise _website_error(raw, f'"{parts.scheme}" is not a web address scheme')
    netloc = _web_host(raw, parts.netloc)
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))


# --- person names -----------------------------------------------------------------


@dataclass(frozen=True)
class PersonName:
    title_before: str
    first_name: str
    last_name: str
    title_after: str


TITLES_BEFORE: tuple[str, ...] = (
    "Bc.",
    "BcA.",
    "Mgr.",
    "MgA.",
    "Ing.",
    "Ing. arch.",
    "MUDr.",
    "MDDr.",
    "MVDr.",
    "JUDr.",
    "PhDr.",
    "RNDr.",
    "PharmDr.",
    "PaedDr.",
    "ThDr.",
    "ThLic.",
    "ThMgr.",
    "ICDr.",
    "RSDr.",
    "PhMr.",
    "Dr.",
    "akad. mal.",
    "akad. soch.",
    "doc.",
    "prof.",
)

TITLES_AFTER: tuple[str, ...] = (
    "Ph.D.",
    "Th.D.",
    "ArtD.",
    "CSc.",
    "DrSc.",
    "DSc.",
    "DiS.",
    "MBA",
    "EMBA",
    "MPA",
    "MSc.",
    "LL.M.",
    "LL.B.",
    "BBA",
    "DBA",
    "Dr. h. c.",
)

# The longest title spans three tokens ("Dr. h. c.").
_MAX_TITLE_TOKENS = 3


def _title_key(text: str) -> str:
    return text.replace(".", "").replace(" ", "")


def _title_index(titles: tuple[str, ...]) -> dict[str, str]:
    return {_title_key(title): title for title in titles}


_BEFORE = _title_index(TITLES_BEFORE)
_AFTER = _title_index(TITLES_AFTER)
_BEFORE_FOLDED = {key.lower(): title for key, title in _BEFORE.items()}
_AFTER_FOLDED = {key.lower(): title for key, title in _AFTER.items()}


def _as_title(tokens: list[str], exact: dict[str, str], folded: dict[str, str]) -> str | None:
    """The canonical title ``tokens`` spell, if any.

    Written with a dot ("ing.", "Ph.D") the title matches whatever the case; without
    one only in its usual case ("Ing", "PhD", "MBA"), so "Dis" stays a surname.
    """
    key = _title_key("".join(tokens))
    if key in exact:
        return exact[key]
    if any("." in token for token in tokens):
        return folded.get(key.lower())
    return None


def _take_titles_before(tokens: list[str]) -> tuple[list[str], list[str]]:
    titles: list[str] = []
    start = 0
    while start < len(tokens):
        for width in range(min(_MAX_TITLE_TOKENS, len(tokens) - start), 0, -1):
            title = _as_title(tokens[start : start + width], _BEFORE, _BEFORE_FOLDED)
            if title:
                titles.append(title)
                start += width
                break
        else:
            break
    return titles, tokens[start:]


def _take_titles_after(tokens: list[str]) -> tuple[list[str], list[str]]:
    titles: list[str] = []
    end = len(tokens)
    while end > 0:
        for width in range(min(_MAX_TITLE_TOKENS, end), 0, -1):
            title = _as_title(tokens[end - width : end], _AFTER, _AFTER_FOLDED)
            if title:
                titles.insert(0, title)
                end -= width
                break
        else:
            break
    return tokens[:end], titles


def _name_tokens(raw: str) -> list[str]:
    # "Ing.Jan" → "Ing. Jan"; "Ph.D." → "Ph. D." (titles are matched across tokens).
    spaced = re.sub(r"\.(?=[^\s.,])", ". ", raw)
    tokens = re.split(r"[\s,;]+", spaced)
    return [token for token in tokens if not _is_punctuation(token)]


def _is_punctuation(token: str) -> bool:
    """Stray dashes and dots between names; an emoji (a symbol) is part of the name."""
    return all(unicodedata.category(ch)[0] in "PZC" for ch in token)


def split_person_name(raw: str) -> PersonName:
    """``"MUDr. Ing. Petra Svobodová, Ph.D."`` → titles, first and last name.

    The first name comes first; everything after it is the last name
    ("Jan van der Berg" → "Jan", "van der Berg"). Never raises on odd input.
    """
    before, rest = _take_titles_before(_name_tokens(raw))
    names, after = _take_titles_after(rest)
    return PersonName(
        title_before=" ".join(before),
        first_name=names[0] if names else "",
        last_name=" ".join(names[1:]),
        title_after=", ".join(after),
    )
