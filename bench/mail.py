"""End-to-end mail import benchmark (issue 18): `crmctl mail import` of a generated mbox
into a database of 100,000 contacts, and an IMAP first sync and a no-op re-sync.

The mbox is ``bench/mail_corpus.py``'s (``--generate`` writes it: 10,000 Czech
messages, 20 % with attachments, 696 MB); ``--messages N`` imports its first N only. The
database gets 100,000 contacts (each with an e-mail and a company), 20,000 companies with
web domains and 5,000 deals, written with bulk inserts, so pairing finds what the
corpus's addresses, domains and deal tokens point at. Each import is a real ``crmctl``
process (wall clock and the CPU time of the process and its parse workers).

IMAP: a throwaway Dovecot (``tests/mail/dovecot.py``) gets the same messages by APPEND;
then a first ``mail import imap://…`` and a second one with nothing new.

Run from the repository root::

    .venv/bin/python bench/mail.py [--messages 10000] [--jobs 2] [--postgres URL] [--imap]

The table is printed and written into ``bench/RESULTS.md`` between the
``mail:begin``/``mail:end`` markers.
"""

from __future__ import annotations

import argparse
import mailbox
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))

import mail_corpus as corpus  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from crmctl.db import tables  # noqa: E402
from tests.mail.dovecot import PASSWORD, running_dovecot  # noqa: E402  (ROOT on the path first)

RESULTS_FILE = BENCH_DIR / "RESULTS.md"
RESULTS_BEGIN = "<!-- mail:begin (written by bench/mail.py) -->"
RESULTS_END = "<!-- mail:end -->"
CRMCTL = str(ROOT / ".venv" / "bin" / "crmctl")
CHUNK = 5_000


@dataclass
class Step:
    name: str
    messages: int
    seconds: float
    cpu: float
    note: str = ""

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def _subset(count: int, folder: Path) -> Path:
    """The first ``count`` messages of the corpus as their own mbox."""
    source = corpus.DATA_FILE
    if not source.exists():
        corpus.generate(source)
    if count >= corpus.MESSAGES:
        return source
    target = folder / f"mail_{count}.mbox"
    box = mailbox.mbox(str(source))
    out = mailbox.mbox(str(target))
    try:
        for number, key in enumerate(box.iterkeys()):
            if number >= count:
                break
            out.add(box.get_bytes(key))
    finally:
        box.close()
        out.close()
    return target


def _crmctl(url: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> float:
    """Run crmctl; returns the CPU seconds of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    full_env = {**os.environ, "CRM_DATABASE_URL": url, "CRM_USER": "admin", **(env or {})}
    result = subprocess.run(
        [CRMCTL, *args], cwd=cwd, env=full_env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"crmctl {' '.join(args)} failed: {result.stderr.strip()}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _seed(url: str, workdir: Path) -> None:
    """crmctl init, then the address book by bulk inserts."""
    _crmctl(url, "init", "--admin", "admin", cwd=workdir)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    stamps = {"created_at": now, "updated_at": now, "created_by_id": 1, "updated_by_id": 1}
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(tables.companies),
                [
                    {"id": n + 1, "name": f"Firma {n} s.r.o.", "website": f"https://firma{n}.cz",
                     "owner_id": 1, "custom": {}, "search_text": "", **stamps}
                    for n in range(corpus.COMPANIES)
                ],
            )  # fmt: skip
            for start in range(0, corpus.CONTACTS, CHUNK):
                people = [(i, corpus.person_address(i)) for i in range(start, start + CHUNK)]
                connection.execute(
                    insert(tables.persons),
                    [
                        {"id": i + 1, "first_name": p.name.split()[0],
                         "last_name": p.name.split()[1], "owner_id": 1, "custom": {},
                         "search_text": "", **stamps}
                        for i, p in people
                    ],
                )  # fmt: skip
                connection.execute(
                    insert(tables.person_emails),
                    [{"person_id": i + 1, "email": p.address, "position": 0} for i, p in people],
                )
                connection.execute(
                    insert(tables.person_companies),
                    [
                        {"person_id": i + 1, "company_id": i % corpus.COMPANIES + 1,
                         "is_primary": True}
                        for i, _ in people
                    ],
                )  # fmt: skip
            connection.execute(
                insert(tables.deals),
                [
                    {"id": n, "title": f"Obchod {n}", "company_id": n % corpus.COMPANIES + 1,
                     "pipeline": "default", "stage": "lead", "probability": 10,
                     "forecast_category": "pipeline", "stage_entered_at": now,
                     "last_touched_at": now, "owner_id": 1, "custom": {}, **stamps}
                    for n in range(1, corpus.DEALS + 1)
                ],
            )  # fmt: skip
            if engine.dialect.name == "postgresql":
                for table in ("companies", "persons", "deals"):
                    connection.execute(
                        text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                    )
    finally:
        engine.dispose()


def _config(workdir: Path) -> None:
    (workdir / "crmctl.yaml").write_text(
        "documents_dir: docs\ndocuments_max_mb: 25\n"
        "mail:\n  own_addresses: [firma.cz]\n  lead_addresses: [info@firma.cz]\n",
        encoding="utf-8",
    )


def _timed(url: str, name: str, count: int, workdir: Path, *args: str, **env: str) -> Step:
    started = time.perf_counter()
    cpu = _crmctl(url, "mail", "import", *args, cwd=workdir, env=env)
    return Step(name, count, time.perf_counter() - started, cpu)


def run_backend(
    label: str, url: str, mbox: Path, count: int, jobs: int, workdir: Path, imap: bool
) -> list[Step]:
    _config(workdir)
    started = time.perf_counter()
    _seed(url, workdir)
    print(f"{label}: seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    steps = [
        _timed(
            url,
            f"{label}: mbox import + pairing, --jobs {jobs}",
            count,
            workdir,
            str(mbox),
            "--jobs",
            str(jobs),
        ),
    ]
    steps.append(_timed(url, f"{label}: mbox re-import (all duplicates)", count, workdir,
                        str(mbox), "--jobs", str(jobs)))  # fmt: skip
    if imap:
        steps += _imap(url, label, mbox, count, jobs, workdir)
    return steps


def _imap(url: str, label: str, mbox: Path, count: int, jobs: int, workdir: Path) -> list[Step]:
    with running_dovecot() as server:
        user = f"bench{os.getpid()}"
        client = server.client(user)
        box = mailbox.mbox(str(mbox))
        try:
            for key in box.iterkeys():
                client.append("INBOX", None, None, box.get_bytes(key))
        finally:
            box.close()
            client.logout()
        imap_url = server.url(user)
        env = {"CRM_IMAP_PASSWORD": PASSWORD}
        _forget_messages(url)  # a first sync that stores every message again
        first = _timed(url, f"{label}: IMAP first sync (fetch + parse + pair + store)", count,
                       workdir, imap_url, "--jobs", str(jobs), **env)  # fmt: skip
        again = _timed(url, f"{label}: IMAP re-sync, nothing new", 0, workdir, imap_url, **env)
        again.note = "target < 2 s"
        return [first, again]


def _forget_messages(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for table in ("message_attachments", "message_pairings", "messages"):
                connection.execute(text(f"DELETE FROM {table}"))
    finally:
        engine.dispose()


def _postgres_database(admin_url: str) -> str:
    name = f"bench_mail_{os.getpid()}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return str(make_url(admin_url).set(database=name).render_as_string(hide_password=False))


def _drop_postgres(admin_url: str, url: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}"'))
    engine.dispose()


def report(steps: list[Step], argv: list[str], count: int) -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"### Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared), Python "
        f"{platform.python_version()}; load average at the end {load}",
        f"- Reproduce: `.venv/bin/python bench/mail.py {' '.join(argv)}` (repository root)",
        f"- Data: the first {count:,} messages of `bench/data/mail_10k.mbox` (mail_corpus.py);"
        f" {corpus.CONTACTS:,} contacts, {corpus.COMPANIES:,} companies, {corpus.DEALS:,} deals",
        "- One `crmctl mail import` process per step; CPU = the process and its parse workers",
        "",
        "| step | messages | wall s | msg/s (wall) | CPU s | msg/s of CPU | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for s in steps:
        per_cpu = s.messages / s.cpu if s.cpu and s.messages else 0
        lines.append(
            f"| {s.name} | {s.messages:,} | {s.seconds:.2f} | {s.rate:,.0f} | {s.cpu:.2f} | "
            f"{per_cpu:,.0f} | {s.note} |"
        )
    return "\n".join(lines)


def write_results(section: str) -> None:
    text_now = RESULTS_FILE.read_text(encoding="utf-8") if RESULTS_FILE.exists() else ""
    block = f"{RESULTS_BEGIN}\n{section}\n{RESULTS_END}"
    if RESULTS_BEGIN in text_now:
        head, _, rest = text_now.partition(RESULTS_BEGIN)
        _, _, tail = rest.partition(RESULTS_END)
        text_now = head + block + tail
    else:
        text_now = text_now.rstrip() + "\n\n## Mail import end to end (`bench/mail.py`)\n\n"
        text_now += block + "\n"
    RESULTS_FILE.write_text(text_now, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=corpus.MESSAGES)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--postgres", metavar="ADMIN_URL", help="also on PostgreSQL")
    parser.add_argument("--imap", action="store_true", help="also the IMAP sync (Dovecot)")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    args = parser.parse_args(argv)
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="bench-mail-") as temp:
        folder = Path(temp)
        mbox = _subset(args.messages, folder)
        sqlite_dir = folder / "sqlite"
        sqlite_dir.mkdir()
        url = f"sqlite:///{sqlite_dir / 'crm.db'}"
        steps += run_backend("SQLite", url, mbox, args.messages, args.jobs, sqlite_dir, args.imap)
        if args.postgres:
            pg_dir = folder / "pg"
            pg_dir.mkdir()
            pg_url = _postgres_database(args.postgres)
            try:
                steps += run_backend(
                    "PostgreSQL", pg_url, mbox, args.messages, args.jobs, pg_dir, args.imap
                )
            finally:
                _drop_postgres(args.postgres, pg_url)
    section = report(steps, list(argv if argv is not None else sys.argv[1:]), args.messages)
    print(section)
    if not args.no_write:
        write_results(section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
