"""Issue 15 item 15: cron notices failures; the shipped rules work on the demo database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmctl.cli import app
from tests.conftest import Crm

BROKEN_REFERENCES = """\
rules:
  - id: web-lead
    trigger: {event: lead.created}
    actions:
      - assign:
          territory:
            by: region
            table: {Zlínský kraj: novak}
            fallback: petr.kral
  - id: tell-team
    trigger: {event: lead.created}
    actions:
      - notify: {to: [team:Obchod Ostrava, role:ředitel, user:eva.mala], subject: Nová}
  - id: approve
    trigger: {event: deal.created}
    actions:
      - request_approval: {approver: reditel, reason: Sleva}
      - create_task: {title: Zavolat, assignee: svoboda}
"""


@pytest.fixture
def demo(crm: Crm, rules: Path) -> Crm:
    crm("init", "--demo", "--admin", "admin")
    return crm


def test_item15_shipped_rules_work_on_the_demo_database(demo: Crm, rules: Path) -> None:
    assert "valid" in demo("workflows", "validate").stderr
    for region in ("Jihomoravský kraj", "Hlavní město Praha", "Karlovarský kraj"):
        demo("leads", "add", "--source", "web", "--name", f"Zájemce {region}", "--region", region)
    fired = demo.json("workflows", "run", "--once")
    intake = [f for f in fired if f["rule"] == "web-lead-intake"]
    assert [f["status"] for f in intake] == ["fired"] * 3, intake
    assert all(f["status"] == "fired" for f in fired), fired
    owners = [demo.json("leads", "show", str(n))["owner"] for n in (1, 2, 3)]
    demo_logins = {user["login"] for user in demo.json("users", "list")} - {"admin"}
    assert set(owners) <= demo_logins, owners
    assert owners[0] != owners[1]  # Morava and Praha go to different salespeople


def test_item15_validate_checks_logins_teams_and_roles_against_the_database(
    demo: Crm, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(BROKEN_REFERENCES, encoding="utf-8")
    result = demo("workflows", "validate", str(path), code=4)
    lines = result.stderr.splitlines()
    expected = [
        (8, "web-lead", 'no user "novak"'),
        (13, "tell-team", 'no team "Obchod Ostrava"'),
        (13, "tell-team", 'no role "ředitel"'),
        (17, "approve", 'no user "reditel"'),
        (18, "approve", 'no user "svoboda"'),
    ]
    for line, rule, what in expected:
        assert any(
            text.startswith(f"{path}:{line}:") and f"rule {rule}" in text and what in text
            for text in lines
        ), (line, rule, what, lines)
    assert "eva.mala" not in result.stderr and "petr.kral" not in result.stderr
    assert "5 problem(s)" in lines[-1]


def test_item15_run_once_exits_6_after_printing_a_failed_firing(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n  - id: give-to-kral\n    trigger: {event: lead.created}\n"
        "    actions:\n      - assign: {user: kral}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CRM_WORKFLOWS", str(path))
    crm("leads", "add", "--name", "Jan Kos")
    failed = crm("workflows", "run", "--once", "-o", "json", code=6)
    [firing] = json.loads(failed.stdout)  # printed first
    assert (firing["rule"], firing["status"]) == ("give-to-kral", "failed")
    assert "1 firing(s) failed" in failed.stderr.splitlines()[-1]
    crm("users", "add", "kral")
    crm.now = "2026-03-10T10:00:00+01:00"
    assert crm.json("workflows", "run", "--once")[0]["status"] == "retried"  # exit 0


def test_item15_validate_without_a_database_checks_the_file_and_says_what_it_skipped(
    tmp_path: Path, rules: Path
) -> None:
    nowhere = Crm(f"sqlite:///{tmp_path / 'missing.db'}")
    result = nowhere("workflows", "validate")
    assert "note: logins, teams and roles not checked" in result.stderr
    assert result.stderr.strip().endswith("valid")
    assert not (tmp_path / "missing.db").exists()


RULES = Path(__file__).resolve().parents[2] / "workflows.yaml"  # the shipped rules


def test_a_missing_database_file_is_named_and_not_created(tmp_path: Path) -> None:
    """cron with a wrong path: one line, exit 1, and no empty database file left behind."""
    missing = tmp_path / "nowhere.db"
    args = ["--db", f"sqlite:///{missing}", "workflows", "run", "--once", "--workflows", str(RULES)]
    result = CliRunner().invoke(app, args, env={"CRM_USER": ""})
    assert result.exit_code == 1
    assert result.stderr == f"error: no database at {missing}; run `crmctl init` to create it\n"
    assert not missing.exists()
