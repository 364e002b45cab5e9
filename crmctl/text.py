"""Accent- and case-folding shared by search columns, ``~`` filters and PostgreSQL.

The same character map is installed as the SQL function ``crm_fold`` on both
databases (a Python function on SQLite, a ``translate()`` function created by the
migration on PostgreSQL), so search behaves identically on both.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Lower-case accented letters seen in Czech, Slovak, German, Polish and Hungarian names,
# each with the plain letter it folds to (one character each, as SQL translate() needs).
_FOLD_PAIRS = {
    "a": "áäàâãåą",
    "c": "ćč",
    "d": "ď",
    "e": "éěëèêę",
    "i": "íìîï",
    "l": "ĺľł",
    "n": "ńňñ",
    "o": "óöőòôõ",
    "r": "ŕř",
    "s": "śš",
    "t": "ť",
    "u": "úůüűùû",
    "y": "ýÿ",
    "z": "źżž",
}

FOLD_FROM: str = "".join(accented for accented in _FOLD_PAIRS.values())
FOLD_TO: str = "".join(plain * len(accented) for plain, accented in _FOLD_PAIRS.items())

_TABLE = str.maketrans(FOLD_FROM, FOLD_TO)


def nfc(value: str) -> str:
    """``value`` composed (Unicode NFC): ``"Nova\u0301k"`` (as macOS pastes it) → ``"Novák"``.

    Every text entering the CRM is composed, so that equal names are equal strings: the
    dedup keys, the search columns and ``crm_fold`` in SQL all see one spelling.
    """
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def fold(value: str | None) -> str:
    """``'Dvořák'`` → ``'dvorak'``: lower-case, strip the accents of the shared map.

    Only the shared map is applied (no Unicode decomposition) so that Python and
    both databases fold every string the same way.
    """
    if value is None:
        return ""
    if value.isascii():  # e-mails, phones, most IDs: nothing to translate
        return value.lower()
    return _fold_words(value)


def fold_parts(parts: Iterable[str | None]) -> str:
    """``fold(" ".join(parts))``, folding each part on its own.

    E-mails and phones are ASCII and take ``fold``'s fast path; folded as one string
    with a name they went word by word through the cache and evicted the names.
    """
    return " ".join([fold(part) for part in parts if part])


def _fold_words(value: str) -> str:
    # str.translate costs about 50 ns a character; names repeat, so fold word by word
    # through a cache (an import folds a million names that share a few thousand words).
    return " ".join([_fold_word(word) for word in value.split(" ")])


@lru_cache(maxsize=65536)
def _fold_word(word: str) -> str:
    # Composed first: the map holds composed letters, and a decomposed search term or
    # name must fold like the composed one (the cache makes this free for repeats).
    return nfc(word).lower().translate(_TABLE)


# Legal forms as folded token sequences; the longest are tried first.
_LEGAL_FORMS: tuple[tuple[str, ...], ...] = tuple(
    sorted(
        (
            tuple(form.split())
            for form in (
                "spol s r o",
                "spol s ro",
                "s r o",
                "sro",
                "a s",
                "as",
                "v o s",
                "k s",
                "z s",
                "o p s",
                "s p",
                "z u",
                "se",
                "druzstvo",
                "gmbh",
                "ag",
                "ltd",
                "llc",
                "inc",
                "sp z o o",
            )
        ),
        key=len,
        reverse=True,
    )
)
_KEY_TABLE = str.maketrans({char: " " for char in ".,;:-–—_/\\()[]\"'&+!?*#|"})


def company_name_key(name: str | None) -> str:
    """The dedup key of a company name: ``'ACME s.r.o.'`` = ``'Acme, s. r. o.'`` → ``'acme'``.

    Case, accents, punctuation and a trailing legal form are folded away; a name that
    is nothing but a legal form keeps it.
    """
    tokens = fold(name).translate(_KEY_TABLE).split()
    for form in _LEGAL_FORMS:
        size = len(form)
        if len(tokens) > size and tuple(tokens[-size:]) == form:
            tokens = tokens[:-size]
            break
    return " ".join(tokens)


def person_name_key(first_name: str | None, last_name: str | None) -> str:
    """The dedup key of a person's name, titles excluded: ``'jan novak'``."""
    return " ".join(f"{fold(first_name)} {fold(last_name)}".translate(_KEY_TABLE).split())
