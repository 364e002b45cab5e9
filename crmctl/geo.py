"""PSČ → obec, okres and kraj, from the table shipped in ``crmctl/data/psc.csv.gz``.

The table (built by ``scripts/build_psc_table.py``, see ``crmctl/data/README.md``) has
one row per PSČ and part of municipality. Most PSČ lie in one kraj; a few dozen span
two, so a lookup can take the address's city to pick the right municipality.

The table is read on first use, not at import time, and kept for the process.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

from crmctl.errors import ValidationError
from crmctl.normalize import normalize_psc
from crmctl.text import fold

__all__ = ["PscPlace", "lookup", "lookup_psc", "region_for"]

_DATA_FILE = "data/psc.csv.gz"


@dataclass(frozen=True)
class PscPlace:
    psc: str  # "110 00"
    obec: str
    okres: str
    kraj: str


@dataclass(frozen=True)
class _Row:
    obec: str
    cast_obce: str
    okres: str
    kraj: str


@cache
def _table() -> dict[str, tuple[_Row, ...]]:
    """PSČ as five digits → its rows, in file order (sorted by obec, část obce)."""
    raw = resources.files("crmctl").joinpath(_DATA_FILE).read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)  # header: psc,obec,cast_obce,okres,kraj
    grouped: dict[str, list[_Row]] = {}
    for psc, obec, cast_obce, okres, kraj in reader:
        grouped.setdefault(psc, []).append(_Row(obec, cast_obce, okres, kraj))
    return {psc: tuple(rows) for psc, rows in grouped.items()}


def _place_key(name: str) -> str:
    """Compare place names ignoring accents, case, dashes and extra spaces."""
    return " ".join(fold(name).replace("-", " ").split())


_DISTRICT_NUMBER = re.compile(r"^(?P<base>.*?\D)\s*\d+$")


def _city_keys(city: str) -> list[str]:
    """The city as written, then without a district number ("Praha 1" → "praha")."""
    key = _place_key(city)
    keys = [key]
    match = _DISTRICT_NUMBER.match(key)
    if match:
        keys.append(match.group("base").strip())
    return keys


def _match_city(rows: tuple[_Row, ...], city: str) -> _Row | None:
    keys = _city_keys(city)
    for key in keys:
        for row in rows:
            if key in (_place_key(row.obec), _place_key(row.cast_obce)):
                return row
    # "Brno Královo Pole", "Praha 1 Staré Město": the municipality, then more detail.
    prefixed = [row for row in rows if keys[0].startswith(_place_key(row.obec) + " ")]
    if prefixed:
        return max(prefixed, key=lambda row: len(row.obec))
    return None


def _most_common(rows: tuple[_Row, ...]) -> _Row:
    """The commonest kraj, then the commonest obec in it; ties go alphabetically."""
    kraje = Counter(row.kraj for row in rows)
    kraj = min(kraje, key=lambda name: (-kraje[name], name))
    in_kraj = [row for row in rows if row.kraj == kraj]
    obce = Counter(row.obec for row in in_kraj)
    obec = min(obce, key=lambda name: (-obce[name], name))
    return next(row for row in in_kraj if row.obec == obec)


def lookup_psc(psc: str, city: str | None = None) -> PscPlace | None:
    """The place for ``psc`` ("11000" or "110 00"), or None if the PSČ is unknown.

    Where the PSČ covers several municipalities, ``city`` (matched without regard to
    accents or case against the municipality or its part; "Praha 1" matches "Praha")
    picks one; without a match the commonest kraj for the PSČ wins. A malformed PSČ
    is unknown too: validate with ``normalize_psc`` first to report it.
    """
    try:
        formatted = normalize_psc(psc)
    except ValidationError:
        return None
    rows = _table().get(formatted.replace(" ", ""))
    if not rows:
        return None
    row = (_match_city(rows, city) if city and city.strip() else None) or _most_common(rows)
    return PscPlace(psc=formatted, obec=row.obec, okres=row.okres, kraj=row.kraj)


lookup = lookup_psc


def region_for(psc: str, city: str | None = None) -> str | None:
    """The kraj ("Jihomoravský kraj") for ``psc``, or None if the PSČ is unknown."""
    place = lookup_psc(psc, city)
    return place.kraj if place else None
