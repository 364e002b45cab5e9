"""The timeline as a story (issue 20 item 1): every event kind as a sentence, Czech and English.

Pure tests of :mod:`crmctl.services.timeline_story` — events as ``timeline -o json`` gives
them, the names one page would load — and one that finds every kind the code writes and
asks for its own sentence (not the generic fallback).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crmctl.services import timeline_story
from crmctl.services.timeline_names import Names
from crmctl.services.timeline_story import entry, sentence, who

TZ = ZoneInfo("Europe/Prague")
NAMES = Names(
    users={"petr": "Petr Král", "jana": "Jana Novotná", "eva": "Eva Malá"},
    stages={"poptavka": "Poptávka", "nabidka": "Nabídka", "jednani": "Jednání"},
    senders={7: "Jan Novák"},
    contacts={3: "Martin Svoboda"},
    tasks={2: "Workshop s konstrukcí"},
    companies={1: "Strojírny Dvořák s.r.o.", 6: "Stavby Brno a.s."},
)
PACKAGE = Path(__file__).resolve().parent.parent.parent / "crmctl"


def event(kind: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    record = {
        "id": 1, "at": "2026-12-07T09:00:00+00:00", "actor": "jana",
        "entity_type": kind.split(".")[0], "entity_id": 1, "kind": kind, "payload": payload,
        "subject": "",
    }  # fmt: skip
    return record | extra


# (kind, payload, Czech, English): one row or more per event kind the code writes.
SENTENCES = [
    (
        "contact.merged_into",
        {"keep_id": 3},
        "Sloučeno do #3 Martin Svoboda",
        "Merged into #3 Martin Svoboda",
    ),
    (
        "contact.updated",
        {
            "changes": {
                "reports_to": [None, 3],
                "related": [[], [{"id": 3, "label": "bývalý kolega"}]],
                "companies": [
                    [{"id": 6, "role": "obchod", "primary": True}],
                    [
                        {"id": 1, "role": "konzultant", "primary": False},
                        {"id": 6, "role": "obchod", "primary": True},
                    ],
                ],
            }
        },
        "Nadřízený: — → Martin Svoboda; Související: +Martin Svoboda (bývalý kolega); "
        "Firmy: +Strojírny Dvořák s.r.o. (konzultant)",
        "Reports to: — → Martin Svoboda; Related: +Martin Svoboda (bývalý kolega); "
        "Companies: +Strojírny Dvořák s.r.o. (konzultant)",
    ),
    (
        "task.updated",
        {"changes": {"priority": ["normal", "low"], "kind": ["task", "call"]}},
        "Priorita: normální → nízká; Druh: úkol → hovor",
        "Priority: normal → low; Kind: task → call",
    ),
    (
        "deal.stage_changed",
        {"from": "nabidka", "to": "jednani", "label": "Jednání", "pipeline": "default"},
        "Fáze: Nabídka → Jednání",
        "Stage: Nabídka → Jednání",
    ),
    (
        "deal.stage_changed",
        {"from": "nabidka", "to": "jednani", "label": "Jednání", "batch": True},
        "Fáze: Nabídka → Jednání (hromadná změna)",
        "Stage: Nabídka → Jednání (batch update)",
    ),
    (
        "task.done",
        {"subject": "Zavolat kvůli nabídce", "note": "Dovoláno, chtějí úpravu"},
        "Úkol splněn: Zavolat kvůli nabídce (Dovoláno, chtějí úpravu)",
        "Task done: Zavolat kvůli nabídce (Dovoláno, chtějí úpravu)",
    ),
    (
        "email.received",
        {
            "message": 7,
            "subject": "Re: nabídka",
            "from": "jan@novak.cz",
            "at": "2026-12-07T08:00:00+00:00",
            "rule": 1,
        },
        "E-mail od Jan Novák: Re: nabídka",
        "E-mail from Jan Novák: Re: nabídka",
    ),
    (
        "email.received",
        {"message": 8, "subject": "Dotaz", "from": "x@y.cz", "rule": 1},
        "E-mail od x@y.cz: Dotaz",
        "E-mail from x@y.cz: Dotaz",
    ),
    (
        "email.sent",
        {
            "message": 9,
            "subject": "Nabídka",
            "to": ["jan@novak.cz"],
            "at": "2026-12-07T08:00:00+00:00",
            "rule": 2,
        },
        "E-mail pro jan@novak.cz: Nabídka",
        "E-mail to jan@novak.cz: Nabídka",
    ),
    (
        "email.sent",
        {"message": 9, "subject": "Nabídka", "from": "petr@firma.cz", "rule": 2},
        "Odeslaný e-mail: Nabídka",
        "E-mail sent: Nabídka",
    ),
    (
        "email.paired",
        {"message": 7, "subject": "Re: nabídka", "from": "jan@novak.cz"},
        "E-mail přiřazen ručně, od Jan Novák: Re: nabídka",
        "E-mail paired by hand, from Jan Novák: Re: nabídka",
    ),
    (
        "email.unpaired",
        {"message": 7, "subject": "Re: nabídka", "from": "jan@novak.cz"},
        "E-mail odpárován, od Jan Novák: Re: nabídka",
        "E-mail unpaired, from Jan Novák: Re: nabídka",
    ),
    (
        "notification.sent",
        {
            "to": ["petr", "jana"],
            "channels": ["inbox"],
            "subject": "Obchod stojí",
            "workflow": {"rule": "idle-deal", "depth": 0},
        },
        "Pravidlo idle-deal upozornilo: Petr Král, Jana Novotná",
        "Rule idle-deal notified: Petr Král, Jana Novotná",
    ),
    (
        "notification.sent",
        {
            "to": ["petr"],
            "channels": ["inbox"],
            "subject": "Ke schválení",
            "skipped": ["eva"],
            "skipped_because": "may not read the record",
        },
        "Upozornění: Petr Král – Ke schválení (ne Eva Malá: nesmí záznam číst)",
        "Notified: Petr Král – Ke schválení (not Eva Malá: may not read the record)",
    ),
    (
        "approval.decided",
        {"approval_id": 1, "decision": "rejected", "reason": "Sleva 20 %", "note": "příliš vysoká"},
        "Schválení „Sleva 20\xa0%“: zamítnuto (Jana Novotná: příliš vysoká)",
        "Approval “Sleva 20\xa0%”: rejected (Jana Novotná: příliš vysoká)",
    ),
    (
        "approval.decided",
        {"approval_id": 1, "decision": "approved", "reason": "Sleva 20 %", "note": None},
        "Schválení „Sleva 20\xa0%“: schváleno (Jana Novotná)",
        "Approval “Sleva 20\xa0%”: approved (Jana Novotná)",
    ),
    (
        "approval.requested",
        {"approval_id": 1, "reason": "Sleva 20 %", "approver": "role:manager"},
        "Žádost o schválení: Sleva 20\xa0% (schvaluje role manager)",
        "Approval requested: Sleva 20\xa0% (approver role manager)",
    ),
    (
        "approval.requested",
        {"approval_id": 1, "reason": "Sleva 20 %", "approver": "jana"},
        "Žádost o schválení: Sleva 20\xa0% (schvaluje Jana Novotná)",
        "Approval requested: Sleva 20\xa0% (approver Jana Novotná)",
    ),
    (
        "company.updated",
        {
            "changes": {
                "industry": ["Strojírenství", "Obrábění"],
                "tags": [["vip", "výroba"], ["klíčový zákazník", "vip"]],
            }
        },
        "Obor: Strojírenství → Obrábění; Štítky: +klíčový zákazník, −výroba",
        "Industry: Strojírenství → Obrábění; Tags: +klíčový zákazník, −výroba",
    ),
    (
        "contact.updated",
        {
            "changes": {
                "companies": [
                    [{"id": 1, "name": "Alfa s.r.o.", "role": None, "primary": False}],
                    [{"id": 1, "name": "Alfa s.r.o.", "role": None, "primary": True}],
                ]
            }
        },
        "Firmy: +Alfa s.r.o. (hlavní), −Alfa s.r.o.",
        "Companies: +Alfa s.r.o. (primary), −Alfa s.r.o.",
    ),
    (
        "contact.updated",
        {"changes": {"emails": [["a@x.cz"], ["a@x.cz", "b@x.cz"]], "function": [None, "ředitel"]}},
        "E-maily: +b@x.cz; Funkce: — → ředitel",
        "E-mails: +b@x.cz; Function: — → ředitel",
    ),
    (
        "deal.updated",
        {
            "changes": {
                "value": ["35640.00", "40000.00"],
                "expected_close": ["2026-12-01", "2027-01-15"],
                "probability_overridden": [False, True],
                "owner": ["petr", "eva"],
                "custom": [{}, {"discount": 20}],
            },
            "batch": True,
        },
        "Hodnota: 35\xa0640,00 → 40\xa0000,00; "
        "Očekávané uzavření: 1.\xa012.\xa02026 → 15.\xa01.\xa02027; "
        "Pravděpodobnost ručně: ne → ano; Vlastník: Petr Král → Eva Malá; discount: — → 20 "
        "(hromadná změna)",
        "Value: 35,640.00 → 40,000.00; Expected close: 2026-12-01 → 2027-01-15; "
        "Probability overridden: no → yes; Owner: Petr Král → Eva Malá; discount: — → 20 "
        "(batch update)",
    ),
    (
        "task.updated",
        {"changes": {"due_at": ["2026-12-08T09:00:00+00:00", "2026-12-09T13:30:00+00:00"]}},
        "Termín: 8.\xa012.\xa02026\xa010:00 → 9.\xa012.\xa02026\xa014:30",
        "Due at: 2026-12-08\xa010:00 → 2026-12-09\xa014:30",
    ),
    (
        "deal.created",
        {
            "fields": {
                "title": "CNC",
                "value": "35640.00",
                "currency": "CZK",
                "stage": "poptavka",
                "owner": "petr",
            }
        },
        "Obchod založen: CNC (35\xa0640,00\xa0Kč, fáze Poptávka)",
        "Deal created: CNC (CZK\xa035,640.00, stage Poptávka)",
    ),
    (
        "deal.won",
        {"reason": "Tříletá licence"},
        "Obchod vyhrán (Tříletá licence)",
        "Deal won (Tříletá licence)",
    ),
    ("deal.lost", {"reason": None}, "Obchod prohrán", "Deal lost"),
    (
        "deal.assigned",
        {"owner": "eva", "reason": "kraj Zlínský kraj"},
        "Přiděleno: Eva Malá (kraj Zlínský kraj)",
        "Assigned to: Eva Malá (kraj Zlínský kraj)",
    ),
    (
        "lead.assigned",
        {"changes": {"owner": [None, "eva"]}, "reason": "round-robin"},
        "Vlastník: — → Eva Malá (round-robin)",
        "Owner: — → Eva Malá (round-robin)",
    ),
    (
        "lead.created",
        {"fields": {"source": "web", "subject": "Servis", "owner": "petr"}},
        "Poptávka přijata: Servis (zdroj web, vlastník Petr Král)",
        "Lead received: Servis (source web, owner Petr Král)",
    ),
    (
        "lead.status_changed",
        {"from": "new", "to": "contacted"},
        "Stav poptávky: nová → kontaktovaná",
        "Lead status: new → contacted",
    ),
    (
        "lead.converted",
        {"from": "qualified", "to": "converted", "deal_id": 105},
        "Poptávka převedena na obchod #105",
        "Lead converted to deal #105",
    ),
    (
        "lead.rejected",
        {"from": "new", "to": "rejected", "reason": "spam"},
        "Poptávka zamítnuta: spam",
        "Lead rejected: spam",
    ),
    (
        "company.created",
        {
            "fields": {"name": "Alfa s.r.o.", "ico": "27184315", "city": "Praha 10"},
            "import": {"batch": 1, "file": "adresar.xlsx"},
        },
        "Firma založena: Alfa s.r.o. (IČO 27184315, Praha 10, import adresar.xlsx)",
        "Company created: Alfa s.r.o. (IČO 27184315, Praha 10, import adresar.xlsx)",
    ),
    (
        "contact.created",
        {"fields": {"name": "Mgr. Martin Svoboda", "function": "nákupčí"}},
        "Kontakt založen: Mgr. Martin Svoboda (nákupčí)",
        "Contact created: Mgr. Martin Svoboda (nákupčí)",
    ),
    (
        "task.created",
        {
            "fields": {
                "kind": "call",
                "subject": "Zavolat",
                "due_at": "2026-12-08T09:00:00+00:00",
                "assignee": "petr",
            }
        },
        "Hovor naplánován: Zavolat (termín 8.\xa012.\xa02026\xa010:00, řeší Petr Král)",
        "Call planned: Zavolat (due 2026-12-08\xa010:00, assignee Petr Král)",
    ),
    (
        "task.created",
        {
            "fields": {
                "kind": "task",
                "subject": "Nabídka",
                "due_at": "2026-12-28",
                "all_day": True,
                "assignee": "petr",
            }
        },
        "Úkol vytvořen: Nabídka (termín 28.\xa012.\xa02026, řeší Petr Král)",
        "Task created: Nabídka (due 2026-12-28, assignee Petr Král)",
    ),
    (
        "task.assigned",
        {"from": "petr", "to": "eva", "subject": "Zavolat"},
        "Úkol předán: Zavolat: Petr Král → Eva Malá",
        "Task reassigned: Zavolat: Petr Král → Eva Malá",
    ),
    (
        "activity.call",
        {
            "kind": "call",
            "occurred_at": "2026-12-04T14:30:00+01:00",
            "subject": "Zavolat kvůli nabídce",
            "body": "Dovoláno,\nchtějí úpravu",
            "outcome": "dovoláno",
            "duration_minutes": 15,
            "first_contact": "call",
        },
        "Hovor: Zavolat kvůli nabídce – Dovoláno, chtějí úpravu (dovoláno, 15 min, první hovor)",
        "Call: Zavolat kvůli nabídce – Dovoláno, chtějí úpravu (dovoláno, 15 min, first call)",
    ),
    (
        "activity.meeting",
        {
            "kind": "meeting",
            "occurred_at": "2026-12-04T10:00:00+01:00",
            "body": "Prezentace",
            "attendees": ["Jan Novák", "Petr Král"],
        },
        "Schůzka: Prezentace (Jan Novák, Petr Král)",
        "Meeting: Prezentace (Jan Novák, Petr Král)",
    ),
    (
        "activity.note",
        {"kind": "note", "body": "Chtějí slevu"},
        "Poznámka: Chtějí slevu",
        "Note: Chtějí slevu",
    ),
    ("activity.email", {"kind": "email", "body": "Posláno"}, "E-mail: Posláno", "E-mail: Posláno"),
    (
        "document.attached",
        {"file_name": "nabidka.pdf", "size": 245760, "sha256": "x", "target": "deal"},
        "Dokument přiložen: nabidka.pdf (240 kB)",
        "Document attached: nabidka.pdf (240 kB)",
    ),
    (
        "campaign.launched",
        {"where": "x", "assign": "owner", "opened": 5, "skipped": 1},
        "Kampaň spuštěna: otevřeno poptávek 5, přeskočeno 1",
        "Campaign launched: leads opened 5, skipped 1",
    ),
    (
        "campaign.created",
        {"fields": {"name": "Jaro 2027"}},
        "Nová kampaň: Jaro 2027",
        "New campaign: Jaro 2027",
    ),
    (
        "campaign.updated",
        {"changes": {"budget": ["10000.00", "20000.00"]}},
        "Rozpočet: 10\xa0000,00 → 20\xa0000,00",
        "Budget: 10,000.00 → 20,000.00",
    ),
    ("campaign.removed", {"name": "Jaro 2027"}, "Smazáno: Jaro 2027", "Removed: Jaro 2027"),
    (
        "service.created",
        {"fields": {"name": "Licence CAD", "owner": "petr"}},
        "Nová služba: Licence CAD (vlastník Petr Král)",
        "New service: Licence CAD (owner Petr Král)",
    ),
    (
        "service.updated",
        {"changes": {"ends_on": ["2027-11-17", "2028-11-17"]}},
        "Do: 17.\xa011.\xa02027 → 17.\xa011.\xa02028",
        "Ends on: 2027-11-17 → 2028-11-17",
    ),
    (
        "service.removed",
        {"name": "Licence CAD", "company_id": 1},
        "Smazáno: Licence CAD",
        "Removed: Licence CAD",
    ),
    (
        "plan.created",
        {"fields": {"period": "2027", "goal": "Rozšířit servis", "owner": "petr"}},
        "Nový plán účtu: 2027 – Rozšířit servis (vlastník Petr Král)",
        "New account plan: 2027 – Rozšířit servis (owner Petr Král)",
    ),
    (
        "plan.updated",
        {"changes": {"target_value": ["600000.00", "700000.00"]}},
        "Cílová hodnota: 600\xa0000,00 → 700\xa0000,00",
        "Target value: 600,000.00 → 700,000.00",
    ),
    (
        "plan.stakeholder_added",
        {"contact_id": 3, "role": "influencer", "attitude": "neutral"},
        "Zúčastněná osoba: Martin Svoboda (ovlivňuje, neutrální)",
        "Stakeholder added: Martin Svoboda (influencer, neutral)",
    ),
    (
        "plan.stakeholder_added",
        {"role": "influencer", "attitude": "neutral"},
        "Zúčastněná osoba (ovlivňuje, neutrální)",
        "Stakeholder added (influencer, neutral)",
    ),
    (
        "plan.action_added",
        {"task_id": 2},
        "Akce plánu: Workshop s konstrukcí",
        "Plan action: Workshop s konstrukcí",
    ),
    (
        "product.created",
        {"fields": {"name": "CRM Pro"}, "leads_linked": 0},
        "Nový produkt: CRM Pro",
        "New product: CRM Pro",
    ),
    (
        "product.updated",
        {"changes": {"list_price": ["1000.00", "1200.00"], "active": [True, False]}},
        "Ceníková cena: 1\xa0000,00 → 1\xa0200,00; Aktivní: ano → ne",
        "List price: 1,000.00 → 1,200.00; Active: yes → no",
    ),
    ("company.deleted", {"name": "Alfa s.r.o."}, "Smazáno: Alfa s.r.o.", "Removed: Alfa s.r.o."),
    ("contact.deleted", {"name": "Jan Novák"}, "Smazáno: Jan Novák", "Removed: Jan Novák"),
    ("company.purged", {"ico": "27184315"}, "Trvale odstraněno", "Purged"),
    (
        "contact.purged",
        {"undo_of_import": 4},
        "Odstraněno vrácením importu #4",
        "Removed by undoing import #4",
    ),
    (
        "company.merged",
        {
            "duplicate_id": 9,
            "duplicate_name": "Alfa",
            "moved_events": 3,
            "moved_contacts": 1,
            "changes": {"phone": [None, "+420123"]},
        },
        "Sloučen duplikát #9 Alfa; Telefon: — → +420123",
        "Merged duplicate #9 Alfa; Phone: — → +420123",
    ),
    (
        "company.merged_into",
        {"keep_id": 1, "name": "Alfa s.r.o."},
        "Sloučeno do #1 Alfa s.r.o.",
        "Merged into #1 Alfa s.r.o.",
    ),
    (
        "contact.merged",
        {"duplicate_id": 9, "duplicate_name": "Jan", "moved_events": 3, "changes": {}},
        "Sloučen duplikát #9 Jan",
        "Merged duplicate #9 Jan",
    ),
    ("contact.merged_into", {"keep_id": 1}, "Sloučeno do #1", "Merged into #1"),
    (
        "contact.consent_granted",
        {"purpose": "newsletter", "basis": "consent", "source": "web"},
        "Souhlas udělen: newsletter (souhlas)",
        "Consent granted: newsletter (consent)",
    ),
    (
        "contact.consent_withdrawn",
        {"purpose": "newsletter", "basis": "consent", "source": "phone"},
        "Souhlas odvolán: newsletter (souhlas)",
        "Consent withdrawn: newsletter (consent)",
    ),
    (
        "contact.erased",
        {"counts": {"emails": 2}},
        "Osobní údaje vymazány (GDPR)",
        "Personal data erased (GDPR)",
    ),
    (
        "delivery.resend",
        {"delivery": 4, "channel": "email", "was": "dead"},
        "Doručení #4 (email) znovu ve frontě, bylo nedoručeno",
        "Delivery #4 (email) queued again, was dead",
    ),
    (
        "import.completed",
        {"file": "adresar.xlsx", "sha256": "x", "counts": {"created": 5, "updated": 2}},
        "Import dokončen: adresar.xlsx (založeno 5, změněno 2)",
        "Import completed: adresar.xlsx (created 5, updated 2)",
    ),
    (
        "import.undone",
        {
            "companies_removed": 5,
            "contacts_removed": 2,
            "companies_restored": 0,
            "contacts_restored": 1,
        },
        "Import vrácen (odstraněno firem 5, odstraněno kontaktů 2, obnoveno kontaktů 1)",
        "Import undone (companies removed 5, contacts removed 2, contacts restored 1)",
    ),
    (
        "user.created",
        {"fields": {"login": "eva", "name": "Eva Malá"}},
        "Nový uživatel: Eva Malá",
        "New user: Eva Malá",
    ),
    (
        "user.updated",
        {"changes": {"active": [True, False]}},
        "Aktivní: ano → ne",
        "Active: yes → no",
    ),
    (
        "team.created",
        {"fields": {"name": "Obchod Praha"}},
        "Nový tým: Obchod Praha",
        "New team: Obchod Praha",
    ),
    (
        "view.created",
        {"name": "moje", "entity": "deals", "where": "x"},
        "Nový uložený pohled: moje",
        "New saved view: moje",
    ),
    (
        "view.updated",
        {"name": "moje", "where": "y"},
        "Uložený pohled upraven: moje",
        "Saved view updated: moje",
    ),
    ("view.removed", {"name": "moje"}, "Smazáno: moje", "Removed: moje"),
    (
        "target.set",
        {
            "target": {
                "id": 1,
                "subject": "petr",
                "period": "2026-Q4",
                "from": "2026-10-01",
                "to": "2026-12-31",
                "metric": "won_value",
                "value": "100000.00",
                "currency": "CZK",
            }
        },
        "Cíl nastaven: Petr Král, 2026-Q4, won_value 100\xa0000,00\xa0Kč",
        "Target set: Petr Král, 2026-Q4, won_value CZK\xa0100,000.00",
    ),
    (
        "target.removed",
        {
            "target": {
                "id": 2,
                "subject": "team:Obchod Praha",
                "period": "2026",
                "metric": "calls",
                "value": 120,
                "currency": None,
            }
        },
        "Cíl odstraněn: tým Obchod Praha, 2026, calls 120",
        "Target removed: team Obchod Praha, 2026, calls 120",
    ),
    (
        "report_snapshot.saved",
        {"name": "q4", "report": "forecast", "params": {}, "deals": 12},
        "Snímek reportu uložen: q4 (forecast, obchodů 12)",
        "Report snapshot saved: q4 (forecast, deals 12)",
    ),
    (
        "deal.teleported",
        {"where": "Mars", "primary": True, "owner": "petr"},
        "Událost deal teleported: where: Mars; primary: ano; Vlastník: Petr Král",
        "Deal teleported: where: Mars; primary: yes; Owner: Petr Král",
    ),
]


@pytest.mark.parametrize(("kind", "payload", "czech", "english"), SENTENCES)
def test_every_event_kind_reads_as_a_sentence(
    kind: str, payload: dict[str, Any], czech: str, english: str
) -> None:
    assert sentence(event(kind, payload), NAMES, "cs", TZ) == czech
    assert sentence(event(kind, payload), NAMES, "en", TZ) == english


@pytest.mark.parametrize(("kind", "payload", "czech", "english"), SENTENCES)
def test_no_python_repr_reaches_a_sentence(
    kind: str, payload: dict[str, Any], czech: str, english: str
) -> None:
    for text in (czech, english):
        assert not re.search(r"\b(True|False|None)\b|[{}\[\]]|': |=", text), text


def kinds_the_code_writes() -> set[str]:
    """Event kinds written anywhere in the package: literals, and the f-string families."""
    pattern = re.compile(r'"((?:[a-z_]+)\.[a-z_]+)"')
    entity_types = {
        "approval", "campaign", "company", "contact", "deal", "delivery", "document", "email",
        "import", "lead", "notification", "plan", "product", "report_snapshot", "service",
        "target", "task", "team", "user", "view",
    }  # fmt: skip
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for kind in pattern.findall(path.read_text(encoding="utf-8")):
            if kind.split(".")[0] in entity_types:
                found.add(kind)
    # f"activity.{kind}", f"deal.{status}" and f"{entity_type}.purged|created|updated".
    found |= {f"activity.{kind}" for kind in ("call", "meeting", "note", "email")}
    return found | {"deal.won", "deal.lost"}


# Strings that look like kinds and are not events: a domain, a virtual workflow trigger.
NOT_EVENTS = {"email.cz", "task.overdue"}


def test_every_kind_the_code_writes_has_its_own_sentence() -> None:
    written = kinds_the_code_writes() - NOT_EVENTS
    assert len(written) > 50
    tested = {row[0] for row in SENTENCES}
    assert written - tested == set()
    for kind in written:
        known = kind in timeline_story.KINDS or kind.partition(".")[2] in timeline_story.ACTIONS
        assert known, f"{kind} falls back to the generic sentence"


def test_an_unknown_kind_still_reads() -> None:
    unknown = event("deal.teleported", {"where": "Mars", "primary": True, "owner": "petr"})
    assert sentence(unknown, NAMES, "cs", TZ) == (
        "Událost deal teleported: where: Mars; primary: ano; Vlastník: Petr Král"
    )
    assert sentence(unknown, NAMES, "en", TZ) == (
        "Deal teleported: where: Mars; primary: yes; Owner: Petr Král"
    )


def test_who_is_the_name_or_the_rule() -> None:
    rule = event("notification.sent", {"to": ["petr"], "workflow": {"rule": "idle-deal"}})
    assert who(rule, NAMES, "cs") == "pravidlo idle-deal"
    assert who(rule, NAMES, "en") == "rule idle-deal"
    assert who(event("deal.won", {}, actor="petr"), NAMES, "cs") == "Petr Král"
    assert who(event("deal.won", {}, actor="nobody"), NAMES, "cs") == "nobody"
    assert who(event("deal.won", {}, actor=None), NAMES, "cs") == "systém"


def test_a_call_logged_with_at_stands_when_it_happened() -> None:
    call = event(
        "activity.call",
        {"kind": "call", "occurred_at": "2026-12-04T14:30:00+01:00", "body": "Dovoláno"},
        at="2026-12-07T09:00:00+00:00",
    )
    assert entry(call, NAMES, "cs", TZ).at == datetime(2026, 12, 4, 14, 30, tzinfo=TZ)
    mail = event("email.received", {"message": 7, "subject": "Re", "at": "2026-03-03T13:02:00Z"})
    assert entry(mail, NAMES, "cs", TZ).at == datetime(2026, 3, 3, 14, 2, tzinfo=TZ)
    # Anything else at its own time, in local time.
    moved = event("deal.stage_changed", {"from": "nabidka", "to": "jednani"})
    assert entry(moved, NAMES, "cs", TZ).at == datetime(2026, 12, 7, 10, 0, tzinfo=TZ)


def test_another_records_event_names_the_record() -> None:
    moved = event(
        "deal.stage_changed",
        {"from": "nabidka", "to": "jednani"},
        subject="deal #5 CNC linka",
        entity_id=5,
    )
    assert entry(moved, NAMES, "cs", TZ, root="company").text == (
        "Fáze: Nabídka → Jednání — obchod CNC linka"
    )
    assert entry(moved, NAMES, "en", TZ, root="company").text == (
        "Stage: Nabídka → Jednání — deal CNC linka"
    )
    # The deal's own timeline, and a sentence that names the record already: no suffix.
    assert entry(moved, NAMES, "cs", TZ, root="deal").text == "Fáze: Nabídka → Jednání"
    created = event(
        "deal.created", {"fields": {"title": "CNC linka"}}, subject="deal #5 CNC linka", entity_id=5
    )
    assert entry(created, NAMES, "cs", TZ, root="company").text == "Obchod založen: CNC linka"


def test_long_text_is_shortened_at_a_word_and_kept_on_one_line() -> None:
    body = "Slovo " * 100 + "konec"
    text = sentence(event("activity.note", {"kind": "note", "body": body}), NAMES, "cs", TZ)
    assert text.endswith("Slovo…") and "\n" not in text and len(text) < 320
