"""Issue 15 item 14: scripting is safe (in-process part; pipes are in tests/e2e).

YAML lists of Decimals, empty input to ``apply``, reads without an acting user, one exit
code for a missing file, ``import --strict`` saying it rolled back, all-day due dates.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import Crm, snapshot


@pytest.fixture
def seeded(crm: Crm) -> Crm:
    crm("companies", "add", "--name", "Acme s.r.o.", "--ico", "27082440")
    crm("contacts", "add", "--name", "Jan Novák", "--email", "jan@acme.cz", "--company", "1")
    crm("deals", "add", "--title", "Stroj", "--company", "1", "--value", "120000.50")
    return crm


def test_item14_deals_list_yaml_with_decimal_agrees_with_show(seeded: Crm) -> None:
    (listed,) = yaml.safe_load(seeded("deals", "list", "-o", "yaml").stdout)
    shown = yaml.safe_load(seeded("deals", "show", "1", "-o", "yaml").stdout)
    assert listed["value"] == shown["value"] == "120000.50"
    assert listed == {key: shown[key] for key in listed}
    (as_json,) = seeded.json("deals", "list")
    assert listed == as_json


@pytest.mark.parametrize("noun", ["contacts", "deals"])
@pytest.mark.parametrize("text", ["", "\n  \n"])
def test_item14_apply_of_empty_input_exits_4(seeded: Crm, noun: str, text: str) -> None:
    before = snapshot(seeded.url)
    result = seeded(noun, "apply", "-f", "-", input=text, code=4)
    assert result.stderr.startswith("error: <stdin>: no records on input"), result.stderr
    assert snapshot(seeded.url) == before


def test_item14_apply_of_an_empty_list_is_zero_records(seeded: Crm) -> None:
    seeded("deals", "apply", "-f", "-", input="[]")


@pytest.mark.parametrize(
    "args",
    [
        ["companies", "list"],
        ["contacts", "list"],
        ["deals", "list"],
        ["tasks", "list"],
        ["companies", "show", "1"],
        ["timeline", "company", "1"],
        ["docs", "list"],
    ],
)
def test_item14_read_without_acting_user_exits_5(seeded: Crm, args: list[str]) -> None:
    seeded.user = ""  # no --as, no CRM_USER, and the OS user is no crmctl user
    result = seeded(*args, "-o", "json", code=5)
    assert result.stderr.startswith("error: no acting user"), result.stderr
    assert result.stdout == ""


def _missing_file_commands(tmp_path: Path) -> list[list[str]]:
    missing = str(tmp_path / "nic")
    return [
        ["import", missing + ".csv"],
        ["import", missing + ".xlsx"],
        ["contacts", "apply", "-f", missing + ".json"],
        ["deals", "apply", "-f", missing + ".json"],
        ["docs", "attach", "company", "1", missing + ".pdf"],
        ["workflows", "validate", missing + ".yaml"],
    ]


def test_item14_missing_file_is_exit_2_for_every_command(seeded: Crm, tmp_path: Path) -> None:
    before = snapshot(seeded.url)
    for args in _missing_file_commands(tmp_path):
        result = seeded(*args, code=2)
        first = result.stderr.splitlines()[0]
        assert first.startswith("error: ") and "nic." in first, (args, result.stderr)
    assert snapshot(seeded.url) == before


def test_item14_missing_mapping_file_is_exit_2(seeded: Crm, tmp_path: Path) -> None:
    source = tmp_path / "firmy.csv"
    source.write_text("Firma\nBeta s.r.o.\n", encoding="utf-8")
    result = seeded("import", str(source), "--mapping", str(tmp_path / "nic.yaml"), code=2)
    assert result.stderr.startswith("error: ") and "nic.yaml" in result.stderr


@pytest.mark.parametrize("output", ["table", "json"])
def test_item14_strict_import_rollback_is_an_error_line(
    seeded: Crm, tmp_path: Path, output: str
) -> None:
    source = tmp_path / "firmy.csv"
    source.write_text("Firma,IČO\nBeta s.r.o.,25596641\nGama s.r.o.,12345678\n", "utf-8")
    before = snapshot(seeded.url)
    result = seeded("import", str(source), "--strict", "-o", output, code=4)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "rolled back" in errors[0], result.stderr
    assert snapshot(seeded.url) == before


def test_item14_all_day_due_is_the_local_date_in_every_format(seeded: Crm) -> None:
    # 2026-11-25 00:00 in Prague is 2026-11-24T23:00Z: the date must not slip a day.
    seeded("tasks", "add", "Inventura", "--due", "2026-11-25")
    seeded("tasks", "add", "Schůzka", "--due", "2026-11-25T10:00")
    (all_day, timed) = seeded.json("tasks", "list")
    assert all_day["due_at"] == "2026-11-25"
    assert timed["due_at"] == "2026-11-25T09:00:00+00:00"  # an instant stays an instant
    assert seeded.json("tasks", "show", "1")["due_at"] == "2026-11-25"
    assert yaml.safe_load(seeded("tasks", "list", "-o", "yaml").stdout)[0]["due_at"] == (
        "2026-11-25"
    )
    csv_lines = seeded("tasks", "list", "-o", "csv", "--fields", "id,due_at").stdout.splitlines()
    assert csv_lines[1] == "1,2026-11-25"
    (line,) = seeded(
        "tasks", "list", "-o", "jsonl", "--where", "all_day = true"
    ).stdout.splitlines()
    assert json.loads(line)["due_at"] == "2026-11-25"
