"""PostgreSQL: row-level security enforces the permission matrix for every database login,
so a user connecting with psql under their own role sees and changes no more than with
crmctl — and crmctl connected as that role acts as that user and nobody else."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN, Crm
from tests.services.test_policy import (
    ACTORS,
    World,
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
            for role in [*roles.values(), group]:
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
    from crmctl.services.notifications import Message, notify, recipients
    from tests.services.test_policy import _context

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


def test_install_refuses_sqlite(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    shutil.copyfile(sqlite_template, path)
    assert "needs PostgreSQL" in Crm(f"sqlite:///{path}")("policy", "install", code=2).stderr
