"""Accent- and case-folding shared by search columns, ``~`` filters and PostgreSQL.

The same character map is installed as the SQL function ``crm_fold`` on both
databases (a Python function on SQLite, a ``translate()`` function created by the
migration on PostgreSQL), so search behaves identically on both.
"""

from __future__ import annotations

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


def fold(value: str | None) -> str:
    """``'Dvořák'`` → ``'dvorak'``: lower-case, strip the accents of the shared map.

    Only the shared map is applied (no Unicode decomposition) so that Python and
    both databases fold every string the same way.
    """
    if value is None:
        return ""
    return value.lower().translate(_TABLE)
