from __future__ import annotations

import pytest

from tests.conftest import Crm


@pytest.fixture
def team(crm: Crm) -> Crm:
    crm("teams", "add", "Obchod Praha")
    crm(
        "users",
        "add",
        "jana",
        "--name",
        "Jana Novotná",
        "--role",
        "manager",
        "--team",
        "Obchod Praha",
    )
    crm("users", "add", "petr", "--name", "Petr Král", "--manager", "jana", "--email", "P@x.cz")
    return crm


def test_users_and_teams(team: Crm) -> None:
    petr = team.json("users", "show", "petr")
    assert (petr["role"], petr["manager"], petr["email"]) == ("sales", "jana", "p@x.cz")
    assert team.json("teams", "list")[0]["members"] == ["jana"]
    team("users", "edit", "petr", "--team", "Obchod Praha", "--inactive")
    assert team.json("users", "show", "petr")["active"] is False
    assert [u["login"] for u in team.json("users", "list")] == ["admin", "jana", "petr"]


def test_manager_cycle_refused(team: Crm) -> None:
    result = team("users", "edit", "jana", "--manager", "petr", code=4)
    assert "loop" in result.stderr


def test_non_admin_cannot_add_users(team: Crm) -> None:
    team.user = "jana"
    result = team("users", "add", "eva", code=5)
    assert result.stderr.startswith("error: only an admin")


def test_deactivated_user_cannot_act(team: Crm) -> None:
    team("users", "edit", "petr", "--inactive")
    team.user = "petr"
    team("companies", "list", code=5)


def test_records_carry_owner_and_authors(team: Crm) -> None:
    team.user = "petr"
    company = team.json("companies", "add", "--name", "Acme")
    assert (company["owner"], company["created_by"]) == ("petr", "petr")
    team.user = "jana"
    team("companies", "edit", "Acme", "--owner", "jana")
    company = team.json("companies", "show", "Acme")
    assert (company["owner"], company["updated_by"], company["created_by"]) == (
        "jana",
        "jana",
        "petr",
    )


@pytest.fixture
def story(team: Crm) -> Crm:
    team.user, team.now = "petr", "2026-01-05T10:00:00+01:00"
    team("companies", "add", "--name", "Acme s.r.o.")
    team("contacts", "add", "--name", "Jan Novák", "--company", "Acme")
    team("contacts", "add", "--name", "Eva Cizí")
    team.user, team.now = "jana", "2026-03-01T10:00:00+01:00"
    team("companies", "edit", "Acme", "--city", "Brno")
    team("contacts", "edit", "Jan Novák", "--function", "ředitel")
    team("contacts", "edit", "Eva Cizí", "--function", "nikdo")
    return team


def test_company_timeline_includes_its_contacts(story: Crm) -> None:
    events = story.json("timeline", "company", "Acme")
    assert [(e["entity_type"], e["kind"]) for e in events] == [
        ("contact", "contact.updated"),
        ("company", "company.updated"),
        ("contact", "contact.created"),
        ("company", "company.created"),
    ]
    assert events[0]["payload"]["changes"]["function"] == [None, "ředitel"]


def test_timeline_filters(story: Crm) -> None:
    since = story.json("timeline", "company", "Acme", "--since", "2026-02-01")
    assert [e["actor"] for e in since] == ["jana", "jana"]
    until = story.json("timeline", "company", "Acme", "--until", "2026-02-01")
    assert [e["kind"] for e in until] == ["contact.created", "company.created"]
    relative = story.json("timeline", "company", "Acme", "--since", "-30d")  # now is 2026-03-01
    assert len(relative) == 2
    by_author = story.json("timeline", "company", "Acme", "--author", "petr", "--type", "created")
    assert len(by_author) == 2
    page = story.json("timeline", "company", "Acme", "--limit", "1")
    older = story.json("timeline", "company", "Acme", "--before", str(page[0]["id"]))
    assert [e["id"] for e in older] == [e["id"] for e in story.json("timeline", "company", "Acme")][
        1:
    ]


def test_timeline_table_and_csv(story: Crm) -> None:
    table = story("timeline", "contact", "Jan Novák").stdout
    assert "Funkce: — → ředitel" in table
    csv_out = story(
        "timeline", "contact", "Jan Novák", "-o", "csv", "--fields", "kind,actor"
    ).stdout
    assert csv_out.splitlines() == ["kind,actor", "contact.updated,jana", "contact.created,petr"]


def test_bad_since_is_a_clear_error(story: Crm) -> None:
    result = story("timeline", "company", "Acme", "--since", "yesterdayish", code=2)
    assert "--since" in result.stderr
