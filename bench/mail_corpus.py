"""Mail parse + pairing throughput on a generated 10,000-message mbox (issue 18).

``--generate`` writes ``bench/data/mail_10k.mbox`` (seeded, so every run reads the same
bytes): Czech messages, 20 % with one to three attachments of realistic sizes (PDF
offers, XLSX price lists, JPEG photos, DOCX, now and then an Outlook winmail.dat),
plain, HTML-alternative and cp1250/iso-8859-2 bodies, RFC 2047 subjects, reply threads
(In-Reply-To/References, some with an ``[OP-n]`` deal token), inquiries to info@, a few
messages without Message-ID or Date.

The measurement reads the mbox with ``crmctl.mail.sources`` and, per message, parses it
(``crmctl.mail.parse``, attachment limit 25 MB) and pairs it (``crmctl.mail.pairing``)
against an in-memory lookup of 100,000 contacts, 20,000 company domains and 5,000 deals,
adding each message to the lookup as the importer will (so replies pair by thread). No
database: this is the library's share of issue 18's "import and pairing ≥ 500 messages/s"
target, which ``bench/mail.py`` will measure end to end with the message entity.

Run from the repository root::

    .venv/bin/python bench/mail_corpus.py --generate [--runs 3]

The table is printed and written into ``bench/RESULTS.md`` between the
``mail_corpus:begin``/``mail_corpus:end`` markers, with the command and the load average.
"""

from __future__ import annotations

import argparse
import mailbox
import os
import platform
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR.parent))

from crmctl.mail.memory import MemoryLookup  # noqa: E402
from crmctl.mail.pairing import KnownMessage, pair_message  # noqa: E402
from crmctl.mail.parse import parse_message  # noqa: E402
from crmctl.mail.settings import parse_mail_section  # noqa: E402
from crmctl.mail.sources import MboxSource  # noqa: E402

DATA_FILE = BENCH_DIR / "data" / "mail_10k.mbox"
RESULTS_FILE = BENCH_DIR / "RESULTS.md"
RESULTS_BEGIN = "<!-- mail_corpus:begin (written by bench/mail_corpus.py) -->"
RESULTS_END = "<!-- mail_corpus:end -->"
SEED = 18
MESSAGES = 10_000
CONTACTS = 100_000
COMPANIES = 20_000
DEALS = 5_000
ATTACHMENT_SHARE = 0.20
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
OWN_DOMAIN = "firma.cz"
SETTINGS = parse_mail_section(
    {"own_addresses": [OWN_DOMAIN], "lead_addresses": [f"info@{OWN_DOMAIN}"]}
)

FIRST = ["Jan", "Petr", "Jana", "Eva", "Tomáš", "Lucie", "Jiří", "Kateřina", "Martin", "Zdeněk"]
LAST = ["Novák", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Němec", "Růžička"]
ASCII = str.maketrans("áčďéěíňóřšťúůýž", "acdeeinorstuuyz")
FREE = ["seznam.cz", "email.cz", "centrum.cz", "gmail.com", "post.cz", "volny.cz"]
SUBJECTS = [
    "Nabídka na dodávku regálů", "Poptávka – servis klimatizace", "Objednávka č. {n}",
    "Faktura za říjen", "Smlouva o dílo – připomínky", "Schůzka příští týden",
    "Reklamace zásilky {n}", "Ceník 2027", "Žádost o cenovou nabídku", "Předávací protokol",
]  # fmt: skip
PARAGRAPHS = [
    "Dobrý den,\n\nposílám Vám slíbenou nabídku na dodávku a montáž. Cena je uvedena bez DPH"
    " a platí do konce měsíce. V případě zájmu Vám rádi připravíme i variantu s prodlouženou"
    " zárukou.",
    "děkujeme za Vaši objednávku. Zboží expedujeme do tří pracovních dnů, o odeslání Vás"
    " budeme informovat e-mailem. Fakturu najdete v příloze.",
    "mohli bychom se sejít ve čtvrtek v 10:00 u nás v kanceláři v Brně? Probrali bychom"
    " harmonogram prací a termíny předání jednotlivých etap.",
    "k Vaší reklamaci: technik se u Vás zastaví v pondělí dopoledne. Prosím, připravte"
    " dodací list a fotografie poškozeného zboží.",
    "v příloze zasílám podepsanou smlouvu. Připomínky k článku 5 jsme zapracovali, zbytek"
    " zůstává beze změny. Originál pošleme poštou.",
]
OOXML = "application/vnd.openxmlformats-officedocument"
ATTACHMENTS = [  # (name, content type, median bytes)
    ("nabidka.pdf", "application/pdf", 120_000),
    ("cenik_2027.xlsx", f"{OOXML}.spreadsheetml.sheet", 45_000),
    ("foto_{n}.jpg", "image/jpeg", 350_000),
    ("smlouva.docx", f"{OOXML}.wordprocessingml.document", 60_000),
    ("winmail.dat", "application/ms-tnef", 30_000),
]  # fmt: skip


@dataclass
class Person:
    name: str
    address: str


def person_address(index: int) -> Person:
    rng = random.Random(index)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = f"{first}.{last}{index}".lower().translate(ASCII)
    return Person(f"{first} {last}", f"{local}@firma{index % COMPANIES}.cz")


def build_lookup() -> MemoryLookup:
    lookup = MemoryLookup()
    for index in range(CONTACTS):
        lookup.add_contact(index + 1, person_address(index).address, index % COMPANIES + 1)
    for company in range(COMPANIES):
        lookup.add_company(company + 1, f"firma{company}.cz")
    lookup.deals.update(range(1, DEALS + 1))
    return lookup


# --- generation --------------------------------------------------------------------------------


def generate(path: Path) -> None:
    rng = random.Random(SEED)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    box = mailbox.mbox(str(path))
    box.lock()
    sent: list[tuple[str, str, str]] = []  # (message id, subject, references) to reply to
    start = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    try:
        for number in range(MESSAGES):
            message = _message(rng, number, start + timedelta(minutes=7 * number), sent)
            box.add(message.as_bytes(policy=SMTP))
    finally:
        box.flush()
        box.unlock()
        box.close()
    print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB, {MESSAGES} messages)")


def _message(
    rng: random.Random, number: int, when: datetime, sent: list[tuple[str, str, str]]
) -> EmailMessage:
    message = EmailMessage()
    ours = Person("Obchod Firma", f"obchod@{OWN_DOMAIN}")
    roll = rng.random()
    if roll < 0.5:
        them = person_address(rng.randrange(CONTACTS))  # a known contact
    elif roll < 0.7:
        them = Person(rng.choice(FIRST) + " " + rng.choice(LAST), f"x{number}@{rng.choice(FREE)}")
    elif roll < 0.85:
        them = Person("Nový kolega", f"novy{number}@firma{rng.randrange(COMPANIES)}.cz")
    else:
        them = Person("Neznámý", f"n{number}@neznama{number}.cz")
    outgoing = rng.random() < 0.15
    sender, recipient = (ours, them) if outgoing else (them, ours)
    if not outgoing and rng.random() < 0.1:
        recipient = Person("Info", f"info@{OWN_DOMAIN}")
    message["From"] = f"{sender.name} <{sender.address}>"
    message["To"] = f"{recipient.name} <{recipient.address}>"
    subject = rng.choice(SUBJECTS).format(n=number)
    if sent and rng.random() < 0.3:  # a reply in an earlier thread
        parent_id, parent_subject, parent_refs = sent[
            rng.randrange(max(0, len(sent) - 300), len(sent))
        ]
        subject = "Re: " + parent_subject.removeprefix("Re: ")
        message["In-Reply-To"] = f"<{parent_id}>"
        message["References"] = f"{parent_refs} <{parent_id}>".strip()
        references = message["References"]
    else:
        references = ""
        if rng.random() < 0.15:
            subject += f" [OP-{rng.randint(1, DEALS)}]"
    message["Subject"] = subject
    if rng.random() > 0.01:
        message["Date"] = format_datetime(when)
    message_id = f"m{number}.{rng.getrandbits(32):08x}@{sender.address.split('@')[1]}"
    if rng.random() > 0.02:
        message["Message-ID"] = f"<{message_id}>"
        sent.append((message_id, subject, references))
    _body(rng, message, sender.name)
    if rng.random() < ATTACHMENT_SHARE:
        _attachments(rng, message, number)
    return message


def _body(rng: random.Random, message: EmailMessage, signature: str) -> None:
    text = "\n\n".join(rng.sample(PARAGRAPHS, rng.randint(1, 3)))
    phone = f"+420 6{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
    text += f"\n\nS pozdravem\n{signature}\ntel.: {phone}\n"
    kind = rng.random()
    if kind < 0.6:
        message.set_content(text)
    elif kind < 0.85:
        message.set_content(text)
        html = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
        message.add_alternative(f"<html><body>{html}</body></html>", subtype="html")
    else:
        charset = rng.choice(["cp1250", "iso-8859-2"])
        message.set_content(text.encode(charset), maintype="text", subtype="plain",
                            cte="quoted-printable", params={"charset": charset})  # fmt: skip


def _attachments(rng: random.Random, message: EmailMessage, number: int) -> None:
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        name, content_type, median = rng.choice(ATTACHMENTS)
        # Log-normal sizes around the median, a long tail, capped at 8 MB.
        size = min(int(median * rng.lognormvariate(0, 0.8)), 8_000_000)
        maintype, subtype = content_type.split("/")
        message.add_attachment(
            rng.randbytes(size), maintype=maintype, subtype=subtype,
            filename=name.format(n=number),
        )  # fmt: skip


# --- measurement -------------------------------------------------------------------------------


@dataclass
class Run:
    read: float  # wall seconds
    parse: float
    pair: float
    cpu: float  # process CPU seconds of the whole loop (the machine is shared)
    messages: int
    stats: Counter[str]


def measure(path: Path) -> Run:
    """One pass, streaming (a 700 MB mbox is never held in memory)."""
    lookup = build_lookup()
    read = parse_seconds = pair_seconds = 0.0
    stats: Counter[str] = Counter()
    count = 0
    cpu_started = time.process_time()
    reader = MboxSource(path).messages()
    while True:
        started = time.perf_counter()
        raw = next(reader, None)
        before = time.perf_counter()
        if raw is None:
            read += before - started
            break
        parsed = parse_message(raw.raw, max_attachment_bytes=MAX_ATTACHMENT_BYTES)
        middle = time.perf_counter()
        result = pair_message(parsed, SETTINGS, lookup)
        lookup.add_message(
            KnownMessage(
                parsed.message_id, result.thread_key, result.deal_id, result.lead_id,
                result.ids("contact"),
            )
        )  # fmt: skip
        done = time.perf_counter()
        read, parse_seconds, pair_seconds = (
            read + before - started, parse_seconds + middle - before, pair_seconds + done - middle
        )  # fmt: skip
        count += 1
        _count(stats, parsed.attachments, result)
    cpu = time.process_time() - cpu_started
    return Run(read, parse_seconds, pair_seconds, cpu, count, stats)


def _count(stats: Counter[str], attachments: Sequence[object], result) -> None:  # type: ignore[no-untyped-def]
    stats["with attachments"] += bool(attachments)
    stats["paired"] += result.paired
    stats["deal"] += result.deal_id is not None
    stats["inquiries"] += result.new_lead
    for rule in {p.rule for p in result.pairings}:
        stats[f"rule {rule}"] += 1


def report(runs: list[Run], path: Path, argv: list[str]) -> str:
    count = runs[0].messages
    size_mb = path.stat().st_size / 1e6

    def rate(seconds: list[float]) -> tuple[str, str]:
        return f"{count / statistics.median(seconds):,.0f}", f"{count / max(seconds):,.0f}"

    rows = [
        ("read the mbox (MboxSource)", [r.read for r in runs]),
        ("parse (parse_message)", [r.parse for r in runs]),
        ("pair (pair_message, in-memory lookup)", [r.pair for r in runs]),
        ("parse + pair", [r.parse + r.pair for r in runs]),
        ("read + parse + pair", [r.read + r.parse + r.pair for r in runs]),
        ("read + parse + pair, CPU time of the process", [r.cpu for r in runs]),
    ]
    table = [
        "| step | median msg/s | slowest run msg/s | median s |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, seconds in rows:
        median_rate, slowest = rate(seconds)
        table.append(f"| {label} | {median_rate} | {slowest} | {statistics.median(seconds):.2f} |")
    stats = runs[0].stats
    shares = ", ".join(f"{key} {value / count:.0%}" for key, value in sorted(stats.items()))
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{RESULTS_BEGIN}\n"
        f"### Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n"
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared), Python "
        f"{platform.python_version()}; load average at the end {load}\n"
        f"- Reproduce: `.venv/bin/python bench/mail_corpus.py {' '.join(argv)}` (from the "
        "repository root)\n"
        f"- Data: `{path.relative_to(BENCH_DIR.parent)}`: {count:,} messages, {size_mb:.0f} MB, "
        f"seed {SEED}; lookup of {CONTACTS:,} contacts, {COMPANIES:,} company domains, "
        f"{DEALS:,} deals\n"
        f"- Outcome (same every run): {shares}\n"
        f"- {len(runs)} runs; wall clock per step unless marked CPU time (the 2 cores are "
        "shared, so CPU time is the steadier number); no database (the message entity adds "
        "the writes)\n\n" + "\n".join(table) + f"\n{RESULTS_END}"
    )


def write_results(section: str) -> None:
    current = RESULTS_FILE.read_text() if RESULTS_FILE.exists() else "# Benchmark results\n"
    if RESULTS_BEGIN in current and RESULTS_END in current:
        before, rest = current.split(RESULTS_BEGIN, 1)
        updated = before + section + rest.split(RESULTS_END, 1)[1]
    else:
        heading = "## Mail parse and pairing (`bench/mail_corpus.py`)\n\n"
        updated = current.rstrip("\n") + "\n\n" + heading + section + "\n"
    RESULTS_FILE.write_text(updated)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="(re)write the mbox first")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args(argv)
    if args.generate or not DATA_FILE.exists():
        generate(DATA_FILE)
    runs = [measure(DATA_FILE) for _ in range(args.runs)]
    section = report(runs, DATA_FILE, list(sys.argv[1:] if argv is None else argv))
    print(section)
    if not args.no_write:
        write_results(section)
        print(f"\nwritten to {RESULTS_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
