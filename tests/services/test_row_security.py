"""PostgreSQL: row-level security enforces the permission matrix for every database login,
so a user connecting with psql under their own role sees and changes no more than with
crmctl — and crmctl connected as that role acts as that user and nobody else."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from crmctl.services.access.column_security import hidden_columns
from crmctl.services.notifications import Message, notify, recipients
from tests.conftest import ADMIN, Crm
from tests.services.test_policy import (
    ACTORS,
    ANY_CODE,
    World,
    _context,
    build_world,
    expected,
    expected_companies,
)


@pytest.fixture
def mapped(postgres_url: str) -> Iterator[tuple[Crm, World, dict[str, str]]]:
    """The matrix world, each user with its own login role, RLS installed."""
    prefix = f"crmt{uuid.uuid4().hex[:8]}"
    roles = {login: f"{prefix}_{login}" for login in ACTORS}
    group = f"{prefix}_group"
    owner = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with owner.connect() as connection:
            for role in roles.values():
                connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        crm = Crm(postgres_url)
        world = build_world(crm)
        for login, role in roles.items():
            crm("users", "edit", login, "--db-role", role)
        installed = crm.json("policy", "install", "--group", group)
        assert {row["status"] for row in installed} == {"granted"}
        yield crm, world, roles
    finally:
        with owner.connect() as connection:
            for role in [*roles.values(), group, f"{group}_views"]:
                if connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"),
                                      {"r": role}).first():  # fmt: skip
                    connection.execute(text(f'DROP OWNED BY "{role}"'))
                    connection.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()


def login_url(url: str, role: str) -> str:
    return make_url(url).set(username=role, password=None).render_as_string(False)


def rows(url: str, query: str) -> set[Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return set(connection.execute(text(query)).all())
    finally:
        engine.dispose()


@pytest.mark.parametrize("login", ACTORS)
def test_psql_as_each_role_sees_what_the_policy_allows(
    mapped: tuple[Crm, World, dict[str, str]], login: str
) -> None:
    crm, world, roles = mapped
    url = login_url(crm.url, roles[login])
    deal_rows = {deal_id for (deal_id,) in rows(url, "SELECT id FROM deals")}
    # Support reads every deal's row (its stage); crmctl hides the other columns.
    assert deal_rows == (set(world.deals) if login == "helpdesk" else expected(login, world.deals))
    assert {i for (i,) in rows(url, "SELECT id FROM persons")} == expected(login, world.contacts)
    assert {i for (i,) in rows(url, "SELECT id FROM leads")} == expected(login, world.leads)
    assert {i for (i,) in rows(url, "SELECT id FROM companies")} == set(world.companies)
    emails = {i for (i,) in rows(url, "SELECT person_id FROM person_emails")}
    assert emails <= expected(login, world.contacts)
    for entity, entity_id in rows(url, "SELECT entity_type, entity_id FROM events"):
        if login == ADMIN:
            continue
        allowed = {
            "company": expected_companies(login, world),
            "contact": expected(login, world.contacts),
            "deal": expected(login, world.deals),
            "lead": expected(login, world.leads),
            "task": expected(login, world.tasks),
            "activity": expected(login, world.activities),
            "document": expected(login, world.documents),
        }
        assert entity in allowed, entity
        assert entity_id in allowed[entity]
    # Work about customers, as crmctl shows it; support: every open task, no done one.
    tasks = {i for (i,) in rows(url, "SELECT id FROM tasks")}
    open_tasks = set(world.tasks) - world.done_tasks
    assert tasks == (open_tasks if login == "helpdesk" else expected(login, world.tasks))
    activities = {i for (i,) in rows(url, "SELECT id FROM activities")}
    assert activities == expected(login, world.activities)
    assert {i for (i,) in rows(url, "SELECT id FROM documents")} == expected(login, world.documents)


@pytest.mark.parametrize("login", ACTORS)
def test_psql_writes_reach_only_writable_rows(
    mapped: tuple[Crm, World, dict[str, str]], login: str
) -> None:
    crm, world, roles = mapped
    engine = create_engine(login_url(crm.url, roles[login]))
    try:
        with engine.connect() as connection:
            changed = connection.execute(text("UPDATE deals SET campaign = 'rls'")).rowcount
            connection.rollback()
    finally:
        engine.dispose()
    assert changed == (0 if login == "helpdesk" else len(expected(login, world.deals)))
    engine = create_engine(login_url(crm.url, roles[login]))
    try:
        with engine.connect() as connection:
            changed = connection.execute(text("UPDATE tasks SET priority = 3")).rowcount
            connection.rollback()
    finally:
        engine.dispose()
    assert changed == (0 if login == "helpdesk" else len(expected(login, world.tasks)))


def test_psql_inbox_is_ones_own(mapped: tuple[Crm, World, dict[str, str]]) -> None:
    crm, _world, roles = mapped
    with _context(crm.url) as ctx:
        users = recipients(ctx, ["user:sales_a1", "user:sales_b1"], owner_login=None)
        notify(ctx, users, Message("Ahoj", "text"), ["inbox"], url=None)
    for login in ("sales_a1", "sales_b1", "mgr_a"):
        url = login_url(crm.url, roles[login])
        owners = rows(url, "SELECT u.login FROM notifications n JOIN users u ON u.id = n.user_id")
        assert owners == ({(login,)} if login != "mgr_a" else set())
    admin = rows(login_url(crm.url, roles[ADMIN]), "SELECT count(*) FROM notifications")
    assert admin == {(2,)}


@pytest.mark.parametrize("login", ["mgr_a", "sales_b1", ADMIN])
def test_crmctl_acts_as_the_database_login(
    mapped: tuple[Crm, World, dict[str, str]], login: str
) -> None:
    crm, world, roles = mapped
    own = Crm(login_url(crm.url, roles[login]), user=login)
    assert {d["id"] for d in own.json("deals", "list")} == expected(login, world.deals)
    # Acting as someone else is for admins only.
    other = Crm(own.url, user="sales_a1")
    if login == ADMIN:
        assert {d["id"] for d in other.json("deals", "list")} == expected("sales_a1", world.deals)
    else:
        assert "only an admin" in other("deals", "list", code=5).stderr


# --- columns: what a limited view hides, psql does not show either ---------------------

# The card (id, name, ico, city, owner) and columns no card shows.
COMPANY_COLUMNS = "id, name, ico, city, owner_id, phone, search_text, custom::text, created_at"
CARD = 5


def refused(url: str, query: str) -> bool:
    """The statement fails for want of a privilege (a column the login may not read)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text(query))
    except ProgrammingError as error:
        return isinstance(error.orig, psycopg.errors.InsufficientPrivilege)
    finally:
        engine.dispose()
    return False


@pytest.mark.parametrize("login", ACTORS)
def test_psql_reads_hidden_columns_only_in_full_scope(
    mapped: tuple[Crm, World, dict[str, str]], login: str
) -> None:
    crm, world, roles = mapped
    url = login_url(crm.url, roles[login])
    truth = {row[0]: row for row in rows(crm.url, f"SELECT {COMPANY_COLUMNS} FROM companies")}
    seen = {row[0]: row for row in rows(url, f"SELECT {COMPANY_COLUMNS} FROM companies")}
    full = expected_companies(login, world)
    assert set(seen) == set(world.companies)
    for company_id, row in seen.items():
        masked = (*truth[company_id][:CARD], *[None] * (len(row) - CARD))
        assert row == (truth[company_id] if company_id in full else masked), company_id
    assert all(truth[company_id][5] for company_id in world.companies)  # phones to hide
    # crmctl under the same login shows the phone exactly where psql does.
    listed = Crm(url, user=login).json("companies", "list")
    assert {c["id"] for c in listed if "phone" in c} == {i for i, r in seen.items() if r[5]}
    # In the table itself the card is readable, any other column never, whatever the row.
    card = rows(url, "SELECT id, name, ico, city, owner_id FROM public.companies")
    assert {row[0] for row in card} == set(world.companies)
    for query in (
        "SELECT phone FROM public.companies",
        "SELECT id FROM public.companies WHERE search_text LIKE '%777%'",
        "SELECT value FROM public.deals",
    ):
        assert refused(url, query), query
    deals = rows(url, "SELECT id, stage, value FROM deals")
    if login == "helpdesk":
        # Support: every deal's stage, no deal's value.
        assert {i for i, _, _ in deals} == set(world.deals)
        assert all(stage and value is None for _, stage, value in deals)
    else:
        assert {i for i, _, value in deals if value is not None} == expected(login, world.deals)
        assert len(deals) == len(expected(login, world.deals))


READS = (
    ("companies", "list"),
    ("companies", "list", "--search", "firma"),
    ("companies", "list", "--where", 'phone ~ "777"'),
    ("contacts", "list"),
    ("deals", "list"),
    ("leads", "list"),
    ("tasks", "list"),
    ("tasks", "overdue"),
    ("docs", "list"),
    ("report", "forecast", "--by", "owner"),
)


@pytest.mark.parametrize("login", ACTORS)
def test_crmctl_under_the_login_shows_what_crmctl_shows_the_user(
    mapped: tuple[Crm, World, dict[str, str]], login: str
) -> None:
    """The same output through the masked views as acting as the user through the owner's
    connection (where only crmctl's own checks apply): every read the role may use."""
    crm, world, roles = mapped
    own = Crm(login_url(crm.url, roles[login]), user=login)
    acting = Crm(crm.url, user=login)
    single = [
        ("companies", "show", str(min(world.companies))),
        ("timeline", "company", str(min(world.companies))),
        ("contacts", "show", str(max(world.contacts))),
        ("gdpr", "export", str(max(world.contacts))),
        ("deals", "show", str(max(world.deals))),
        ("timeline", "deal", str(max(world.deals))),
        ("tasks", "show", str(min(world.tasks))),
    ]
    for command in (*READS, *single):
        mine = own(*command, "-o", "json", code=ANY_CODE)
        theirs = acting(*command, "-o", "json", code=ANY_CODE)
        assert mine.exit_code in (0, 5), (command, mine.stderr)
        assert (mine.exit_code, mine.stdout) == (theirs.exit_code, theirs.stdout), command


def test_a_custom_roles_limited_fields_are_masked_too(
    mapped: tuple[Crm, World, dict[str, str]], tmp_path: Path
) -> None:
    crm, world, roles = mapped
    (tmp_path / "crmctl.yaml").write_text(
        "policy:\n  roles:\n    assistant:\n      contact: {read: own, write: own, "
        "limited: {scope: all, fields: [id, name, owner]}}\n",
        encoding="utf-8",
    )
    prefix = roles[ADMIN].removesuffix(f"_{ADMIN}")
    roles["eva"] = f"{prefix}_eva"  # the fixture drops it
    owner = create_engine(crm.url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{roles["eva"]}" LOGIN'))
    owner.dispose()
    crm("users", "add", "eva", "--role", "assistant", "--db-role", roles["eva"])
    mine = crm.json("contacts", "add", "--name", "Eva Malá", "--owner", "eva", "--function", "x")
    other = max(world.contacts)
    crm("contacts", "edit", str(other), "--function", "ředitel")
    crm.json("policy", "install", "--group", f"{prefix}_group")
    url = login_url(crm.url, roles["eva"])
    people = rows(url, "SELECT id, last_name, function, created_at FROM persons")
    assert {row[0] for row in people} == {*world.contacts, mine["id"]}
    for person_id, last_name, function, created_at in people:
        assert last_name, person_id
        shown = (function, created_at is not None)
        assert shown == (("x", True) if person_id == mine["id"] else (None, False)), person_id
    assert refused(url, "SELECT function FROM public.persons")
    # Its own contact's e-mails and phones only (the rows of contacts it may fully read).
    assert rows(url, "SELECT DISTINCT person_id FROM person_emails") <= {(mine["id"],)}
    listed = Crm(url, user="eva").json("contacts", "list")
    assert {c["id"] for c in listed} == {row[0] for row in people}
    assert {c["id"] for c in listed if not c.get("limited")} == {mine["id"]}
    assert all(set(c) == {"id", "name", "owner", "limited"} for c in listed if c.get("limited"))
    # No company rule: every company as a card.
    assert rows(url, "SELECT DISTINCT phone FROM companies") == {(None,)}


@pytest.mark.parametrize("login", ["sales_a1", "mgr_a", "helpdesk"])
def test_writes_through_the_masked_views_stay_limited(
    mapped: tuple[Crm, World, dict[str, str]], login: str
) -> None:
    crm, world, roles = mapped
    url = login_url(crm.url, roles[login])
    writable = set() if login == "helpdesk" else expected_companies(login, world)
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            phones = connection.execute(text("UPDATE companies SET phone = '1' RETURNING id"))
            values = connection.execute(text("UPDATE deals SET value = 1 RETURNING id"))
            changed = ({i for (i,) in phones}, {i for (i,) in values})
            connection.rollback()
    finally:
        engine.dispose()
    deals = set() if login == "helpdesk" else expected(login, world.deals)
    assert changed == (writable, deals)
    # Naming a hidden column in the table itself, to filter or to return, is refused.
    assert refused(url, "UPDATE public.companies SET city = 'X' WHERE phone IS NULL")
    assert refused(url, "UPDATE public.companies SET city = city RETURNING phone")
    if login == "helpdesk":
        return
    user = Crm(url, user=login)
    mine, other = min(writable), min(set(world.companies) - writable)
    before = crm.json("companies", "show", str(other))
    user("companies", "edit", str(mine), "--phone", "604111222", "--industry", "stavby")
    user("companies", "edit", str(other), "--phone", "604111222", code=5)
    added = user.json("companies", "add", "--name", f"Nová {login}", "--phone", "605111222")
    shown = {c: crm.json("companies", "show", str(c)) for c in (mine, other, added["id"])}
    assert "604111222" in shown[mine]["phone"] and shown[mine]["industry"] == "stavby"
    assert shown[mine]["name"] == f"Firma {world.companies[mine]}"  # unchanged, kept
    assert shown[other] == before
    # The table's defaults reach an insert through the view.
    assert shown[added["id"]]["country"] == "CZ" and shown[added["id"]]["owner"] == login


def test_a_role_changed_since_the_install_sees_nothing_through_the_old_views(
    mapped: tuple[Crm, World, dict[str, str]],
) -> None:
    """sales_a1 becomes support: until `policy install` runs again its login still reads
    the sales views, which then show nothing (not sales' unmasked deal values)."""
    crm, world, roles = mapped
    url = login_url(crm.url, roles["sales_a1"])
    assert rows(url, "SELECT count(*) FROM companies") == {(len(world.companies),)}
    crm("users", "edit", "sales_a1", "--role", "support")
    assert rows(url, "SELECT count(*) FROM deals") == {(0,)}
    assert rows(url, "SELECT count(*) FROM companies") == {(0,)}
    crm("policy", "install", "--group", roles[ADMIN].removesuffix(f"_{ADMIN}") + "_group")
    deals = rows(url, "SELECT id, value FROM deals")
    assert {i for i, _ in deals} == set(world.deals) and {v for _, v in deals} == {None}


def test_the_columns_each_roles_limited_view_hides(crm: Crm) -> None:
    with _context(crm.url) as ctx:
        hidden = hidden_columns(ctx)
    # support's open tasks show every field; its services (for the helpdesk) no values
    assert set(hidden) == {"company", "deal", "service"}
    company, deal = hidden["company"], hidden["deal"]
    assert hidden["service"]["value"] == hidden["service"]["currency"] == ["support"]
    assert not {"id", "company_id", "name", "kind", "ends_on", "serial"} & set(hidden["service"])
    assert {"phone", "email", "street", "dic", "search_text", "custom", "created_at"} <= set(
        company
    )
    card = {"id", "name", "ico", "city", "owner_id", "deleted_at", "merged_into_id", "name_key"}
    assert not card & set(company)
    assert set(company["phone"]) == {"manager", "sales", "support"}  # admins read all
    assert deal["value"] == ["support"]
    assert not {"id", "title", "company_id", "pipeline", "stage", "status", "owner_id"} & set(deal)


def test_install_refuses_sqlite(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    shutil.copyfile(sqlite_template, path)
    assert "needs PostgreSQL" in Crm(f"sqlite:///{path}")("policy", "install", code=2).stderr
