"""Address-book benchmark: list/search/filter latency and CLI start-up on a large SQLite file.

Generates (once, cached under ``bench/data/``) a deterministic Czech address book of
100,000 companies and 200,000 persons, then measures:

* query time of ``contacts list`` / ``companies list`` with ``--search dvorak`` and
  with a three-condition ``--where``, in-process: the service call as a whole, the SQL
  time reported by SQLAlchemy cursor events, and the same statements re-run on a raw
  ``sqlite3`` connection with ``execute`` + ``fetchall`` (cursor events stop timing
  when SQLite hands back the first row, so they miss the scan behind the other rows);
* wall time of whole ``crmctl`` processes (``--version``, ``--help`` and a search).

Run ``.venv/bin/python bench/address_book.py --generate`` from the repository root;
the markdown table is printed and written into ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import Engine, Table, event, func, insert, select

from crmctl.cli.progress import Progress
from crmctl.config import load_settings
from crmctl.db.engine import make_engine
from crmctl.db.functions import register_sqlite_functions
from crmctl.db.models import (
    Company,
    Event,
    Person,
    PersonCompany,
    PersonEmail,
    PersonPhone,
    Tag,
    User,
)
from crmctl.geo import _table as psc_table
from crmctl.normalize import format_phone_national
from crmctl.services import companies, contacts
from crmctl.services.companies import list_companies
from crmctl.services.contacts import display_name, list_contacts
from crmctl.services.context import Context, open_context
from crmctl.services.listing import ListOptions
from crmctl.text import fold

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_DB = BENCH_DIR / "data" / "address_book.db"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
GENERATOR_VERSION = 2  # 2: search_text by the service's own rule (phones interleaved)
SEED = 42
BATCH = 10_000
# Data are dated relative to this instant and the benchmark fixes CRM_NOW to it, so that
# relative dates such as ``-365d`` select the same rows on every run.
ANCHOR = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
TARGET_MS = 150.0
SEARCH = "dvorak"
CONTACTS_WHERE = 'last_name ~ "novak" and tags = "vip" and created_at >= -365d'
# The same shape with fewer than 50 matches: the scan runs to the end of the table.
CONTACTS_WHERE_SELECTIVE = 'last_name ~ "novak" and tags = "vip" and created_at >= -30d'
NO_HITS = "qxzw"  # a search that matches nothing: the worst case of a full scan
COMPANIES_WHERE = 'region = "Jihomoravský kraj" and tags = "vip" and custom.segment = "A"'
RESULTS_BEGIN = "<!-- address_book:begin (written by bench/address_book.py) -->"
RESULTS_END = "<!-- address_book:end -->"

# --- Czech data ------------------------------------------------------------------------

DVORAK_SHARE = 0.015  # of all persons (and of company names built from a surname)
DVORAK = ("Dvořák", "Dvořáková")
# (male form, female form, relative frequency)
SURNAMES: tuple[tuple[str, str, int], ...] = (
    ("Novák", "Nováková", 30), ("Svoboda", "Svobodová", 24), ("Novotný", "Novotná", 23),
    ("Černý", "Černá", 21), ("Procházka", "Procházková", 19), ("Kučera", "Kučerová", 18),
    ("Veselý", "Veselá", 16), ("Horák", "Horáková", 15), ("Němec", "Němcová", 14),
    ("Marek", "Marková", 13), ("Pospíšil", "Pospíšilová", 13), ("Pokorný", "Pokorná", 12),
    ("Hájek", "Hájková", 12), ("Král", "Králová", 12), ("Jelínek", "Jelínková", 12),
    ("Růžička", "Růžičková", 11), ("Beneš", "Benešová", 11), ("Fiala", "Fialová", 11),
    ("Sedláček", "Sedláčková", 10), ("Doležal", "Doležalová", 10), ("Zeman", "Zemanová", 10),
    ("Kolář", "Kolářová", 10), ("Navrátil", "Navrátilová", 9), ("Čermák", "Čermáková", 9),
    ("Vaněk", "Vaňková", 9), ("Urban", "Urbanová", 9), ("Blažek", "Blažková", 8),
    ("Kříž", "Křížová", 8), ("Kovář", "Kovářová", 8), ("Bartoš", "Bartošová", 8),
    ("Vlček", "Vlčková", 8), ("Polák", "Poláková", 8), ("Musil", "Musilová", 7),
    ("Kopecký", "Kopecká", 7), ("Šimek", "Šimková", 7), ("Konečný", "Konečná", 7),
    ("Malý", "Malá", 7), ("Holub", "Holubová", 7), ("Štěpánek", "Štěpánková", 6),
    ("Kadlec", "Kadlecová", 6), ("Dostál", "Dostálová", 6), ("Soukup", "Soukupová", 6),
    ("Šťastný", "Šťastná", 6), ("Mareš", "Marešová", 6), ("Moravec", "Moravcová", 6),
    ("Sýkora", "Sýkorová", 6), ("Tichý", "Tichá", 5), ("Valenta", "Valentová", 5),
    ("Vávra", "Vávrová", 5), ("Matoušek", "Matoušková", 5), ("Říha", "Říhová", 5),
    ("Ševčík", "Ševčíková", 5), ("Bureš", "Burešová", 5), ("Hruška", "Hrušková", 5),
    ("Kratochvíl", "Kratochvílová", 5), ("Dvořáček", "Dvořáčková", 3),
)  # fmt: skip
MALE_NAMES = (
    "Jan", "Jiří", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jaroslav", "Miroslav",
    "Zdeněk", "Václav", "Michal", "František", "Karel", "Milan", "Lukáš", "Jakub", "David",
    "Ondřej", "Radek", "Vojtěch", "Matěj", "Štěpán", "Aleš", "Luboš",
)  # fmt: skip
FEMALE_NAMES = (
    "Jana", "Marie", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Lucie", "Věra", "Alena",
    "Petra", "Veronika", "Jaroslava", "Martina", "Tereza", "Michaela", "Zuzana", "Ivana",
    "Markéta", "Barbora", "Šárka", "Klára", "Dagmar", "Růžena", "Adéla",
)  # fmt: skip
TITLES_BEFORE = ("Ing.", "Mgr.", "Bc.", "MUDr.", "JUDr.", "Ing. arch.", "PhDr.", "RNDr.")
TITLES_AFTER = ("Ph.D.", "CSc.", "MBA", "DiS.")
FUNCTIONS = (
    "jednatel", "jednatelka", "obchodní ředitel", "nákupčí", "účetní", "asistentka",
    "vedoucí výroby", "technik", "IT správce", "projektový manažer", "ředitel", "referentka",
)  # fmt: skip
TRADES = (
    "Stavby", "Strojírny", "Truhlářství", "Autoservis", "Elektro", "Zahradnictví", "Pekárna",
    "Účetnictví", "Doprava", "Kovovýroba", "Instalatérství", "Tiskárna", "Řeznictví",
)  # fmt: skip
BRAND_WORDS = (
    "Agro", "Tech", "Bohemia", "Morava", "Hanácká", "Šumava", "Krkonoše", "Beskydy", "Vltava",
    "Labe", "Data", "Servis", "Trade", "Metal", "Plast", "Energo", "Eko", "Stav", "Inter",
)  # fmt: skip
LEGAL_FORMS = (
    ("s.r.o.", 58), ("spol. s r.o.", 10), ("a.s.", 10), ("v.o.s.", 3), ("k.s.", 2),
    ("z.s.", 2), ("", 15),
)  # fmt: skip
INDUSTRIES = (
    "Strojírenství", "Stavebnictví", "Potravinářství", "Služby", "Doprava", "IT",
    "Zemědělství", "Obchod", "Energetika", "Zdravotnictví", "Hutnictví", "Tisk",
)  # fmt: skip
STREETS = (
    "Husova", "Nádražní", "Masarykova", "Palackého", "Komenského", "Jiráskova", "Školní",
    "Průmyslová", "Zahradní", "Sokolská", "Na Výsluní", "Tyršova", "Smetanova", "Lidická",
)  # fmt: skip
FREE_MAIL = ("seznam.cz", "email.cz", "gmail.com", "centrum.cz", "post.cz", "volny.cz")
MOBILE_PREFIXES = (
    601, 602, 603, 604, 605, 606, 607, 608, 702, 704, 720, 721, 724, 725,
    728, 731, 732, 733, 736, 737, 739, 773, 774, 775, 776, 777, 792, 793,
)  # fmt: skip
LANDLINE_PREFIXES = (
    222, 224, 226, 233, 241, 257, 271, 283, 311, 326, 386, 466, 483, 485,
    495, 517, 530, 541, 543, 545, 548, 553, 571, 585, 596, 597,
)  # fmt: skip
SEGMENTS = (("A", 20), ("B", 50), ("C", 30))
USERS = (
    ("jana.novotna", "Jana Novotná", "manager"), ("petr.kral", "Petr Král", "sales"),
    ("eva.mala", "Eva Malá", "sales"), ("tomas.hruby", "Tomáš Hrubý", "support"),
    ("lucie.bartosova", "Lucie Bartošová", "sales"), ("ondrej.musil", "Ondřej Musil", "sales"),
    ("martin.kolar", "Martin Kolář", "manager"), ("klara.fialova", "Klára Fialová", "sales"),
)  # fmt: skip


# --- generation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    companies: int
    persons: int


@dataclass
class Rows:
    """Rows per table, as dicts for ``insert()`` executemany."""

    users: list[dict[str, Any]] = field(default_factory=list)
    companies: list[dict[str, Any]] = field(default_factory=list)
    persons: list[dict[str, Any]] = field(default_factory=list)
    emails: list[dict[str, Any]] = field(default_factory=list)
    phones: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


class Faker:
    """Deterministic Czech names, numbers and dates drawn from one ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pscs = sorted(psc_table())
        self.used_emails: set[str] = set()
        self.domains: dict[int, str] = {}  # company id -> its web and e-mail domain

    def surname(self, female: bool) -> str:
        if self.rng.random() < DVORAK_SHARE:
            return DVORAK[female]
        male, fem, _ = self.rng.choices(SURNAMES, weights=[w for *_, w in SURNAMES])[0]
        return fem if female else male

    def weighted(self, pairs: Sequence[tuple[str, int]]) -> str:
        return self.rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]

    def moment(self, years: float = 6.0) -> datetime:
        return ANCHOR - timedelta(seconds=self.rng.uniform(0, years * 365 * 86400))

    def later(self, start: datetime) -> datetime:
        return start + (ANCHOR - start) * self.rng.random() ** 3

    def phone(self, prefixes: Sequence[int]) -> str:
        return f"+420{self.rng.choice(prefixes)}{self.rng.randrange(1_000_000):06d}"

    def ico(self, base: int) -> str:
        digits = f"{base:07d}"
        total = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1), strict=True))
        return digits + str((11 - total % 11) % 10)

    def unique_email(self, local: str, domain: str) -> str:
        email, n = f"{local}@{domain}", 1
        while email in self.used_emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.used_emails.add(email)
        return email


def slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(value)).strip("-")


def national_digits(e164: str) -> str:
    """As ``_refresh_search_text`` does it: the national form without spaces."""
    return format_phone_national(e164).replace(" ", "")


def company_search_text(row: dict[str, Any]) -> str:
    """Same rule as ``crmctl.services.companies._refresh_search_text``."""
    phone = row["phone"] or ""
    national = national_digits(phone) if phone else ""
    parts = [row["name"], row["ico"], row["email"], phone, national, row["city"]]
    return fold(" ".join(part for part in parts if part))


def person_search_text(person: Person, emails: list[str], phones: list[str]) -> str:
    """The service's own rule (``crmctl.services.contacts.person_search_text``)."""
    return contacts.person_search_text(display_name(person), emails, phones)


def stamps(fake: Faker, owner_id: int) -> dict[str, Any]:
    created = fake.moment()
    deleted = fake.later(created) if fake.rng.random() < 0.01 else None
    return {
        "created_at": created,
        "updated_at": fake.later(created),
        "created_by_id": owner_id,
        "updated_by_id": owner_id,
        "owner_id": owner_id,
        "deleted_at": deleted,
        "merged_into_id": None,
    }


def company_name(fake: Faker) -> tuple[str, str]:
    """The registered name and its core (without the legal form), for a web domain."""
    rng = fake.rng
    legal = fake.weighted(LEGAL_FORMS)
    roll = rng.random()
    if roll < 0.35:
        core = f"{rng.choice(TRADES)} {fake.surname(female=False)}"
    elif roll < 0.6:
        core = fake.surname(female=False) + rng.choice(("", " a syn", " a spol.", " & Co"))
    elif roll < 0.85:
        core = f"{rng.choice(BRAND_WORDS)} {rng.choice(BRAND_WORDS)}"
    else:
        core = f"{rng.choice(BRAND_WORDS)}{rng.choice(BRAND_WORDS).lower()} {rng.choice(TRADES)}"
    if not legal:  # a sole trader: a person's name
        core = f"{rng.choice(MALE_NAMES)} {fake.surname(female=False)}"
        return f"{core} - {rng.choice(TRADES)}", core
    return (f"{core}, {legal}" if legal == "spol. s r.o." else f"{core} {legal}"), core


def make_company(fake: Faker, company_id: int, ico_base: int, owners: list[int]) -> dict[str, Any]:
    rng = fake.rng
    name, core = company_name(fake)
    psc = rng.choice(fake.pscs)
    place = psc_table()[psc][0]
    domain = fake.domains[company_id] = f"{slug(core)[:40]}.cz"
    ico = fake.ico(ico_base)
    row: dict[str, Any] = {
        "id": company_id,
        "name": name,
        "ico": ico,
        "dic": f"CZ{ico}" if rng.random() < 0.7 else None,
        "street": f"{rng.choice(STREETS)} {rng.randrange(1, 200)}",
        "city": place.obec,
        "psc": f"{psc[:3]} {psc[3:]}",
        "region": place.kraj,
        "district": place.okres,
        "country": "CZ",
        "industry": rng.choice(INDUSTRIES),
        "website": f"https://www.{domain}" if rng.random() < 0.6 else None,
        "phone": fake.phone(LANDLINE_PREFIXES) if rng.random() < 0.8 else None,
        "email": f"info@{domain}" if rng.random() < 0.7 else None,
        "custom": {"segment": fake.weighted(SEGMENTS), "employees": rng.randrange(1, 1000)},
        **stamps(fake, rng.choice(owners)),
    }
    row["search_text"] = company_search_text(row)
    return row


def make_person(fake: Faker, person_id: int, company: dict[str, Any], owners: list[int]) -> Rows:
    rng = fake.rng
    female = rng.random() < 0.5
    person = Person(
        id=person_id,
        title_before=rng.choice(TITLES_BEFORE) if rng.random() < 0.15 else None,
        first_name=rng.choice(FEMALE_NAMES if female else MALE_NAMES),
        last_name=fake.surname(female),
        title_after=rng.choice(TITLES_AFTER) if rng.random() < 0.04 else None,
        function=rng.choice(FUNCTIONS) if rng.random() < 0.8 else None,
        note="potkali jsme se na veletrhu" if rng.random() < 0.05 else None,
    )
    local = f"{slug(person.first_name or '')}.{slug(person.last_name)}".replace("-", ".")
    emails = [fake.unique_email(local, fake.domains[company["id"]])]
    if rng.random() < 0.35:
        emails.append(fake.unique_email(local, rng.choice(FREE_MAIL)))
    phones = [fake.phone(MOBILE_PREFIXES) for _ in range(rng.choice((0, 1, 1, 1, 2)))]
    columns = ("title_before", "first_name", "last_name", "title_after", "function", "note")
    row = {name: getattr(person, name) for name in columns}
    row |= {"id": person_id, "custom": {}, **stamps(fake, rng.choice(owners))}
    if rng.random() < 0.3:
        row["custom"] = {"zdroj": rng.choice(("web", "veletrh", "doporučení", "import"))}
    row["search_text"] = person_search_text(person, emails, phones)
    rows = Rows(persons=[row])
    rows.emails = [
        {"person_id": person_id, "email": v, "position": n} for n, v in enumerate(emails)
    ]
    rows.phones = [
        {"person_id": person_id, "phone": v, "position": n} for n, v in enumerate(phones)
    ]
    return rows


def make_tags(fake: Faker, entity_type: str, entity_id: int) -> list[dict[str, Any]]:
    if fake.rng.random() >= 0.1:
        return []
    names = fake.rng.choice((["vip"], ["vip"], ["partner"], ["vip", "partner"]))
    return [{"entity_type": entity_type, "entity_id": entity_id, "tag": tag} for tag in names]


def created_event(entity_type: str, row: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "at": row["created_at"],
        "actor_id": row["created_by_id"],
        "entity_type": entity_type,
        "entity_id": row["id"],
        "kind": f"{entity_type}.created",
        "payload": {"fields": {"name": name}},
    }


def make_users(first_id: int, admin_id: int) -> list[dict[str, Any]]:
    created = ANCHOR - timedelta(days=6 * 365 + 30)
    return [
        {
            "id": first_id + n,
            "login": login,
            "name": name,
            "email": f"{login}@example.cz",
            "role": role,
            "active": True,
            "created_at": created,
            "updated_at": created,
            "created_by_id": admin_id,
            "updated_by_id": admin_id,
        }
        for n, (login, name, role) in enumerate(USERS)
    ]


def generate_rows(sizes: Sizes, admin_id: int) -> Rows:
    fake = Faker(SEED)
    rows = Rows(users=make_users(admin_id + 1, admin_id))
    owners = [admin_id, *(user["id"] for user in rows.users)]
    ico_bases = fake.rng.sample(range(1_000_000, 9_999_999), sizes.companies)
    with Progress("generate", "records", total=sizes.companies + sizes.persons) as progress:
        add_companies(fake, rows, ico_bases, owners, progress)
        add_persons(fake, rows, sizes.persons, owners, progress)
    return rows


def add_companies(
    fake: Faker, rows: Rows, ico_bases: list[int], owners: list[int], progress: Progress
) -> None:
    for company_id, base in enumerate(ico_bases, start=1):
        progress.advance()
        company = make_company(fake, company_id, base, owners)
        rows.companies.append(company)
        rows.tags += make_tags(fake, "company", company_id)
        rows.events.append(created_event("company", company, company["name"]))


def add_persons(
    fake: Faker, rows: Rows, persons: int, owners: list[int], progress: Progress
) -> None:
    for person_id in range(1, persons + 1):
        progress.advance()
        linked = fake.rng.sample(rows.companies, 2 if fake.rng.random() < 0.1 else 1)
        person = make_person(fake, person_id, linked[0], owners)
        rows.persons += person.persons
        rows.emails += person.emails
        rows.phones += person.phones
        for n, company in enumerate(linked):
            role = person.persons[0]["function"] if n == 0 else "externista"
            rows.links.append(
                {
                    "person_id": person_id,
                    "company_id": company["id"],
                    "role": role,
                    "is_primary": n == 0,
                }
            )
        rows.tags += make_tags(fake, "contact", person_id)
        name = f"{person.persons[0]['first_name']} {person.persons[0]['last_name']}"
        rows.events.append(created_event("contact", person.persons[0], name))


def crmctl_command() -> list[str]:
    beside = Path(sys.executable).parent / "crmctl"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("crmctl")
    if found is None:
        raise SystemExit("crmctl is not installed: run from the project's venv")
    return [found]


def db_url(path: Path) -> str:
    return f"sqlite:///{path}"


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    meta_path(path).unlink(missing_ok=True)


def meta_path(path: Path) -> Path:
    return path.with_suffix(".json")


def dataset_ready(path: Path, sizes: Sizes) -> bool:
    meta = meta_path(path)
    if not path.exists() or not meta.exists():
        return False
    wanted = {"generator": GENERATOR_VERSION, "seed": SEED, **vars(sizes)}
    if json.loads(meta.read_text()) != wanted:
        return False
    return table_counts(path) == (sizes.companies, sizes.persons)


def table_counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as connection:
        companies = connection.execute("SELECT count(*) FROM companies").fetchone()[0]
        persons = connection.execute("SELECT count(*) FROM persons").fetchone()[0]
    return companies, persons


def insert_batches(engine: Engine, table: Table, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            connection.execute(insert(table), rows[start : start + BATCH])


def load(engine: Engine, rows: Rows) -> None:
    tables: list[tuple[Table, list[dict[str, Any]]]] = [
        (User.__table__, rows.users),
        (Company.__table__, rows.companies),
        (Person.__table__, rows.persons),
        (PersonEmail.__table__, rows.emails),
        (PersonPhone.__table__, rows.phones),
        (PersonCompany.__table__, rows.links),
        (Tag.__table__, rows.tags),
        (Event.__table__, rows.events),
    ]
    for table, table_rows in tables:
        started = time.perf_counter()
        insert_batches(engine, table, table_rows)
        print(f"  {table.name}: {len(table_rows):,} rows in {time.perf_counter() - started:.1f} s")
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def generate(path: Path, sizes: Sizes) -> None:
    print(f"generating {sizes.companies:,} companies and {sizes.persons:,} persons in {path}")
    remove_database(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    init = [*crmctl_command(), "--db", db_url(path), "init", "--admin", "admin"]
    subprocess.run(init, check=True, env=bench_env())
    engine = make_engine(db_url(path))
    try:
        with engine.connect() as connection:
            admin_id = connection.scalar(select(User.id).where(User.login == "admin"))
        started = time.perf_counter()
        rows = generate_rows(sizes, int(admin_id or 1))
        print(f"  rows built in {time.perf_counter() - started:.1f} s")
        load(engine, rows)
    finally:
        engine.dispose()
    verify_search_text(path)
    meta = {"generator": GENERATOR_VERSION, "seed": SEED, **vars(sizes)}
    meta_path(path).write_text(json.dumps(meta) + "\n")


def verify_search_text(path: Path, sample: int = 200) -> None:
    """The stored ``search_text`` must equal what the services would write."""
    with service_context(path) as ctx:
        persons = ctx.session.scalars(select(Person).order_by(func.random()).limit(sample))
        for person in persons:
            stored = person.search_text
            contacts._refresh_search_text(ctx, person)
            if person.search_text != stored:
                raise RuntimeError(f"person {person.id}: {stored!r} != {person.search_text!r}")
        for company in ctx.session.scalars(select(Company).order_by(func.random()).limit(sample)):
            stored = company.search_text
            companies._refresh_search_text(company)
            if company.search_text != stored:
                raise RuntimeError(f"company {company.id}: {stored!r} != {company.search_text!r}")
        ctx.session.rollback()
    print(f"  search_text checked against the services on {sample} persons and companies")


# --- measurement -----------------------------------------------------------------------


@dataclass
class SqlLog:
    """Statements seen by SQLAlchemy's cursor events while ``active``."""

    active: bool = False
    seconds: float = 0.0
    statements: list[tuple[str, Any]] = field(default_factory=list)
    started: float = 0.0

    def reset(self) -> None:
        self.seconds, self.statements = 0.0, []


SQL_LOG = SqlLog()


def _before_cursor_execute(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
) -> None:
    if SQL_LOG.active:
        SQL_LOG.statements.append((statement, parameters))
        SQL_LOG.started = time.perf_counter()


def _after_cursor_execute(*_args: Any) -> None:
    if SQL_LOG.active:
        SQL_LOG.seconds += time.perf_counter() - SQL_LOG.started


def install_sql_listeners() -> None:
    if not event.contains(Engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(Engine, "before_cursor_execute", _before_cursor_execute)
        event.listen(Engine, "after_cursor_execute", _after_cursor_execute)


@contextmanager
def service_context(path: Path) -> Iterator[Context]:
    settings = load_settings(db_option=db_url(path), as_option="admin")
    with open_context(settings) as ctx:
        yield ctx


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[Context], list[dict[str, Any]]]
    target_ms: float | None = TARGET_MS


def list_cases() -> list[Case]:
    def contacts(options: ListOptions) -> Callable[[Context], list[dict[str, Any]]]:
        return lambda ctx: list_contacts(ctx, options)

    def companies(options: ListOptions) -> Callable[[Context], list[dict[str, Any]]]:
        return lambda ctx: list_companies(ctx, options)

    return [
        Case(f"contacts list --search {SEARCH}", contacts(ListOptions(search=SEARCH, limit=50))),
        Case(
            "contacts list --where (3 conditions)", contacts(ListOptions(CONTACTS_WHERE, limit=50))
        ),
        Case(
            "contacts list --where (3 conditions, < 50 matches)",
            contacts(ListOptions(CONTACTS_WHERE_SELECTIVE, limit=50)),
        ),
        Case(
            f"contacts list --search {NO_HITS} (no match: full scan)",
            contacts(ListOptions(search=NO_HITS, limit=50)),
            target_ms=None,
        ),
        Case(f"companies list --search {SEARCH}", companies(ListOptions(search=SEARCH, limit=50))),
        Case(
            "companies list --where (3 conditions)",
            companies(ListOptions(COMPANIES_WHERE, limit=50)),
        ),
    ]


@dataclass
class Sample:
    service: float
    events: float
    replay: float
    rows: int
    statements: list[tuple[str, Any]]
    per_statement: list[float]


def replay(path: Path, statements: list[tuple[str, Any]]) -> list[float]:
    """Each statement's ``execute`` + ``fetchall`` on a fresh raw connection, in seconds."""
    connection = sqlite3.connect(path)
    register_sqlite_functions(connection)
    try:
        timings = []
        for statement, parameters in statements:
            started = time.perf_counter()
            connection.execute(statement, parameters).fetchall()
            timings.append(time.perf_counter() - started)
        return timings
    finally:
        connection.close()


def run_case(path: Path, case: Case) -> Sample:
    with service_context(path) as ctx:
        SQL_LOG.reset()
        SQL_LOG.active = True
        started = time.perf_counter()
        records = case.call(ctx)
        service = time.perf_counter() - started
        SQL_LOG.active = False
    per_statement = replay(path, SQL_LOG.statements)
    return Sample(
        service,
        SQL_LOG.seconds,
        sum(per_statement),
        len(records),
        SQL_LOG.statements,
        per_statement,
    )


def measure_case(path: Path, case: Case, runs: int) -> list[Sample]:
    run_case(path, case)  # warm-up
    return [run_case(path, case) for _ in range(runs)]


def bench_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return env | {"CRM_NOW": ANCHOR.isoformat()}


def cached_env() -> dict[str, str]:
    """As after a normal install: byte-code cached (under ``bench/data/``, not in the tree)."""
    env = {k: v for k, v in bench_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(BENCH_DIR / "data" / "pycache")}


def uncached_env() -> dict[str, str]:
    """As in a shell with ``PYTHONDONTWRITEBYTECODE=1`` and an editable install."""
    env = {k: v for k, v in bench_env().items() if k != "PYTHONPYCACHEPREFIX"}
    return env | {"PYTHONDONTWRITEBYTECODE": "1"}


@dataclass(frozen=True)
class WallCase:
    name: str
    target_ms: float | None
    command: list[str]
    env: dict[str, str]


def wall_cases(path: Path) -> list[WallCase]:
    crmctl = crmctl_command()
    search = [*crmctl, "--db", db_url(path), "--as", "admin", "contacts", "list"]
    search += ["--search", SEARCH, "--limit", "50"]
    no_pyc = "no .pyc for crmctl (PYTHONDONTWRITEBYTECODE=1)"
    return [
        WallCase("`crmctl --version`: wall", TARGET_MS, [*crmctl, "--version"], cached_env()),
        WallCase("`crmctl --help`: wall", TARGET_MS, [*crmctl, "--help"], cached_env()),
        WallCase(f"`crmctl contacts list --search {SEARCH} --limit 50`: wall", None, search,
                 cached_env()),
        WallCase(f"`crmctl --version`: wall, {no_pyc}", None, [*crmctl, "--version"],
                 uncached_env()),
        WallCase(f"`crmctl --help`: wall, {no_pyc}", None, [*crmctl, "--help"], uncached_env()),
    ]  # fmt: skip


def wall_times(cases: list[WallCase], runs: int) -> list[list[float]]:
    """Seconds per whole process: hyperfine if installed, else timed ``subprocess.run``.

    Without hyperfine the commands take turns, so that background load hits all alike.
    """
    for case in cases:  # warm-up, also fills the byte-code cache
        subprocess.run(case.command, check=True, env=case.env, stdout=subprocess.DEVNULL)
    if shutil.which("hyperfine"):
        return [hyperfine_times(case, runs) for case in cases]
    times: list[list[float]] = [[] for _ in cases]
    for _ in range(runs):
        for case, case_times in zip(cases, times, strict=True):
            started = time.perf_counter()
            subprocess.run(case.command, check=True, env=case.env, stdout=subprocess.DEVNULL)
            case_times.append(time.perf_counter() - started)
    return times


def hyperfine_times(case: WallCase, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as scratch:
        export = Path(scratch) / "times.json"
        hyperfine = ["hyperfine", "--shell=none", "--warmup", "1", "--runs", str(runs)]
        hyperfine += ["--style", "none", "--export-json", str(export), shlex.join(case.command)]
        subprocess.run(hyperfine, check=True, env=case.env, stdout=subprocess.DEVNULL)
        return [float(t) for t in json.loads(export.read_text())["results"][0]["times"]]


# --- reporting -------------------------------------------------------------------------


@dataclass(frozen=True)
class Metric:
    name: str
    target_ms: float | None
    seconds: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.seconds) * 1000

    def verdict(self) -> str:
        if self.target_ms is None:
            return "info"
        return "pass" if self.median_ms < self.target_ms else "**FAIL**"


def case_metrics(case: Case, samples: list[Sample]) -> list[Metric]:
    return [
        Metric(f"`{case.name}`: SQL, execute+fetch", case.target_ms, [s.replay for s in samples]),
        Metric(f"`{case.name}`: SQL, cursor events", None, [s.events for s in samples]),
        Metric(f"`{case.name}`: service call total", None, [s.service for s in samples]),
    ]


def markdown_table(metrics: list[Metric]) -> str:
    lines = [
        "| metric | target | median | max | result |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    for metric in metrics:
        target = f"< {metric.target_ms:.0f} ms" if metric.target_ms else "-"
        lines.append(
            f"| {metric.name} | {target} | {metric.median_ms:.1f} ms | {metric.max_ms:.1f} ms "
            f"| {metric.verdict()} |"
        )
    return "\n".join(lines)


def machine_note() -> str:
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, SQLAlchemy {sqlalchemy.__version__}; "
        f"load average at the end {load}"
    )


def results_section(args: argparse.Namespace, sizes: Sizes, table: str, extra: str) -> str:
    path = Path(args.db).resolve()
    shown = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    command = ".venv/bin/python bench/address_book.py --generate"
    if path != DEFAULT_DB:
        command += f" --db {shown}"
    command += f" --runs {args.runs} --wall-runs {args.wall_runs}"
    timer = "hyperfine" if shutil.which("hyperfine") else "timed `subprocess.run`, taking turns"
    return "\n".join(
        [
            RESULTS_BEGIN,
            f"### Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"- Machine: {machine_note()}",
            f"- Reproduce: `{command}` (from the repository root)",
            f"- Dataset: `{shown}`: {sizes.companies:,} companies, {sizes.persons:,} persons"
            f" ({extra}); seed {SEED}, `CRM_NOW={ANCHOR.isoformat()}`",
            f"- Runs: median and max of {args.runs} runs per query, {args.wall_runs} per command,"
            " each after one warm-up; query runs each open a new `Context` (new connection),"
            " as the CLI does",
            f"- Wall times: {timer}",
            "- `SQL, execute+fetch` (the target's query time): the statements the service ran,"
            " re-run on a fresh raw `sqlite3` connection, `execute` + `fetchall`;"
            " `SQL, cursor events`: SQLAlchemy `before/after_cursor_execute` summed, which stops"
            " at SQLite's first row and so misses the scan behind the other rows;"
            " `service call total`: the whole `list_*` call, ORM and record building included",
            f"- Contacts `--where`: `{CONTACTS_WHERE}`;"
            f" the `< 50 matches` variant: `{CONTACTS_WHERE_SELECTIVE}`",
            f"- Companies `--where`: `{COMPANIES_WHERE}`",
            "",
            table,
            RESULTS_END,
        ]
    )


def write_results(section: str) -> None:
    header = "# Benchmark results\n\n## Address book (`bench/address_book.py`)\n\n"
    current = RESULTS_FILE.read_text() if RESULTS_FILE.exists() else header
    if RESULTS_BEGIN in current and RESULTS_END in current:
        before, rest = current.split(RESULTS_BEGIN, 1)
        after = rest.split(RESULTS_END, 1)[1]
        updated = before + section + after
    else:
        updated = current.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS_FILE.write_text(updated)


def dataset_extra(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        counts = {
            name: connection.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
            for name in ("person_emails", "person_phones", "person_companies", "tags", "events")
        }
    size_mb = path.stat().st_size / 1e6
    listed = ", ".join(f"{count:,} {name}" for name, count in counts.items())
    return f"{listed}; file {size_mb:.0f} MB"


def explain(path: Path, case: Case, sample: Sample) -> None:
    """The plan of the list query and each statement's replayed time."""
    print(f"\n## {case.name}: {sample.rows} rows")
    connection = sqlite3.connect(path)
    register_sqlite_functions(connection)
    try:
        timed = zip(sample.per_statement, sample.statements, strict=True)
        for seconds, (statement, parameters) in sorted(timed, key=lambda x: x[0], reverse=True):
            print(f"\n{seconds * 1000:8.2f} ms  {' '.join(statement.split())[:300]}")
            print(f"           params: {str(parameters)[:200]}")
            plan = connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            for _id, parent, _unused, detail in plan:
                print(f"           plan: {'  ' * (parent > 0)}{detail}")
    finally:
        connection.close()


# --- main ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--generate", action="store_true", help="build the dataset first if missing or stale"
    )
    parser.add_argument("--db", default=str(DEFAULT_DB), help="SQLite file (default: %(default)s)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per query (default: 7)")
    parser.add_argument(
        "--wall-runs", type=int, default=20, help="timed runs per command (default: 20)"
    )
    parser.add_argument("--companies", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument(
        "--explain", action="store_true", help="print each statement's time and query plan"
    )
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    path, sizes = Path(args.db).resolve(), Sizes(args.companies, args.persons)
    if not dataset_ready(path, sizes):
        if not args.generate:
            print(f"no dataset of {sizes} at {path}: run with --generate", file=sys.stderr)
            return 2
        generate(path, sizes)
    os.environ.update(bench_env())
    install_sql_listeners()
    metrics: list[Metric] = []
    for case in list_cases():
        samples = measure_case(path, case, args.runs)
        metrics += case_metrics(case, samples)
        if args.explain:
            explain(path, case, samples[-1])
    walls = wall_cases(path)
    for case, seconds in zip(walls, wall_times(walls, args.wall_runs), strict=True):
        metrics.append(Metric(case.name, case.target_ms, seconds))
    table = markdown_table(metrics)
    print("\n" + table)
    if not args.no_write:
        write_results(results_section(args, sizes, table, dataset_extra(path)))
        print(f"\nwritten to {RESULTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
