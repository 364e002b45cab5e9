"""Czech order's cost on SQLite: ``ORDER BY`` a text column binary, by the ``czech``
collation, and by ``czech_key()`` (what ``--sort`` uses), on the address-book dataset.

Run ``.venv/bin/python bench/address_book.py --generate`` first (or pass ``--db`` with a
file it made, e.g. 300,000 persons), then ``.venv/bin/python bench/czech_sort.py``. Runs
alternate between the three orders; the median of each is printed in milliseconds.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from pathlib import Path

from crmctl.collation import sort_key
from crmctl.db.functions import register_sqlite_functions

DEFAULT_DB = Path(__file__).resolve().parent / "data" / "address_book.db"
NAME = "trim(coalesce(first_name, '') || ' ' || last_name)"  # contacts' `name`
# (table, sorted expression, limit)
QUERIES = {
    "contacts --sort name --limit 50": ("persons", NAME, " LIMIT 50"),
    "contacts --sort last_name --limit 50": ("persons", "last_name", " LIMIT 50"),
    "companies --sort name --limit 50": ("companies", "name", " LIMIT 50"),
    "contacts --sort name (all rows)": ("persons", NAME, ""),
}
ORDERS = {"binary": ("", ""), "collation": ("", " COLLATE czech"), "czech_key": ("czech_key", "")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=str(DEFAULT_DB), help="SQLite file of address_book.py")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    connection = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    register_sqlite_functions(connection)
    print(f"| query | {' | '.join(ORDERS)} |\n|---|{'---|' * len(ORDERS)}")
    for label, (table, expression, limit) in QUERIES.items():
        times: dict[str, list[float]] = {order: [] for order in ORDERS}
        for _ in range(args.runs):
            for order, (function, collate) in ORDERS.items():
                sort_key.cache_clear()  # every run keys every value afresh
                start = time.perf_counter()
                order_by = f"{function}({expression}){collate}, id{limit}"
                connection.execute(f"SELECT id FROM {table} ORDER BY {order_by}").fetchall()
                times[order].append(time.perf_counter() - start)
        medians = " | ".join(f"{statistics.median(times[o]) * 1000:.0f}" for o in ORDERS)
        print(f"| {label} | {medians} |")


if __name__ == "__main__":
    main()
