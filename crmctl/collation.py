"""Czech collation: the order of ``ORDER BY … COLLATE "cs-CZ-x-icu"`` for SQLite.

PostgreSQL sorts text with ICU's Czech rules; SQLite has no ICU, so crmctl registers
:func:`sort_key` as the SQL function ``czech_key`` (what ``--sort`` orders by) and
:func:`compare` as the collation ``czech`` on every SQLite connection, and both databases
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

The key is built with three ``str.translate`` calls over per-character tables (filled on
first sight of a character), so that sorting 300,000 names costs one fast call per name.
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
# "ch" in its four spellings becomes one of these noncharacters before translating;
# ch < cH < Ch < CH at level 3.
_CH = {"ch": "\ufdd0", "cH": "\ufdd1", "Ch": "\ufdd2", "CH": "\ufdd3"}
_TOP = 0xD7FF  # weights are characters: the rare higher one (far scripts) is capped
_END = "\0"  # below every weight: a shorter level sorts first, as in ICU

# Per character (ord → weights as characters): level 1, level 2, level 3.
_PRIMARY_TABLE: dict[int, str] = {}
_SECONDARY_TABLE: dict[int, str] = {}
_TERTIARY_TABLE: dict[int, str] = {}
_known: set[str] = set()


# Sorted columns repeat their values (cities, surnames, stages): each is keyed once.
@lru_cache(maxsize=1 << 16)
def sort_key(text: str) -> bytes:
    """The Czech sort key of ``text``: compare keys (bytes, as ``memcmp`` does) to compare
    texts. Bytes so that SQLite sorts by ``czech_key(name)`` comparing blobs: one Python
    call per row instead of one per comparison (crmctl.db.functions)."""
    composed = text
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        composed = unicodedata.normalize("NFC", text)
    if not _known.issuperset(composed):
        _learn(composed)
    if "c" in composed or "C" in composed:
        for spelling, placeholder in _CH.items():
            composed = composed.replace(spelling, placeholder)
    levels = (
        composed.translate(_PRIMARY_TABLE), _END, composed.translate(_SECONDARY_TABLE), _END,
        composed.translate(_TERTIARY_TABLE), _END, text,  # then by code points
    )  # fmt: skip
    return "".join(levels).encode("utf-8", "surrogatepass")


def compare(left: str, right: str) -> int:
    """-1, 0 or 1: the ``czech`` collation's callback."""
    left_key, right_key = sort_key(left), sort_key(right)
    return (left_key > right_key) - (left_key < right_key)


def _learn(text: str) -> None:
    for char in set(text) - _known:
        primary, secondary, tertiary = _weights(char)
        _PRIMARY_TABLE[ord(char)] = primary
        _SECONDARY_TABLE[ord(char)] = secondary
        _TERTIARY_TABLE[ord(char)] = tertiary
        _known.add(char)


def _weights(char: str) -> tuple[str, str, str]:
    """One character's weights at the three levels, as characters (all above ``_END``).

    Level 2: 1, then one weight per accent (each accent is an element of its own, weighed
    at level 2 only); level 3: lower case 1, upper 2, ICU's expansions 3–4, accents 1.
    """
    if char in _EXPANSIONS:  # ß is "ss" differing at level 3, after "SS"
        parts = _EXPANSIONS[char]
        case = chr(3 + char.isupper()) * len(parts)
        return "".join(chr(_PRIMARY[p.lower()]) for p in parts), "\1" * len(parts), case
    base, marks = _decomposed(char)
    accents = "".join(chr(_SECONDARY.get(mark, len(_SECONDARY) + 2)) for mark in marks)
    primary = chr(min(_primary_of(base), _TOP))
    return primary, "\1" + accents, chr(1 + char.isupper()) + "\1" * len(marks)


def _decomposed(char: str) -> tuple[str, str]:
    """``á`` → (``a``, acute); ``č`` stays ``č`` (a Czech letter); lower case."""
    if char in _CZECH:
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


def _learn_ch() -> None:
    for spelling, placeholder in _CH.items():
        case = 2 * spelling[0].isupper() + spelling[1].isupper()  # ch 0 … CH 3
        _PRIMARY_TABLE[ord(placeholder)] = chr(_PRIMARY["ch"])
        _SECONDARY_TABLE[ord(placeholder)] = "\1"
        _TERTIARY_TABLE[ord(placeholder)] = chr(1 + case)
        _known.add(placeholder)  # never learned again from a text that holds one


_learn_ch()
