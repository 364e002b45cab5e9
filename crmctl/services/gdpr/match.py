"""Finding a person in free text however it was typed, for ``gdpr erase``.

People type a name without its diacritics, in capitals, decomposed (as pasted on macOS),
an e-mail in upper case, a phone as ``+420 601 234 567``, ``601-234-567`` or
``00420601234567``. The matcher folds the text (Unicode NFKD without combining marks,
case-folded) while remembering where each folded character came from, searches the folded
text and replaces the matching spans of the original text, so everything around them
stays as it was written.

``tokens()`` are short folded texts every match contains, with separators removed: the SQL
prefilter (``crm_fold`` plus stripped separators) that picks the rows worth matching.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

from crmctl.text import fold

# Letters NFKD does not decompose, folded as people type them without diacritics.
_UNDECOMPOSED = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ı": "i", "ŀ": "l", "ħ": "h"})
# What people put between the digits of a phone number (after folding NBSP is a space).
_SEP = r"[\s\-./()]{0,3}"
# Characters the SQL prefilter strips, so that ``601-234 567`` contains ``601234567``.
STRIPPED = " -./()\u00a0"
MIN_NAME = 3  # shorter names alone would match inside too many words


@lru_cache(maxsize=4096)
def fold_char(char: str) -> str:
    """One character as compared: no accents, case-folded (may be empty or longer)."""
    decomposed = unicodedata.normalize("NFKD", char)
    plain = "".join(part for part in decomposed if not unicodedata.combining(part))
    return plain.casefold().translate(_UNDECOMPOSED)


def fold_text(text: str) -> str:
    return "".join(fold_char(char) for char in text)


def _folded_with_origin(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index it came from."""
    folded: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for part in fold_char(char):
            folded.append(part)
            origin.append(index)
    return "".join(folded), origin


def name_pattern(words: list[str]) -> str:
    """The words in this order, separated by any spaces or a comma (``Novák, Jan``)."""
    return r"(?<!\w)" + r"[\s,]+".join(re.escape(word) for word in words) + r"(?!\w)"


def email_pattern(email: str) -> str:
    return r"(?<![\w.+\-])" + re.escape(fold_text(email)) + r"(?![\w\-])"


def phone_pattern(e164: str) -> str | None:
    """Any way of writing the number: with ``+CC``, ``00CC``, ``CC`` or a trunk ``0``
    before it, or none; spaces, dashes, dots, slashes or brackets between the digits."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", e164)
        return _digits(digits) if len(digits) >= 6 else None
    country = _digits(str(number.country_code))
    national = _digits(phonenumbers.national_significant_number(number))
    # Separators only after a prefix: a line break before the number is not part of it.
    prefix = rf"(?:\(?(?:(?:\+|00){_SEP})?{country}{_SEP}|0{_SEP})?"
    return rf"(?<![\d+]){prefix}{national}(?!\d)"


def _digits(digits: str) -> str:
    return _SEP.join(digits)


@dataclass(frozen=True)
class PersonMatcher:
    """The person's names, e-mails and phones as one search over folded text."""

    pattern: re.Pattern[str] | None
    cells: frozenset[str]  # a JSON value that is just their first or last name
    prefilter: tuple[str, ...]  # folded, separator-free texts every match contains

    def sub(self, text: str, replacement: str) -> str:
        """``text`` with every span that matches replaced (the rest as written)."""
        if self.pattern is None or not text:
            return text
        folded, origin = _folded_with_origin(text)
        spans = [(m.start(), m.end()) for m in self.pattern.finditer(folded) if m.end() > m.start()]
        if not spans:
            return text
        pieces: list[str] = []
        done = 0
        for start, end in spans:
            first, last = origin[start], _end_of(text, origin[end - 1] + 1)
            if first < done:
                continue
            pieces += [text[done:first], replacement]
            done = last
        return "".join(pieces) + text[done:]

    def scrub(self, value: Any, replacement: str) -> Any:
        """A JSON value with the person replaced in every string (keys stay)."""
        if isinstance(value, str):
            if fold_text(value).strip() in self.cells:
                return replacement
            return self.sub(value, replacement)
        if isinstance(value, dict):
            return {key: self.scrub(item, replacement) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item, replacement) for item in value]
        return value


def _end_of(text: str, end: int) -> int:
    """Past combining marks that follow a match (decomposed accents fold to nothing)."""
    while end < len(text) and (unicodedata.combining(text[end]) or fold_char(text[end]) == ""):
        end += 1
    return end


def build_matcher(
    first_name: str | None,
    last_name: str | None,
    display_names: Iterable[str],
    emails: Iterable[str],
    phones: Iterable[str],
) -> PersonMatcher:
    patterns: list[str] = []
    forms: set[tuple[str, ...]] = set()
    for name in display_names:
        words = tuple(fold_text(name).split())
        if words and len(" ".join(words)) >= MIN_NAME:
            forms.add(words)
    first, last = fold_text(first_name or "").split(), fold_text(last_name or "").split()
    if first and last:
        forms.update({(*first, *last), (*last, *first)})
    elif last and len(" ".join(last)) >= MIN_NAME:
        forms.add(tuple(last))
    # Longest first: "Ing. Jan Novák" goes whole rather than leaving "Ing. [erased]".
    patterns += [name_pattern(list(words)) for words in sorted(forms, key=len, reverse=True)]
    email_list = sorted({email for email in emails if email}, key=len, reverse=True)
    patterns += [email_pattern(email) for email in email_list]
    phone_list = sorted({phone for phone in phones if phone})
    patterns += [p for p in (phone_pattern(phone) for phone in phone_list) if p]
    pattern = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None
    cells = frozenset(" ".join(part) for part in (first, last) if part)
    prefilter = _prefilter(last_name or first_name, email_list, phone_list)
    return PersonMatcher(pattern, cells, prefilter)


def _prefilter(name: str | None, emails: list[str], phones: list[str]) -> tuple[str, ...]:
    """Texts, as the SQL prefilter sees a row (``crm_fold``, separators stripped), one of
    which every match contains: the surname in each form it may be stored in (as typed,
    without accents, decomposed, JSON-escaped), each e-mail, each phone's national digits."""
    tokens: set[str] = set()
    if name:
        for form in {name, unicodedata.normalize("NFD", name), unicodedata.normalize("NFC", name)}:
            for text in (form, json.dumps(form)[1:-1]):
                tokens.update({fold(text), fold_text(text)})
    tokens.update(fold(email) for email in emails)
    for phone in phones:
        try:
            tokens.add(phonenumbers.national_significant_number(phonenumbers.parse(phone, None)))
        except phonenumbers.NumberParseException:
            tokens.add(re.sub(r"\D", "", phone))
    stripped = {strip_separators(token) for token in tokens}
    return tuple(sorted(token for token in stripped if token))


def strip_separators(text: str) -> str:
    return text.translate(str.maketrans("", "", STRIPPED))
