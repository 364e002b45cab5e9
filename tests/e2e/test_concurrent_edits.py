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


def add(kind: str, *args: str, env: dict[str, str]) -> int:
    added = run(kind, "add", *args, "-o", "json", env=env)
    assert added.returncode == 0, added.stderr
    return int(json.loads(added.stdout)["id"])


KEYS = {f"k{n}": n for n in range(WRITERS)}
TAGS = sorted(f"t{n}" for n in range(WRITERS))


@pytest.mark.parametrize("kind", ["companies", "contacts"])
def test_item1_concurrent_edits_keep_every_key_and_tag(
    kind: str, env: dict[str, str], db_url: str
) -> None:
    name = "Souběh s.r.o." if kind == "companies" else "Jana Souběžná"
    record_id = add(kind, "--name", name, env=env)
    edit = [kind, "edit", str(record_id)]
    run_all([([*edit, "--set", f"k{n}={n}", "--tag", f"t{n}"], None) for n in range(WRITERS)], env)
    after = show(kind, str(record_id), env)
    assert (after["custom"], sorted(after["tags"])) == (KEYS, TAGS)
    entity = "company" if kind == "companies" else "contact"
    assert count_events(db_url, entity, record_id, f"{entity}.updated") == WRITERS


def test_item1_concurrent_deal_applies_keep_every_custom_key(
    env: dict[str, str], db_url: str
) -> None:
    deal_id = add("deals", "--title", "Souběžný obchod", env=env)
    # Every writer starts from the same record, read before any of them ran.
    read = show("deals", str(deal_id), env)
    records = [{**read, "custom": {**read["custom"], f"k{n}": n}} for n in range(WRITERS)]
    run_all([(["deals", "apply", "-f", "-"], json.dumps([record])) for record in records], env)
    assert show("deals", str(deal_id), env)["custom"] == KEYS
    assert count_events(db_url, "deal", deal_id, "deal.updated") == WRITERS
