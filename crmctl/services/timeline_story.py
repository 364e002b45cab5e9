"""The timeline as a story: each event as when, who and what, in a sentence a person reads.

``timeline`` as a table tells "Fáze: Nabídka → Jednání", "Úkol splněn: Zavolat kvůli
nabídce (Dovoláno, chtějí úpravu)" or "Pravidlo idle-deal upozornilo: Petr Král" where
the event log stores keys, logins and ids. The machine formats (JSON, CSV, …) keep the
records as they are; only the table comes here. :func:`story` loads the names of one
page at once (:mod:`crmctl.services.timeline_names`); :func:`sentence` is pure, one
function per event kind (a dict of them, like the workflow actions), and any kind not
listed still gets a readable generic sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from crmctl import present
from crmctl.services.context import Context
from crmctl.services.timeline_names import Names, load_names
from crmctl.services.timeline_values import (
    LEAD_STATUSES,
    Speaker,
    changes_text,
    clean,
    key_word,
    label,
    moment,
    quoted_list,
    value_text,
)

Payload = Mapping[str, Any]


@dataclass(frozen=True)
class Entry:
    """One event as the story tells it: when (local), who and what."""

    id: int
    at: datetime
    who: str
    text: str


def story(ctx: Context, events: list[Mapping[str, Any]], root: str, lang: str) -> list[Entry]:
    """The page's events as entries, newest first by when they happened."""
    names = load_names(ctx, events)
    entries = [entry(event, names, lang, ctx.tz, root) for event in events]
    # A call logged afterwards with --at happened earlier: the story follows the happening.
    return sorted(entries, key=lambda e: (e.at, e.id), reverse=True)


def entry(event: Mapping[str, Any], names: Names, lang: str, tz: ZoneInfo, root: str = "") -> Entry:
    text = sentence(event, names, lang, tz)
    subject = _subject(event, root, lang)
    if subject and subject.partition(" ")[2] not in text:  # not when the sentence names it
        text = f"{text} — {subject}"
    return Entry(int(event["id"]), _when(event, tz), who(event, names, lang), text)


def who(event: Mapping[str, Any], names: Names, lang: str) -> str:
    """The person (their name), or the workflow rule that acted."""
    rule = ((event.get("payload") or {}).get("workflow") or {}).get("rule")
    if rule:
        return f"{'rule' if lang == 'en' else 'pravidlo'} {rule}"
    if event.get("actor"):
        return names.user(event["actor"])
    return "system" if lang == "en" else "systém"


def _when(event: Mapping[str, Any], tz: ZoneInfo) -> datetime:
    """When it happened: a call's or meeting's time (``log call --at``), an e-mail's date."""
    payload = event.get("payload") or {}
    kind = str(event.get("kind", ""))
    happened = None
    if kind.startswith("activity."):
        happened = moment(payload.get("occurred_at"))
    elif kind in ("email.received", "email.sent"):
        happened = moment(payload.get("at"))
    at = happened or moment(event["at"])
    assert at is not None
    return at.astimezone(tz)


# Singular names of the records a customer's timeline gathers (the registry has plurals).
RECORD_WORDS: Mapping[str, tuple[str, str]] = {
    "company": ("firma", "company"),
    "contact": ("kontakt", "contact"),
    "deal": ("obchod", "deal"),
    "lead": ("poptávka", "lead"),
    "service": ("služba", "service"),
    "plan": ("plán", "plan"),
    "product": ("produkt", "product"),
    "campaign": ("kampaň", "campaign"),
}


def _subject(event: Mapping[str, Any], root: str, lang: str) -> str:
    """Which record, when it is not the one whose timeline this is: ``obchod Linka``."""
    entity_type = str(event.get("entity_type", ""))
    if entity_type == root or entity_type not in RECORD_WORDS:
        return ""
    prefix = f"{entity_type} #{event.get('entity_id')}"
    name = str(event.get("subject") or "").removeprefix(prefix).strip()
    word = RECORD_WORDS[entity_type][1 if lang == "en" else 0]
    return f"{word} {clean(name)}" if name else f"{word} #{event.get('entity_id')}"


# --- sentences --------------------------------------------------------------------------


def sentence(event: Mapping[str, Any], names: Names, lang: str, tz: ZoneInfo) -> str:
    kind = str(event.get("kind", ""))
    entity_type, _, action = kind.partition(".")
    say = Speaker(lang, names, tz, entity_type or str(event.get("entity_type", "")))
    payload = event.get("payload") or {}
    build = KINDS.get(kind) or ACTIONS.get(action)
    text = build(say, payload, event) if build else None
    return text or _generic(say, kind, payload)


Sentence = Callable[[Speaker, Payload, Mapping[str, Any]], str | None]


# What a new record of each kind is called (``X.created`` of the kinds without their own).
NEW_WORDS: Mapping[str, tuple[str, str]] = {
    "service": ("Nová služba", "New service"),
    "plan": ("Nový plán účtu", "New account plan"),
    "product": ("Nový produkt", "New product"),
    "campaign": ("Nová kampaň", "New campaign"),
    "user": ("Nový uživatel", "New user"),
    "team": ("Nový tým", "New team"),
    "view": ("Nový uložený pohled", "New saved view"),
}


def _created(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    fields = payload.get("fields") or {}
    name = fields.get("name") or fields.get("title") or fields.get("subject")
    if not name and fields.get("period"):  # an account plan: its period and goal
        name = " – ".join(filter(None, (str(fields["period"]), clean(fields.get("goal")))))
    details = []
    if fields.get("owner"):
        details.append(f"{say.t('vlastník', 'owner')} {say.names.user(fields['owner'])}")
    cs, en = NEW_WORDS.get(say.entity, ("Založeno", "Created"))
    name = name or payload.get("name")  # a saved view logs its values at the top
    text = f"{say.t(cs, en)}: {clean(name)}" if name else say.t(cs, en)
    return _details(text, [*details, _import_detail(say, payload)])


def _with_import(say: Speaker, text: str, payload: Payload) -> str:
    detail = _import_detail(say, payload)
    return f"{text} ({detail})" if detail else text


def _import_detail(say: Speaker, payload: Payload) -> str:
    """``import adresar.xlsx`` for what an import wrote."""
    source = payload.get("import") or {}
    return f"{say.t('import', 'import')} {source['file']}" if source.get("file") else ""


def _details(text: str, details: list[str]) -> str:
    shown = [item for item in details if item]
    return f"{text} ({', '.join(shown)})" if shown else text


def _company_created(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    fields = payload.get("fields") or {}
    details = [fields.get("ico") and f"IČO {fields['ico']}", clean(fields.get("city"))]
    text = f"{say.t('Firma založena', 'Company created')}: {clean(fields.get('name'))}"
    return _details(text, [*details, _import_detail(say, payload)])


def _contact_created(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    fields = payload.get("fields") or {}
    text = f"{say.t('Kontakt založen', 'Contact created')}: {clean(fields.get('name'))}"
    return _details(text, [clean(fields.get("function")), _import_detail(say, payload)])


def _deal_created(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    fields = payload.get("fields") or {}
    amount = fields.get("value")
    details = [
        present.money(amount, fields.get("currency"), say.lang) if amount is not None else "",
        f"{say.t('fáze', 'stage')} {say.names.stage(fields.get('stage'))}"
        if fields.get("stage") else "",
    ]  # fmt: skip
    text = f"{say.t('Obchod založen', 'Deal created')}: {clean(fields.get('title'))}"
    return _details(text, details)


def _lead_created(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    fields = payload.get("fields") or {}
    what = fields.get("subject") or fields.get("company_name") or fields.get("contact_name")
    details = [
        fields.get("source") and f"{say.t('zdroj', 'source')} {key_word(say, fields['source'])}",
        fields.get("owner") and f"{say.t('vlastník', 'owner')} {say.names.user(fields['owner'])}",
    ]
    text = f"{say.t('Poptávka přijata', 'Lead received')}: {clean(what)}".rstrip(": ")
    return _details(text, [*details, _import_detail(say, payload)])


TASK_WORDS = {
    "task": ("Úkol vytvořen", "Task created"),
    "call": ("Hovor naplánován", "Call planned"),
    "meeting": ("Schůzka naplánována", "Meeting planned"),
}


def _task_created(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    fields = payload.get("fields") or {}
    cs, en = TASK_WORDS.get(str(fields.get("kind")), TASK_WORDS["task"])
    due = fields.get("due_at")
    if due and fields.get("all_day"):
        due = str(due)[:10]
    details = [
        due and f"{say.t('termín', 'due')} {value_text(say, 'task', 'due_at', due)}",
        fields.get("assignee")
        and f"{say.t('řeší', 'assignee')} {say.names.user(fields['assignee'])}",
    ]
    return _details(f"{say.t(cs, en)}: {clean(fields.get('subject'))}", details)


def _task_done(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    text = f"{say.t('Úkol splněn', 'Task done')}: {clean(payload.get('subject'))}"
    return _details(text, [clean(payload.get("note"))])


def _task_assigned(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    before, after = say.names.user(payload.get("from")), say.names.user(payload.get("to"))
    subject = clean(payload.get("subject"))
    return f"{say.t('Úkol předán', 'Task reassigned')}: {subject}: {before or '—'} → {after}"


def _changes(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str | None:
    if not payload.get("changes"):
        return None
    text = changes_text(say, payload["changes"])
    if payload.get("batch"):
        text += f" ({say.t('hromadná změna', 'batch update')})"
    return _with_import(say, text, payload)


def _assigned(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    changes = payload.get("changes") or {}
    if "owner" in changes:
        before, after = changes["owner"]
        text = f"{label(say, 'owner')}: {say.names.user(before) or '—'} → {say.names.user(after)}"
    else:
        text = f"{say.t('Přiděleno', 'Assigned to')}: {say.names.user(payload.get('owner'))}"
    return _details(text, [clean(payload.get("reason"))])


def _stage_changed(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    text = (
        f"{label(say, 'stage', 'deal')}: {say.names.stage(payload.get('from'))} → "
        f"{say.names.stage(payload.get('to')) or clean(payload.get('label'))}"
    )
    if payload.get("batch"):
        text += f" ({say.t('hromadná změna', 'batch update')})"
    return text


def _won(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    return _details(say.t("Obchod vyhrán", "Deal won"), [clean(payload.get("reason"))])


def _lost(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    return _details(say.t("Obchod prohrán", "Deal lost"), [clean(payload.get("reason"))])


def _lead_status(say: Speaker, value: Any) -> str:
    cs, en = LEAD_STATUSES.get(str(value), (str(value), str(value)))
    return say.t(cs, en)


def _lead_status_changed(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    before, after = _lead_status(say, payload.get("from")), _lead_status(say, payload.get("to"))
    return f"{say.t('Stav poptávky', 'Lead status')}: {before} → {after}"


def _lead_converted(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    deal = payload.get("deal_id")
    text = say.t("Poptávka převedena na obchod", "Lead converted to deal")
    return f"{text} #{deal}" if deal else text


def _lead_rejected(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    text = say.t("Poptávka zamítnuta", "Lead rejected")
    return f"{text}: {clean(payload['reason'])}" if payload.get("reason") else text


ACTIVITY_WORDS = {
    "call": ("Hovor", "Call"),
    "meeting": ("Schůzka", "Meeting"),
    "note": ("Poznámka", "Note"),
    "email": ("E-mail", "E-mail"),
}


def _activity(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    kind = str(payload.get("kind") or str(event.get("kind", "")).partition(".")[2])
    cs, en = ACTIVITY_WORDS.get(kind, (kind, kind))
    parts = [clean(payload.get("subject")), clean(payload.get("body"), 200)]
    text = " – ".join(part for part in parts if part)
    details = [clean(payload.get("outcome"))]
    if payload.get("duration_minutes"):
        details.append(f"{payload['duration_minutes']} min")
    if payload.get("attendees"):
        details.append(quoted_list(say, payload["attendees"]))
    if payload.get("first_contact"):
        first = ACTIVITY_WORDS.get(str(payload["first_contact"]), ("kontakt", "contact"))
        details.append(say.t(f"první {first[0].lower()}", f"first {first[1].lower()}"))
    return _details(f"{say.t(cs, en)}: {text}" if text else say.t(cs, en), details)


def _document(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    size = payload.get("size")
    shown = _size(say, size) if isinstance(size, int) else ""
    text = f"{say.t('Dokument přiložen', 'Document attached')}: {clean(payload.get('file_name'))}"
    return _details(text, [shown])


def _size(say: Speaker, size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{present.number(size / 1024, 0, say.lang)} kB"
    return f"{present.number(size / (1024 * 1024), 1, say.lang)} MB"


def _email(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    action = str(event.get("kind", "")).partition(".")[2]
    subject = clean(payload.get("subject")) or say.t("(bez předmětu)", "(no subject)")
    if action == "sent":
        to = quoted_list(say, payload.get("to") or [])
        if to:
            return f"{say.t('E-mail pro', 'E-mail to')} {to}: {subject}"
        return f"{say.t('Odeslaný e-mail', 'E-mail sent')}: {subject}"
    sender = say.names.senders.get(payload.get("message")) or payload.get("from")
    head = {
        "received": say.t("E-mail od", "E-mail from"),
        "paired": say.t("E-mail přiřazen ručně, od", "E-mail paired by hand, from"),
        "unpaired": say.t("E-mail odpárován, od", "E-mail unpaired, from"),
    }.get(action, say.t("E-mail od", "E-mail from"))
    return f"{head} {clean(sender)}: {subject}" if sender else f"{head.split(',')[0]}: {subject}"


def _approver(say: Speaker, approver: Any) -> str:
    text = str(approver or "")
    if text.startswith("role:"):
        return f"{say.t('role', 'role')} {text.removeprefix('role:')}"
    return say.names.user(text.removeprefix("user:"))


def _approval_requested(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    text = f"{say.t('Žádost o schválení', 'Approval requested')}: {clean(payload.get('reason'))}"
    approver = _approver(say, payload.get("approver"))
    return _details(text, [approver and f"{say.t('schvaluje', 'approver')} {approver}"])


DECISIONS = {"approved": ("schváleno", "approved"), "rejected": ("zamítnuto", "rejected")}


def _approval_decided(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    decision = str(payload.get("decision") or "")
    cs, en = DECISIONS.get(decision, (decision, decision))
    decider = say.names.user(event.get("actor"))
    note = clean(payload.get("note"))
    why = f"{decider}: {note}" if decider and note else decider or note
    reason = clean(payload.get("reason"))
    quoted = say.t(f"„{reason}“", f"“{reason}”")
    text = f"{say.t('Schválení', 'Approval')} {quoted}: {say.t(cs, en)}"
    return _details(text, [why])


def _notification(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    to = quoted_list(say, [say.names.user(login) for login in payload.get("to") or []])
    rule = ((payload.get("workflow") or {}).get("rule")) or ""
    if rule:
        text = f"{say.t('Pravidlo', 'Rule')} {rule} {say.t('upozornilo', 'notified')}: {to}"
    else:
        subject = clean(payload.get("subject"))
        text = f"{say.t('Upozornění', 'Notified')}: {to}" + (f" – {subject}" if subject else "")
    skipped = [say.names.user(login) for login in payload.get("skipped") or []]
    if skipped:
        text += f" ({say.t('ne', 'not')} {quoted_list(say, skipped)}: "
        text += say.t("nesmí záznam číst)", "may not read the record)")
    return text


def _resend(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    return (
        f"{say.t('Doručení', 'Delivery')} #{payload.get('delivery')} ({payload.get('channel')}) "
        f"{say.t('znovu ve frontě, bylo', 'queued again, was')} {key_word(say, payload.get('was'))}"
    )


def _launched(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    return (
        f"{say.t('Kampaň spuštěna', 'Campaign launched')}: "
        f"{say.t('otevřeno poptávek', 'leads opened')} {payload.get('opened', 0)}, "
        f"{say.t('přeskočeno', 'skipped')} {payload.get('skipped', 0)}"
    )


def _stakeholder(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    contact = payload.get("contact_id")
    name = say.names.contacts.get(contact) or (f"#{contact}" if contact else "")
    details = [key_word(say, payload.get("role")), key_word(say, payload.get("attitude"))]
    text = f"{say.t('Zúčastněná osoba', 'Stakeholder added')}: {name}".rstrip(": ")
    return _details(text, details)


def _plan_action(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    task = payload.get("task_id")
    subject = say.names.tasks.get(task) or (f"#{task}" if task else "")
    return f"{say.t('Akce plánu', 'Plan action')}: {subject}".rstrip(": ")


def _consent(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    granted = str(event.get("kind", "")).endswith("granted")
    head = (
        say.t("Souhlas udělen", "Consent granted")
        if granted
        else say.t("Souhlas odvolán", "Consent withdrawn")
    )
    details = [key_word(say, payload.get("basis")) if payload.get("basis") else ""]
    return _details(f"{head}: {payload.get('purpose')}", details)


def _erased(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    return say.t("Osobní údaje vymazány (GDPR)", "Personal data erased (GDPR)")


def _deleted(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    name = clean(payload.get("name"))
    text = say.t("Smazáno", "Removed")
    return f"{text}: {name}" if name else text


def _purged(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    if payload.get("undo_of_import"):
        return say.t(
            f"Odstraněno vrácením importu #{payload['undo_of_import']}",
            f"Removed by undoing import #{payload['undo_of_import']}",
        )
    return say.t("Trvale odstraněno", "Purged")


def _merged(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    duplicate = f"#{payload.get('duplicate_id')} {clean(payload.get('duplicate_name'))}".strip()
    text = f"{say.t('Sloučen duplikát', 'Merged duplicate')} {duplicate}"
    if payload.get("changes"):
        text += f"; {changes_text(say, payload['changes'])}"
    return text


def _merged_into(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    name = clean(payload.get("name"))
    if not name and event.get("entity_type") == "contact":  # a contact's logs only the id
        name = say.names.contacts.get(payload.get("keep_id"), "")
    return f"{say.t('Sloučeno do', 'Merged into')} #{payload.get('keep_id')} {name}".strip()


def _import(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    done = str(event.get("kind")) == "import.completed"
    head = (
        say.t("Import dokončen", "Import completed")
        if done
        else say.t("Import vrácen", "Import undone")
    )
    counts = payload.get("counts") if done else payload
    shown = ", ".join(
        f"{key_word(say, key)} {value}"
        for key, value in (counts or {}).items()
        if isinstance(value, int) and value
    )
    return _details(f"{head}: {payload['file']}" if payload.get("file") else head, [shown])


def _generic(say: Speaker, kind: str, payload: Payload) -> str:
    """An event kind no sentence knows: its name in words and what its payload says."""
    entity_type, _, action = kind.partition(".")
    words = f"{entity_type} {action}".replace("_", " ").strip() or "?"
    head = say.t(f"Událost {words}", words.capitalize())
    shown = [
        f"{label(say, key)}: {value_text(say, say.entity, key, value)}"
        for key, value in payload.items()
        if key not in ("workflow", "import") and value not in (None, "", [], {})
    ]
    return f"{head}: {'; '.join(shown)}" if shown else head


def _view_updated(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    text = f"{say.t('Uložený pohled upraven', 'Saved view updated')}: {clean(payload.get('name'))}"
    return _details(text, [clean(payload.get("where_text"))])


def _target(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    """``Cíl nastaven: petr.kral, 2026-Q4, won_value 100 000,00 CZK``."""
    target = payload.get("target") or {}
    subject = str(target.get("subject") or "")
    who = (
        subject.replace("team:", say.t("tým ", "team "))
        if subject.startswith("team:")
        else (say.names.user(subject))
    )
    value = target.get("value")
    amount = (
        present.money(value, target["currency"], say.lang)
        if target.get("currency") and value is not None
        else clean(value)
    )
    parts = [who, clean(target.get("period")), f"{target.get('metric')} {amount}".strip()]
    removed = str(event.get("kind")) == "target.removed"
    head = (
        say.t("Cíl odstraněn", "Target removed") if removed else say.t("Cíl nastaven", "Target set")
    )
    return f"{head}: {', '.join(part for part in parts if part and part != 'None')}"


def _snapshot(say: Speaker, payload: Payload, event: Mapping[str, Any]) -> str:
    text = (
        f"{say.t('Snímek reportu uložen', 'Report snapshot saved')}: {clean(payload.get('name'))}"
    )
    deals = payload.get("deals")
    return _details(text, [clean(payload.get("report")), deals is not None and (
        f"{say.t('obchodů', 'deals')} {deals}")])  # fmt: skip


# By full kind first, then by action (``X.created`` for any X).
KINDS: dict[str, Sentence] = {
    "company.created": _company_created,
    "contact.created": _contact_created,
    "deal.created": _deal_created,
    "lead.created": _lead_created,
    "task.created": _task_created,
    "task.done": _task_done,
    "task.assigned": _task_assigned,
    "deal.assigned": _assigned,
    "lead.assigned": _assigned,
    "deal.stage_changed": _stage_changed,
    "deal.won": _won,
    "deal.lost": _lost,
    "lead.status_changed": _lead_status_changed,
    "lead.converted": _lead_converted,
    "lead.rejected": _lead_rejected,
    "document.attached": _document,
    "approval.requested": _approval_requested,
    "approval.decided": _approval_decided,
    "notification.sent": _notification,
    "delivery.resend": _resend,
    "campaign.launched": _launched,
    "plan.stakeholder_added": _stakeholder,
    "plan.action_added": _plan_action,
    "contact.consent_granted": _consent,
    "contact.consent_withdrawn": _consent,
    "contact.erased": _erased,
    "import.completed": _import,
    "import.undone": _import,
    "view.updated": _view_updated,
    "target.set": _target,
    "target.removed": _target,
    "report_snapshot.saved": _snapshot,
}
ACTIONS: dict[str, Sentence] = {
    "created": _created,
    "updated": _changes,
    "deleted": _deleted,
    "removed": _deleted,
    "purged": _purged,
    "merged": _merged,
    "merged_into": _merged_into,
    "call": _activity,
    "meeting": _activity,
    "note": _activity,
    "email": _activity,
    "received": _email,
    "sent": _email,
    "paired": _email,
    "unpaired": _email,
}
