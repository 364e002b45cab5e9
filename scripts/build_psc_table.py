"""Build ``crmctl/data/psc.csv.gz`` (PSČ → obec, část obce, okres, kraj).

Usage (from the repository root)::

    python scripts/build_psc_table.py [SOURCE_CSV] [--output PATH]

``SOURCE_CSV`` defaults to ``../shared/data/cz-psc-obce.csv`` relative to the repository
root: the Czech Post list of postal codes by parts of municipalities (RÚIAN), columns
kodcobce, nazcobce, psc, kodobce, nazobce, kodokresu, nazokresu, kodkraj, nazevkraj, ...

The output is a gzipped UTF-8 CSV with the header ``psc,obec,cast_obce,okres,kraj``:
one row per distinct combination, sorted, the PSČ as five digits, the kraj under its
full official name ("Středočeský kraj", "Kraj Vysočina", "Hlavní město Praha").
The gzip header carries no timestamp, so rebuilding from the same source gives the
same bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO_ROOT / ".." / "shared" / "data" / "cz-psc-obce.csv"
DEFAULT_OUTPUT = REPO_ROOT / "crmctl" / "data" / "psc.csv.gz"

HEADER = ("psc", "obec", "cast_obce", "okres", "kraj")
REQUIRED_COLUMNS = ("psc", "nazcobce", "nazobce", "nazokresu", "nazevkraj")

# The source gives the short adjective ("Středočeský"); people write the full name.
KRAJ_FULL_NAMES: dict[str, str] = {
    "Hlavní město Praha": "Hlavní město Praha",
    "Středočeský": "Středočeský kraj",
    "Jihočeský": "Jihočeský kraj",
    "Plzeňský": "Plzeňský kraj",
    "Karlovarský": "Karlovarský kraj",
    "Ústecký": "Ústecký kraj",
    "Liberecký": "Liberecký kraj",
    "Královéhradecký": "Královéhradecký kraj",
    "Pardubický": "Pardubický kraj",
    "Vysočina": "Kraj Vysočina",
    "Jihomoravský": "Jihomoravský kraj",
    "Olomoucký": "Olomoucký kraj",
    "Moravskoslezský": "Moravskoslezský kraj",
    "Zlínský": "Zlínský kraj",
}

Row = tuple[str, str, str, str, str]


class SourceError(Exception):
    """The source CSV is not what this script expects."""


def full_kraj_name(short: str) -> str:
    try:
        return KRAJ_FULL_NAMES[short.strip()]
    except KeyError:
        raise SourceError(
            f'unknown kraj "{short}" in the source; add it to KRAJ_FULL_NAMES'
        ) from None


def read_source(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise SourceError(f"{path}: missing columns {', '.join(missing)}")
        yield from reader


def to_row(record: dict[str, str], line: int) -> Row:
    psc = record["psc"].replace(" ", "").strip()
    if len(psc) != 5 or not psc.isdigit():
        raise SourceError(f'line {line}: PSČ "{record["psc"]}" is not five digits')
    return (
        psc,
        record["nazobce"].strip(),
        record["nazcobce"].strip(),
        record["nazokresu"].strip(),
        full_kraj_name(record["nazevkraj"]),
    )


def build_rows(records: Iterable[dict[str, str]]) -> list[Row]:
    # Line 1 is the header, so the first record is on line 2.
    rows = {to_row(record, line) for line, record in enumerate(records, start=2)}
    return sorted(rows)


def render(rows: Iterable[Row]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    raw = text.getvalue().encode("utf-8")
    return gzip.compress(raw, compresslevel=9, mtime=0)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help="the RÚIAN PSČ CSV (default: ../shared/data/cz-psc-obce.csv from the repo root)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="where to write the table (default: crmctl/data/psc.csv.gz)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        rows = build_rows(read_source(args.source))
    except (OSError, SourceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    data = render(rows)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    pscs = len({row[0] for row in rows})
    print(f"wrote {args.output} ({len(rows)} rows, {pscs} PSČ, {len(data)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
