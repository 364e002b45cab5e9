"""Czech collation: the order of ``ORDER BY … COLLATE "cs-CZ-x-icu"`` for SQLite.

PostgreSQL sorts text with ICU's Czech rules; SQLite has no ICU, so crmctl registers
:func:`compare` as the collation ``czech`` on every SQLite connection and both databases
put ``Ábel`` before ``Bedna`` before ``Cézar`` before ``Čáp`` and ``Chalupa`` after
``Hrubý``. Three levels, as ICU compares them:

1. primary — the letters: č ř š ž are letters of their own after c r s z, ``ch`` is one
   letter after h; á é í ó ú ů ý ě ď ť ň and other accented letters are their base letter.
   Spaces and punctuation come before digits, digits before letters.
2. secondary — the accents, in ICU's order (acute, grave, breve, circumflex, caron, ring,
   diaeresis, …): ``Dvorak`` < ``Dvořák`` is decided by ř at level 1, ``Novak`` <
   ``Novák`` here.
3. tertiary — case, lower before upper (``ch`` < ``cH`` < ``Ch`` < ``CH``).

Equal keys fall back to the code points, as PostgreSQL's deterministic collations do.
tests/test_collation.py compares this order with PostgreSQL's for random Czech words.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# ICU's order of spaces, punctuation and symbols (non-ignorable), then digits.
_BEFORE_LETTERS = " _-,;:!?.'\"()[]{}§@*/\\&#%`^°+×<=>|~$€0123456789"
_LETTERS = [*"abcč", *"defgh", "ch", *"ijklmnopqrřsštuvwxyzž"]
_PRIMARY = {text: index for index, text in enumerate([*_BEFORE_LETTERS, *_LETTERS], start=1)}
_OTHER = len(_PRIMARY) + 1  # letters of other alphabets and unknown symbols: after ž
_SYMBOL = _PRIMARY["€"]  # symbols not in the list: among the symbols, before the digits
# Combining accents in ICU's secondary order; an accent not listed sorts after them.
_ACCENTS = "\u0301\u0300\u0306\u0302\u030c\u030a\u0308\u030b\u0303\u0307\u0328\u0304\u0327"
_SECONDARY = {mark: index for index, mark in enumerate(_ACCENTS, start=2)}
_CZECH = frozenset("čřšžČŘŠŽ")  # letters of their own, not c r s z with a caron
_EXPANSIONS = {"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE"}

Key = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]


@lru_cache(maxsize=1 << 16)
def sort_key(text: str) -> Key:
    """The Czech sort key of ``text``: compare keys to compare texts."""
    primary: list[int] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    composed = unicodedata.normalize("NFC", text)
    for original, upper in _elements(composed):
        base, marks = _decomposed(original)
        primary.append(_primary_of(base))
        secondary.append(1)
        tertiary.append(upper)
        for mark in marks:  # an accent is an element of its own, weighed at level 2 only
            secondary.append(_SECONDARY.get(mark, len(_SECONDARY) + 2))
            tertiary.append(0)
    return tuple(primary), tuple(secondary), tuple(tertiary), text


def compare(left: str, right: str) -> int:
    """-1, 0 or 1: SQLite's collation callback."""
    left_key, right_key = sort_key(left), sort_key(right)
    return (left_key > right_key) - (left_key < right_key)


def _elements(text: str) -> list[tuple[str, int]]:
    """Collation elements (one character, or ``ch``) with their case weight (0 lower,
    1 upper, 2–3 for the letters ICU expands: ß, æ, œ)."""
    elements: list[tuple[str, int]] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in _EXPANSIONS:  # ß is "ss" differing at level 3, after "SS"
            elements += [(part, 2 + char.isupper()) for part in _EXPANSIONS[char]]
            index += 1
            continue
        if char in "cC" and text[index + 1 : index + 2] in ("h", "H"):
            pair = text[index : index + 2]
            # ch < cH < Ch < CH
            elements.append(("ch", 2 * char.isupper() + pair[1].isupper()))
            index += 2
            continue
        elements.append((char, int(char.isupper())))
        index += 1
    return elements


def _decomposed(char: str) -> tuple[str, str]:
    """``á`` → (``a``, acute); ``č`` stays ``č`` (a Czech letter); lower case."""
    if char == "ch" or char in _CZECH:
        return char.lower(), ""
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0].lower(), decomposed[1:]


def _primary_of(base: str) -> int:
    weight = _PRIMARY.get(base)
    if weight is not None:
        return weight
    if base.isdigit():  # other digits (Arabic-Indic, superscripts): with 0-9 by value
        return _PRIMARY[str(unicodedata.digit(base, 0))]
    if base.isalpha():
        return _OTHER + ord(base)
    return _SYMBOL
