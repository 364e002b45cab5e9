"""The one read pipeline: a filter parsed once, and an entity added by its declaration.

The throwaway entity below (``gadget``) exists only in this test: a Core table created in
the test database and an ``Entity`` in the registry. Nothing else is written for it, yet
it is listed and shown with ``--where``, ``--sort``, ``--fields`` and every output
format, scoped by the policy, and named on the timeline.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine, select
from typer.testing import CliRunner

import crmctl.query.compiler as compiler
import crmctl.query.parser as parser
import crmctl.reports.common as common
import crmctl.reports.forecast as forecast
import crmctl.services.read.pipeline as pipeline
from crmctl import entities
from crmctl.cli.reading import read_app
from crmctl.config import load_settings
from crmctl.db import tables
from crmctl.entities import Entity, Field, computed
from crmctl.query import entities as registries
from crmctl.query.fields import FieldKind
from crmctl.query.parsed import ParsedFilter
from crmctl.services.access import policy
from crmctl.services.context import open_read_context
from crmctl.services.read.pipeline import readable_ids
from crmctl.services.timeline import TimelineOptions, timeline_page
from tests.conftest import FIXED_NOW, Crm

GADGETS = Table(
    "test_gadgets",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("colour", String(20)),
    Column("weight", Integer),
    Column("owner_id", Integer),
    Column("deleted_at", DateTime(timezone=True)),
)


def _owner_login() -> dict[str, Any]:
    users = tables.users.c
    login = select(users.login).where(users.id == GADGETS.c.owner_id).scalar_subquery()
    return {"column": login}


GADGET = Entity(
    "gadget", "gadgets", "Udělátka", "Gadgets", GADGETS, "tests.nowhere:Gadget",
    owner="owner_id", title="name", timeline=True,
    fields=(
        Field("id", FieldKind.INTEGER, "ID", "ID", table=1),
        Field("name", FieldKind.TEXT, "Název", "Name", table=2),
        Field("colour", FieldKind.TEXT, "Barva", "Colour", table=3),
        Field("weight", FieldKind.INTEGER, "Váha", "Weight"),
        computed("owner", FieldKind.TEXT, _owner_login, cs="Vlastník", en="Owner", table=4),
    ),
)  # fmt: skip


@pytest.fixture
def gadgets(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> Iterator[Crm]:
    """The gadget declared in the registry, its table made, three gadgets stored."""
    crm("users", "add", "jana")  # sales: own records only
    crm("users", "add", "hana", "--role", "support")  # no customer records at all
    monkeypatch.setitem(entities.ENTITIES, "gadget", GADGET)
    # What the policy covers on first use of the new entity is undone after the test.
    monkeypatch.setattr(policy, "ENTITIES", dict(policy.ENTITIES))
    rules = {role: dict(by_entity) for role, by_entity in policy.DEFAULT_RULES.items()}
    monkeypatch.setattr(policy, "DEFAULT_RULES", rules)
    engine = create_engine(crm.url)
    with engine.begin() as connection:
        GADGETS.create(connection)
        admin, jana = (
            connection.scalar(select(tables.users.c.id).where(tables.users.c.login == login))
            for login in ("admin", "jana")
        )
        connection.execute(
            GADGETS.insert(),
            [
                {"id": 1, "name": "Vrtačka", "colour": "red", "weight": 3, "owner_id": jana},
                {"id": 2, "name": "Bruska", "colour": "blue", "weight": 5, "owner_id": admin},
                {"id": 3, "name": "Pila", "colour": "red", "weight": 8, "owner_id": admin},
            ],
        )
        connection.execute(
            tables.events.insert().values(
                at=datetime(2026, 1, 5, tzinfo=UTC), actor_id=admin, entity_type="gadget",
                entity_id=1, kind="gadget.created", payload={"fields": {"name": "Vrtačka"}},
            )
        )  # fmt: skip
    engine.dispose()
    yield crm
    registries.registry.cache_clear()


def run(crm: Crm, *args: str, user: str = "admin", code: int = 0) -> str:
    env = {"CRM_DATABASE_URL": crm.url, "CRM_USER": user, "CRM_NOW": FIXED_NOW}
    result = CliRunner().invoke(read_app("gadget", "Gadgets."), list(args), env=env)
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result.stdout


def test_list_with_where_sort_and_fields(gadgets: Crm) -> None:
    out = run(gadgets, "list", "--where", 'colour = "red" and weight > 2', "--sort", "-weight",
              "-o", "json", "--fields", "name,weight,owner")  # fmt: skip
    assert json.loads(out) == [
        {"name": "Pila", "weight": 8, "owner": "admin"},
        {"name": "Vrtačka", "weight": 3, "owner": "jana"},
    ]


def test_list_as_a_table_shows_the_declared_columns(gadgets: Crm) -> None:
    header = run(gadgets, "list").splitlines()[0].split()
    assert header == ["id", "name", "colour", "owner"]


@pytest.mark.parametrize("output", ["table", "json", "jsonl", "csv", "yaml"])
def test_every_output_format(gadgets: Crm, output: str) -> None:
    out = run(gadgets, "list", "--sort", "name", "-o", output, "--fields", "id,name")
    parsed: Any = {
        "table": lambda text: [line.split()[:2] for line in text.splitlines()[2:]],
        "json": json.loads,
        "jsonl": lambda text: [json.loads(line) for line in text.splitlines()],
        "csv": lambda text: list(csv.DictReader(io.StringIO(text))),
        "yaml": yaml.safe_load,
    }[output](out)
    names = [row[1] if isinstance(row, list) else row["name"] for row in parsed]
    assert names == ["Bruska", "Pila", "Vrtačka"]


def test_show_and_its_errors(gadgets: Crm) -> None:
    assert json.loads(run(gadgets, "show", "2", "-o", "json"))["name"] == "Bruska"
    assert run(gadgets, "show", "2", "--fields", "name,weight", "-o", "csv") == "name,weight\n" \
        "Bruska,5\n"  # fmt: skip
    run(gadgets, "show", "99", code=3)
    run(gadgets, "show", "x", code=4)
    run(gadgets, "list", "--where", "nosuch = 1", code=4)  # a filter error: validation
    run(gadgets, "list", "--search", "vrt", code=2)  # no search hook declared: say so


def test_the_policy_scopes_the_new_entity(gadgets: Crm) -> None:
    """Sales see their own gadgets (the customer rule every role gets), support none."""
    assert [r["name"] for r in json.loads(run(gadgets, "list", "-o", "json", user="jana"))] == [
        "Vrtačka"
    ]
    run(gadgets, "show", "2", user="jana", code=5)
    assert json.loads(run(gadgets, "list", "-o", "json", user="hana")) == []


def test_the_timeline_names_the_new_entity(gadgets: Crm) -> None:
    with open_read_context(load_settings(gadgets.url, "admin")) as ctx:
        page = timeline_page(ctx, "gadget", "1", TimelineOptions())
    assert [event["subject"] for event in page.events] == ["gadget #1 Vrtačka"]


# --- the filter, parsed once ---------------------------------------------------------------


def test_a_filter_is_parsed_once_and_compiled_once(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Support's limited deal view: the policy asks the tree which fields the filter reads
    instead of compiling it again against the view's fields."""
    crm("users", "add", "hana", "--role", "support")
    crm("deals", "add", "--title", "Servery", "--value", "1000")
    calls = {"parse": 0, "compile": 0}
    parse, compile_node = parser.parse, compiler.compile_node

    def counted_parse(text: str) -> Any:
        calls["parse"] += 1
        return parse(text)

    def counted_compile(*args: Any, **kwargs: Any) -> Any:
        calls["compile"] += 1
        return compile_node(*args, **kwargs)

    monkeypatch.setattr(parser, "parse", counted_parse)
    monkeypatch.setattr(compiler, "compile_node", counted_compile)
    hana = Crm(crm.url, user="hana")
    assert [d["title"] for d in hana.json("deals", "list", "--where", 'title ~ "serv"')] == [
        "Servery"
    ]
    assert calls == {"parse": 1, "compile": 1}


def test_the_policy_reads_the_fields_off_the_tree() -> None:
    parsed = ParsedFilter.parse('stage = "won" and (value > 10 or not custom.x is null)')
    assert parsed is not None
    assert parsed.field_names() == {"stage", "value", "custom.x"}
    registry = registries.registry("deal")
    assert not parsed.uses_only(registry, ("stage", "value"))
    stage_only = ParsedFilter.parse('Stage = "won" or stage in ("a", "b")')
    assert stage_only is not None and stage_only.uses_only(registry, ("stage",))
    assert ParsedFilter.parse("  ") is None


# --- the scoped, filtered base select for counts (reports, scans) ----------------------------


def _readable(crm: Crm, user: str, where: str | None, *, live: bool = True) -> list[int]:

    with open_read_context(load_settings(crm.url, user)) as ctx:
        statement = readable_ids(ctx, "gadget", where, live=live).order_by(GADGETS.c.id)
        return list(ctx.session.scalars(statement))


def test_readable_ids_are_the_pipelines_first_stages(gadgets: Crm) -> None:
    """Deleted left out (unless ``live=False``), the policy's scope, then the filter."""
    engine = create_engine(gadgets.url)
    with engine.begin() as connection:
        connection.execute(
            GADGETS.update().where(GADGETS.c.id == 3).values(deleted_at=datetime.now(UTC))
        )
    engine.dispose()
    assert _readable(gadgets, "admin", None) == [1, 2]
    assert _readable(gadgets, "admin", None, live=False) == [1, 2, 3]
    assert _readable(gadgets, "admin", 'colour = "red"', live=False) == [1, 3]
    assert _readable(gadgets, "jana", None) == [1]  # sales: own gadgets only
    assert _readable(gadgets, "jana", 'colour = "blue"') == []
    assert _readable(gadgets, "hana", None) == []  # support: none


def test_report_filters_go_through_the_read_pipeline(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``report forecast --where`` narrows deals by the pipeline's stages: one parsed filter
    compiled by the pipeline, not a compile of its own."""

    crm("deals", "add", "--title", "Servery", "--value", "1000", "--expected-close", "2026-12-01")
    crm("deals", "add", "--title", "Disky", "--value", "500", "--expected-close", "2026-12-01")
    seen: list[tuple[str, str | None]] = []
    readable_conditions = pipeline.readable_conditions

    def recorded(ctx: Any, entity: str, where: Any, **kwargs: Any) -> Any:
        seen.append((entity, where))
        return readable_conditions(ctx, entity, where, **kwargs)

    for module in (pipeline, common, forecast):
        monkeypatch.setattr(module, "readable_conditions", recorded)
    rows = crm.json("report", "forecast", "--where", 'title ~ "serv"')
    assert ("deal", 'title ~ "serv"') in seen
    assert "Disky" not in json.dumps(rows)
