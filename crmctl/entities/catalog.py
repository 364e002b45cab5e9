"""Every entity crmctl knows, declared once (see :mod:`crmctl.entities`).

Fields are listed in the order a record shows them (``show -o json``); fields that only
``--where`` knows come last. The ordered flags (``table``, ``card``, ``settable``) give a
field's position in that list, because those lists keep their own order.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, or_, select

from crmctl.db import tables
from crmctl.entities import expressions as sql
from crmctl.entities.model import Entity, Field, Links, Paired, computed
from crmctl.query import response_fields as response
from crmctl.query.fields import FieldKind

Rows = Table | tables.LazyTable  # a table, or one built on first use
TEXT, INTEGER, DECIMAL = FieldKind.TEXT, FieldKind.INTEGER, FieldKind.DECIMAL
DATE, DATETIME, BOOLEAN, TAGS = (
    FieldKind.DATE,
    FieldKind.DATETIME,
    FieldKind.BOOLEAN,
    FieldKind.TAGS,
)


def _f(name: str, kind: FieldKind, cs: str, en: str, **flags: Any) -> Field:
    return Field(name, kind, cs, en, **flags)


def _shown(name: str, kind: FieldKind, cs: str, en: str, **flags: Any) -> Field:
    """Part of the record, not of ``--where`` (lists, nested records, derived values)."""
    return computed(name, kind, None, cs=cs, en=en, **flags)


def _where_only(field: Field) -> Field:
    """Known to ``--where``, not part of the record."""
    return replace(field, shown=False)


def _owner(rows: Rows, **flags: Any) -> Field:
    return computed(
        "owner", TEXT, sql.login_of("owner_id")(rows), cs="Vlastník", en="Owner",
        description="owner's login", **flags,
    )  # fmt: skip


def _created_by(rows: Rows) -> Field:
    return computed(
        "created_by", TEXT, sql.login_of("created_by_id")(rows), cs="Vytvořil",
        en="Created by", description="creator's login",
    )  # fmt: skip


def _tags(entity: str, rows: Table, **flags: Any) -> Field:
    return computed("tags", TAGS, sql.tags_of(entity, rows), cs="Štítky", en="Tags", **flags)


def _company_name(rows: Rows, description: str, **flags: Any) -> Field:
    return computed(
        "company", TEXT, sql.company_name_of(rows), cs="Firma", en="Company",
        description=description, **flags,
    )  # fmt: skip


def _custom(settable: int = 0) -> Field:
    return Field("custom", TEXT, "Vlastní pole", "Custom fields", filter=False, settable=settable)


CREATED_AT = _f("created_at", DATETIME, "Vytvořeno", "Created at")
UPDATED_AT = _f("updated_at", DATETIME, "Změněno", "Updated at")
DELETED_AT = _f("deleted_at", DATETIME, "Smazáno", "Deleted at")
UPDATED_BY = _shown("updated_by", TEXT, "Změnil", "Updated by")
MERGED_INTO = _shown("merged_into", INTEGER, "Sloučeno do", "Merged into")


def _about_customer(table: Rows, company_ids: Select[Any]) -> ColumnElement[bool]:
    """A task, activity or document linked to one of the companies or to their contacts."""
    links = tables.person_companies.c
    contacts = select(links.person_id).where(links.company_id.in_(company_ids))
    return or_(table.c.company_id.in_(company_ids), table.c.person_id.in_(contacts))


# --- companies --------------------------------------------------------------------------------

_companies = tables.lazy("companies")
COMPANY = Entity(
    "company", "companies", "Firmy", "Companies", _companies, "crmctl.db.models:Company",
    owner="owner_id", custom=True, timeline=True, importable=True,
    title="name", links=Links("company_id", public=True),  # the card is public
    events=("created", "updated", "removed", "merged"),
    show="crmctl.services.records:show_company",
    present="crmctl.services.read.records:company_records",
    search="crmctl.services.read.sources:company_search",
    find="crmctl.services.read.sources:find_company_row",
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1, card=1),
        _f("name", TEXT, "Název", "Name", settable=1, table=2, card=2),
        _f("ico", TEXT, "IČO", "Company ID (IČO)", settable=2, table=3, card=3),
        _f("dic", TEXT, "DIČ", "VAT ID (DIČ)", settable=3),
        _f("street", TEXT, "Ulice", "Street", settable=4),
        _f("city", TEXT, "Obec", "City", settable=5, table=4, card=4),
        _f("psc", TEXT, "PSČ", "Postcode", settable=6),
        _f("region", TEXT, "Kraj", "Region", settable=7, table=5),
        _f("district", TEXT, "Okres", "District", settable=8),
        _f("country", TEXT, "Země", "Country", settable=9),
        _f("industry", TEXT, "Obor", "Industry", settable=10),
        _f("website", TEXT, "Web", "Website", settable=11),
        _f("phone", TEXT, "Telefon", "Phone", settable=12),
        _f("email", TEXT, "E-mail", "E-mail", settable=13),
        _tags("company", _companies, table=7),
        _owner(_companies, table=6, card=5),
        _custom(),
        CREATED_AT, _created_by(_companies), UPDATED_AT, UPDATED_BY, DELETED_AT, MERGED_INTO,
    ),
)  # fmt: skip


# --- contacts ---------------------------------------------------------------------------------

_persons = tables.lazy("persons")
_person_links = tables.lazy_columns("person_companies")
CONTACT = Entity(
    "contact", "contacts", "Kontakty", "Contacts", _persons, "crmctl.db.models:Person",
    owner="owner_id", custom=True, timeline=True, importable=True,
    events=("created", "updated", "removed", "merged"),
    via_company=lambda ids: _persons.c.id.in_(
        select(_person_links.person_id).where(_person_links.company_id.in_(ids))
    ),
    title="name", links=Links("person_id"),
    show="crmctl.services.records:show_contact",
    present="crmctl.services.read.records:contact_records",
    search="crmctl.services.read.sources:contact_search",
    find="crmctl.services.read.sources:find_person_row",
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1),
        computed("name", TEXT, sql.person_name, cs="Jméno", en="Name", table=2),
        _f("title_before", TEXT, "Titul před", "Title before", settable=1),
        _f("first_name", TEXT, "Jméno", "First name", settable=2),
        _f("last_name", TEXT, "Příjmení", "Last name", settable=3),
        _f("title_after", TEXT, "Titul za", "Title after", settable=4),
        _f("function", TEXT, "Funkce", "Function", settable=5, table=3),
        _f("note", TEXT, "Poznámka", "Note", settable=6),
        _shown("emails", TEXT, "E-maily", "E-mails", settable=7, table=5),
        _shown("phones", TEXT, "Telefony", "Phones", settable=8, table=6),
        _shown("companies", TEXT, "Firmy", "Companies", settable=9),
        computed(
            "company", TEXT, sql.person_primary_company, cs="Firma", en="Company",
            description="primary company's name", table=4,
        ),
        _shown("reports_to", TEXT, "Nadřízený", "Reports to", settable=13),
        _shown("assistant_of", TEXT, "Asistent(ka) u", "Assistant of", settable=14),
        _shown("related", TEXT, "Související", "Related", settable=15),
        _shown("direct_reports", TEXT, "Podřízení", "Direct reports"),
        _shown("assistants", TEXT, "Asistenti", "Assistants"),
        _shown("related_from", TEXT, "Související od", "Related from"),
        _tags("contact", _persons, settable=10),
        _owner(_persons, settable=11),
        _custom(settable=12),
        CREATED_AT, _created_by(_persons), UPDATED_AT, UPDATED_BY, DELETED_AT, MERGED_INTO,
        # --where only
        _where_only(computed("email", TEXT, sql.person_email_first, cs="E-mail", en="E-mail")),
        _where_only(computed("phone", TEXT, sql.person_phone_first, cs="Telefon", en="Phone")),
        _where_only(computed(
            "consent", TAGS, sql.person_consent, cs="Souhlas", en="Consent",
            description='purposes with a current granted consent: consent = "newsletter"',
        )),
    ),
)  # fmt: skip


# --- leads ------------------------------------------------------------------------------------

_leads = tables.lazy("leads")
LEAD = Entity(
    "lead", "leads", "Poptávky", "Leads", _leads, "crmctl.db.models:Lead",
    owner="owner_id", custom=True, timeline=True,
    events=("created", "assigned", "status_changed", "converted", "rejected"),
    via_company=lambda ids: _leads.c.company_id.in_(ids),
    title="subject", links=Links("lead_id"),
    show="crmctl.services.records:show_lead", records="crmctl.services.records:lead_records",
    present="crmctl.services.read.records:lead_records",
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1),
        _f("source", TEXT, "Zdroj", "Source", table=3),
        _f("received_at", DATETIME, "Přijato", "Received at", table=2),
        _f("status", TEXT, "Stav", "Status", settable=1, table=4),
        _owner(_leads, table=5),
        _f("subject", TEXT, "Předmět", "Subject", table=6),
        _f("product", TEXT, "Produkt", "Product"),
        _f("region", TEXT, "Kraj", "Region"),
        _f("contact_name", TEXT, "Kontakt", "Contact name", table=7),
        _f("contact_email", TEXT, "E-mail kontaktu", "Contact e-mail"),
        _f("contact_phone", TEXT, "Telefon kontaktu", "Contact phone"),
        _f("company_name", TEXT, "Název firmy", "Company name", table=8),
        _f("ico", TEXT, "IČO", "Company ID (IČO)"),
        _f("message", TEXT, "Zpráva", "Message"),
        _f("campaign", TEXT, "Kampaň", "Campaign"),
        _f("reject_reason", TEXT, "Důvod zamítnutí", "Reject reason"),
        _f("company_id", INTEGER, "ID firmy", "Company ID"),
        _f("person_id", INTEGER, "ID kontaktu", "Contact ID"),
        _f("deal_id", INTEGER, "ID obchodu", "Deal ID"),
        _f("first_response_at", DATETIME, "První reakce", "First response at"),
        computed(
            "response_minutes", INTEGER, response.response_minutes, cs="Reakce (min)",
            en="Response (min)", table=9,
            description="minutes to the first response (unanswered: waiting so far)",
        ),
        _f("converted_at", DATETIME, "Převedeno", "Converted at"),
        _f("last_activity_at", DATETIME, "Poslední aktivita", "Last activity at"),
        _custom(),
        CREATED_AT, _created_by(_leads), UPDATED_AT,
        # --where only
        _where_only(_company_name(_leads, "linked company's name")),
        _where_only(_tags("lead", _leads)),
        _where_only(computed(
            "response_business_minutes", INTEGER, response.response_business_minutes,
            cs="Reakce v pracovní době (min)", en="Response in business hours (min)",
            description="business minutes to the first response (unanswered: so far)",
        )),
        _where_only(DELETED_AT),
        _where_only(_f("campaign_id", INTEGER, "ID kampaně", "Campaign ID")),
        _where_only(_f("product_id", INTEGER, "ID produktu", "Product ID")),
    ),
)  # fmt: skip


# --- deals ------------------------------------------------------------------------------------

_deals = tables.lazy("deals")
DEAL = Entity(
    "deal", "deals", "Obchody", "Deals", _deals, "crmctl.db.models:Deal",
    owner="owner_id", custom=True, timeline=True,
    events=("created", "updated", "stage_changed", "won", "lost"),
    via_company=lambda ids: _deals.c.company_id.in_(ids),
    title="title", links=Links("deal_id"),
    show="crmctl.services.records:show_deal", records="crmctl.services.records:deal_records",
    present="crmctl.services.read.records:deal_records",
    search="crmctl.services.read.sources:deal_search",
    # SQLite reads a sorted page through the sort's index (policy.scope_predicate).
    extra={"paged_scope": True, "id_example": 42},
    # Most idle first: the (stage, last_touched_at) index serves `stage = X and idle_days > N`.
    default_sort="last_touched_at",
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1, card=1),
        _f("title", TEXT, "Název", "Title", settable=1, table=2, card=2),
        _f("company_id", INTEGER, "ID firmy", "Company ID", settable=3, card=3),
        _company_name(_deals, "company's name", settable=2, table=3, card=4),
        _f("pipeline", TEXT, "Pipeline", "Pipeline", settable=4, card=5),
        _f(
            "stage", TEXT, "Fáze", "Stage", sql=sql.deal_stage, settable=5, table=4, card=6,
            description="stage key; a label such as \"Nabídka\" matches its key",
        ),
        _f("value", DECIMAL, "Hodnota", "Value", settable=6, table=5),
        _f("currency", TEXT, "Měna", "Currency", settable=7, table=6),
        _f("probability", INTEGER, "Pravděpodobnost", "Probability", settable=8, table=7),
        _f("probability_overridden", BOOLEAN, "Pravděpodobnost ručně", "Probability overridden"),
        _f("forecast_category", TEXT, "Kategorie prognózy", "Forecast category", settable=9),
        _f(
            "forecast_category_overridden", BOOLEAN, "Kategorie ručně",
            "Forecast category overridden",
        ),
        _f("expected_close", DATE, "Očekávané uzavření", "Expected close", settable=10, table=8),
        _owner(_deals, settable=11, table=9, card=8),
        _f("status", TEXT, "Stav", "Status", table=10, card=7),
        _f("closed_at", DATETIME, "Uzavřeno", "Closed at"),
        _f("won_reason", TEXT, "Důvod výhry", "Won reason"),
        _f("lost_reason", TEXT, "Důvod prohry", "Lost reason"),
        _f("lead_id", INTEGER, "ID poptávky", "Lead ID", settable=14),
        _f("source", TEXT, "Zdroj", "Source", settable=12),
        _f("campaign", TEXT, "Kampaň", "Campaign", settable=13),
        _shown("contacts", TEXT, "Kontakty", "Contacts", settable=15),
        _tags("deal", _deals, settable=16),
        _custom(settable=17),
        _f("stage_entered_at", DATETIME, "Ve fázi od", "Stage entered at"),
        computed(
            "days_in_stage", INTEGER, sql.days_since("stage_entered_at"), cs="Dní ve fázi",
            en="Days in stage", description="whole days since the deal entered its stage",
        ),
        _f("last_activity_at", DATETIME, "Poslední aktivita", "Last activity at"),
        _f("last_touched_at", DATETIME, "Naposledy změněno", "Last touched at"),
        computed(
            "idle_days", INTEGER, sql.days_since("last_touched_at"), cs="Dní bez změny",
            en="Idle days", table=11,
            description="whole days since the last change, activity or stage entry",
        ),
        computed(
            "has_planned_activity", BOOLEAN, sql.deal_planned_activity,
            cs="Naplánovaná aktivita", en="Has planned activity",
            description="an open task of the deal is due in the future",
        ),
        CREATED_AT, _created_by(_deals), UPDATED_AT, UPDATED_BY, DELETED_AT,
        _shown("stage_history", TEXT, "Historie fází", "Stage history"),
        # --where only
        _where_only(_f("campaign_id", INTEGER, "ID kampaně", "Campaign ID")),
        _where_only(_f("product_id", INTEGER, "ID produktu", "Product ID")),
    ),
)  # fmt: skip


# --- tasks ------------------------------------------------------------------------------------

_tasks = tables.lazy("tasks")
TASK = Entity(
    "task", "tasks", "Úkoly", "Tasks", _tasks, "crmctl.db.models:Task",
    owner="assignee_id", title="subject",
    events=("created", "updated", "assigned", "done", "overdue"),
    via_company=lambda ids: _about_customer(_tasks, ids), attached=True,
    show="crmctl.services.records:show_task", default_sort="due_at",
    present="crmctl.services.task_records:task_records",
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1),
        _f("kind", TEXT, "Druh", "Kind", description="task | call | meeting", table=2),
        _f("subject", TEXT, "Předmět", "Subject", table=7),
        _f("body", TEXT, "Text", "Body"),
        computed(
            "status", TEXT, sql.task_status, cs="Stav", en="Status", description="open | done",
            table=6,
        ),
        _f("due_at", DATETIME, "Termín", "Due at", table=3),
        _f("all_day", BOOLEAN, "Celý den", "All day"),
        _f("start_at", DATETIME, "Začátek", "Start at"),
        _f("end_at", DATETIME, "Konec", "End at"),
        _f(
            "priority", TEXT, "Priorita", "Priority", sql=sql.task_priority,
            description="high | normal | low", table=4,
        ),
        computed(
            "assignee", TEXT, sql.login_of("assignee_id")(_tasks), cs="Řešitel", en="Assignee",
            description="assignee's login", table=5,
        ),
        _f("company_id", INTEGER, "ID firmy", "Company ID"),
        _company_name(_tasks, "linked company's name", table=8),
        _f("contact_id", INTEGER, "ID kontaktu", "Contact ID", column="person_id"),
        _shown("contact", TEXT, "Kontakt", "Contact"),
        _f("lead_id", INTEGER, "ID poptávky", "Lead ID"),
        _f("deal_id", INTEGER, "ID obchodu", "Deal ID"),
        _shown("deal", TEXT, "Obchod", "Deal", table=9),
        _where_only(_f("plan_id", INTEGER, "ID plánu", "Account plan ID")),
        _f("reminder_at", DATETIME, "Připomenutí", "Reminder at"),
        _shown("overdue", BOOLEAN, "Po termínu", "Overdue"),
        _f("done_at", DATETIME, "Hotovo", "Done at"),
        _f("done_note", TEXT, "Poznámka k dokončení", "Done note", filter=False),
        CREATED_AT, _created_by(_tasks), UPDATED_AT, UPDATED_BY,
    ),
)  # fmt: skip


# --- activities and documents -----------------------------------------------------------------
# No ``--where`` of their own yet: the policy's limited views filter them by their columns.

_activities = tables.lazy("activities")
ACTIVITY = Entity(
    "activity", "activities", "Aktivity", "Activities", _activities,
    "crmctl.db.models:Activity", owner="created_by_id", where=False, title="subject",
    via_company=lambda ids: _about_customer(_activities, ids), attached=True,
    fields=(
        _f("id", INTEGER, "ID", "ID"),
        _f("kind", TEXT, "Druh", "Kind"),
        _f("subject", TEXT, "Předmět", "Subject"),
        _f("body", TEXT, "Text", "Body"),
        _f("outcome", TEXT, "Výsledek", "Outcome"),
        _f("duration_minutes", INTEGER, "Trvání (min)", "Duration (min)"),
        _f("attendees", TEXT, "Účastníci", "Attendees"),
        _f("occurred_at", DATETIME, "Proběhlo", "Occurred at"),
        _f("occurred_on", DATE, "Den", "Occurred on"),
        _f("first_contact", TEXT, "První kontakt", "First contact"),
        _f("company_id", INTEGER, "ID firmy", "Company ID"),
        _f("person_id", INTEGER, "ID kontaktu", "Contact ID"),
        _f("lead_id", INTEGER, "ID poptávky", "Lead ID"),
        _f("deal_id", INTEGER, "ID obchodu", "Deal ID"),
        CREATED_AT,
        _f("created_by_id", INTEGER, "Vytvořil (ID)", "Created by (ID)"),
    ),
)  # fmt: skip

_documents = tables.lazy("documents")
DOCUMENT = Entity(
    "document", "documents", "Dokumenty", "Documents", _documents,
    "crmctl.db.models:Document", owner="created_by_id", where=False, title="file_name",
    via_company=lambda ids: _about_customer(_documents, ids), attached=True,
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1),
        _f("file_name", TEXT, "Soubor", "File name", table=2),
        _f("size", INTEGER, "Velikost", "Size", table=3),
        _f("media_type", TEXT, "Typ", "Media type"),
        _f("sha256", TEXT, "SHA-256", "SHA-256"),
        _f("company_id", INTEGER, "ID firmy", "Company ID"),
        _shown("company", TEXT, "Firma", "Company", table=4),
        _f("contact_id", INTEGER, "ID kontaktu", "Contact ID", column="person_id", filter=False),
        _shown("contact", TEXT, "Kontakt", "Contact", table=5),
        _f("deal_id", INTEGER, "ID obchodu", "Deal ID"),
        _shown("deal", TEXT, "Obchod", "Deal", table=6),
        _f("created_at", DATETIME, "Vytvořeno", "Created at", table=7),
        _shown("created_by", TEXT, "Vytvořil", "Created by"),
        # --where only (the policy's limited views): the table's own column names
        _where_only(_f("person_id", INTEGER, "ID kontaktu", "Contact ID")),
        _where_only(_f("created_by_id", INTEGER, "Vytvořil (ID)", "Created by (ID)")),
        _where_only(DELETED_AT),
    ),
)  # fmt: skip


# --- products and campaigns (issue 19) --------------------------------------------------------
# Not customer records: no company link, and the catalogue is the firm's, not a person's
# (its "owner" for the scope rule is whoever created it; the policy lets every role read).

_products = tables.lazy("products")
PRODUCT = Entity(
    "product", "products", "Produkty", "Products", _products, "crmctl.db.models:Product",
    owner="created_by_id", title="name", timeline=True,
    show="crmctl.services.products:show_product",
    present="crmctl.services.products:product_records",
    find="crmctl.services.products:find_product_row",
    events=("created", "updated"),  # what crmctl.services.products records
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1),
        _f("code", TEXT, "Kód", "Code", settable=1, table=2),
        _f("name", TEXT, "Název", "Name", settable=2, table=3),
        _f("category", TEXT, "Kategorie", "Category", settable=3, table=4),
        _f("list_price", DECIMAL, "Ceníková cena", "List price", settable=4, table=5),
        _f("currency", TEXT, "Měna", "Currency", settable=5, table=6),
        _f(
            "billing", TEXT, "Účtování", "Billing", settable=6, table=7,
            description="once | monthly | quarterly | yearly",
        ),
        _f("active", BOOLEAN, "Aktivní", "Active", settable=7, table=8),
        CREATED_AT, _created_by(_products), UPDATED_AT,
    ),
)  # fmt: skip

_campaigns = tables.lazy("campaigns")
CAMPAIGN = Entity(
    "campaign", "campaigns", "Kampaně", "Campaigns", _campaigns, "crmctl.db.models:Campaign",
    owner="owner_id", title="name", timeline=True,
    show="crmctl.services.campaigns:show_campaign",
    present="crmctl.services.campaigns:campaign_records",
    find="crmctl.services.campaigns:find_campaign_row",
    events=("created", "updated", "launched", "removed"),
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1),
        _f("name", TEXT, "Název", "Name", settable=1, table=2),
        _f("description", TEXT, "Popis", "Description", settable=2),
        computed(
            "product", TEXT, sql.product_code_of(_campaigns), cs="Produkt", en="Product",
            description="product's code", settable=3, table=3,
        ),
        _f("starts_on", DATE, "Začátek", "Starts on", settable=4, table=4),
        _f("ends_on", DATE, "Konec", "Ends on", settable=5, table=5),
        _f("budget", DECIMAL, "Rozpočet", "Budget", settable=6, table=6),
        _f("currency", TEXT, "Měna", "Currency", settable=7),
        _owner(_campaigns, settable=8, table=7),
        _f("launched_at", DATETIME, "Spuštěno", "Launched at", table=8),
        computed(
            "leads", INTEGER, sql.count_of(tables.lazy("leads"), "campaign_id", _campaigns),
            cs="Poptávky", en="Leads", description="leads opened in the campaign", table=9,
        ),
        CREATED_AT, _created_by(_campaigns), UPDATED_AT,
    ),
)  # fmt: skip

# --- services and account plans (issue 19) ----------------------------------------------------
# Customer records: in scope through their company (the helpdesk reads services through
# the policy's limited view, without values).

_services = tables.lazy("services")
SERVICE = Entity(
    "service", "services", "Služby a smlouvy", "Services", _services,
    "crmctl.db.models:Service", owner="created_by_id", title="name", timeline=True,
    via_company=lambda ids: _services.c.company_id.in_(ids),
    show="crmctl.services.service_records:show_service",
    present="crmctl.services.service_records:service_records",
    find="crmctl.services.service_records:find_service_row",
    events=("created", "updated", "removed"),  # recorded by crmctl.services.contracts
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1, card=1),
        _f("company_id", INTEGER, "ID firmy", "Company ID", card=2),
        _company_name(_services, "company's name", table=2, card=3),
        _f("name", TEXT, "Název", "Name", settable=1, table=3, card=4),
        _f(
            "kind", TEXT, "Druh", "Kind", settable=2, table=4, card=5,
            description="ours | competitor | purchase",
        ),
        computed(
            "product", TEXT, sql.product_code_of(_services), cs="Produkt", en="Product",
            description="product's code", settable=3, card=6,
        ),
        _f("starts_on", DATE, "Od", "Starts on", settable=4, table=5, card=7),
        _f("ends_on", DATE, "Do", "Ends on", settable=5, table=6, card=8),
        _f("notice_days", INTEGER, "Výpovědní lhůta (dny)", "Notice days", settable=6, card=9),
        _f(
            "notice_deadline", DATE, "Termín výpovědi", "Notice deadline", table=7, card=10,
            column="notice_on",
            description="ends_on minus the notice period: the last day to give notice",
        ),
        _f("value", DECIMAL, "Hodnota", "Value", settable=7, table=8,
           description="amount per billing period"),
        _f("currency", TEXT, "Měna", "Currency", settable=8, table=9),
        _f("billing", TEXT, "Účtování", "Billing", settable=9, card=11,
           description="once | monthly | quarterly | yearly"),
        _f("provider", TEXT, "Dodavatel", "Provider", settable=10, table=10, card=12),
        _f("serial", TEXT, "Výrobní číslo", "Serial", settable=11, card=13),
        _f("note", TEXT, "Poznámka", "Note", settable=12, card=14),
        _f("deal_id", INTEGER, "ID obchodu", "Deal ID", card=15),
        computed(
            "owner", TEXT, sql.company_owner_login(_services), cs="Vlastník firmy",
            en="Company owner", description="login of the company's owner", card=16,
        ),
        CREATED_AT, _created_by(_services), UPDATED_AT,
    ),
)  # fmt: skip

_plans = tables.lazy("account_plans")
PLAN = Entity(
    "plan", "plans", "Plány účtů", "Account plans", _plans,
    "crmctl.db.models:AccountPlan", owner="owner_id", title="period", timeline=True,
    via_company=lambda ids: _plans.c.company_id.in_(ids), links=Links("plan_id"),
    show="crmctl.services.plans:show_plan",
    present="crmctl.services.plans:plan_records",
    find="crmctl.services.plans:find_plan_row",
    events=("created", "updated", "stakeholder_added", "action_added"),
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1),
        _f("company_id", INTEGER, "ID firmy", "Company ID"),
        _company_name(_plans, "company's name", table=2),
        _f("period", TEXT, "Období", "Period", settable=1, table=3),
        _f("goal", TEXT, "Cíl", "Goal", settable=2, table=4),
        _f("target_value", DECIMAL, "Cílová hodnota", "Target value", settable=3, table=5),
        _f("currency", TEXT, "Měna", "Currency", settable=4, table=6),
        _owner(_plans, settable=5, table=7),
        CREATED_AT, _created_by(_plans), UPDATED_AT,
    ),
)  # fmt: skip

# --- messages (issue 18) ----------------------------------------------------------------------
# Owned by the owner of their mailbox (``mail.mailboxes``); readable too by whoever may read
# a record a message is paired to (the policy derives that from ``paired``). Their events
# are recorded on those records (``email.*``), so they have no timeline of their own.

_messages = tables.lazy("messages")
MESSAGE = Entity(
    "message", "messages", "Zprávy", "Messages", _messages,
    "crmctl.db.models:Message", owner="owner_id", title="subject",
    paired=Paired(
        tables.lazy("message_pairings"), "message_id", ("deal", "lead", "contact", "company")
    ),
    present="crmctl.services.mail.read:message_records",
    find="crmctl.services.mail.read:resolve_message", default_sort="date",
    fields=(
        _f("id", INTEGER, "ID", "ID", table=1),
        _f(
            "date", DATETIME, "Datum", "Date", column="sent_at", table=2,
            sql=sql.undated_last(_messages, "sent_at"),
        ),
        _f("direction", TEXT, "Směr", "Direction", description="in | out", table=3),
        _f("sender", TEXT, "Od", "From", column="from_address", table=4),
        _f("sender_name", TEXT, "Jméno odesílatele", "Sender name", column="from_name"),
        _f("subject", TEXT, "Předmět", "Subject", table=5),
        _f("body", TEXT, "Text", "Body"),
        _f("mailbox", TEXT, "Schránka", "Mailbox"),
        _f("thread", TEXT, "Vlákno", "Thread", column="thread_key"),
        _f("message_id", TEXT, "Message-ID", "Message-ID"),
        _f("in_reply_to", TEXT, "Odpověď na", "In-Reply-To"),
        CREATED_AT,
    ),
)  # fmt: skip

ALL: tuple[Entity, ...] = (
    COMPANY, CONTACT, LEAD, DEAL, TASK, ACTIVITY, DOCUMENT, PRODUCT, CAMPAIGN, SERVICE, PLAN,
    MESSAGE,
)  # fmt: skip
