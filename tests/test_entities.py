"""The one entity registry (crmctl.entities): declared once, derived everywhere.

The pinned sets below were computed on main before the registry existed (issue 16): the
registries now derived from it must say what the hand-written ones said.
"""

from __future__ import annotations

import subprocess
import sys
import typing
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.orm import Mapped

from crmctl import entities
from crmctl.cli.common import table_fields
from crmctl.db import models
from crmctl.query import compile_where
from crmctl.query import entities as filters
from crmctl.query.fields import FieldKind
from crmctl.services import companies, contacts, deals, documents, refs, timeline
from crmctl.services.access import policy, row_security, write_security
from crmctl.services.imports import undo as import_undo
from crmctl.workflows import entities as kinds
from crmctl.workflows.actions import create_task, set_fields
from crmctl.workflows.triggers import event

# Field name -> kind of each entity's ``--where`` registry on main before issue 16
# (documents' ``size`` was "text" by accident of its BigInteger column: now "integer"), plus
# what issue 17 added since (leads' ``response_minutes`` and ``response_business_minutes``).
OLD_FILTER_FIELDS: dict[str, dict[str, str]] = {
    "company": {
        "city": "text",
        "country": "text",
        "created_at": "datetime",
        "created_by": "text",
        "deleted_at": "datetime",
        "dic": "text",
        "district": "text",
        "email": "text",
        "ico": "text",
        "id": "integer",
        "industry": "text",
        "name": "text",
        "owner": "text",
        "phone": "text",
        "psc": "text",
        "region": "text",
        "street": "text",
        "tags": "tags",
        "updated_at": "datetime",
        "website": "text",
    },
    "contact": {
        "company": "text",
        "consent": "tags",
        "created_at": "datetime",
        "created_by": "text",
        "deleted_at": "datetime",
        "email": "text",
        "first_name": "text",
        "function": "text",
        "id": "integer",
        "last_name": "text",
        "name": "text",
        "note": "text",
        "owner": "text",
        "phone": "text",
        "tags": "tags",
        "title_after": "text",
        "title_before": "text",
        "updated_at": "datetime",
    },
    "lead": {
        "campaign": "text",
        "company": "text",
        "company_id": "integer",
        "company_name": "text",
        "contact_email": "text",
        "contact_name": "text",
        "contact_phone": "text",
        "converted_at": "datetime",
        "created_at": "datetime",
        "created_by": "text",
        "deal_id": "integer",
        "deleted_at": "datetime",
        "first_response_at": "datetime",
        "response_business_minutes": "integer",
        "response_minutes": "integer",
        "ico": "text",
        "id": "integer",
        "last_activity_at": "datetime",
        "message": "text",
        "owner": "text",
        "person_id": "integer",
        "product": "text",
        "received_at": "datetime",
        "region": "text",
        "reject_reason": "text",
        "source": "text",
        "status": "text",
        "subject": "text",
        "tags": "tags",
        "updated_at": "datetime",
    },
    "deal": {
        "campaign": "text",
        "closed_at": "datetime",
        "company": "text",
        "company_id": "integer",
        "created_at": "datetime",
        "created_by": "text",
        "currency": "text",
        "days_in_stage": "integer",
        "deleted_at": "datetime",
        "expected_close": "date",
        "forecast_category": "text",
        "forecast_category_overridden": "boolean",
        "has_planned_activity": "boolean",
        "id": "integer",
        "idle_days": "integer",
        "last_activity_at": "datetime",
        "last_touched_at": "datetime",
        "lead_id": "integer",
        "lost_reason": "text",
        "owner": "text",
        "pipeline": "text",
        "probability": "integer",
        "probability_overridden": "boolean",
        "source": "text",
        "stage": "text",
        "stage_entered_at": "datetime",
        "status": "text",
        "tags": "tags",
        "title": "text",
        "updated_at": "datetime",
        "value": "decimal",
        "won_reason": "text",
    },
    "task": {
        "all_day": "boolean",
        "assignee": "text",
        "body": "text",
        "company": "text",
        "company_id": "integer",
        "contact_id": "integer",
        "created_at": "datetime",
        "created_by": "text",
        "deal_id": "integer",
        "done_at": "datetime",
        "due_at": "datetime",
        "end_at": "datetime",
        "id": "integer",
        "kind": "text",
        "lead_id": "integer",
        "plan_id": "integer",  # issue 19: a plan's planned actions
        "priority": "text",
        "reminder_at": "datetime",
        "start_at": "datetime",
        "status": "text",
        "subject": "text",
        "updated_at": "datetime",
    },
    "activity": {
        "attendees": "text",
        "body": "text",
        "company_id": "integer",
        "created_at": "datetime",
        "created_by_id": "integer",
        "deal_id": "integer",
        "duration_minutes": "integer",
        "first_contact": "text",
        "id": "integer",
        "kind": "text",
        "lead_id": "integer",
        "occurred_at": "datetime",
        "occurred_on": "date",
        "outcome": "text",
        "person_id": "integer",
        "subject": "text",
    },
    "document": {
        "company_id": "integer",
        "created_at": "datetime",
        "created_by_id": "integer",
        "deal_id": "integer",
        "deleted_at": "datetime",
        "file_name": "text",
        "id": "integer",
        "media_type": "text",
        "person_id": "integer",
        "sha256": "text",
        "size": "integer",
    },
}
OLD_SORTABLE: dict[str, set[str]] = {
    "company": {
        "dic",
        "created_by",
        "website",
        "created_at",
        "deleted_at",
        "updated_at",
        "country",
        "psc",
        "name",
        "phone",
        "district",
        "city",
        "email",
        "id",
        "street",
        "owner",
        "region",
        "ico",
        "industry",
    },
    "contact": {
        "email",
        "company",
        "title_after",
        "id",
        "title_before",
        "updated_at",
        "function",
        "last_name",
        "created_by",
        "name",
        "phone",
        "note",
        "owner",
        "created_at",
        "deleted_at",
        "first_name",
    },
    "lead": {
        "person_id",
        "company_id",
        "created_by",
        "created_at",
        "deleted_at",
        "company_name",
        "source",
        "updated_at",
        "subject",
        "campaign",
        "product",
        "received_at",
        "first_response_at",
        "response_minutes",
        "response_business_minutes",
        "message",
        "company",
        "id",
        "deal_id",
        "owner",
        "last_activity_at",
        "contact_email",
        "region",
        "contact_phone",
        "ico",
        "status",
        "converted_at",
        "contact_name",
        "reject_reason",
    },
    "deal": {
        "closed_at",
        "company_id",
        "created_by",
        "created_at",
        "days_in_stage",
        "deleted_at",
        "stage",
        "probability_overridden",
        "currency",
        "pipeline",
        "source",
        "won_reason",
        "updated_at",
        "campaign",
        "lead_id",
        "forecast_category",
        "company",
        "id",
        "last_touched_at",
        "probability",
        "idle_days",
        "owner",
        "title",
        "value",
        "last_activity_at",
        "status",
        "forecast_category_overridden",
        "lost_reason",
        "expected_close",
        "stage_entered_at",
    },
    "task": {
        "contact_id",
        "done_at",
        "company_id",
        "created_by",
        "all_day",
        "created_at",
        "end_at",
        "updated_at",
        "subject",
        "body",
        "lead_id",
        "plan_id",
        "reminder_at",
        "assignee",
        "company",
        "id",
        "start_at",
        "due_at",
        "deal_id",
        "priority",
        "kind",
    },
    "activity": {
        "person_id",
        "subject",
        "id",
        "body",
        "created_by_id",
        "company_id",
        "kind",
        "duration_minutes",
        "lead_id",
        "outcome",
        "deal_id",
        "occurred_on",
        "created_at",
        "first_contact",
        "occurred_at",
        "attendees",
    },
    "document": {
        "person_id",
        "id",
        "company_id",
        "created_by_id",
        "size",
        "deal_id",
        "created_at",
        "deleted_at",
        "media_type",
        "file_name",
        "sha256",
    },
}


def test_the_registry_imports_without_the_orm() -> None:
    code = (
        "import sys, crmctl.entities, crmctl.query.entities as q\n"
        "[q.registry(name) for name in crmctl.entities.ENTITIES]\n"
        "assert 'sqlalchemy.orm' not in sys.modules, 'sqlalchemy.orm imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_messages_are_covered_whatever_was_imported_before() -> None:
    """Issue 18: ``message`` is declared in ALL, not registered when the mail service is
    first imported, so the policy, ``--where`` and the completion tree know it from the
    start of a fresh process in which no mail code ran."""
    code = (
        "import sys\n"
        "from crmctl.services.access import policy\n"
        "from crmctl.query.entities import registry\n"
        "assert 'message' in policy.ENTITIES and 'message' in policy.DEFAULT_RULES['sales']\n"
        "assert 'subject' in registry('message').fields\n"
        "assert not [m for m in sys.modules if m.startswith('crmctl.services.mail')]\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_model_is_resolved_lazily() -> None:
    assert entities.CONTACT.model is models.Person
    assert entities.entity("deals").model is models.Deal


# Issue 19: leads and deals refer to their campaign and product by id (``--where`` only).
ISSUE_19_REFERENCES = {"campaign_id": "integer", "product_id": "integer"}
for _name in ("lead", "deal"):
    OLD_FILTER_FIELDS[_name] = {**OLD_FILTER_FIELDS[_name], **ISSUE_19_REFERENCES}
    OLD_SORTABLE[_name] = OLD_SORTABLE[_name] | set(ISSUE_19_REFERENCES)
# Issue 17 (i17-people): a lead's response time in wall-clock and business minutes.
ISSUE_17_RESPONSE = {"response_minutes": "integer", "response_business_minutes": "integer"}
OLD_FILTER_FIELDS["lead"] = {**OLD_FILTER_FIELDS["lead"], **ISSUE_17_RESPONSE}
OLD_SORTABLE["lead"] = OLD_SORTABLE["lead"] | set(ISSUE_17_RESPONSE)


@pytest.mark.parametrize("name", list(OLD_FILTER_FIELDS))
def test_filter_fields_are_what_they_were(name: str) -> None:
    registry = filters.registry(name)
    assert {f.name: f.kind.value for f in registry.fields.values()} == OLD_FILTER_FIELDS[name]


@pytest.mark.parametrize("name", list(OLD_SORTABLE))
def test_sortable_fields_are_what_they_were(name: str) -> None:
    registry = filters.registry(name)
    sortable = {
        f.name
        for f in registry.fields.values()
        if f.column is not None or f.sort_column is not None
    }
    assert sortable == OLD_SORTABLE[name]


def _python_type(column: Column[Any]) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:  # a TypeDecorator without one: its implementation's
        return column.type.impl.python_type  # type: ignore[attr-defined,no-any-return]


def _mapped(hint: Any) -> tuple[type, bool]:
    """``Mapped[int | None]`` → (int, True)."""
    (inner,) = typing.get_args(hint)
    args = typing.get_args(inner)
    optional = type(None) in args
    if optional:
        (inner,) = [a for a in args if a is not type(None)]
    return typing.get_origin(inner) or inner, optional


@pytest.mark.parametrize("entity", entities.ALL, ids=lambda e: e.name)
def test_every_orm_attribute_matches_its_core_column(entity: entities.Entity) -> None:
    hints = typing.get_type_hints(entity.model)
    mapped = {name: hint for name, hint in hints.items() if typing.get_origin(hint) is Mapped}
    assert mapped, entity.name
    for name, hint in mapped.items():
        assert name in entity.table.c, f"{entity.name}: {name} has no column"
        column = entity.table.c[name]
        python_type, optional = _mapped(hint)
        assert issubclass(python_type, _python_type(column)) or (
            python_type is float and _python_type(column) is Decimal
        ), f"{entity.name}.{name}: {python_type} vs {_python_type(column)}"
        assert optional == column.nullable, f"{entity.name}.{name}: nullability"
    # A column without an annotation is still mapped (``__table__``): adding a field needs
    # no ORM edit, so that direction is not required.


@pytest.mark.parametrize("entity", entities.ALL, ids=lambda e: e.name)
def test_every_declared_field_exists_in_its_table(entity: entities.Entity) -> None:
    for field in entity.fields:
        if field.stored:
            assert field.column_name in entity.table.c, f"{entity.name}.{field.name}"
        else:  # computed: an expression for --where, or shown only
            assert field.sql is not None or not field.filter, f"{entity.name}.{field.name}"


def test_the_filter_language_imports_no_service() -> None:
    code = (
        "import sys\n"
        "from crmctl.query import compile_where, entities as q\n"
        "import crmctl.entities as e\n"
        "for name in e.ENTITIES:\n"
        "    q.registry(name)\n"
        "from datetime import datetime, UTC\n"
        "from zoneinfo import ZoneInfo\n"
        "at = dict(now=datetime.now(UTC), tz=ZoneInfo('Europe/Prague'))\n"
        "compile_where('stage = \"Nabídka\" and idle_days > 3', q.registry('deal'), **at)\n"
        "compile_where('priority = \"high\" and status = \"open\"', q.registry('task'), **at)\n"
        "loaded = [m for m in sys.modules if m.startswith('crmctl.services')]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("flag", ["table", "card", "settable"])
@pytest.mark.parametrize("entity", entities.ALL, ids=lambda e: e.name)
def test_ordered_flags_are_positions_one_to_n(entity: entities.Entity, flag: str) -> None:
    positions = sorted(getattr(f, flag) for f in entity.fields if getattr(f, flag))
    assert positions == list(range(1, len(positions) + 1)), f"{entity.name}.{flag}"


def test_every_entity_is_declared_once_with_its_title_and_owner() -> None:
    assert len({e.name for e in entities.ALL}) == len({e.plural for e in entities.ALL}) == 12
    for entity in entities.ALL:
        assert entity.field(entity.title) is not None, entity.name
        assert entity.owner in entity.table.c, entity.name
        assert entity.default_sort is None or entity.field(entity.default_sort), entity.name
        assert len(entity.by_name) == len(entity.fields), f"{entity.name}: a field twice"
        assert entity.cs and entity.en and all(f.cs and f.en for f in entity.fields)


# --- the registries derived from it say what the hand-written ones said ----------------------


def test_policy_specs_are_derived() -> None:
    assert list(policy.ENTITIES) == [
        "company", "contact", "lead", "deal", "task", "activity", "document", "product",
        "campaign", "service", "plan", "message",
    ]  # fmt: skip
    owners = {name: spec.owner().key for name, spec in policy.ENTITIES.items()}
    assert owners == {
        "company": "owner_id", "contact": "owner_id", "lead": "owner_id", "deal": "owner_id",
        "task": "assignee_id", "activity": "created_by_id", "document": "created_by_id",
        "product": "created_by_id", "campaign": "owner_id", "service": "created_by_id",
        "plan": "owner_id", "message": "owner_id",
    }  # fmt: skip
    assert [n for n, s in policy.ENTITIES.items() if s.via_company is None] == [
        "company", "product", "campaign", "message",
    ]  # fmt: skip
    # A message is in scope through the records it is paired to, whoever owns them.
    assert [n for n, s in policy.ENTITIES.items() if s.paired is not None] == ["message"]
    assert policy.ENTITIES["message"].paired.targets == ("deal", "lead", "contact", "company")
    assert [n for n, s in policy.ENTITIES.items() if s.registry is None] == [
        "activity",
        "document",
    ]
    assert {s.label for s in policy.ENTITIES.values()} == {e.plural for e in entities.ALL}
    assert policy.CARD_FIELDS == ("id", "name", "ico", "city", "owner")
    assert policy.SUPPORT_DEAL_FIELDS == (
        "id", "title", "company_id", "company", "pipeline", "stage", "status", "owner",
    )  # fmt: skip


def test_workflow_entity_kinds_are_derived() -> None:
    assert {k.name: k.plural for k in kinds.ENTITIES.values()} == {
        "lead": "leads", "deal": "deals", "company": "companies", "contact": "contacts",
        "task": "tasks", "product": "products", "campaign": "campaigns",
        "service": "services", "plan": "plans",
    }  # fmt: skip
    for kind in kinds.ENTITIES.values():
        assert kind.registry is not None
        assert kind.registry() is filters.registry(kind.name)
    assert kinds.entity_kind("contacts") is kinds.ENTITIES["contact"]
    assert kinds.entity_kind("activity") is None


def test_link_and_subject_lists_are_derived() -> None:
    assert timeline.ENTITIES == (
        "campaign", "company", "contact", "deal", "lead", "plan", "product", "service",
    )  # fmt: skip
    assert [name for name, _ in timeline.LINKED] == ["task", "activity", "document"]
    # Subject names are the registry's titles, looked up on use (any entity, also later ones).
    assert all(timeline._title_query(name, {1}) is not None for name in entities.ENTITIES)
    assert import_undo.ENTITIES == ("company", "contact")
    assert write_security.OWNED_BY == {
        "company": "companies", "contact": "persons", "deal": "deals", "lead": "leads",
        "campaign": "campaigns", "plan": "account_plans", "message": "messages",
    }  # fmt: skip
    assert documents.TARGETS == ("company", "contact", "deal")
    assert {k: k for k in ("lead", "deal", "company", "contact", "plan")} == create_task._LINK
    linked = {e.name: (e.links.column, e.title, e.links.public) for e in refs._linked() if e.links}
    assert linked == {
        "company": ("company_id", "name", True),
        "contact": ("person_id", "name", False),
        "deal": ("deal_id", "title", False),
        "lead": ("lead_id", "subject", False),
        "plan": ("plan_id", "period", False),
    }


def test_row_security_tables_and_event_kinds_are_derived() -> None:
    # Owned, and a customer's through their own company_id: deals, leads and (issue 19)
    # services and account plans.
    assert row_security.OWNED == {
        "lead": ("leads", "owner_id", "company_id"), "deal": ("deals", "owner_id", "company_id"),
        "service": ("services", "created_by_id", "company_id"),
        "plan": ("account_plans", "owner_id", "company_id"),
    }  # fmt: skip
    # Hanging off customers (attached): owned by their assignee or author.
    assert row_security.LINKED == {
        "task": ("tasks", "assignee_id"),
        "activity": ("activities", "created_by_id"),
        "document": ("documents", "created_by_id"),
    }
    assert {e.name for e in entities.ENTITIES.values() if e.attached} == set(row_security.LINKED)
    # Workflow event kinds are each entity's declared events, plus approvals'.
    declared = {e.name: e.events for e in entities.ENTITIES.values() if e.events}
    assert {**declared, "approval": ("requested", "decided")} == event.KNOWN_KINDS
    assert event.KNOWN_KINDS["deal"] == ("created", "updated", "stage_changed", "won", "lost")
    assert set(declared) == {
        "company", "contact", "lead", "deal", "task", "product", "campaign", "service", "plan",
    }  # fmt: skip
    # Messages record their events on the record they pair with (email.*), not as message.*.
    assert "message" not in declared


def test_settable_lists_are_derived() -> None:
    scalars = ("title_before", "first_name", "last_name", "title_after", "function", "note")
    assert scalars == contacts.SCALAR_FIELDS
    assert (
        *scalars, "emails", "phones", "companies", "tags", "owner", "custom", "reports_to",
        "assistant_of", "related",
    ) == contacts.SETTABLE  # fmt: skip
    assert deals.SETTABLE == (
        "title", "company", "company_id", "pipeline", "stage", "value", "currency",
        "probability", "forecast_category", "expected_close", "owner", "source", "campaign",
        "lead_id", "contacts", "tags", "custom",
    )  # fmt: skip
    assert companies.SCALAR_FIELDS == (
        "name", "ico", "dic", "street", "city", "psc", "region", "district", "country",
        "industry", "website", "phone", "email",
    )  # fmt: skip
    assert set_fields._settable("lead") == ("status",)
    assert set_fields._settable("deal") == tuple(f for f in deals.SETTABLE if f != "stage")


def test_cli_default_table_columns_are_derived() -> None:
    assert table_fields("company") == ("id", "name", "ico", "city", "region", "owner", "tags")
    assert table_fields("contact") == ("id", "name", "function", "company", "emails", "phones")
    assert table_fields("deal") == (
        "id", "title", "company", "stage", "value", "currency", "probability",
        "expected_close", "owner", "status", "idle_days",
    )  # fmt: skip
    assert table_fields("lead") == (
        "id", "received_at", "source", "status", "owner", "subject", "contact_name",
        "company_name", "response_minutes",
    )  # fmt: skip
    assert table_fields("task") == (
        "id", "kind", "due_at", "priority", "assignee", "status", "subject", "company", "deal",
    )  # fmt: skip
    assert table_fields("document") == (
        "id", "file_name", "size", "company", "contact", "deal", "created_at",
    )  # fmt: skip


@pytest.mark.parametrize("entity", entities.ALL, ids=lambda e: e.name)
def test_every_declared_hook_resolves(entity: entities.Entity) -> None:
    for hook in ("show", "records", "present", "search", "find"):
        if getattr(entity, hook):
            assert callable(entity.hook(hook)), f"{entity.name}.{hook}"


def test_an_entity_registered_at_run_time_gets_filters_and_the_policy() -> None:
    table = Table(
        "gadgets", MetaData(), Column("id", Integer, primary_key=True),
        Column("label", String(50)), Column("owner_id", Integer),
    )  # fmt: skip
    gadget = entities.Entity(
        "gadget", "gadgets", "Věcičky", "Gadgets", table, "builtins:object", owner="owner_id",
        title="label", fields=(
            entities.Field("id", FieldKind.INTEGER, "ID", "ID", table=1),
            entities.Field("label", FieldKind.TEXT, "Štítek", "Label", table=2, settable=1),
        ),
    )  # fmt: skip
    entities.register(gadget)
    try:
        policy.cover(gadget)
        assert entities.entity("gadgets") is gadget
        assert set(filters.registry("gadget").fields) == {"id", "label"}
        where = compile_where(
            'label ~ "x"', filters.registry("gadget"), now=datetime.now(UTC), tz=ZoneInfo("UTC")
        )
        assert "gadgets.label" in str(where)
        assert policy.entity_spec("gadget").owner() is table.c.owner_id
        assert policy.DEFAULT_RULES["sales"]["gadget"] == policy.DEFAULT_RULES["sales"]["contact"]
    finally:
        entities.ENTITIES.pop("gadget")
        policy.ENTITIES.pop("gadget", None)
        for rules in policy.DEFAULT_RULES.values():
            rules.pop("gadget", None)
        filters.registry.cache_clear()
