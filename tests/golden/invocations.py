# ruff: noqa: E501 (one invocation per line: a command line reads best unbroken)
"""The golden corpus: CLI invocations replayed in order against one fixed database.

The database is what `crmctl init --admin admin` makes (as the `db_url` fixture does),
then the first invocation below, `init --demo`. Every invocation runs with `CRM_NOW`
fixed and as `admin` unless it says `--as USER`. Writes come before the reads that must
see them, so the order matters: append new invocations at the end of a group (or a new
group) and re-record with `scripts/record_golden.py`.

Users of the demo database: admin (admin), jana.novotna (manager of petr.kral and
eva.mala), petr.kral and eva.mala (sales), tomas.hruby (support).

Every list's default order ends with the id, so rows that tie (every event and record here
shares the one CRM_NOW) come out the same on every run and backend; the one order found
that can tie is marked `# ties:` below. Ids named in arguments must mean the same record on
both backends: PostgreSQL spends a sequence value in every transaction that rolls back
(a dry run, a rejected write), SQLite does not, so name records by e-mail or name where
a rollback came before, or put the id-named write first (see the import group).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

FIXED_NOW = "2026-03-10T09:00:00+01:00"


@dataclass(frozen=True)
class Call:
    """One invocation: argv after `crmctl`, optional stdin, and the file it writes (if
    any) to read back into the recording: an .xlsx as its cell values, others as text."""

    args: tuple[str, ...]
    stdin: str | None = None
    reads: str | None = None


def c(line: str, stdin: str | None = None, reads: str | None = None) -> Call:
    return Call(tuple(shlex.split(line)), stdin, reads)


def formats(line: str) -> list[Call]:
    """The same command in every text output format."""
    return [c(f"{line} -o {fmt}") for fmt in ("table", "json", "jsonl", "csv", "yaml")]


SALES = "--as petr.kral"
SALES2 = "--as eva.mala"
MANAGER = "--as jana.novotna"
SUPPORT = "--as tomas.hruby"

# Input files written into the working directory before the replay (relative paths, so
# no temporary path appears in any output).
FILES: dict[str, str] = {
    "note.txt": "Smlouva o dílo č. 2026/017\n",
    "contacts_new.json": json.dumps(
        [
            {
                "name": "Ing. Alena Veselá",
                "emails": ["alena.vesela@example.cz"],
                "function": "účetní",
                "tags": ["import"],
            },
            {"id": 1, "function": "jednatel a spolumajitel"},
        ],
        ensure_ascii=False,
    ),
    "contacts_bad.json": json.dumps([{"name": "Bez Chyby"}, {"id": 1, "emails": ["not-an-email"]}]),
    "empty.json": "",
    "deals_new.json": json.dumps(
        [{"title": "Servisní smlouva 2026", "company": "Pekárna U Nováků a.s.", "value": "48000"}],
        ensure_ascii=False,
    ),
    "deals_bad.json": json.dumps([{"id": 1, "stage": "neexistuje"}]),
    "leads.jsonl": "\n".join(
        json.dumps(line, ensure_ascii=False)
        for line in [
            {
                "name": "Karel Malý",
                "email": "karel.maly@example.cz",
                "company": "Malý a syn",
                "text": "Chci nabídku",
                "utm": "jaro",
            },
            {"name": "Ivana Dlouhá", "phone": "604 123 456", "text": "Zavolejte mi"},
        ]
    )
    + "\n",
    "leads_bad.jsonl": '{"name": "Dobrý"}\n{"name": \n',
    "kontakty.csv": "Firma;IČO;Město;Jméno;E-mail\n"
    "Pila Javor s.r.o.;;Jihlava;Josef Javor;josef@pila-javor.cz\n"
    "Autodoprava Rychlý;;Zlín;Robert Rychlý;robert@rychly.cz\n"
    "Špatná firma;12345678;Praha;Chybný Kontakt;chyba@\n",
    "wf.yaml": """rules:
  - id: lead-task
    name: Nová poptávka → úkol
    trigger: {event: lead.created}
    actions:
      - create_task: {title: "Kontaktovat {{ lead.contact_name or 'poptávku' }}", due: +24h}
  - id: big-deal
    name: Velký obchod → upozornění vedoucí
    trigger: {event: deal.created}
    when: 'value > 100000'
    actions:
      - notify: {to: user:jana.novotna, subject: "Velký obchod", body: "{{ deal.title }}"}
  - id: discount
    name: Sleva → schválení
    trigger: {event: deal.updated, fields: [custom.discount]}
    when: 'custom.discount > 15'
    actions:
      - request_approval: {approver: role:manager, reason: "Sleva {{ deal.custom.discount }} %", blocks_moves: true}
""",
    "mail.eml": "From: Jana Nová <jana@nova-firma.cz>\nTo: obchod@firma.cz\n"
    "Subject: Dotaz k nabídce [OP-1]\nDate: Tue, 10 Mar 2026 08:00:00 +0100\n"
    "Message-ID: <dotaz-1@nova-firma.cz>\n\nDobrý den, kdy dodáte?\n",
    "newsletter.eml": "From: novinky@akce.cz\nTo: obchod@firma.cz\nSubject: Slevy\n"
    "Date: Tue, 10 Mar 2026 06:00:00 +0100\nMessage-ID: <n-1@akce.cz>\n\nAkce týdne.\n",
    "wf_bad.yaml": """rules:
  - id: broken
    trigger: {event: lead.nonsense}
    actions:
      - notify: {to: user:nobody, subject: x, body: y}
""",
}

GROUPS: dict[str, list[Call]] = {}

GROUPS["setup"] = [
    c("init --demo"),
    c("init --demo"),
    c("--version"),
    c("--help"),
    c("nonsense"),
    c("companies list --no-such-option"),
]

GROUPS["database"] = [
    c("db current"),
    *formats("db current"),
    c("db upgrade"),
    # The table pads its columns to the database URL, whose length depends on the machine
    # (temporary directory, PostgreSQL server): the table is shown for a fixed --db URL.
    c("--db sqlite:///elsewhere/crm.db config show"),
    c("config show -o json"),
    c("config show -o yaml"),
    c("db backup backup.db --no-documents"),
    c(f"{SALES} db backup backup2.db"),
    c("db backup"),
]

GROUPS["users"] = [
    *formats("users list"),
    c("users list --fields login,role,manager"),
    c("users list --sort -login"),
    c("users list --where 'role = \"sales\"'"),
    c("users list --limit 2 --sort id"),
    c("users show petr.kral"),
    c("users show petr.kral -o json"),
    c("users show nobody"),
    c(
        'users add karel.prodej --name "Karel Prodejce" --email Karel@Example.cz --manager jana.novotna --team "Obchod Praha"'
    ),
    c("users add karel.prodej"),
    c("users add spatny --role kouzelnik"),
    c("users add spatny2 --email not-an-email"),
    c(f"{SALES} users add zlodej"),
    c("users edit karel.prodej --name 'Karel Prodejce ml.' --role sales"),
    c("users edit jana.novotna --manager petr.kral"),
    c("users edit karel.prodej --inactive"),
    c("users edit karel.prodej --active"),
    c("users edit nobody --name x"),
    c(f"{SALES} users edit petr.kral --role admin"),
    c("users show karel.prodej -o yaml"),
    c("teams add Servis --description 'Servis a podpora'"),
    c("teams add Servis"),
    c(f"{SALES} teams add Zlodeji"),
    *formats("teams list"),
    c("--as nobody companies list"),
]

GROUPS["companies"] = [
    *formats("companies list"),
    c("companies list --fields id,name,ico,owner"),
    c("companies list --fields id,nonsense"),
    c("companies list --where 'city = \"Brno\"'"),
    c('companies list --where \'name ~ "dvorak" or tags = "vip"\' -o json --fields id,name,tags'),
    c('companies list --where \'region is not null and not (city in ("Praha 10", "Brno"))\''),
    c("companies list --where 'custom.employees >= 50'"),
    c("companies list --where 'tags is null' --fields id,name,tags"),
    c("companies list --limit 0"),
    c("companies list --where 'city = '"),
    c("companies list --where 'nonsense = 1'"),
    c("companies list --where 'created_at >= -30d' --sort -id"),
    c("companies list --sort -name"),
    c("companies list --sort city,-id --fields id,city"),
    c("companies list --sort nonsense"),
    c("companies list --limit 2"),
    c("companies list --limit -1"),
    c("companies list --search novak"),
    c("companies list --search 'zahradnictví'"),
    *formats("companies show 1"),
    c("companies show 27184315"),
    c("companies show 'pekárna'"),
    c("companies show 999"),
    c("companies show 99999999999999999999"),
    c("companies show -- -1"),
    c("companies show -1"),
    c("companies show 'nenalezena'"),
    c("companies show 1 --fields name,ico,owner"),
    c(f"{SALES} companies list"),
    c(f"{SALES} companies show 2"),
    c(f"{SALES} companies show 2 -o json"),
    c(f"{SUPPORT} companies show 1 -o json"),
    c(f"{MANAGER} companies list --fields id,name,owner -o csv"),
    c(
        "companies add --name 'Stavby Brno s.r.o.' --ico 25596641 --city Brno --psc 60200 "
        "--phone '541 000 111' --email INFO@stavby-brno.cz --website stavby-brno.cz "
        "--owner eva.mala --tag stavebnictví --set employees=120 --set segment=A"
    ),
    c("companies add --name 'Chybné IČO' --ico 12345678"),
    c("companies add --name 'Chybné PSČ' --psc 999"),
    c("companies add --name 'Chybný e-mail' --email x@"),
    c("companies add --name 'Duplicitní' --ico 25596641"),
    c("companies add --ico 6947"),
    c(f"{SALES} companies add --name 'Petrova firma' --city Kladno"),
    c(f"{SALES} companies add --name 'Cizí firma' --owner eva.mala"),
    c("companies show 6"),
    c("companies show 7 -o json"),
    c("companies list --where 'custom.employees >= 50' -o json"),
    c("companies edit 6 --industry Stavebnictví --untag stavebnictví --tag stavby --unset segment"),
    c("companies edit 6 --industry Stavebnictví"),
    c("companies edit 6 --website ''"),
    c("companies edit 6 --dic 12345"),
    c(f"{SALES} companies edit 2 --city Praha"),
    c(f"{SALES} companies edit 7 --phone '603 123 456'"),
    c("companies edit 999 --city Praha"),
    c("companies add --name 'Dvořák duplicitní' --city Praha --phone '+420 222 333 444'"),
    c("companies merge 1 8"),
    c("companies merge 1 8"),
    c("companies merge 1 1"),
    c("companies show 8 -o json"),
    c("companies rm 7"),
    c("companies list --fields id,name"),
    c("companies list --include-deleted --fields id,name,deleted_at"),
    c("companies show 7"),
    c(f"{SALES} companies rm 2"),
    c("companies add --name 'Na smazání'"),
    c("companies rm 9 --purge"),
    c("companies show 9"),
]

GROUPS["contacts"] = [
    *formats("contacts list"),
    c("contacts list --fields id,name,emails,companies -o json"),
    c("contacts list --fields id,bogus"),
    c("contacts list --where 'company = \"Strojírny Dvořák s.r.o.\"' --fields id,name"),
    c('contacts list --where \'function ~ "ředitel" and tags = "rozhodovatel"\' --fields id,name'),
    c("contacts list --where 'email ~ \"@seznam\"'"),
    c("contacts list --where 'tags is null' --fields id,name,tags -o csv"),
    c("contacts list --where 'name ~'"),
    c("contacts list --sort -last_name --fields id,last_name"),
    c("contacts list --sort name --limit 3 --fields id,name"),
    c("contacts list --search dvorak"),
    c("contacts list --search 'Pekárna'"),
    *formats("contacts show 3"),
    c("contacts show karel.dvorak@strojirny-dvorak.cz -o json"),
    c("contacts show 'Jan Novák'"),
    c("contacts show 'nikdo@nikde.cz'"),
    c("contacts show 999"),
    c("contacts show 3 --fields name,reports_to,companies -o yaml"),
    c(f"{SALES} contacts list --fields id,name"),
    c(f"{SALES} contacts show 4"),
    c(f"{SALES2} contacts show 4 -o json"),
    c(f"{MANAGER} contacts list --fields id,name,owner"),
    c(f"{SUPPORT} contacts list --fields id,name"),
    c(
        "contacts add --name 'Ing. Jan Nový, Ph.D.' --function obchodník --email jan.novy@stavby-brno.cz "
        "--phone '777 123 456' --company 6 --role obchod --owner eva.mala --tag nový --note 'Z veletrhu' --set zdroj=veletrh"
    ),
    c("contacts add --name Samostatný"),
    c("contacts add --name 'Druhý Dvořák' --email karel.dvorak@strojirny-dvorak.cz"),
    c("contacts add --name 'Bez telefonu' --phone 12"),
    c("contacts add --name 'Bez firmy' --company 999"),
    c(f"{SALES} contacts add --name 'Cizí kontakt' --company 2"),
    c("contacts show 9"),
    c(
        "contacts edit 9 --function 'vedoucí obchodu' --add-email jan.novy@seznam.cz --remove-phone '777 123 456' --untag nový --tag klíčový"
    ),
    c("contacts edit 9 --function 'vedoucí obchodu'"),
    c("contacts edit 9 --add-email lucie.cerna@strojirny-dvorak.cz"),
    c(f"{SALES} contacts edit 4 --function x"),
    c("contacts edit 999 --function x"),
    c("contacts link 9 --company 1 --role konzultant"),
    c("contacts link 9 --reports-to 1"),
    c("contacts link 9 --relation 'bývalý kolega' --to 3"),
    c("contacts link 9 --relation 'bývalý kolega' --to 3 --remove"),
    c("contacts link 9 --company 999"),
    c("contacts show 9 -o json"),
    c("contacts show 1"),
    c("contacts add --name 'Karel Dvořák' --email karel@dvorak.cz"),
    c("contacts merge 1 karel@dvorak.cz"),
    c("contacts merge 1 999"),
    c("contacts show karel@dvorak.cz -o json"),
    c("contacts rm 10"),
    c("contacts list --include-deleted --fields id,name,deleted_at"),
    c("contacts rm 10 --purge"),
    c("contacts show 10"),
    c("contacts list -o json --fields id,function,updated_at --where 'id <= 2'"),
    c("contacts apply -f contacts_new.json --dry-run"),
    c("contacts apply -f contacts_new.json"),
    c("contacts apply -f contacts_new.json --dry-run"),
    c("contacts apply -f contacts_bad.json"),
    c("contacts apply -f empty.json"),
    c("contacts apply -f missing.json"),
    c("contacts apply -f - --dry-run", stdin='[{"id": 2, "function": "asistentka"}]'),
    c("contacts apply -f - --dry-run", stdin=""),
    c(f"{SALES2} contacts apply -f - --dry-run", stdin='[{"id": 1, "function": "x"}]'),
    c("contacts list --fields id,name,function --sort id"),
]

GROUPS["pipelines"] = [
    *formats("pipelines list"),
    c("pipelines show"),
    c("pipelines show default -o json"),
    c("pipelines show neexistuje"),
]

GROUPS["leads"] = [
    c(
        "leads add --source web --subject 'Poptávka CNC' --product obrábění --region 'Jihomoravský kraj' "
        "--name 'Petr Dlouhý' --email petr.dlouhy@example.cz --phone '602 111 222' --company 'Dlouhý s.r.o.' "
        "--message 'Potřebujeme 200 dílů' --campaign jaro2026 --received-at 2026-03-09T15:00"
    ),
    c(
        "leads add --source phone --name 'Jana Krátká' --company 'Stavby Brno s.r.o.' --ico 25596641 --owner eva.mala"
    ),
    c(
        "leads add --source campaign --campaign veletrh2026 --name 'Ota Široký' --email ota@siroky.cz --owner petr.kral"
    ),
    c("leads add --source veletrh --name 'Špatný zdroj'"),
    c("leads add --json leads.jsonl"),
    c(
        "leads add --json -",
        stdin='{"name": "Web Formulář", "email": "form@example.cz", "text": "Ahoj"}\n',
    ),
    c("leads add --json leads_bad.jsonl"),
    c("leads add --source web --email not-an-email"),
    c("leads add --owner nobody --name x"),
    *formats("leads list"),
    c("leads list --fields id,status,owner,source --sort -id"),
    c("leads list --where 'source = \"web\"' --fields id,contact_name"),
    c("leads list --where 'status = \"nonsense' "),
    c("leads list --limit 2 --sort id"),
    *formats("leads show 1"),
    c("leads show 99"),
    c(f"{SALES} leads list --fields id,owner"),
    c(f"{SALES} leads show 2"),
    c("leads assign 1 eva.mala"),
    c("leads assign 1 nobody"),
    c(f"{SALES} leads assign 2 petr.kral"),
    c("leads status 1 contacted"),
    c("leads status 1 qualified"),
    c("leads status 1 bogus"),
    c("leads reject 6 --reason 'Spam'"),
    c("leads status 6 contacted"),
    c("leads reject 5"),
    c("leads convert 1 --title 'CNC díly Dlouhý' --value '250 000' --expected-close 2026-04-30"),
    c("leads convert 1"),
    c("leads convert 2 --stage nabidka"),
    c("leads convert 3 --stage neexistuje"),
    c("leads show 1 -o json"),
    c("leads list --fields id,status,owner,response_minutes --sort id"),
]

GROUPS["deals"] = [
    c(
        "deals add --title 'Dodávka plechů' --company 1 --value '1 250 000,50' --expected-close 2026-03-31 "
        "--owner petr.kral --contact 1:rozhodovatel --source campaign --campaign jaro2026 --tag strategický --set discount=5"
    ),
    c(
        "deals add --title 'Údržba strojů' --company 4 --value '€12,000' --stage analyza --expected-close 2026-05-15 --owner petr.kral"
    ),
    c(
        "deals add --title 'Pečivo pro hotel' --company 2 --value 85000 --owner eva.mala --probability 40 --expected-close 2026-04-10"
    ),
    c("deals add --title 'Bez firmy' --value 1000"),
    c("deals add --title 'Špatná fáze' --stage neexistuje"),
    c("deals add --title 'Špatná částka' --value abc"),
    c("deals add --title 'Cizí' --owner nobody"),
    c("deals add --title 'Špatný zdroj' --source doporučení"),
    c(
        f"{SALES} deals add --title 'Petrův obchod' --company 5 --value 30000 --expected-close 2026-06-01"
    ),
    c(f"{SALES} deals add --title 'Na cizí jméno' --owner eva.mala"),
    *formats("deals list"),
    c("deals list --sort id --fields id,title,stage,value,currency,owner"),
    c("deals list --sort -value --fields id,title,value"),
    c("deals list --sort idle_days,id --fields id,idle_days,days_in_stage"),
    c("deals list --where 'value > 50000 and status = \"open\"' --sort id --fields id,title"),
    c("deals list --where 'stage = \"Nabídka\"' --fields id,title,stage"),
    c("deals list --where 'idle_days > 10 and not has_planned_activity = true' --fields id"),
    c("deals list --where 'idle_days > 100000000'"),
    c("deals list --where 'value > \"abc\"'"),
    c("deals list --search pečivo --fields id,title"),
    c("deals list --limit 1 --sort -id --fields id,title"),
    *formats("deals show 1"),
    c("deals show 1 -o json --fields id,title,stage_history"),
    c("deals show 99"),
    c(f"{SALES} deals show 3"),
    c(f"{SALES} deals show 1"),
    c(f"{SALES2} deals list --fields id,title,owner --sort id"),
    c(f"{MANAGER} deals list --fields id,title,owner --sort id"),
    c(f"{SUPPORT} deals list --fields id,title,stage,value --sort id"),
    c(f"{SUPPORT} deals list --fields id,title,stage,owner --sort id"),
    c(f"{SUPPORT} deals show 1 -o json"),
    c("deals move 3 nabidka"),
    c("deals move 3 'Jednání'"),
    c("deals move 3 neexistuje"),
    c(f"{SALES2} deals move 3 analyza"),
    c(f"{SALES2} deals move 1 analyza"),
    c("deals win 5 --reason 'Podepsáno'"),
    c("deals win 5"),
    c("deals move 5 analyza"),
    c("deals lose 6 --reason 'Bez rozpočtu'"),
    c("deals lose 4"),
    c(
        'deals update --where \'owner = "petr.kral" and status = "open"\' --set probability=60 --dry-run'
    ),
    c('deals update --where \'owner = "petr.kral" and status = "open"\' --set probability=60'),
    c(
        'deals update --where \'owner = "petr.kral" and status = "open"\' --set probability=60 -o json'
    ),
    c("deals update --where 'id = 4' --set stage=nabidka"),
    c("deals update --where 'id = 999' --set value=1"),
    c("deals update --where 'status = \"won\"' --set stage=analyza"),
    c("deals update --where 'id = 2' --set stage=vyhrano"),
    c("deals update --where 'id = 2' --set color=red"),
    c("deals list -o json --where 'id = 2' --fields id,title,value,updated_at"),
    c("deals apply -f deals_new.json --dry-run"),
    c("deals apply -f deals_new.json"),
    c("deals apply -f deals_bad.json"),
    c("deals apply -f empty.json"),
    c("deals apply -f - --dry-run", stdin='[{"id": 4, "value": "13000"}]'),
    c("deals apply -f - ", stdin='[{"id": 3, "custom": {"discount": 20}}]'),
    c("deals show 3 --fields id,title,value,currency,custom -o yaml"),
    c("deals list --include-deleted --sort id --fields id,title,status,stage,probability"),
]

GROUPS["tasks"] = [
    c(
        "tasks add 'Zavolat panu Dvořákovi' --kind call --start 2026-03-11T10:00 --company 1 --contact 1 --priority high --reminder 15m"
    ),
    c("tasks add 'Poslat nabídku' --due 2026-03-12 --deal 1 --body 'Nabídka na plechy'"),
    c(
        "tasks add 'Schůzka v Brně' --kind meeting --start 2026-03-09T13:00 --end 2026-03-09T14:30 --company 2 --assignee eva.mala"
    ),
    c("tasks add 'Urgovat platbu' --due 2026-03-05 --deal 3 --assignee eva.mala"),
    c("tasks add 'Kontaktovat poptávku' --due +2d --lead 3 --assignee petr.kral"),
    c("tasks add 'Špatný termín' --due zítra"),
    c("tasks add 'Špatný druh' --kind lunch"),
    c("tasks add 'Nikomu' --assignee nobody"),
    c(f"{SALES} tasks add 'Cizí úkol' --company 2"),
    *formats("tasks list"),
    c("tasks list --open --sort id --fields id,subject,status,assignee"),
    c("tasks list --owner eva.mala --fields id,subject"),
    c("tasks list --team 'Obchod Praha' --fields id,subject,assignee"),
    c("tasks list --where 'priority = \"high\"' --fields id,subject"),
    c("tasks list --where 'due_at < 2026-03-10' --fields id,subject,due_at"),
    c("tasks list --where 'kind = 5'"),
    *formats("tasks show 1"),
    c("tasks show 99"),
    c(f"{SALES} tasks show 3"),
    c(f"{SUPPORT} tasks list --fields id,subject,status --sort id"),
    c("tasks edit 2 --subject 'Poslat upravenou nabídku' --priority low --due 2026-03-13"),
    c("tasks edit 2 --assignee eva.mala"),
    c("tasks edit 1 --start 2026-03-11T11:00 --end 2026-03-11T11:30"),
    c("tasks edit 99 --subject x"),
    c("tasks edit 2 --priority urgent"),
    c("tasks done 1 --note 'Domluveno'"),
    c("tasks done 1"),
    c(f"{SALES} tasks done 3"),
    c("tasks overdue"),
    c("tasks overdue -o json"),
    c("tasks overdue --owner eva.mala"),
    c("tasks overdue --fail-if-any"),
    c("tasks overdue --owner petr.kral --fail-if-any"),
    c("tasks overdue --limit 1"),
    c("tasks agenda"),
    c("tasks agenda --days 3 -o json"),
    c("tasks agenda --owner eva.mala --days 14"),
    c("tasks agenda --team 'Obchod Praha' -o csv"),
    c("tasks agenda --days -1"),
    c("tasks export-ics --output -"),
    c("tasks export-ics --output - --include-done --owner eva.mala"),
    c("tasks export-ics --output calendar.ics", reads="calendar.ics"),
    c("tasks export-ics --output nonexistent/dir/calendar.ics"),
]

GROUPS["log"] = [
    c(
        "log call --company 1 --contact 1 --subject 'Úvodní hovor' --body 'Zájem o plechy' --outcome 'volat znovu' --duration 15m --at 2026-03-09T10:00 --first-call"
    ),
    c("log call --company 1 --body 'Další hovor' --first-call"),
    c(
        "log meeting --deal 1 --body 'Prezentace u zákazníka' --attendee 'Karel Dvořák' --attendee 'Lucie Černá' --duration 1h --first-meeting"
    ),
    c("log note --lead 3 --body 'Volal, chce katalog'"),
    c("log email --contact 4 --subject 'Katalog' --body 'Posláno' --outcome odesláno"),
    c(f"{SALES2} log call --deal 5 --body 'Poděkování za objednávku' --first-call"),
    c("log note --body 'K ničemu'"),
    c("log note --company 1"),
    c("log call --deal 999 --body x"),
    c(f"{SALES} log note --company 2 --body 'Cizí'"),
    c("log call --company 1 --body x --duration forever"),
]

GROUPS["documents"] = [
    c("docs attach company 1 note.txt"),
    c("docs attach deal 1 note.txt"),
    c("docs attach contact 3 note.txt"),
    c("docs attach company 1 missing.pdf"),
    c("docs attach planet 1 note.txt"),
    c("docs attach company 999 note.txt"),
    c(f"{SALES} docs attach company 2 note.txt"),
    *formats("docs list"),
    c("docs list --company 1"),
    c("docs list --deal 1 -o json"),
    c("docs list --contact 3 --fields id,name"),
    c("docs get 1 --output -"),
    c("docs get 2 --output copy.txt", reads="copy.txt"),
    c("docs get 99 --output -"),
    c(f"{SALES2} docs get 1 --output -"),
]

GROUPS["timeline"] = [
    c("timeline company 1"),
    *formats("timeline company 1 --limit 5"),
    c("timeline company 1 --type updated --limit 10"),
    c("timeline company 1 --type call --type note"),
    c("timeline company 1 --since 2026-03-10 --until 2026-03-10T23:59 --limit 5"),
    c("timeline company 1 --since yesterday-ish"),
    c("timeline company 1 --search plechy -o json --fields kind,summary"),
    c("timeline company 1 --author petr.kral"),
    c("timeline company 1 --limit 3 --before 20"),
    c("timeline company 999"),
    c("timeline contact 1 --limit 10"),
    c("timeline contact 3 -o json --limit 3"),
    c("timeline deal 1"),
    c("timeline deal 1 -o yaml --limit 4"),
    c("timeline deal 99"),
    c("timeline lead 1"),
    c("timeline lead 3 -o csv"),
    c(f"{SALES} timeline company 2"),
    c(f"{SALES2} timeline company 2 --limit 5"),
    c(f"{SUPPORT} timeline deal 1 --limit 3"),
    # Issue 20 item 1: one line per event.
    c("timeline company 1 --compact --limit 8"),
    c("timeline deal 1 --compact"),
]

GROUPS["import"] = [
    # PostgreSQL spends a sequence value in a transaction that rolls back (a dry run, a
    # rejected --strict import), SQLite does not: the batches whose ids are named below
    # come first, so `import show 1` and `import undo 2` mean the same batch on both.
    c("import run adresar.xlsx --sheet all --rejects rejects.csv", reads="rejects.csv"),
    c("import run kontakty.csv"),
    c("import adresar.xlsx --dry-run"),
    c("import run kontakty.csv --dry-run"),
    c("import run kontakty.csv --strict"),
    c("import run kontakty.csv --dry-run --save-mapping mapping.yaml", reads="mapping.yaml"),
    c("import run kontakty.csv --dry-run --mapping mapping.yaml --header-row 1"),
    c("import run kontakty.csv --dry-run --mapping missing.yaml"),
    c("import run adresar.xlsx --dry-run --sheet 9"),
    c("import run missing.xlsx"),
    c(f"{SALES} import run kontakty.csv --dry-run"),
    *formats("import list"),
    c("import show 1"),
    c("import show 1 -o json"),
    c("import show 99"),
    c("import undo 2 --dry-run"),
    c("import undo 2"),
    c("import undo 2"),
    c("import undo 99"),
    c("import list -o json --fields id,status"),
    c("companies list --fields id,name,city --sort id"),
]

GROUPS["reports"] = [
    c("report forecast"),
    c("report forecast --by month,owner"),
    c("report forecast --by stage -o csv"),
    c("report forecast --by pipeline -o json"),
    c("report forecast --by owner --where 'owner = \"petr.kral\"'"),
    c("report forecast --by month --from 2026-03 --to 2026-06 -o csv"),
    c("report forecast -o html"),
    c("report forecast --by month,owner -o xlsx --output forecast.xlsx", reads="forecast.xlsx"),
    c("report forecast -o xlsx"),
    c("report forecast --output json"),
    c("report forecast --by colour"),
    c("report forecast --where 'nonsense = 1'"),
    c("report forecast --from 2026-13"),
    c("report forecast --generated-at -o json"),
    c(f"{SALES} report forecast --by owner"),
    c(f"{SUPPORT} report forecast"),
    c("report forecast --snapshot tyden10 -o csv"),
    c("report forecast --snapshot tyden10"),
    c("deals move 2 jednani"),
    c("report forecast --compare tyden10"),
    c("report forecast --compare tyden10 -o json"),
    # ties: the saved names this error lists are ordered by created_at alone, which every
    # snapshot made under a fixed CRM_NOW shares; the corpus saves one snapshot only.
    c("report forecast --compare neexistuje"),
    c(f"{SALES} report forecast --compare tyden10 -o csv"),
    c("report first-contacts"),
    c("report first-contacts -o csv"),
    c("report first-contacts -o json --from 2026-03 --to 2026-03"),
    c("report first-contacts --salesperson petr.kral"),
    c("report first-contacts -o html"),
    c("report first-contacts -o xlsx --output first.xlsx", reads="first.xlsx"),
    c("report first-contacts --salesperson nobody"),
    # issue 17: the analytical reports
    c("report pipeline"),
    c("report pipeline --by owner -o csv"),
    c("report pipeline --by team -o json"),
    c("report pipeline --as-of 2026-03-01 -o csv"),
    c("report pipeline --as-of '1. 3. 2026'"),
    c("report pipeline -o html"),
    c("report pipeline -o xlsx --output pipeline.xlsx", reads="pipeline.xlsx"),
    c("report pipeline --by colour"),
    c("report pipeline --fail-if 'deals > 0'"),
    c("report pipeline --fail-if 'dealz > 0'"),
    c(f"{SALES} report pipeline --by owner"),
    c(f"{SUPPORT} report pipeline"),
    c("report funnel"),
    c("report funnel --from 2026-Q1 --to 2026-Q1 -o csv"),
    c("report funnel -o json --fail-if 'win_rate < 101'"),
    c("report funnel --pipeline nope"),
    c("report cashflow"),
    c("report cashflow --by week --payment-days 30 -o csv"),
    c("report cashflow --from 2026 --to 2026 -o json"),
    c("report cashflow --from 2026-Q5"),
    c("report dashboard"),
    c("report dashboard -o csv"),
]

GROUPS["workflows"] = [
    c("workflows validate wf.yaml"),
    c("workflows validate wf_bad.yaml"),
    c("workflows validate missing.yaml"),
    c("workflows list --workflows wf.yaml"),
    c("workflows list --workflows wf.yaml -o json"),
    c("workflows list"),
    # Only the task rule in the dry run: on PostgreSQL a dry run spends the sequence values
    # of what it would insert, and the notifications and approvals below are named by id.
    c("workflows run --once --dry-run --rule lead-task --workflows wf.yaml"),
    c("workflows simulate --since 30d --workflows wf.yaml"),
    c("workflows run --once --workflows wf.yaml"),
    c("workflows run --once --workflows wf.yaml"),
    c("workflows run --once --rule lead-task --workflows wf.yaml"),
    c("workflows run --once --rule nonsense --workflows wf.yaml"),
    c("workflows why lead 1 --workflows wf.yaml"),
    c("workflows why deal 2 --workflows wf.yaml -o json"),
    c("workflows why deal 999 --workflows wf.yaml"),
    c("workflows why planet 1 --workflows wf.yaml"),
    c("workflows failures"),
    c("workflows failures --dead -o json"),
    c("workflows resend 99"),
    c(f"{SALES} workflows resend 1"),
    c("daemon status"),
    c("daemon status -o json"),
    c("tasks list --sort id --fields id,subject,assignee,due_at"),
]

GROUPS["notifications"] = [
    c(f"{MANAGER} notifications list"),
    c(f"{MANAGER} notifications list -o json"),
    c("notifications list --user jana.novotna --all"),
    c(f"{SALES} notifications list --user jana.novotna"),
    c(f"{MANAGER} notifications read 1"),
    c(f"{MANAGER} notifications read 999"),
    c(f"{MANAGER} notifications read --all"),
    c(f"{MANAGER} notifications list --all -o csv"),
]

GROUPS["approvals"] = [
    c("approvals list"),
    c("approvals list -o json"),
    c(f"{SALES} approvals approve 1"),
    c(f"{MANAGER} deals move 3 nabidka"),
    c(f"{MANAGER} approvals approve 1 --note 'Schváleno'"),
    c(f"{MANAGER} approvals approve 1"),
    c("approvals reject 99 --note x"),
    c("approvals list --all"),
    c("approvals list --all -o yaml"),
    c("deals apply -f - ", stdin='[{"id": 1, "custom": {"discount": 25}}]'),
    c("workflows run --once --workflows wf.yaml"),
    c("approvals reject 2 --note 'Příliš vysoká sleva'"),
    c("approvals list --all -o csv"),
]

GROUPS["policy"] = [
    c("policy show"),
    c("policy show -o json --fields role,entity,read,write"),
    c("policy show -o csv"),
    c("policy explain petr.kral deal 1"),
    c("policy explain eva.mala deal 1 -o json"),
    c("policy explain tomas.hruby contact 1 -o yaml"),
    c("policy explain petr.kral company 2"),
    c("policy explain nobody deal 1"),
    c("policy explain petr.kral planet 1"),
    c(f"{SALES} policy explain eva.mala deal 3"),
    c(f"{SALES} policy install"),
]

GROUPS["audit"] = [
    c("audit list --limit 10"),
    c("audit list --entity deal:1 -o json"),
    c("audit list --entity contact --limit 5 -o csv"),
    c("audit list --user petr.kral --limit 5"),
    c("audit list --kind updated --limit 5 -o yaml"),
    c("audit list --since 2026-03-10 --until 2026-03-11 --limit 3 -o jsonl"),
    c("audit list --entity planet:1"),
    c("audit list --since whenever"),
    c(f"{SALES} audit list"),
]

GROUPS["gdpr"] = [
    c(
        "gdpr consent 4 --purpose newsletter --grant --basis consent --source web --evidence 'formulář 2026-03-01'"
    ),
    c("gdpr consent 4 --purpose newsletter --withdraw --basis consent --source telefon"),
    c("gdpr consent 4 --purpose newsletter --grant --basis kouzlo --source web"),
    c("gdpr consent 999 --purpose newsletter --grant --basis consent --source web"),
    c(f"{SALES} gdpr consent 4 --purpose newsletter --grant --basis consent --source web"),
    c("gdpr consents 4"),
    c("gdpr consents 4 -o json"),
    c("gdpr export 4"),
    c("gdpr export 1 -o yaml"),
    c(f"{SALES} gdpr export 4"),
    c("gdpr erase 5 --dry-run"),
    c("gdpr erase 5"),
    c("gdpr erase 5 -o json"),
    c("contacts show 5 -o json"),
    c("gdpr retention --inactive 1y"),
    c("gdpr retention --inactive 0d -o csv --fields id,name"),
    c("gdpr retention --inactive forever"),
]

GROUPS["final"] = [
    c("companies list -o json"),
    c("contacts list -o json"),
    c("deals list -o json --sort id"),
    c("leads list -o json --sort id"),
    c("tasks list -o json --sort id"),
    c("timeline company 1 --limit 100 -o json"),
]

# Issue 17 (people reports): targets, lead response, performance, commissions. Last, so
# that the target events shift no event id that an earlier group prints.
GROUPS["people"] = [
    c("targets set petr.kral --period 2026-Q1 --metric won_value --value '1 000 000'"),
    c("targets set petr.kral --period 2026-03 --metric calls --value 10 -o json"),
    c(f"{MANAGER} targets set eva.mala --period 2026-03 --metric calls --value 8"),
    c(f"{MANAGER} targets set 'team:Obchod Praha' --period 2026 --metric new_deals --value 40"),
    c(f"{SALES} targets set petr.kral --period 2026-03 --metric calls --value 99"),
    c("targets set petr.kral --period 2026-Q5 --metric calls --value 1"),
    c("targets set petr.kral --period 2026-03 --metric revenue --value 1"),
    c("targets set petr.kral --period 2026-03 --metric calls --value 2.5"),
    c("targets set nobody --period 2026-03 --metric calls --value 1"),
    c("targets list"),
    c("targets list --period 2026-03 -o csv"),
    c("targets list --for petr.kral -o json"),
    c(f"{SALES} targets list"),
    c(f"{SUPPORT} targets list"),
    c("targets rm 3"),
    c("targets rm 99"),
    c("report lead-response"),
    c("report lead-response --by source -o csv"),
    c("report lead-response --by campaign --calendar-time -o json"),
    c("report lead-response --breaches --sla 1m"),
    c("report lead-response --sla soon"),
    c("report lead-response --by region"),
    c("report lead-response --fail-if 'breaches > 100'"),
    c("report lead-response --fail-if 'leads > 0'"),
    c(f"{SALES} report lead-response -o csv"),
    c("leads list --where 'response_business_minutes >= 0' --fields id,response_minutes"),
    c("report performance --from 2026-03 --to 2026-03"),
    c("report performance --from 2026-Q1 -o csv"),
    c("report performance --by team --from 2026-03 --to 2026-03 -o json"),
    c("report performance --from 2026-03 -o html"),
    c(f"{SALES} report performance --from 2026-03 --to 2026-03 -o csv"),
    c(f"{SUPPORT} report performance --from 2026-03 --to 2026-03 -o csv"),
    c("report performance --by colour"),
    c("report commissions --from 2026-03"),
]

# Issue 18, last so that the ids and events of the groups above stay as recorded.
GROUPS["mail"] = [
    c("mail import mail.eml"),
    c("mail import newsletter.eml -o json"),
    c("mail import mail.eml"),
    c("mail import missing.mbox"),
    *formats("mail list"),
    c("mail list --unpaired --fields id,subject"),
    c("mail list --deal 1 -o json"),
    c("mail list --where \"subject ~ 'dotaz'\""),
    c("mail show 1 -o json"),
    c("mail show 99"),
    c("mail thread 1"),
    c("mail why 2"),
    c("mail pair 2 --company 1"),
    c("mail unpair 2 --company 1 -o json"),
    c(f"{SALES2} mail list"),
    c(f"{SALES2} mail show 2"),
    c("mail send --to jana@nova-firma.cz --subject Termín --body-file note.txt --deal 1 --dry-run"),
]

# Issue 19: products, campaigns (launch, report), saved views.
GROUPS["campaigns"] = [
    c("products add CRM-PRO --name 'CRM Pro' --price '990 Kč' --billing monthly"),
    c("products add SERVIS --name Servis --price 24000 --billing yearly --category služby"),
    c("products add X --name Y --billing weekly"),
    c("products list"),
    c("products list --where 'billing = \"monthly\"' -o json"),
    c("products show crm-pro -o yaml"),
    c("products edit SERVIS --price 25000 --inactive"),
    c(f"{SALES} products edit SERVIS --price 1"),
    c("timeline product SERVIS"),
    c("campaigns add 'Jaro 2027' --product CRM-PRO --budget '10 000' --starts 2027-03-01"),
    c("campaigns add Omyl"),
    c("campaigns edit Omyl --description 'Smazat'"),
    c("campaigns rm Omyl"),
    c("campaigns launch 'Jaro 2027' --where 'city ~ \"brno\"' --dry-run"),
    c("campaigns launch 'Jaro 2027' --where 'id > 0' --task Zavolat --due +5d"),
    c("campaigns launch 'Jaro 2027' --where 'id > 0' -o csv"),
    c("campaigns launch 'Jaro 2027' --assign random"),
    c(f"{SALES} campaigns launch 'Jaro 2027' --where 'id > 0'"),
    c("campaigns list"),
    c("campaigns show 'Jaro 2027' -o json"),
    c(f"{SUPPORT} campaigns list"),
    c("timeline campaign 'Jaro 2027'"),
    c("views save vip --entity companies --where 'tags = \"vip\"' --shared"),
    c("views save bad --entity companies --where 'colour = 1'"),
    c("views list"),
    c("views show vip -o json"),
    c("companies list --view vip"),
    c(f"{SALES} companies list --view vip"),
    c("report campaign"),
    c("report campaign 'Jaro 2027' -o json"),
    c(f"{SALES} report campaign -o csv"),
    c("views rm vip"),
]

# Issue 19: services and contracts, account plans, and their timelines.
GROUPS["services"] = [
    c("services add --company 1 --name 'Servis CNC' --kind ours --product SERVIS --starts 2025-04-01 --ends 2026-04-30 --notice-days 30 --value '2 000' --billing monthly"),
    c("services add --company 1 --name 'Účetnictví' --kind competitor --ends 2026-05-31 --provider 'Money S3' -o json"),
    c("services add --company 1 --name Soustruh --kind purchase --starts 2025-01-10 --value 350000 --billing once --serial SN-1"),
    c("services add --company 1 --name X --kind rented"),
    c("services add --company 1 --name X --kind ours --starts 2026-05-01 --ends 2026-04-01"),
    c(f"{SALES2} services add --company 1 --name Cizí --kind ours"),
    *formats("services list"),
    c("services list --where 'kind = \"ours\"' --fields id,name,notice_deadline"),
    c("services show 1 -o json"),
    c(f"{SUPPORT} services show 1"),
    c("services show 99"),
    c("services edit 1 --notice-days 60"),
    c("services expiring --within 90d"),
    c("services expiring --within 30d --kind competitor -o csv"),
    c("services expiring --within 90d --fail-if-any"),
    c("services expiring --within soon"),
    c("services rm 3"),
    c("timeline service 1"),
    c("plans add 1 --period 2026 --goal 'Servis na všechny stroje' --target-value 600000"),
    c("plans add 1 --period 2026"),
    c("plans list"),
    c("plans list -o json"),
    c("plans edit 1 --goal 'Servis a CAD'"),
    c("plans stakeholder add 1 1 --role decision-maker --attitude supporter"),
    c("plans stakeholder add 1 1 --role boss --attitude supporter"),
    c("plans action add 1 'Představit CAD' --due 2026-04-15 --assignee petr.kral"),
    c("plans show 1"),
    c("plans show 1 -o json"),
    c(f"{SUPPORT} plans show 1"),
    c("timeline plan 1"),
]  # fmt: skip

# Issue 19: apply for the catalogue entities (what their `list -o json` prints).
GROUPS["apply"] = [
    c("products apply -f -", stdin='[{"code": "CAD", "name": "Licence CAD", "billing": "yearly"}]'),
    c("campaigns apply -f - --dry-run", stdin='[{"id": 1, "budget": "12000"}]'),
    c("services apply -f - -o json", stdin='[{"id": 1, "note": "Prodlouženo"}, {"company_id": 1, "name": "CAD", "kind": "competitor", "ends_on": "2026-09-30"}]'),
    c("services apply -f -", stdin='[{"id": 1, "kind": "rented"}]'),
    c("plans apply -f -", stdin='[{"id": 1, "goal": "Servis a CAD"}]'),
    c(f"{SUPPORT} plans apply -f -", stdin='[{"id": 1, "goal": "x"}]'),
]  # fmt: skip

# Issue 20 item 2: `-o wide`, every field uncut (a pipe: no width), and a report's wide table.
GROUPS["tables"] = [
    c("deals list -o wide --limit 5"),
    c(f"{SALES} companies list -o wide"),
    c("tasks list -o wide --fields id,subject,due_at"),
    c("report funnel -o wide"),
]

# Issue 20 items 4–6: completion scripts, --quiet, -q/--ids, --as after the noun.
GROUPS["scripting"] = [
    c("completion fish"),
    c("completion pwsh"),
    c("deals list --where 'value > 100000' --ids"),
    c("companies list -q --sort name"),
    c("deals --as eva.mala list -q"),
    c("deals list --as eva.mala --ids"),
    c("--quiet tasks add 'Tichý úkol' --due +1d -o json"),
    c("tasks add 'Tichý úkol 2' --due +1d --quiet"),
    c("deals show 999999 --quiet"),
    c("users show admin --ids"),
]

# Issue 20 items 7 and 10: lists as Excel files and CSV, text sorted in Czech order.
GROUPS["excel"] = [
    c("companies list --sort name --fields id,name,ico,psc,phone"),
    c("contacts list --sort -last_name --fields id,first_name,last_name"),
    c("companies list --sort name -o xlsx --output firmy.xlsx", reads="firmy.xlsx"),
    c(
        "deals list --fields id,title,value,currency,expected_close,created_at -o xlsx --output obchody.xlsx",
        reads="obchody.xlsx",
    ),
    c("tasks agenda --days 30 -o xlsx --output agenda.xlsx", reads="agenda.xlsx"),
    c("deals list --fields id,title,value,created_at -o csv --excel"),
    c("contacts list --sort name --fields id,name,phones -o csv --excel"),
    c("companies list -o json --output firmy.json", reads="firmy.json"),
    c("companies list --output json --fields id,name"),
    c("companies list -o json --excel"),
    c("companies show 99 -o xlsx --output none.xlsx"),
    c("report forecast --by month -o csv --excel"),
]
