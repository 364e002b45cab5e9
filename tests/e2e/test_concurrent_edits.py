"""Issue 15 item 1: concurrent writers of one record lose nothing.

Real ``crmctl`` processes, started at once, each change a different custom key or tag
of the same company, contact and deal. Every change must survive, with one event per
writer; a record read before someone else's change must not undo it on ``apply``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

CRMCTL = shutil.which("crmctl") or str(Path(sys.executable).with_name("crmctl"))
WRITERS = 20


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    # No CRM_NOW: each writer stamps its own time, as in real use.
    return {**os.environ, "CRM_DATABASE_URL": db_url, "CRM_USER": "admin"}


def run(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CRMCTL, *args], input=stdin, capture_output=True, text=True, env=env, check=False
    )


def run_all(commands: list[tuple[list[str], str | None]], env: dict[str, str]) -> None:
    """Start every command at once, then wait for all; each must exit 0."""
    processes = []
    for args, stdin in commands:
        process = subprocess.Popen(
            [CRMCTL, *args],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        processes.append((args, stdin, process))
    failures = []
    for args, stdin, process in processes:
        _, stderr = process.communicate(stdin, timeout=300)
        if process.returncode != 0:
            failures.append((args, process.returncode, stderr))
    assert failures == []


def show(kind: str, ref: str, env: dict[str, str]) -> dict[str, Any]:
    shown = run(kind, "show", ref, "-o", "json", env=env)
    assert shown.returncode == 0, shown.stderr
    record: dict[str, Any] = json.loads(shown.stdout)
    return record


def count_events(db_url: str, entity_type: str, entity_id: int, kind: str) -> int:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM events WHERE entity_type = :type "
                        "AND entity_id = :id AND kind = :kind"
                    ),
                    {"type": entity_type, "id": entity_id, "kind": kind},
                )
            )
    finally:
        engine.dispose()


def add_records(env: dict[str, str]) -> tuple[int, int, int]:
    company = run("companies", "add", "--name", "Souběh s.r.o.", "-o", "json", env=env)
    assert company.returncode == 0, company.stderr
    contact = run("contacts", "add", "--name", "Jana Souběžná", "-o", "json", env=env)
    assert contact.returncode == 0, contact.stderr
    deal = run("deals", "add", "--title", "Souběžný obchod", "-o", "json", env=env)
    assert deal.returncode == 0, deal.stderr
    return tuple(json.loads(out.stdout)["id"] for out in (company, contact, deal))  # type: ignore[return-value]


def test_item1_concurrent_edits_keep_every_key_and_tag(env: dict[str, str], db_url: str) -> None:
    company_id, contact_id, deal_id = add_records(env)
    # Every `deals apply` writer starts from the same record, read before any of them ran.
    deal_read = show("deals", str(deal_id), env)
    commands: list[tuple[list[str], str | None]] = []
    for n in range(WRITERS):
        commands.append(
            (["companies", "edit", str(company_id), "--set", f"k{n}={n}", "--tag", f"t{n}"], None)
        )
        commands.append(
            (["contacts", "edit", str(contact_id), "--set", f"k{n}={n}", "--tag", f"t{n}"], None)
        )
        record = {**deal_read, "custom": {**deal_read["custom"], f"k{n}": n}}
        commands.append((["deals", "apply", "-f", "-"], json.dumps([record])))
    run_all(commands, env)

    keys = {f"k{n}": n for n in range(WRITERS)}
    tags = sorted(f"t{n}" for n in range(WRITERS))
    company = show("companies", str(company_id), env)
    contact = show("contacts", str(contact_id), env)
    deal = show("deals", str(deal_id), env)
    assert (company["custom"], sorted(company["tags"])) == (keys, tags)
    assert (contact["custom"], sorted(contact["tags"])) == (keys, tags)
    assert deal["custom"] == keys
    assert count_events(db_url, "company", company_id, "company.updated") == WRITERS
    assert count_events(db_url, "contact", contact_id, "contact.updated") == WRITERS
    assert count_events(db_url, "deal", deal_id, "deal.updated") == WRITERS
