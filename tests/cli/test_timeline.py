"""The full timeline: a company's includes its contacts, leads, deals, tasks, activities
and documents; filters by type, period, author and text; every format; cursor paging."""

from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from tests.conftest import Crm


@pytest.fixture
def story(crm: Crm) -> Crm:
    crm("users", "add", "jana")
    # Jana looks after the customer (need-to-know: she logs and edits only her own).
    crm("companies", "add", "--name", "Strojírny Dvořák s.r.o.", "--owner", "jana")
    crm("companies", "add", "--name", "Jiná firma")
    crm("contacts", "add", "--name", "Jana Malá", "--company", "1")
    crm.now = "2026-03-11T09:00:00+01:00"
    crm("deals", "add", "--title", "Linka", "--company", "1")
    crm("deals", "move", "1", "Analýza")
    lead = {"name": "Petr", "company_id": 1, "subject": "Servis"}
    crm("leads", "add", "--json", "-", input=json.dumps(lead))
    crm.now = "2026-03-12T09:00:00+01:00"
    crm.user = "jana"
    crm("log", "call", "--contact", "1", "--body", "Zájem o servisní smlouvu")
    crm("tasks", "add", "Poslat ceník", "--company", "1", "--due", "+1d")
    crm("companies", "edit", "1", "--city", "Brno")
    crm.user = "admin"
    crm("log", "note", "--company", "2", "--body", "Jiná firma, jiný příběh")
    return crm


def kinds(crm: Crm, *args: str) -> list[str]:
    return [event["kind"] for event in crm.json("timeline", *args)]


def test_company_timeline_includes_everything_attached_newest_first(story: Crm) -> None:
    assert kinds(story, "company", "1") == [
        "company.updated", "task.created", "activity.call", "lead.created",
        "deal.stage_changed", "deal.created", "contact.created", "company.created",
    ]  # fmt: skip
    events = story.json("timeline", "company", "1")
    assert [e["id"] for e in events] == sorted((e["id"] for e in events), reverse=True)
    assert events[0]["summary"] == "city: ∅ → Brno"
    assert "Zájem o servisní smlouvu" in events[2]["summary"]
    assert kinds(story, "company", "2") == ["activity.note", "company.created"]
    assert kinds(story, "lead", "1") == ["lead.created"]
    assert kinds(story, "contact", "1") == ["activity.call", "contact.created"]


def test_filters(story: Crm) -> None:
    assert kinds(story, "company", "1", "--type", "deal") == ["deal.stage_changed", "deal.created"]
    assert kinds(story, "company", "1", "--type", "created", "--type", "call") == [
        "task.created", "activity.call", "lead.created", "deal.created", "contact.created",
        "company.created",
    ]  # fmt: skip
    assert kinds(story, "company", "1", "--author", "jana") == [
        "company.updated", "task.created", "activity.call",
    ]  # fmt: skip
    assert kinds(story, "company", "1", "--since", "2026-03-12") == [
        "company.updated", "task.created", "activity.call",
    ]  # fmt: skip
    assert kinds(story, "company", "1", "--since", "2026-03-11", "--until", "2026-03-12") == [
        "lead.created", "deal.stage_changed", "deal.created",
    ]  # fmt: skip
    assert kinds(story, "company", "1", "--search", "servisni smlouvu") == ["activity.call"]
    assert kinds(story, "company", "1", "--search", "BRNO") == ["company.updated"]
    story("timeline", "company", "1", "--since", "yesterdayish", code=2)
    story("timeline", "company", "1", "--author", "nobody", code=3)
    story("timeline", "company", "1", "--limit", "0", code=2)


def test_cursor_paging(story: Crm) -> None:
    everything = [e["id"] for e in story.json("timeline", "company", "1")]
    first = story("timeline", "company", "1", "--limit", "3", "-o", "json")
    page = [e["id"] for e in json.loads(first.stdout)]
    assert page == everything[:3]
    assert first.stderr.strip() == f"more: add --before {page[-1]} for the next page"
    seen = list(page)
    while True:
        result = story("timeline", "company", "1", "--limit", "3", "--before", str(seen[-1]),
                       "-o", "json")  # fmt: skip
        seen += [e["id"] for e in json.loads(result.stdout)]
        if "more:" not in result.stderr:
            break
    assert seen == everything


@pytest.mark.parametrize("output", ["table", "json", "jsonl", "csv", "yaml"])
def test_every_format(story: Crm, output: str) -> None:
    out = story("timeline", "company", "1", "--type", "call", "-o", output).stdout
    if output == "json":
        (event,) = json.loads(out)
    elif output == "jsonl":
        (event,) = [json.loads(line) for line in out.splitlines()]
    elif output == "csv":
        (event,) = list(csv.DictReader(io.StringIO(out)))
    elif output == "yaml":
        (event,) = yaml.safe_load(out)
    else:
        # The story: the local day, then time, who and what happened.
        assert out.splitlines() == [
            "čtvrtek 12. března 2026",
            "  09:00  jana  Hovor: Zájem o servisní smlouvu",
        ]
        return
    assert (event["kind"], event["actor"]) == ("activity.call", "jana")


def test_the_table_tells_the_story(story: Crm) -> None:
    """Issue 20 item 1: local days, names, sentences; a call logged with --at at its time."""
    story.now = "2026-03-13T16:00:00+01:00"
    story(
        "log",
        "call",
        "--company",
        "1",
        "--subject",
        "Zavolat kvůli nabídce",
        "--body",
        "Dovoláno, chtějí úpravu",
        "--duration",
        "15m",
        "--at",
        "2026-03-12T17:30",
    )
    story("tasks", "done", "1", "--note", "Ceník poslán")
    story("companies", "edit", "1", "--tag", "vip", "--tag", "výroba")
    story("companies", "edit", "1", "--untag", "výroba")
    story("deals", "move", "1", "Nabídka")
    screen = story("timeline", "company", "1", "--limit", "7").stdout
    assert screen.splitlines() == [
        "pátek 13. března 2026",
        "  16:00  admin  Fáze: Analýza → Nabídka — obchod Linka",
        "  16:00  admin  Štítky: −výroba",
        "  16:00  admin  Štítky: +vip, +výroba",
        "  16:00  admin  Úkol splněn: Poslat ceník (Ceník poslán)",
        "",
        "čtvrtek 12. března 2026",
        "  17:30  admin  Hovor: Zavolat kvůli nabídce – Dovoláno, chtějí úpravu (15 min)",
        "  09:00  jana   Obec: — → Brno",
        "  09:00  jana   Úkol vytvořen: Poslat ceník (termín 13.\xa03.\xa02026, řeší jana)",
    ]  # fmt: skip
    compact = story("timeline", "company", "1", "--limit", "2", "--compact").stdout
    assert compact.splitlines() == [
        "2026-03-13 16:00  admin  Fáze: Analýza → Nabídka — obchod Linka",
        "2026-03-13 16:00  admin  Štítky: −výroba",
    ]
