"""Import benchmark: `crmctl import` on generated Czech contact lists, end to end.

Generates (once, cached under ``bench/data/``) messy Czech contact lists with twelve
columns — Firma, IČO, Titul, Jméno, Příjmení, Funkce, E-mail, Telefon, Mobil, Ulice,
Město, PSČ — one company per five rows (IČO often typed as a number without its
leading zeros, company names spelled three ways), phones in five formats, titles in
names. Then, each as a fresh process on a fresh database:

* ``crmctl import`` of the 100k-row ``.xlsx`` and, side by side in the same run, the
  pandas baseline ``pandas.read_excel(f).to_sql(...)`` (default engine) on the same file;
* ``crmctl import`` of the 1M-row ``.xlsx`` and of the 1M-row cp1250 ``;`` CSV;
* with ``--postgres URL`` the same imports on PostgreSQL (reported, no target).

Wall time is the whole process; peak RSS is the child's ``ru_maxrss``. Results go to
``bench/RESULTS.md`` between this script's markers. Run from the repository root:
``.venv/bin/python bench/import_lists.py`` (``--sizes 100000`` for a quick run).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook

from crmctl.cli.progress import Progress

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
RESULTS_BEGIN = "<!-- import:begin (written by bench/import_lists.py) -->"
RESULTS_END = "<!-- import:end -->"
CRMCTL = str(Path(sys.executable).with_name("crmctl"))
HEADERS = [
    "Firma", "IČO", "Titul", "Jméno", "Příjmení", "Funkce", "E-mail", "Telefon", "Mobil",
    "Ulice", "Město", "PSČ",
]  # fmt: skip
FIRST = ["Jan", "Petr", "Jana", "Eva", "Tomáš", "Lucie", "Martin", "Hana", "Jiří", "Věra"]
LAST = ["Novák", "Svoboda", "Dvořák", "Černá", "Procházka", "Kučera", "Veselý", "Horák"]
FUNCTIONS = ["jednatel", "nákupčí", "ředitel", "asistentka", "vedoucí výroby", None]
TITLES = ["Ing.", "Mgr.", "Bc.", None, None, None]
CITIES = [("Praha 10", "10200"), ("Brno", "60200"), ("Ostrava", "70200"), ("Plzeň", "30100")]
FORMS = ["s.r.o.", "s. r. o.", "spol. s r.o.", "a.s.", "a. s."]


def ico_with_check(base: int) -> str:
    digits = f"{base:07d}"
    total = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 10
    return digits + str(check)


def phone(rng: random.Random, number: int) -> str:
    digits = f"60{1 + number % 8}{number // 8 % 1_000_000:06d}"
    style = number % 5
    if style == 0:
        return digits
    if style == 1:
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    if style == 2:
        return f"+420 {digits[:3]} {digits[3:6]} {digits[6:]}"
    if style == 3:
        return f"00420{digits}"
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"


def rows(count: int, seed: int = 7) -> Iterator[list[object]]:
    rng = random.Random(seed)
    for index in range(count):
        company = index // 5
        ico = ico_with_check(1_000_000 + company)
        ico_cell: object = int(ico) if company % 3 == 0 else ico
        form = FORMS[company % len(FORMS)]
        name = f"Firma {company} {form}" if index % 3 else f"FIRMA {company}, {form.upper()}"
        city, psc = CITIES[company % len(CITIES)]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        yield [
            name, ico_cell, rng.choice(TITLES), first, last, rng.choice(FUNCTIONS),
            f"{first.lower()}.{index}@firma{company}.cz".replace("á", "a").replace("ř", "r")
            .replace("š", "s").replace("ě", "e").replace("í", "i").replace("č", "c"),
            phone(rng, index * 2), phone(rng, index * 2 + 1),
            f"Průmyslová {index % 200 + 1}", city, psc,
        ]  # fmt: skip


def generate_xlsx(path: Path, count: int) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Kontakty")
    sheet.append([f"Adresář zákazníků ({count:,} řádků)"])
    sheet.append([])
    sheet.append(HEADERS)
    with Progress(f"generate {path.name}", "rows", total=count) as progress:
        for row in rows(count):
            progress.advance()
            sheet.append(row)
    workbook.save(path)


def generate_csv(path: Path, count: int) -> None:
    with path.open("w", encoding="cp1250", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADERS)
        with Progress(f"generate {path.name}", "rows", total=count) as progress:
            for row in rows(count):
                progress.advance()
                writer.writerow(["" if v is None else v for v in row])


def data_file(kind: str, count: int) -> Path:
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"contacts_{count}.{kind}"
    if not path.exists():
        started = time.perf_counter()
        partial = path.with_suffix(f".part.{kind}")
        (generate_xlsx if kind == "xlsx" else generate_csv)(partial, count)
        partial.rename(path)
        print(f"generated {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


@dataclass
class Measurement:
    label: str
    rows: int
    seconds: float
    peak_rss_mb: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.rows / self.seconds


RUNNER = """
import resource, subprocess, sys, time
started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
print(f"{elapsed} {peak} {done.returncode}")
"""


def measure(label: str, rows_count: int, command: list[str], env: dict[str, str]) -> Measurement:
    """Run ``command`` in a fresh process under a small runner that reads its peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *command], capture_output=True, text=True, env=env
    )
    elapsed, peak_kb, code = done.stdout.split()
    if int(code) not in (0, 4):
        raise SystemExit(f"{label} failed ({code}): {done.stderr}")
    return Measurement(label, rows_count, float(elapsed), int(peak_kb) / 1024)


def crmctl_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "CRM_DATABASE_URL": database_url, "CRM_USER": "admin"}


def fresh_sqlite(workdir: Path, name: str) -> str:
    path = workdir / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    subprocess.run(
        [CRMCTL, "--db", url, "init", "--admin", "admin"], check=True, capture_output=True
    )
    return url


def fresh_postgres(base_url: str) -> str:
    import psycopg  # noqa: PLC0415  (optional dependency: the postgres extra)

    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS crmctl_bench_import")
        conn.execute("CREATE DATABASE crmctl_bench_import")
    url = base_url.rsplit("/", 1)[0] + "/crmctl_bench_import"
    subprocess.run(
        [CRMCTL, "--db", url, "init", "--admin", "admin"], check=True, capture_output=True
    )
    return url


def count_contacts(url: str) -> int:
    done = subprocess.run(
        [CRMCTL, "--db", url, "--as", "admin", "import", "list", "-o", "csv", "--limit", "1"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    header, values = done.stdout.splitlines()[:2]
    record = dict(zip(header.split(","), values.split(","), strict=False))
    return int(record["created"])


PANDAS_BASELINE = """
import sqlite3, sys
import pandas
frame = pandas.read_excel(sys.argv[1], header=2)
with sqlite3.connect(sys.argv[2]) as connection:
    frame.to_sql("contacts", connection, index=False)
"""


def run(sizes: list[int], postgres: str | None) -> list[Measurement]:
    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="crmctl-bench-") as tmp:
        workdir = Path(tmp)
        for size in sizes:
            xlsx = data_file("xlsx", size)
            url = fresh_sqlite(workdir, f"xlsx{size}")
            results.append(
                measure(f"crmctl import {size:,}-row .xlsx (SQLite)", size,
                        [CRMCTL, "import", str(xlsx)], crmctl_env(url))
            )  # fmt: skip
            results[-1].note = f"{count_contacts(url):,} rows created"
            if size <= 100_000:
                target = workdir / f"pandas{size}.db"
                results.append(
                    measure(f"pandas read_excel + to_sql {size:,}-row .xlsx", size,
                            [sys.executable, "-c", PANDAS_BASELINE, str(xlsx), str(target)],
                            dict(os.environ))
                )  # fmt: skip
            csv_file = data_file("csv", size)
            url = fresh_sqlite(workdir, f"csv{size}")
            results.append(
                measure(f"crmctl import {size:,}-row cp1250 .csv (SQLite)", size,
                        [CRMCTL, "import", str(csv_file)], crmctl_env(url))
            )  # fmt: skip
            results[-1].note = f"{count_contacts(url):,} rows created"
            if postgres:
                for kind, path in (("xlsx", xlsx), ("csv", csv_file)):
                    url = fresh_postgres(postgres)
                    results.append(
                        measure(f"crmctl import {size:,}-row .{kind} (PostgreSQL)", size,
                                [CRMCTL, "import", str(path)], crmctl_env(url))
                    )  # fmt: skip
    return results


def table(results: list[Measurement]) -> str:
    lines = [
        "| run | rows | wall | rows/s | peak RSS | note |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for m in results:
        lines.append(
            f"| {m.label} | {m.rows:,} | {m.seconds:.1f} s | {m.rate:,.0f} | "
            f"{m.peak_rss_mb:,.0f} MB | {m.note} |"
        )
    return "\n".join(lines)


def write_results(section: str) -> None:
    current = RESULTS_FILE.read_text() if RESULTS_FILE.exists() else "# Benchmark results\n"
    block = f"{RESULTS_BEGIN}\n{section}\n{RESULTS_END}"
    if RESULTS_BEGIN in current and RESULTS_END in current:
        before, rest = current.split(RESULTS_BEGIN, 1)
        after = rest.split(RESULTS_END, 1)[1]
        RESULTS_FILE.write_text(before + block + after)
    else:
        heading = "\n## Spreadsheet import (`bench/import_lists.py`)\n\n"
        RESULTS_FILE.write_text(current.rstrip("\n") + "\n" + heading + block + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="Comma-separated row counts.")
    parser.add_argument("--postgres", help="PostgreSQL URL to also run the imports on.")
    parser.add_argument("--no-write", action="store_true", help="Do not update RESULTS.md.")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = run(sizes, args.postgres)
    command = " ".join(["bench/import_lists.py", *sys.argv[1:]])
    section = "\n".join(
        [
            f"### Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"- Machine: {os.cpu_count()} cores, {platform.platform()}, Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; load average at "
            f"the end {', '.join(f'{v:.2f}' for v in os.getloadavg())}",
            f"- Reproduce: `.venv/bin/python {command}` (from the repository root)",
            "- Each run is a fresh process on a freshly initialised database; wall time of "
            "the whole process, peak RSS of that process (`ru_maxrss`)",
            "",
            table(results),
        ]
    )
    print(section)
    if not args.no_write:
        write_results(section)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
