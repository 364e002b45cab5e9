"""Values and field changes of events as a person reads them (the timeline story's words).

A field is named by its label in the entity registry (``Obor``, ``Fáze``), a value as
the registry's kind says: amounts ``35 640,00``, dates ``7. 12. 2026``, booleans
``ano``/``ne``, logins as names, stage keys as labels, never a Python repr. A changed
list says what was added (``+x``) and removed (``−y``) instead of both whole lists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from crmctl import entities, present
from crmctl.query.fields import FieldKind
from crmctl.services.timeline_names import Names

EMPTY = "—"
# Whitespace but the non-breaking space, which keeps ``35 640,00 Kč`` on one line.
_SPACES = re.compile(r"[^\S\u00a0]+")
_PERCENT = re.compile(r"(\d) %")
USER_FIELDS = ("owner", "assignee", "created_by", "updated_by", "approver")
CONTACT_FIELDS = ("reports_to", "assistant_of")  # a contact's id
# Fields whose values are keys with words (``priority: normal`` → ``normální``).
KEYED_FIELDS = ("priority", "source", "kind", "billing", "forecast_category")
# A free text longer than this (a note's or an e-mail's body) is shortened, at a word.
LONG_TEXT = 300

LEAD_STATUSES: Mapping[str, tuple[str, str]] = {
    "new": ("nová", "new"),
    "contacted": ("kontaktovaná", "contacted"),
    "qualified": ("kvalifikovaná", "qualified"),
    "converted": ("převedená", "converted"),
    "rejected": ("zamítnutá", "rejected"),
}


# Keys a payload stores and a person reads as words: lead sources, stakeholder roles…
KEY_WORDS: Mapping[str, tuple[str, str]] = {
    "web": ("web", "web"),
    "email": ("e-mail", "e-mail"),
    "phone": ("telefon", "phone"),
    "import": ("import", "import"),
    "campaign": ("kampaň", "campaign"),
    "manual": ("ručně", "manual"),
    "high": ("vysoká", "high"),
    "normal": ("normální", "normal"),
    "low": ("nízká", "low"),
    "task": ("úkol", "task"),
    "call": ("hovor", "call"),
    "meeting": ("schůzka", "meeting"),
    "ours": ("naše", "ours"),
    "competitor": ("konkurence", "competitor"),
    "purchase": ("jednorázový nákup", "purchase"),
    "monthly": ("měsíčně", "monthly"),
    "quarterly": ("čtvrtletně", "quarterly"),
    "yearly": ("ročně", "yearly"),
    "once": ("jednorázově", "once"),
    "pipeline": ("pipeline", "pipeline"),
    "best_case": ("nejlepší případ", "best case"),
    "commit": ("závazné", "commit"),
    "closed": ("uzavřeno", "closed"),
    "omitted": ("vynecháno", "omitted"),
    "decision-maker": ("rozhoduje", "decision-maker"),
    "influencer": ("ovlivňuje", "influencer"),
    "user": ("uživatel", "user"),
    "blocker": ("blokuje", "blocker"),
    "supporter": ("podporuje", "supporter"),
    "neutral": ("neutrální", "neutral"),
    "opponent": ("odpůrce", "opponent"),
    "legitimate-interest": ("oprávněný zájem", "legitimate interest"),
    "contract": ("smlouva", "contract"),
    "consent": ("souhlas", "consent"),
    "dead": ("nedoručeno", "dead"),
    "uncertain": ("nejisté", "uncertain"),
    # Counts of an import and of its undo.
    "rows": ("řádků", "rows"),
    "created": ("založeno", "created"),
    "updated": ("změněno", "updated"),
    "unchanged": ("beze změny", "unchanged"),
    "skipped": ("přeskočeno", "skipped"),
    "rejected": ("odmítnuto", "rejected"),
    "warnings": ("varování", "warnings"),
    "companies_created": ("založeno firem", "companies created"),
    "companies_updated": ("změněno firem", "companies updated"),
    "contacts_created": ("založeno kontaktů", "contacts created"),
    "contacts_updated": ("změněno kontaktů", "contacts updated"),
    "companies_removed": ("odstraněno firem", "companies removed"),
    "contacts_removed": ("odstraněno kontaktů", "contacts removed"),
    "companies_restored": ("obnoveno firem", "companies restored"),
    "contacts_restored": ("obnoveno kontaktů", "contacts restored"),
}
# Labels of fields outside the entity registry (users, teams, targets, saved views).
OTHER_LABELS: Mapping[str, tuple[str, str]] = {
    "active": ("Aktivní", "Active"),
    "role": ("Role", "Role"),
    "manager": ("Nadřízený", "Manager"),
    "team": ("Tým", "Team"),
    "login": ("Login", "Login"),
    "where_text": ("Filtr", "Filter"),
    "sort": ("Řazení", "Sort"),
    "fields": ("Sloupce", "Fields"),
    "shared": ("Sdílený", "Shared"),
}


def key_word(say: Speaker, key: Any) -> str:
    """A stored key as a word (``campaign`` → ``kampaň``); an unknown key as it is."""
    shown = clean(key).replace("_", " ")
    cs, en = KEY_WORDS.get(str(key), (shown, shown))
    return say.t(cs, en)


@dataclass(frozen=True)
class Speaker:
    """The language, the page's names and time zone, and the entity whose event it is."""

    lang: str
    names: Names
    tz: ZoneInfo
    entity: str = ""

    def t(self, cs: str, en: str) -> str:
        return en if self.lang == "en" else cs


def clean(value: Any, limit: int = LONG_TEXT) -> str:
    """Text on one line (runs of spaces and line breaks as one space), shortened at a
    word boundary with ``…`` past ``limit`` characters."""
    if value in (None, ""):
        return ""
    text = _SPACES.sub(" ", str(value)).strip(" ")
    text = _PERCENT.sub("\\1\u00a0%", text)  # `20 %` stays on one line
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:–-") + "…"


def moment(value: Any) -> datetime | None:
    """A datetime or an ISO text as an aware datetime (naive ones are UTC); else None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def label(say: Speaker, name: str, entity: str | None = None) -> str:
    """The registry's label of the field in the speaker's language, else the name in words."""
    declared = entities.ENTITIES.get(entity or say.entity)
    found = declared.field(name) if declared is not None else None
    if found is not None and found.cs:
        return found.en if say.lang == "en" and found.en else found.cs
    if name in OTHER_LABELS:
        return say.t(*OTHER_LABELS[name])
    return name.replace("_", " ")


def _kind(entity: str, name: str) -> FieldKind | None:
    declared = entities.ENTITIES.get(entity)
    found = declared.field(name) if declared is not None else None
    return found.kind if found is not None else None


def value_text(say: Speaker, entity: str, name: str, value: Any) -> str:
    """One value as the field's kind reads: never a repr, never an empty string."""
    if value in (None, "", [], {}):
        return EMPTY
    if isinstance(value, bool):
        return say.t("ano", "yes") if value else say.t("ne", "no")
    if isinstance(value, list):
        return ", ".join(item_text(say, entity, name, item) for item in value) or EMPTY
    if isinstance(value, dict):
        return item_text(say, entity, name, value)
    if name in USER_FIELDS:
        return say.names.user(value)
    if name in CONTACT_FIELDS and isinstance(value, int):
        return _linked_name(say, name, value)
    if name in KEYED_FIELDS:
        return key_word(say, value)
    if name == "stage":
        return say.names.stage(value)
    if name == "status":
        return _status(say, entity, value)
    return _typed(say, _kind(entity, name), name, value)


def _status(say: Speaker, entity: str, value: Any) -> str:
    if entity == "lead" and str(value) in LEAD_STATUSES:
        cs, en = LEAD_STATUSES[str(value)]
        return say.t(cs, en)
    if entity == "deal":
        return present.status(str(value), say.lang)
    return clean(value)


def _typed(say: Speaker, kind: FieldKind | None, name: str, value: Any) -> str:
    try:
        if kind is FieldKind.DECIMAL:
            return present.number(Decimal(str(value)), 2, say.lang)
        if kind is FieldKind.INTEGER and name == "probability":
            return f"{present.number(value, 0, say.lang)}{say.t(present.NBSP + '%', '%')}"
        if kind is FieldKind.DATE:
            return _day(say, date.fromisoformat(str(value)[:10]))
        if kind is FieldKind.DATETIME:
            return when_text(say, value)
    except (InvalidOperation, ValueError):
        pass
    return clean(value)


def when_text(say: Speaker, value: Any) -> str:
    """``7. 12. 2026 10:00`` in local time; a bare date (an all-day task) as the day."""
    at = moment(value) if not (isinstance(value, str) and len(value) <= 10) else None
    if at is None:
        try:
            return _day(say, date.fromisoformat(str(value)[:10]))
        except ValueError:
            return clean(value)
    local = at.astimezone(say.tz)
    return f"{_day(say, local)}{present.NBSP}{local:%H:%M}"


def _day(say: Speaker, day: date) -> str:
    """``7. 12. 2026`` held together by non-breaking spaces: a date never wraps apart."""
    return present.day(day, say.lang).replace(" ", present.NBSP)


def item_text(say: Speaker, entity: str, name: str, item: Any) -> str:
    """One element of a list: a linked company ``Alfa s.r.o. (nákup, hlavní)``."""
    if isinstance(item, dict):
        title = next(
            (item[key] for key in ("name", "title", "email", "address") if item.get(key)), None
        )
        if title is None and isinstance(item.get("id"), int):
            title = _linked_name(say, name, item["id"])
        if title is None:
            pairs = [
                f"{key}: {value_text(say, entity, key, value)}"
                for key, value in item.items()
                if value not in (None, "", [], {})
            ]
            return ", ".join(pairs) or EMPTY
        details = [clean(item.get("role")), clean(item.get("label"))]
        if item.get("primary") is True:
            details.append(say.t("hlavní", "primary"))
        shown = [part for part in details if part]
        return f"{clean(title)} ({', '.join(shown)})" if shown else clean(title)
    if isinstance(item, bool | dict | list):
        return value_text(say, entity, name, item)
    if name in USER_FIELDS:
        return say.names.user(item)
    return clean(item)


def _linked_name(say: Speaker, name: str, record_id: int) -> str:
    """A linked record named by its id: a contact's company, a related contact."""
    names = say.names.companies if name == "companies" else say.names.contacts
    return names.get(record_id) or f"#{record_id}"


def quoted_list(say: Speaker, items: Any) -> str:
    return ", ".join(clean(item) for item in items or () if clean(item))


def changes_text(say: Speaker, changes: Mapping[str, Any]) -> str:
    """``Obor: Strojírenství → Obrábění; Štítky: +klíčový zákazník``."""
    parts: list[str] = []
    for name, pair in changes.items():
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        if name == "custom" and isinstance(before or {}, dict) and isinstance(after or {}, dict):
            parts += _custom_changes(say, before or {}, after or {})
        elif isinstance(before, list) or isinstance(after, list):
            parts.append(f"{label(say, name)}: {_list_change(say, name, before, after)}")
        else:
            parts.append(
                f"{label(say, name)}: {value_text(say, say.entity, name, before)} → "
                f"{value_text(say, say.entity, name, after)}"
            )
    return "; ".join(parts)


def _custom_changes(say: Speaker, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Each custom field on its own, by its key (``sleva: 10 → 20``)."""
    return [
        f"{key}: {value_text(say, '', key, before.get(key))} → "
        f"{value_text(say, '', key, after.get(key))}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]


def _list_change(say: Speaker, name: str, before: Any, after: Any) -> str:
    """What was added and removed: ``+vip, −výroba`` (a reordering: the new list)."""
    old = [item_text(say, say.entity, name, item) for item in _as_list(before)]
    new = [item_text(say, say.entity, name, item) for item in _as_list(after)]
    added = [f"+{item}" for item in new if item not in old]
    removed = [f"−{item}" for item in old if item not in new]
    if added or removed:
        return ", ".join(added + removed)
    return ", ".join(new) or EMPTY


def _as_list(value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    return list(value) if isinstance(value, list) else [value]
