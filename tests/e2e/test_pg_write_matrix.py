"""PostgreSQL: a mapped login writes exactly what crmctl lets its user write (issue 15/7).

The world of tests/services/test_policy.py (two teams, a manager chain, support), each
user with a database login and ``policy install`` run. Then, as a sales, a manager and a
support login through psycopg (as a user with psql would), an INSERT, an UPDATE and a
DELETE on every table of the database; each statement is allowed or refused exactly as
crmctl would allow or refuse that user the same change. Internal tables (the event log,
the outbox, inboxes, workflow state and firings) take no direct writes at all; crmctl's
own writes to them go through functions that check the caller — so crmctl run as the
login (the installed console script, in a subprocess) still works and writes its events.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN, FIXED_NOW, Crm
from tests.services.test_policy import ACTORS, World, build_world

CRMCTL = shutil.which("crmctl") or str(Path(sys.executable).with_name("crmctl"))
LOGINS = ("sales_a1", "mgr_a", "helpdesk")
# sales_a1 and its manager may write team A's records (sales_a1's); nobody tested may
# write sales_b1's (team B); support writes no customer record at all.
WRITERS_A = frozenset({"sales_a1", "mgr_a"})
NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(LOGINS)
INTERNAL = ("events", "deliveries", "notifications", "workflow_state", "workflow_firings")
STAMPS, NOW = "created_at, updated_at", "now(), now()"
MAIL_LISTS = "to_addresses, cc_addresses, reference_ids, skipped_attachments, misses"
NO_MAIL_LISTS = ", ".join(["'[]'"] * 5)


@dataclass(frozen=True)
class Case:
    """One statement and the logins crmctl lets make that change."""

    table: str
    op: str  # INSERT | UPDATE | DELETE
    what: str
    sql: str
    allowed: frozenset[str]
    schema: str = ""  # "public." to address the table itself, not the login's search path


@dataclass
class Mapped:
    url: str
    roles: dict[str, str]
    world: World
    ids: dict[str, int]


def login_url(url: str, role: str) -> str:
    return make_url(url).set(username=role, password=None).render_as_string(False)


def psycopg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(False)


@pytest.fixture
def mapped(postgres_url: str) -> Iterator[Mapped]:
    """The policy world with a login per user, some rows in every internal table, and
    ``policy install`` run (twice: it must be re-runnable)."""
    prefix = f"crmw{uuid.uuid4().hex[:8]}"
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
        ids = _seed(postgres_url, world)
        for _ in range(2):
            installed = crm.json("policy", "install", "--group", group)
            assert {row["status"] for row in installed} == {"granted"}
        yield Mapped(postgres_url, roles, world, ids)
    finally:
        with owner.connect() as connection:
            for role in [*roles.values(), group, f"{group}_views"]:
                if connection.execute(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
                ).first():
                    connection.execute(text(f'DROP OWNED BY "{role}"'))
                    connection.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()


def _owned(world: World, records: dict[int, tuple[str, set[str]]], owner: str) -> int:
    """The record ``owner`` owns at their own customer (not a cross-team one)."""
    return min(i for i, (o, customers) in records.items() if o == owner and customers == {o})


def _seed(url: str, world: World) -> dict[str, int]:
    """Ids of team A's and team B's records, and a row in each table crmctl's rules,
    senders and inboxes write, as the database owner."""
    by_owner = {owner: cid for cid, owner in world.companies.items()}
    ids = {
        "company_a": by_owner["sales_a1"],
        "company_b": by_owner["sales_b1"],
        "contact_a": _owned(world, world.contacts, "sales_a1"),
        "contact_b": _owned(world, world.contacts, "sales_b1"),
        "deal_a": _owned(world, world.deals, "sales_a1"),
        "deal_b": _owned(world, world.deals, "sales_b1"),
        "lead_a": min(i for i, (o, _) in world.leads.items() if o == "sales_a1"),
        "lead_b": min(i for i, (o, _) in world.leads.items() if o == "sales_b1"),
        "task_a": min(i for i, (o, c) in world.tasks.items() if o == "sales_a1" and c == {o}),
        "task_b": min(i for i, (o, c) in world.tasks.items() if o == "sales_b1" and c == {o}),
        "activity_b": min(i for i, (_, c) in world.activities.items() if c == {"sales_b1"}),
        "document_b": min(i for i, (_, c) in world.documents.items() if c == {"sales_b1"}),
        "document_a": min(i for i, (_, c) in world.documents.items() if c == {"sales_a1"}),
    }
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            users = dict(connection.execute(text("SELECT login, id FROM users")).all())
            for login in (*LOGINS, ADMIN, "sales_a2", "sales_b1"):
                ids[f"user_{login}"] = users[login]
            run = connection.execute
            for table in ("person_emails", "person_phones"):
                column = "email" if table == "person_emails" else "phone"
                for team in ("a", "b"):
                    run(text(f"INSERT INTO {table} (person_id, {column}, position) "
                             f"VALUES (:p, :v, 0)"),
                        {"p": ids[f"contact_{team}"], "v": f"{team}@seed.cz"})  # fmt: skip
            run(text("INSERT INTO tags VALUES ('company', :a, 'seed'), ('company', :b, 'seed')"),
                {"a": ids["company_a"], "b": ids["company_b"]})  # fmt: skip
            for login in (*LOGINS, "sales_b1"):
                run(
                    text(
                        "INSERT INTO notifications (user_id, subject, body, created_at) "
                        "VALUES (:u, 'seed', '', now())"
                    ),
                    {"u": users[login]},
                )
                run(text("INSERT INTO report_snapshots (name, report, params, rows, created_at,"
                         " created_by_id) VALUES (:n, 'forecast', '{}', '[]', now(), :u)"),
                    {"n": f"seed-{login}", "u": users[login]})  # fmt: skip
            run(
                text(
                    "INSERT INTO deliveries (channel, target, subject, body, payload, status, "
                    "attempts, next_attempt_at, created_at) VALUES ('email', 'a@seed.cz', "
                    "'seed', 'seed', '{}', 'pending', 0, now(), now())"
                )
            )
            run(text("INSERT INTO workflow_state (key, value) VALUES ('seed', 1)"))
            run(
                text(
                    "INSERT INTO workflow_firings (rule_id, entity_type, entity_id, "
                    "trigger_key, status, fired_at, summary) VALUES ('seed', 'deal', :d, "
                    "'seed', 'done', now(), '[]')"
                ),
                {"d": ids["deal_a"]},
            )
            run(text("INSERT INTO approvals (entity_type, entity_id, reason, approver_id, "
                     "status, requested_at, blocks_moves) VALUES ('deal', :d, 'seed', :m, "
                     "'pending', now(), false)"),
                {"d": ids["deal_a"], "m": users["mgr_a"]})  # fmt: skip
            run(
                text(
                    "INSERT INTO daemon_heartbeats (host, pid, started_at, beat_at) "
                    "VALUES ('seed', 1, now(), now())"
                )
            )
            ids["batch"] = run(
                text(
                    "INSERT INTO import_batches (file_name, file_sha256, file_size, "
                    "file_format, sheets, mapping, options, counts, status, created_at) "
                    "VALUES ('seed.csv', 'x', 1, 'csv', '[]', '{}', '{}', '{}', 'done', now()) "
                    "RETURNING id"
                )
            ).scalar_one()
            run(
                text(
                    "INSERT INTO person_relations (person_id, other_person_id, kind) "
                    "VALUES (:b, :a, 'seed')"
                ),
                {"b": ids["contact_b"], "a": ids["contact_a"]},
            )
            run(
                text(
                    "INSERT INTO deal_contacts (deal_id, person_id, role) VALUES (:d, :p, 'seed')"
                ),
                {"d": ids["deal_b"], "p": ids["contact_b"]},
            )
            run(
                text(
                    "INSERT INTO import_issues (batch_id, sheet, row_number, severity, "
                    "message) SELECT id, 'x', 2, 'error', 'seed' FROM import_batches"
                )
            )
            run(text("INSERT INTO teams (name, created_at) VALUES ('bare', now())"))
            run(
                text(
                    "INSERT INTO users (login, name, role, created_at, updated_at) "
                    "VALUES ('bare', 'Bare', 'sales', now(), now())"
                )
            )
            ids["bare_company_b"] = run(
                text(
                    f"INSERT INTO companies (name, owner_id, custom, search_text, {STAMPS}) "
                    f"VALUES ('bare', :o, '{{}}', '', {NOW}) RETURNING id"
                ),
                {"o": users["sales_b1"]},
            ).scalar_one()
            run(text("INSERT INTO consents (person_id, purpose, granted, basis, source, at) "
                     "VALUES (:p, 'seed', true, 'consent', 'seed', now())"),
                {"p": ids["contact_b"]})  # fmt: skip
            ids.update(_seed_new_tables(connection, ids, users))
    finally:
        engine.dispose()
    return ids


def cases(ids: dict[str, int], me: int) -> list[Case]:
    """Every table × INSERT/UPDATE/DELETE, each with who crmctl lets make that change.

    ``me`` is the login's own user id (events as oneself, one's own inbox entry).
    """
    i = ids
    sales_b1, sales_a2 = i["user_sales_b1"], i["user_sales_a2"]
    event = (
        "INSERT INTO {schema}events (at, actor_id, entity_type, entity_id, kind, payload, "
        "import_batch_id) VALUES (now(), {actor}, 'deal', {deal}, 'deal.note', '{payload}', "
        "{batch})"
    )
    deal = (
        "INSERT INTO deals (title, company_id, pipeline, stage, probability, forecast_category,"
        f" stage_entered_at, last_touched_at, custom, {STAMPS}, owner_id, value) VALUES ('x',"
        " {company}, 'default', 'kvalifikace', 10, 'pipeline', now(), now(), '{{}}', "
        f"{NOW}, {{owner}}, 1)"
    )
    activity = (
        "INSERT INTO activities (kind, occurred_at, occurred_on, created_at, created_by_id, "
        "company_id, attendees) VALUES ('note', now(), current_date, now(), {by}, {company}, "
        "'[]')"
    )
    consent = (
        "INSERT INTO consents (person_id, purpose, granted, basis, source, at, actor_id) "
        "VALUES ({person}, 'x', true, 'consent', 'x', now(), {by})"
    )
    return [
        # --- customer records: write scope, and a new owner only within it ----------------
        Case(
            "companies",
            "INSERT",
            "own",
            "INSERT INTO companies (name, owner_id, custom, "
            f"search_text, {STAMPS}) VALUES ('x', {i['user_sales_a1']}, '{{}}', '', {NOW})",
            WRITERS_A,
        ),
        Case(
            "companies",
            "INSERT",
            "for team B",
            "INSERT INTO companies (name, owner_id, "
            f"custom, search_text, {STAMPS}) VALUES ('x', {sales_b1}, '{{}}', '', {NOW})",
            NOBODY,
        ),
        Case(
            "companies",
            "UPDATE",
            "own",
            f"UPDATE companies SET city = 'x' WHERE id = {i['company_a']}",
            WRITERS_A,
        ),
        Case(
            "companies",
            "UPDATE",
            "team B's",
            f"UPDATE companies SET city = 'x' WHERE id = {i['company_b']}",
            NOBODY,
        ),
        Case(
            "companies",
            "UPDATE",
            "hand to team B",
            f"UPDATE companies SET owner_id = {sales_b1} WHERE id = {i['company_a']}",
            NOBODY,
        ),
        Case(
            "companies",
            "DELETE",
            "team B's",
            f"DELETE FROM companies WHERE id = {i['bare_company_b']}",
            NOBODY,
        ),
        Case(
            "persons",
            "INSERT",
            "for team B",
            "INSERT INTO persons (last_name, owner_id, "
            f"custom, search_text, {STAMPS}) VALUES ('x', {sales_b1}, '{{}}', '', {NOW})",
            NOBODY,
        ),
        Case(
            "persons",
            "UPDATE",
            "own",
            f"UPDATE persons SET note = 'x' WHERE id = {i['contact_a']}",
            WRITERS_A,
        ),
        Case(
            "persons",
            "UPDATE",
            "hand to team B",
            f"UPDATE persons SET owner_id = {sales_b1} WHERE id = {i['contact_a']}",
            NOBODY,
        ),
        Case(
            "persons",
            "DELETE",
            "team B's",
            f"DELETE FROM persons WHERE id = {i['contact_b']}",
            NOBODY,
        ),
        Case(
            "deals",
            "INSERT",
            "own",
            deal.format(company=i["company_a"], owner=i["user_sales_a1"]),
            WRITERS_A,
        ),
        Case(
            "deals",
            "INSERT",
            "for team B at own customer",
            deal.format(company=i["company_a"], owner=sales_b1),
            NOBODY,
        ),
        Case(
            "deals",
            "UPDATE",
            "own",
            f"UPDATE deals SET campaign = 'x' WHERE id = {i['deal_a']}",
            WRITERS_A,
        ),
        Case(
            "deals",
            "UPDATE",
            "team B's",
            f"UPDATE deals SET campaign = 'x' WHERE id = {i['deal_b']}",
            NOBODY,
        ),
        Case(
            "deals",
            "UPDATE",
            "hand to team B",
            f"UPDATE deals SET owner_id = {sales_b1} WHERE id = {i['deal_a']}",
            NOBODY,
        ),
        Case(
            "deals",
            "UPDATE",
            "hand to a subordinate",
            f"UPDATE deals SET owner_id = {sales_a2} WHERE id = {i['deal_a']}",
            frozenset({"mgr_a"}),
        ),
        Case("deals", "DELETE", "team B's", f"DELETE FROM deals WHERE id = {i['deal_b']}", NOBODY),
        Case(
            "leads",
            "INSERT",
            "for team B at own customer",
            "INSERT INTO leads (source, "
            f"received_at, status, custom, {STAMPS}, owner_id, company_id) VALUES ('web', "
            f"now(), 'new', '{{}}', {NOW}, {sales_b1}, {i['company_a']})",
            NOBODY,
        ),
        Case(
            "leads",
            "UPDATE",
            "own",
            f"UPDATE leads SET campaign = 'x' WHERE id = {i['lead_a']}",
            WRITERS_A,
        ),
        Case(
            "leads",
            "UPDATE",
            "hand to team B",
            f"UPDATE leads SET owner_id = {sales_b1} WHERE id = {i['lead_a']}",
            NOBODY,
        ),
        Case("leads", "DELETE", "team B's", f"DELETE FROM leads WHERE id = {i['lead_b']}", NOBODY),
        Case(
            "tasks",
            "INSERT",
            "at team B's customer",
            "INSERT INTO tasks (subject, "
            f"{STAMPS}, assignee_id, company_id) VALUES ('x', {NOW}, {sales_b1}, "
            f"{i['company_b']})",
            NOBODY,
        ),
        Case(
            "tasks",
            "UPDATE",
            "own",
            f"UPDATE tasks SET priority = 3 WHERE id = {i['task_a']}",
            WRITERS_A,
        ),
        Case(
            "tasks",
            "UPDATE",
            "team B's",
            f"UPDATE tasks SET priority = 3 WHERE id = {i['task_b']}",
            NOBODY,
        ),
        Case("tasks", "DELETE", "team B's", f"DELETE FROM tasks WHERE id = {i['task_b']}", NOBODY),
        Case(
            "activities",
            "INSERT",
            "at team B's customer",
            "INSERT INTO activities (kind, "
            f"occurred_at, occurred_on, created_at, created_by_id, company_id, attendees) "
            f"VALUES ('note', now(), current_date, now(), {sales_b1}, {i['company_b']}, "
            "'[]')",
            NOBODY,
        ),
        Case(
            "activities",
            "INSERT",
            "at own customer",
            activity.format(by=me, company=i["company_a"]),
            WRITERS_A,
        ),
        Case(
            "activities",
            "INSERT",
            "at own customer, by team B",
            activity.format(by=sales_b1, company=i["company_a"]),
            NOBODY,
        ),
        Case(
            "companies",
            "UPDATE",
            "own, as changed by team B",
            f"UPDATE companies SET updated_by_id = {sales_b1} WHERE id = {i['company_a']}",
            NOBODY,
        ),
        Case(
            "consents",
            "INSERT",
            "own contact",
            consent.format(person=i["contact_a"], by=me),
            WRITERS_A,
        ),
        Case(
            "consents",
            "INSERT",
            "own contact, by team B",
            consent.format(person=i["contact_a"], by=sales_b1),
            NOBODY,
        ),
        Case(
            "activities",
            "UPDATE",
            "team B's",
            f"UPDATE activities SET body = 'x' WHERE id = {i['activity_b']}",
            NOBODY,
        ),
        Case(
            "activities",
            "DELETE",
            "team B's",
            f"DELETE FROM activities WHERE id = {i['activity_b']}",
            NOBODY,
        ),
        Case(
            "documents",
            "INSERT",
            "at team B's customer",
            "INSERT INTO documents (sha256, "
            f"size, file_name, created_at, created_by_id, company_id) VALUES ('x', 1, 'x', "
            f"now(), {sales_b1}, {i['company_b']})",
            NOBODY,
        ),
        Case(
            "documents",
            "UPDATE",
            "team B's",
            f"UPDATE documents SET file_name = 'x' WHERE id = {i['document_b']}",
            NOBODY,
        ),
        Case(
            "documents",
            "DELETE",
            "team B's",
            f"DELETE FROM documents WHERE id = {i['document_b']}",
            NOBODY,
        ),
        # --- a record's parts follow the record's write scope -------------------------------
        *_children(i),
        # --- tags: whoever may change the record -------------------------------------------
        Case(
            "tags",
            "INSERT",
            "own company",
            f"INSERT INTO tags VALUES ('company', {i['company_a']}, 'x')",
            WRITERS_A,
        ),
        Case(
            "tags",
            "INSERT",
            "team B's company",
            f"INSERT INTO tags VALUES ('company', {i['company_b']}, 'x')",
            NOBODY,
        ),
        Case(
            "tags",
            "UPDATE",
            "own company",
            f"UPDATE tags SET tag = 'y' WHERE entity_id = {i['company_a']}",
            WRITERS_A,
        ),
        Case(
            "tags",
            "UPDATE",
            "team B's company",
            f"UPDATE tags SET tag = 'y' WHERE entity_id = {i['company_b']}",
            NOBODY,
        ),
        Case(
            "tags",
            "UPDATE",
            "move to team B's company",
            f"UPDATE tags SET entity_id = "
            f"{i['company_b']}, tag = 'moved' WHERE entity_id = {i['company_a']}",
            NOBODY,
        ),
        Case(
            "tags",
            "DELETE",
            "team B's company",
            f"DELETE FROM tags WHERE entity_id = {i['company_b']}",
            NOBODY,
        ),
        # --- the event log: appended by crmctl as oneself about what one may read ----------
        Case(
            "events",
            "INSERT",
            "as oneself about an own deal",
            event.format(schema="", actor=me, deal=i["deal_a"], payload="{}", batch="NULL"),
            WRITERS_A,
        ),
        Case(
            "events",
            "INSERT",
            "as another user",
            event.format(schema="", actor=sales_b1, deal=i["deal_a"], payload="{}", batch="NULL"),
            NOBODY,
        ),
        Case(
            "events",
            "INSERT",
            "about team B's deal",
            event.format(schema="", actor=me, deal=i["deal_b"], payload="{}", batch="NULL"),
            NOBODY,
        ),
        Case(
            "events",
            "INSERT",
            "as a workflow rule",
            event.format(
                schema="",
                actor=me,
                deal=i["deal_a"],
                payload='{"workflow": {"rule": "x", "depth": 0}}',
                batch="NULL",
            ),
            NOBODY,
        ),
        Case(
            "events",
            "INSERT",
            "as part of an import",
            event.format(schema="", actor=me, deal=i["deal_a"], payload="{}", batch=i["batch"]),
            NOBODY,
        ),
        Case(
            "events",
            "INSERT",
            "into the table itself",
            event.format(schema="public.", actor=me, deal=i["deal_a"], payload="{}", batch="NULL"),
            NOBODY,
            "public.",
        ),
        Case("events", "UPDATE", "any", "UPDATE events SET payload = '{}'", NOBODY),
        Case("events", "DELETE", "any", "DELETE FROM events", NOBODY),
        # --- the outbox, workflow state and firings: crmctl's rules and senders only -------
        Case(
            "deliveries",
            "INSERT",
            "an e-mail",
            "INSERT INTO deliveries (channel, target, "
            "subject, body, payload, status, attempts, next_attempt_at, created_at) VALUES "
            "('email', 'x@phish.cz', 'x', 'x', '{}', 'pending', 0, now(), now())",
            NOBODY,
        ),
        Case("deliveries", "UPDATE", "any", "UPDATE deliveries SET target = 'x@phish.cz'", NOBODY),
        Case("deliveries", "DELETE", "any", "DELETE FROM deliveries", NOBODY),
        Case(
            "workflow_state", "INSERT", "any", "INSERT INTO workflow_state VALUES ('x', 0)", NOBODY
        ),
        Case(
            "workflow_state", "UPDATE", "the cursor", "UPDATE workflow_state SET value = 0", NOBODY
        ),
        Case("workflow_state", "DELETE", "any", "DELETE FROM workflow_state", NOBODY),
        Case(
            "workflow_firings",
            "INSERT",
            "any",
            "INSERT INTO workflow_firings (rule_id, "
            f"entity_type, entity_id, trigger_key, status, fired_at, summary) VALUES ('x', "
            f"'deal', {i['deal_a']}, 'x', 'done', now(), '[]')",
            NOBODY,
        ),
        Case(
            "workflow_firings",
            "UPDATE",
            "any",
            "UPDATE workflow_firings SET status = 'failed'",
            NOBODY,
        ),
        Case("workflow_firings", "DELETE", "any", "DELETE FROM workflow_firings", NOBODY),
        # --- inboxes: one's own, and only to mark it read ----------------------------------
        Case(
            "notifications",
            "INSERT",
            "to another user",
            "INSERT INTO notifications "
            f"(user_id, subject, body, created_at) VALUES ({sales_b1}, 'x', '', now())",
            NOBODY,
        ),
        Case(
            "notifications",
            "INSERT",
            "to oneself",
            "INSERT INTO notifications (user_id, "
            f"subject, body, created_at) VALUES ({me}, 'x', '', now())",
            NOBODY,
        ),
        Case(
            "notifications",
            "UPDATE",
            "mark own read",
            f"UPDATE notifications SET read_at = now() WHERE user_id = {me}",
            EVERYONE,
        ),
        Case(
            "notifications",
            "UPDATE",
            "rewrite own",
            f"UPDATE notifications SET subject = 'x' WHERE user_id = {me}",
            NOBODY,
        ),
        Case(
            "notifications",
            "UPDATE",
            "another's",
            f"UPDATE notifications SET read_at = now() WHERE user_id = {sales_b1}",
            NOBODY,
        ),
        Case(
            "notifications",
            "DELETE",
            "own",
            f"DELETE FROM notifications WHERE user_id = {me}",
            NOBODY,
        ),
        # --- approvals: requested by rules, decided by the approver -------------------------
        Case(
            "approvals",
            "INSERT",
            "any",
            "INSERT INTO approvals (entity_type, entity_id, "
            f"reason, approver_id, status, requested_at) VALUES ('deal', {i['deal_b']}, 'x', "
            f"{me}, 'pending', now())",
            NOBODY,
        ),
        Case(
            "approvals",
            "UPDATE",
            "decide",
            f"UPDATE approvals SET status = 'approved', decided_by_id = {me}",
            frozenset({"mgr_a"}),
        ),
        Case("approvals", "DELETE", "any", "DELETE FROM approvals", NOBODY),
        # --- snapshots: one's own ------------------------------------------------------------
        Case(
            "report_snapshots",
            "INSERT",
            "own",
            "INSERT INTO report_snapshots (name, report,"
            f" params, rows, created_at, created_by_id) VALUES ('x', 'forecast', '{{}}', "
            f"'[]', now(), {me})",
            EVERYONE,
        ),
        Case(
            "report_snapshots",
            "INSERT",
            "as another user",
            "INSERT INTO report_snapshots "
            "(name, report, params, rows, created_at, created_by_id) VALUES ('x', "
            f"'forecast', '{{}}', '[]', now(), {sales_b1})",
            NOBODY,
        ),
        Case(
            "report_snapshots",
            "UPDATE",
            "another's",
            f"UPDATE report_snapshots SET name = 'x' WHERE created_by_id = {sales_b1}",
            NOBODY,
        ),
        Case(
            "report_snapshots",
            "DELETE",
            "another's",
            f"DELETE FROM report_snapshots WHERE created_by_id = {sales_b1}",
            NOBODY,
        ),
        # --- administration: admins only ------------------------------------------------------
        Case(
            "users",
            "INSERT",
            "any",
            "INSERT INTO users (login, name, role, created_at, "
            "updated_at) VALUES ('x', 'x', 'admin', now(), now())",
            NOBODY,
        ),
        Case(
            "users",
            "UPDATE",
            "make oneself admin",
            f"UPDATE users SET role = 'admin' WHERE id = {me}",
            NOBODY,
        ),
        Case("users", "DELETE", "any", "DELETE FROM users WHERE login = 'bare'", NOBODY),
        *_admin_only(),
        *_new_tables(i, me),
    ]


def _children(i: dict[str, int]) -> list[Case]:
    cases = []
    for table, column in (("person_emails", "email"), ("person_phones", "phone")):
        for team, allowed in (("a", WRITERS_A), ("b", NOBODY)):
            person = i[f"contact_{team}"]
            cases += [
                Case(table, "INSERT", f"team {team}", f"INSERT INTO {table} (person_id, "
                     f"{column}, position) VALUES ({person}, 'x{team}', 1)", allowed),
                Case(table, "UPDATE", f"team {team}", f"UPDATE {table} SET position = 5 "
                     f"WHERE person_id = {person}", allowed),
                Case(table, "DELETE", f"team {team}", f"DELETE FROM {table} WHERE "
                     f"person_id = {person}", allowed),
            ]  # fmt: skip
    b_contact, b_company, b_deal = i["contact_b"], i["company_b"], i["deal_b"]
    return [
        *cases,
        Case(
            "person_companies",
            "INSERT",
            "team B's contact",
            "INSERT INTO person_companies "
            f"(person_id, company_id, is_primary) VALUES ({b_contact}, {i['company_a']}, "
            "false)",
            NOBODY,
        ),
        Case(
            "person_companies",
            "UPDATE",
            "team B's",
            f"UPDATE person_companies SET role = 'x' WHERE company_id = {b_company}",
            NOBODY,
        ),
        Case(
            "person_companies",
            "DELETE",
            "team B's",
            f"DELETE FROM person_companies WHERE company_id = {b_company}",
            NOBODY,
        ),
        Case(
            "person_relations",
            "INSERT",
            "team B's contact",
            "INSERT INTO person_relations "
            f"(person_id, other_person_id, kind) VALUES ({b_contact}, {i['contact_a']}, "
            "'reports_to')",
            NOBODY,
        ),
        Case(
            "person_relations",
            "UPDATE",
            "team B's",
            "UPDATE person_relations SET label = 'x'",
            NOBODY,
        ),
        Case("person_relations", "DELETE", "team B's", "DELETE FROM person_relations", NOBODY),
        Case(
            "consents",
            "INSERT",
            "team B's contact",
            "INSERT INTO consents (person_id, "
            f"purpose, granted, basis, source, at) VALUES ({b_contact}, 'x', true, 'consent',"
            " 'x', now())",
            NOBODY,
        ),
        Case(
            "consents",
            "UPDATE",
            "team B's",
            f"UPDATE consents SET superseded_at = now() WHERE person_id = {b_contact}",
            NOBODY,
        ),
        Case(
            "consents",
            "DELETE",
            "team B's",
            f"DELETE FROM consents WHERE person_id = {b_contact}",
            NOBODY,
        ),
        Case(
            "deal_contacts",
            "INSERT",
            "own deal",
            "INSERT INTO deal_contacts (deal_id, "
            f"person_id) VALUES ({i['deal_a']}, {i['contact_a']})",
            WRITERS_A,
        ),
        Case(
            "deal_contacts",
            "INSERT",
            "team B's deal",
            f"INSERT INTO deal_contacts (deal_id, person_id) VALUES ({b_deal}, {i['contact_a']})",
            NOBODY,
        ),
        Case("deal_contacts", "UPDATE", "team B's", "UPDATE deal_contacts SET role = 'x'", NOBODY),
        Case("deal_contacts", "DELETE", "team B's", "DELETE FROM deal_contacts", NOBODY),
        Case(
            "deal_stage_history",
            "INSERT",
            "team B's deal",
            "INSERT INTO deal_stage_history "
            f"(deal_id, pipeline, stage, entered_at) VALUES ({b_deal}, 'default', 'x', now())",
            NOBODY,
        ),
        Case(
            "deal_stage_history",
            "UPDATE",
            "team B's deal",
            f"UPDATE deal_stage_history SET left_at = now() WHERE deal_id = {b_deal}",
            NOBODY,
        ),
        Case(
            "deal_stage_history",
            "DELETE",
            "team B's deal",
            f"DELETE FROM deal_stage_history WHERE deal_id = {b_deal}",
            NOBODY,
        ),
    ]


def _seed_new_tables(connection: Any, ids: dict[str, int], users: dict[str, int]) -> dict[str, int]:
    """A row (team A's and team B's where it matters) in each table of issues 17–19."""

    def one(sql: str, **values: Any) -> int:
        return connection.execute(text(sql + " RETURNING id"), values).scalar_one()

    seeded = {}
    seeded["product"] = one(
        f"INSERT INTO products (code, name, {STAMPS}) VALUES ('SEED', 'Seed', {NOW})"
    )
    seeded["campaign"] = one(f"INSERT INTO campaigns (name, {STAMPS}) VALUES ('Seed', {NOW})")
    for login in (*LOGINS, "sales_b1"):
        seeded[f"view_{login}"] = one(
            "INSERT INTO saved_views (name, entity, where_text, shared, owner_id, "
            f"{STAMPS}) VALUES ('seed', 'deal', 'value > 1', true, :o, {NOW})",
            o=users[login],
        )
    for team, owner in (("a", "sales_a1"), ("b", "sales_b1")):
        company = ids[f"company_{team}"]
        seeded[f"service_{team}"] = one(
            f"INSERT INTO services (company_id, name, kind, {STAMPS}) "
            f"VALUES (:c, 'Seed', 'ours', {NOW})",
            c=company,
        )
        seeded[f"plan_{team}"] = one(
            f"INSERT INTO account_plans (company_id, period, owner_id, {STAMPS}) "
            f"VALUES (:c, '2027', :o, {NOW})",
            c=company,
            o=users[owner],
        )
        seeded[f"stakeholder_{team}"] = one(
            f"INSERT INTO plan_stakeholders (plan_id, person_id, role, attitude, {STAMPS}) "
            f"VALUES (:p, :c, 'seed', 'neutral', {NOW})",
            p=seeded[f"plan_{team}"],
            c=ids["contact_a"],  # contact_b is deleted by a case: nothing may hold it
        )
        seeded[f"target_{team}"] = one(
            "INSERT INTO targets (subject, user_id, period, period_start, period_end, metric,"
            f" value, {STAMPS}) VALUES (:s, :u, '2027', '2027-01-01', '2027-12-31', "
            f"'won_count', 1, {NOW})",
            s=f"seed-{team}",
            u=users[owner],
        )
    message = (
        "INSERT INTO messages (message_id, direction, subject, body, thread_key, content_hash,"
        f" {MAIL_LISTS}, created_at) VALUES (:m, 'in', 'seed', 'seed', :m, :m, {NO_MAIL_LISTS},"
        " now())"
    )
    seeded["message"] = one(message, m="<seed@x>")
    seeded["message_alone"] = one(message, m="<alone@x>")
    one(
        "INSERT INTO message_pairings (message_id, entity_type, entity_id, rule, reason, "
        "created_at) VALUES (:m, 'deal', :d, 2, 'seed', now())",
        m=seeded["message"],
        d=ids["deal_b"],
    )
    one(
        "INSERT INTO message_attachments (message_id, document_id) VALUES (:m, :d)",
        m=seeded["message"],
        d=ids["document_a"],
    )
    connection.execute(text("INSERT INTO mail_sync_state VALUES ('seed', 1, 1, now())"))
    return seeded


def _new_tables(i: dict[str, int], me: int) -> list[Case]:
    """Issues 17–19: the catalogue and campaigns by policy rule (managers and admins),
    one's own saved views, services, plans and their stakeholders by the customer's write
    scope, targets by the manager chain; the mail tables only through crmctl (admins)."""
    managers = frozenset({"mgr_a"})
    product = f"INSERT INTO products (code, name, {STAMPS}) VALUES ('X', 'x', {NOW})"
    campaign = f"INSERT INTO campaigns (name, {STAMPS}) VALUES ('x', {NOW})"
    view = (
        "INSERT INTO saved_views (name, entity, where_text, owner_id, "
        f"{STAMPS}) VALUES ('x', 'deal', 'value > 1', {{owner}}, {NOW})"
    )
    service = (
        f"INSERT INTO services (company_id, name, kind, {STAMPS}) VALUES ({{company}}, 'x', "
        f"'ours', {NOW})"
    )
    plan = (
        f"INSERT INTO account_plans (company_id, period, owner_id, {STAMPS}) "
        f"VALUES ({{company}}, '2028', {{owner}}, {NOW})"
    )
    stakeholder = (
        f"INSERT INTO plan_stakeholders (plan_id, person_id, role, attitude, {STAMPS}) "
        f"VALUES ({{plan}}, {{person}}, 'x', 'neutral', {NOW})"
    )
    target = (
        "INSERT INTO targets (subject, user_id, period, period_start, period_end, metric, "
        f"value, {STAMPS}) VALUES ('x', {{user}}, '2028', '2028-01-01', '2028-12-31', "
        f"'won_count', 1, {NOW})"
    )
    message = (
        "INSERT INTO messages (message_id, direction, subject, body, thread_key, content_hash,"
        f" {MAIL_LISTS}, created_at) VALUES ('<x@x>', 'in', 'x', 'x', 'x', 'x', {NO_MAIL_LISTS},"
        " now())"
    )
    sales_b1, sales_a1 = i["user_sales_b1"], i["user_sales_a1"]
    return [
        Case("products", "INSERT", "any", product, managers),
        Case("products", "UPDATE", "any", "UPDATE products SET name = 'x'", managers),
        Case("products", "DELETE", "any", f"DELETE FROM products WHERE id = {i['product']}",
             managers),
        Case("campaigns", "INSERT", "any", campaign, managers),
        Case("campaigns", "UPDATE", "any", "UPDATE campaigns SET name = 'x'", managers),
        Case("campaigns", "DELETE", "any", f"DELETE FROM campaigns WHERE id = {i['campaign']}",
             managers),
        Case("saved_views", "INSERT", "own", view.format(owner=me), EVERYONE),
        Case("saved_views", "INSERT", "as another user", view.format(owner=sales_b1), NOBODY),
        Case("saved_views", "UPDATE", "own",
             f"UPDATE saved_views SET sort = 'x' WHERE owner_id = {me}", EVERYONE),
        Case("saved_views", "UPDATE", "another's shared",
             f"UPDATE saved_views SET sort = 'x' WHERE id = {i['view_sales_b1']}", NOBODY),
        Case("saved_views", "DELETE", "own", f"DELETE FROM saved_views WHERE owner_id = {me}",
             EVERYONE),
        Case("saved_views", "DELETE", "another's shared",
             f"DELETE FROM saved_views WHERE id = {i['view_sales_b1']}", NOBODY),
        Case("services", "INSERT", "team A's customer",
             service.format(company=i["company_a"]), WRITERS_A),
        Case("services", "INSERT", "team B's customer",
             service.format(company=i["company_b"]), NOBODY),
        Case("services", "UPDATE", "team A's",
             f"UPDATE services SET note = 'x' WHERE id = {i['service_a']}", WRITERS_A),
        Case("services", "UPDATE", "team B's",
             f"UPDATE services SET note = 'x' WHERE id = {i['service_b']}", NOBODY),
        Case("services", "DELETE", "team A's",
             f"DELETE FROM services WHERE id = {i['service_a']}", WRITERS_A),
        Case("services", "DELETE", "team B's",
             f"DELETE FROM services WHERE id = {i['service_b']}", NOBODY),
        Case("account_plans", "INSERT", "team A's customer",
             plan.format(company=i["company_a"], owner=me), WRITERS_A),
        Case("account_plans", "INSERT", "team B's customer, its owner's (crmctl's default)",
             plan.format(company=i["company_b"], owner=sales_b1), NOBODY),
        Case("account_plans", "UPDATE", "team A's",
             f"UPDATE account_plans SET goal = 'x' WHERE id = {i['plan_a']}", WRITERS_A),
        Case("account_plans", "UPDATE", "team B's",
             f"UPDATE account_plans SET goal = 'x' WHERE id = {i['plan_b']}", NOBODY),
        Case("account_plans", "DELETE", "team B's",
             f"DELETE FROM plan_stakeholders WHERE plan_id = {i['plan_b']}; "
             f"DELETE FROM account_plans WHERE id = {i['plan_b']}", NOBODY),
        Case("plan_stakeholders", "INSERT", "team A's plan",
             stakeholder.format(plan=i["plan_a"], person=i["contact_b"]), WRITERS_A),
        Case("plan_stakeholders", "INSERT", "team B's plan",
             stakeholder.format(plan=i["plan_b"], person=i["contact_b"]), NOBODY),
        Case("plan_stakeholders", "UPDATE", "team A's",
             f"UPDATE plan_stakeholders SET role = 'x' WHERE id = {i['stakeholder_a']}",
             WRITERS_A),
        Case("plan_stakeholders", "UPDATE", "team B's",
             f"UPDATE plan_stakeholders SET role = 'x' WHERE id = {i['stakeholder_b']}", NOBODY),
        Case("plan_stakeholders", "DELETE", "team A's",
             f"DELETE FROM plan_stakeholders WHERE id = {i['stakeholder_a']}", WRITERS_A),
        Case("plan_stakeholders", "DELETE", "team B's",
             f"DELETE FROM plan_stakeholders WHERE id = {i['stakeholder_b']}", NOBODY),
        Case("targets", "INSERT", "sales_a1's", target.format(user=sales_a1), managers),
        Case("targets", "INSERT", "sales_b1's", target.format(user=sales_b1), NOBODY),
        Case("targets", "UPDATE", "sales_a1's",
             f"UPDATE targets SET value = 2 WHERE id = {i['target_a']}", managers),
        Case("targets", "UPDATE", "sales_b1's",
             f"UPDATE targets SET value = 2 WHERE id = {i['target_b']}", NOBODY),
        Case("targets", "DELETE", "sales_a1's",
             f"DELETE FROM targets WHERE id = {i['target_a']}", managers),
        Case("targets", "DELETE", "sales_b1's",
             f"DELETE FROM targets WHERE id = {i['target_b']}", NOBODY),
        Case("messages", "INSERT", "any", message, NOBODY),
        Case("messages", "UPDATE", "any", "UPDATE messages SET subject = 'x'", NOBODY),
        Case("messages", "DELETE", "unpaired",
             f"DELETE FROM messages WHERE id = {i['message_alone']}", NOBODY),
        Case("message_pairings", "INSERT", "any",
             "INSERT INTO message_pairings (message_id, entity_type, entity_id, rule, reason, "
             f"created_at) VALUES ({i['message']}, 'deal', {i['deal_a']}, 2, 'x', now())", NOBODY),
        Case("message_pairings", "UPDATE", "any", "UPDATE message_pairings SET reason = 'x'",
             NOBODY),
        Case("message_pairings", "DELETE", "any", "DELETE FROM message_pairings", NOBODY),
        Case("message_attachments", "INSERT", "any",
             "INSERT INTO message_attachments (message_id, document_id) "
             f"VALUES ({i['message_alone']}, {i['document_b']})", NOBODY),
        Case("message_attachments", "UPDATE", "any",
             f"UPDATE message_attachments SET message_id = {i['message_alone']}", NOBODY),
        Case("message_attachments", "DELETE", "any", "DELETE FROM message_attachments", NOBODY),
        Case("mail_sync_state", "INSERT", "any",
             "INSERT INTO mail_sync_state VALUES ('x', 1, 1, now())", NOBODY),
        Case("mail_sync_state", "UPDATE", "any", "UPDATE mail_sync_state SET last_uid = 9",
             NOBODY),
        Case("mail_sync_state", "DELETE", "any", "DELETE FROM mail_sync_state", NOBODY),
    ]  # fmt: skip


def _admin_only() -> list[Case]:
    inserts = {
        "teams": "INSERT INTO teams (name, created_at) VALUES ('x', now())",
        "policy_rules": "INSERT INTO policy_rules VALUES ('x', 'deal', 'all', 'all', NULL)",
        "import_batches": "INSERT INTO import_batches (file_name, file_sha256, file_size, "
        "file_format, sheets, mapping, options, counts, status, created_at) VALUES ('x', 'x', "
        "1, 'csv', '[]', '{}', '{}', '{}', 'done', now())",
        "import_issues": "INSERT INTO import_issues (batch_id, sheet, row_number, severity, "
        "message) SELECT id, 'x', 1, 'error', 'x' FROM import_batches",
        "crm_meta": "INSERT INTO crm_meta VALUES ('x', 'x')",
        "daemon_heartbeats": "INSERT INTO daemon_heartbeats (host, pid, started_at, beat_at) "
        "VALUES ('x', 1, now(), now())",
        "alembic_version": "INSERT INTO alembic_version VALUES ('x')",
    }
    updates = {
        "teams": "UPDATE teams SET description = 'x'",
        "policy_rules": "UPDATE policy_rules SET read = 'all', write = 'all'",
        "import_batches": "UPDATE import_batches SET status = 'undone'",
        "import_issues": "UPDATE import_issues SET message = 'x'",
        "crm_meta": "UPDATE crm_meta SET value = 'x'",
        "daemon_heartbeats": "UPDATE daemon_heartbeats SET firings = 5",
        "alembic_version": "UPDATE alembic_version SET version_num = version_num",
    }
    deletes = {"teams": "DELETE FROM teams WHERE name = 'bare'"}
    cases = []
    for table, insert in inserts.items():
        cases += [
            Case(table, "INSERT", "any", insert, NOBODY),
            Case(table, "UPDATE", "any", updates[table], NOBODY),
            Case(table, "DELETE", "any", deletes.get(table, f"DELETE FROM {table}"), NOBODY),
        ]
    return cases


# The event log is append-only for everyone, the database owner too.
OWNER_REFUSED = frozenset({"DELETE FROM events"})


def attempt(connection: psycopg.Connection[Any], sql: str) -> str:
    """``written`` when the statement changed a row, else why not; always rolled back."""
    try:
        rowcount = connection.execute(sql.encode()).rowcount
    except psycopg.errors.InsufficientPrivilege:
        return "refused: no privilege"
    except psycopg.Error as error:
        return f"refused: {type(error).__name__}: {error}".splitlines()[0]
    finally:
        connection.rollback()
    return "written" if rowcount > 0 else "refused: no row"


def test_item7_every_table_write_is_exactly_what_crmctl_permits(mapped: Mapped) -> None:
    """A sales, a manager and a support login: every table × INSERT/UPDATE/DELETE."""
    tables = set(inspect(create_engine(mapped.url)).get_table_names())
    owner = psycopg_dsn(mapped.url)
    wrong: dict[str, dict[str, str]] = {}
    for login in LOGINS:
        all_cases = cases(mapped.ids, mapped.ids[f"user_{login}"])
        covered = {(case.table, case.op) for case in all_cases}
        missing = {(t, op) for t in tables for op in ("INSERT", "UPDATE", "DELETE")} - covered
        assert not missing, f"tables × operations without a case: {sorted(missing)}"
        # Each statement is valid: the database owner makes it (a refusal is the policy's).
        with psycopg.connect(owner) as connection:
            tried = {c.sql: attempt(connection, c.sql) for c in all_cases}
        invalid = {
            sql: why for sql, why in tried.items() if why != "written" and sql not in OWNER_REFUSED
        }
        assert not invalid, json.dumps(invalid, indent=1, ensure_ascii=False)
        dsn = psycopg_dsn(login_url(mapped.url, mapped.roles[login]))
        with psycopg.connect(dsn) as connection:
            outcomes = {case: attempt(connection, case.sql) for case in all_cases}
        for case, outcome in outcomes.items():
            wanted = login in case.allowed
            if (outcome == "written") != wanted:
                key = f"{case.op} {case.schema}{case.table} ({case.what})"
                verdict = f"{outcome}, crmctl {'allows' if wanted else 'refuses'} it"
                wrong.setdefault(login, {})[key] = verdict
    assert not wrong, json.dumps(wrong, indent=1, ensure_ascii=False)
    assert direct_internal_privileges(mapped) == []


def direct_internal_privileges(mapped: Mapped) -> list[tuple[str, str, str]]:
    """(login, table, privilege) a mapped login holds on an internal table itself: none,
    not even an admin's login (its writes go through the functions that check it)."""
    held = []
    for login in (*LOGINS, ADMIN):
        dsn = psycopg_dsn(login_url(mapped.url, mapped.roles[login]))
        with psycopg.connect(dsn) as connection:
            for table in INTERNAL:
                for privilege in ("INSERT", "UPDATE", "DELETE", "TRUNCATE"):
                    row = connection.execute(
                        "SELECT has_table_privilege(%s, %s)", (f"public.{table}", privilege)
                    ).fetchone()
                    if row != (False,):
                        held.append((login, table, privilege))
    return held


def crmctl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CRMCTL, *args], capture_output=True, text=True, env=env, check=False, timeout=60
    )


def test_item7_crmctl_under_a_mapped_login_still_writes_with_its_events(
    mapped: Mapped,
) -> None:
    """The installed crmctl, connected as sales_a1's login: its writes and their events
    go through; what sales_a1 may not do is refused by crmctl (exit 5), as before."""
    env = {
        **os.environ,
        "CRM_DATABASE_URL": login_url(mapped.url, mapped.roles["sales_a1"]),
        "CRM_NOW": FIXED_NOW,
    }
    env.pop("CRM_USER", None)
    i = mapped.ids
    for args in (
        ("deals", "move", str(i["deal_a"]), "analyza"),
        ("deals", "update", "--where", f"id = {i['deal_a']}", "--set", "campaign=jaro"),
        ("companies", "edit", str(i["company_a"]), "--set", "k=1", "--tag", "vip"),
        ("log", "note", "--company", str(i["company_a"]), "--body", "Volal jsem"),
        ("notifications", "read", "--all"),
        ("report", "forecast", "--snapshot", "moje"),
    ):
        done = crmctl(env, *args)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr
    # A purge deletes the row for good and its event says so: written while the row is
    # still there to be checked.
    added = json.loads(
        crmctl(env, "companies", "add", "--name", "Omyl s.r.o.", "-o", "json").stdout
    )
    purged = crmctl(env, "companies", "rm", str(added["id"]), "--purge")
    assert purged.returncode == 0, purged.stderr
    refused = crmctl(env, "companies", "edit", str(i["company_b"]), "--tag", "vip")
    assert refused.returncode == 5 and refused.stderr.startswith("error: "), refused.stderr
    engine = create_engine(mapped.url)
    try:
        with engine.connect() as connection:
            events = connection.execute(
                text("SELECT e.kind, e.entity_type, e.entity_id FROM events e "
                     "JOIN users u ON u.id = e.actor_id WHERE u.login = 'sales_a1'")
            ).all()  # fmt: skip
            tags = connection.execute(text("SELECT entity_id FROM tags WHERE tag = 'vip'")).all()
            unread = connection.execute(
                text("SELECT count(*) FROM notifications n JOIN users u ON u.id = n.user_id "
                     "WHERE u.login = 'sales_a1' AND n.read_at IS NULL")
            ).scalar()  # fmt: skip
    finally:
        engine.dispose()
    kinds = {(kind, entity, entity_id) for kind, entity, entity_id in events}
    assert kinds >= {
        ("deal.stage_changed", "deal", i["deal_a"]),
        ("deal.updated", "deal", i["deal_a"]),
    }
    assert any(
        kind.startswith("company.") and entity_id == i["company_a"] for kind, _, entity_id in kinds
    )
    assert any(entity == "activity" for _, entity, _ in kinds), events
    assert ("company.purged", "company", added["id"]) in kinds
    assert any(kind == "report_snapshot.saved" for kind, _, _ in kinds), events
    assert tags == [(i["company_a"],)] and unread == 0


RULES = """rules:
  - id: moved
    name: Obchod posunut
    trigger: {event: deal.stage_changed}
    actions:
      - create_task: {title: Zavolat, due: +1d}
      - notify: {to: owner, subject: Posun, channels: [inbox, webhook],
                 url: "http://127.0.0.1:9/hook"}
"""


def test_item7_rules_run_under_an_admins_login_write_the_internal_tables(
    mapped: Mapped, tmp_path: Path
) -> None:
    """The workflow runner under an admin's login writes firings, the cursor, inboxes, the
    outbox and its events through the checked views, and claims the outbox's rows; an
    admin's erasure rewrites event payloads through them."""
    rules = tmp_path / "workflows.yaml"
    rules.write_text(RULES, encoding="utf-8")
    base = {**os.environ, "CRM_NOW": FIXED_NOW, "CRM_WORKFLOWS": str(rules)}
    base.pop("CRM_USER", None)
    sales = {**base, "CRM_DATABASE_URL": login_url(mapped.url, mapped.roles["sales_a1"])}
    admin = {**base, "CRM_DATABASE_URL": login_url(mapped.url, mapped.roles[ADMIN])}
    moved = crmctl(sales, "deals", "move", str(mapped.ids["deal_a"]), "analyza")
    assert moved.returncode == 0, moved.stderr
    ran = crmctl(admin, "workflows", "run", "--once", "-o", "json")
    assert ran.returncode == 0 and "Traceback" not in ran.stderr, ran.stderr
    # An erasure rewrites event payloads (through the events view) and appends its own.
    erased = crmctl(admin, "gdpr", "erase", str(mapped.ids["contact_b"]), "-o", "json")
    assert erased.returncode == 0, erased.stderr
    engine = create_engine(mapped.url)
    try:
        with engine.connect() as connection:
            fired = connection.execute(
                text("SELECT count(*) FROM workflow_firings WHERE rule_id = 'moved'")
            ).scalar()
            inbox = connection.execute(
                text("SELECT count(*) FROM notifications WHERE rule_id = 'moved'")
            ).scalar()
            hooks = connection.execute(
                text("SELECT attempts FROM deliveries WHERE rule_id = 'moved'")
            ).all()
            cursor = connection.execute(
                text("SELECT value FROM workflow_state WHERE key = 'cursor:events'")
            ).scalar()
            erasures = connection.execute(
                text("SELECT actor_id FROM events WHERE kind = 'contact.erased'")
            ).all()
            moved_event = connection.execute(
                text("SELECT max(id) FROM events WHERE kind = 'deal.stage_changed'")
            ).scalar()
    finally:
        engine.dispose()
    assert (fired, inbox) == (1, 1)
    assert hooks == [(1,)]  # claimed and tried once (nothing listens on port 9)
    assert cursor is not None and cursor >= moved_event
    assert erasures == [(mapped.ids["user_admin"],)]


INQUIRY = (
    b"From: Jan <jan@example.org>\r\nTo: info@firma.cz\r\nSubject: Dotaz\r\n"
    b"Message-ID: <dotaz@example.org>\r\nDate: Tue, 10 Mar 2026 08:00:00 +0100\r\n\r\nDobry den\r\n"
)


def test_item7_the_new_tables_under_a_mapped_login(mapped: Mapped, tmp_path: Path) -> None:
    """crmctl as sales_a1's own login reads the lists of issues 17–19; a mail import, which
    the mail tables' admin-only rules refuse, is a permission error (exit 5) that stores
    nothing, not a database failure."""
    env = {
        **os.environ,
        "CRM_DATABASE_URL": login_url(mapped.url, mapped.roles["sales_a1"]),
        "CRM_NOW": FIXED_NOW,
    }
    env.pop("CRM_USER", None)
    for noun in ("services", "plans", "campaigns", "products", "views", "targets"):
        listed = crmctl(env, noun, "list", "-o", "json")
        assert listed.returncode == 0, (noun, listed.stderr)
    services = json.loads(crmctl(env, "services", "list", "-o", "json").stdout)
    assert {s["id"] for s in services} == {mapped.ids["service_a"]}  # team A's only
    (tmp_path / "dotaz.eml").write_bytes(INQUIRY)
    imported = crmctl(env, "mail", "import", str(tmp_path / "dotaz.eml"))
    assert imported.returncode == 5, imported.stderr
    assert imported.stderr.startswith("error: permission denied by the database")
    assert len(imported.stderr.splitlines()) == 1
    engine = create_engine(mapped.url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                text("SELECT count(*) FROM messages WHERE message_id = '<dotaz@example.org>'")
            ).scalar()
    finally:
        engine.dispose()
    assert stored == 0


def test_item7_a_campaign_launch_under_an_admins_login(mapped: Mapped) -> None:
    """``campaigns launch`` writes its leads and their events in bulk: as an admin's own
    login (row security on, the internal tables behind their views) it opens the leads,
    each with its ``lead.created`` event."""
    env = {
        **os.environ,
        "CRM_DATABASE_URL": login_url(mapped.url, mapped.roles[ADMIN]),
        "CRM_NOW": FIXED_NOW,
    }
    env.pop("CRM_USER", None)
    added = crmctl(env, "campaigns", "add", "Podzim")
    assert added.returncode == 0, added.stderr
    launched = crmctl(env, "campaigns", "launch", "Podzim", "--where", "id > 0", "-o", "json")
    assert launched.returncode == 0, launched.stderr
    opened = [r for r in json.loads(launched.stdout) if r["action"] == "opened"]
    assert opened
    engine = create_engine(mapped.url)
    try:
        with engine.connect() as connection:
            leads = connection.execute(
                text("SELECT l.id, l.company_id FROM leads l JOIN campaigns c "
                     "ON c.id = l.campaign_id WHERE c.name = 'Podzim'")
            ).all()  # fmt: skip
            events = connection.execute(
                text("SELECT entity_id FROM events WHERE kind = 'lead.created' "
                     "AND entity_id = ANY(:ids)"),
                {"ids": [lead_id for lead_id, _ in leads]},
            ).scalars().all()  # fmt: skip
    finally:
        engine.dispose()
    assert sorted((r["lead_id"], r["company_id"]) for r in opened) == sorted(leads)
    assert sorted(events) == sorted(lead_id for lead_id, _ in leads)
