"""Issue 15 item 10: user input never ends in "unexpected …" (exit 1).

Each case: one ``error:`` line naming the argument, field or file, the documented exit
code, no traceback, nothing on stdout, and the database unchanged. The generated-filter
property (2,000 expressions per entity) is tests/query/test_filter_fuzz.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Crm, snapshot

HUGE = "99999999999999999999"  # beyond 64 bits: no id can be this


@pytest.fixture
def seeded(crm: Crm, tmp_path: Path) -> Crm:
    crm("companies", "add", "--name", "Acme s.r.o.", "--ico", "27082440")
    crm("contacts", "add", "--name", "Jan Novák", "--email", "jan@acme.cz", "--company", "1")
    crm("deals", "add", "--title", "Stroj", "--company", "1", "--value", "120000")
    crm("tasks", "add", "Zavolat", "--due", "2026-03-12", "--company", "1")
    document = tmp_path / "nabidka.txt"
    document.write_text("nabídka", encoding="utf-8")
    crm("docs", "attach", "company", "1", str(document))
    return crm


def assert_one_error(crm: Crm, args: list[str], code: int, *needles: str) -> list[str]:
    before = snapshot(crm.url)
    result = crm(*args, code=code)
    lines = result.stderr.splitlines()
    assert lines and lines[0].startswith("error: "), result.stderr
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    assert "database error" not in result.stderr
    for needle in needles:
        assert needle in lines[0], result.stderr
    assert result.stdout == ""
    assert snapshot(crm.url) == before
    return lines


@pytest.mark.parametrize(
    "args",
    [
        ["companies", "show", HUGE],
        ["contacts", "show", HUGE],
        ["deals", "show", HUGE],
        ["tasks", "done", HUGE],
        ["companies", "edit", HUGE, "--city", "Brno"],
    ],
)
def test_item10_id_beyond_64_bits_is_not_found(seeded: Crm, args: list[str]) -> None:
    lines = assert_one_error(seeded, args, 3, HUGE, "no record has such an id")
    assert lines[0].split()[1] in ("COMPANY", "CONTACT", "DEAL", "TASK")  # the argument


def test_item10_reference_option_beyond_64_bits_is_not_found(seeded: Crm) -> None:
    args = ["deals", "add", "--title", "X", "--company", HUGE]
    assert_one_error(seeded, args, 3, "--company", HUGE)


@pytest.mark.parametrize("value", [HUGE, "-1"])
def test_item10_limit_out_of_range_names_limit(seeded: Crm, value: str) -> None:
    lines = assert_one_error(seeded, ["companies", "list", "--limit", value], 2, "--limit")
    assert lines[1] == "try 'crmctl companies list --help'"


@pytest.mark.parametrize(
    ("entity", "where", "field"),
    [
        ("deals", "idle_days > 100000000", "idle_days"),
        ("deals", "days_in_stage <= -100000000", "days_in_stage"),
        ("tasks", 'status ~ "open"', "status"),
        ("tasks", 'not priority ~ "hi"', "priority"),
    ],
)
def test_item10_filter_value_the_field_cannot_take(
    seeded: Crm, entity: str, where: str, field: str
) -> None:
    lines = assert_one_error(seeded, [entity, "list", "--where", where], 4, f'"{field}"')
    assert lines[1] == f"  {where}"  # the expression, then the caret line


def test_item10_text_field_stored_as_number_is_null(seeded: Crm) -> None:
    # Found by the generated filters: PostgreSQL refused `priority = ''`.
    assert seeded.json("tasks", "list", "--where", "priority is null") == []


@pytest.mark.parametrize("target", ["dir", "missing_dir"])
def test_item10_docs_get_output_that_cannot_be_written(
    seeded: Crm, tmp_path: Path, target: str
) -> None:
    output = str(tmp_path) + "/" if target == "dir" else str(tmp_path / "nic" / "x.txt")
    lines = assert_one_error(seeded, ["docs", "get", "1", "--output", output], 2, "--output")
    assert str(tmp_path) in lines[0]


def test_item10_report_output_in_a_missing_directory(seeded: Crm, tmp_path: Path) -> None:
    output = str(tmp_path / "nic" / "forecast.csv")
    assert_one_error(seeded, ["report", "forecast", "-o", "csv", "--output", output], 2, output)


def test_item10_deeply_nested_json_in_apply(seeded: Crm, tmp_path: Path) -> None:
    nested = tmp_path / "nested.json"
    nested.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    for noun in ("contacts", "deals"):
        assert_one_error(seeded, [noun, "apply", "-f", str(nested)], 4, "nested.json", "nested")


@pytest.mark.parametrize("content", [bytes(range(256)) * 4, b"rules:\x00\n"])
def test_item10_binary_rules_file(seeded: Crm, tmp_path: Path, content: bytes) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_bytes(content)
    before = snapshot(seeded.url)
    result = seeded("workflows", "validate", str(rules), code=4)
    assert "unexpected" not in result.stderr and "Traceback" not in result.stderr
    assert f"{rules}:" in result.stderr and "error: " in result.stderr
    assert "not UTF-8" in result.stderr or "not valid YAML" in result.stderr
    assert snapshot(seeded.url) == before


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["companies", "add", "--name", "x" * 5000], "companies.name"),
        (["companies", "edit", "1", "--city", "x" * 5000], "companies.city"),
        (["contacts", "add", "--name", "Jan " + "x" * 5000], "persons.last_name"),
        (["deals", "add", "--title", "x" * 5000, "--company", "1"], "deals.title"),
    ],
)
def test_item10_over_long_text_names_the_field(seeded: Crm, args: list[str], field: str) -> None:
    assert_one_error(seeded, args, 4, field, "5000 characters", "at most")


def test_item10_nul_byte_names_the_field(seeded: Crm, tmp_path: Path) -> None:
    (record,) = seeded.json("contacts", "list")
    record["function"] = "ředitel\x00"
    source = tmp_path / "contacts.json"
    source.write_text(json.dumps([record]), encoding="utf-8")
    assert_one_error(seeded, ["contacts", "apply", "-f", str(source)], 4, "function", "NUL")


@pytest.mark.parametrize(
    ("args", "message", "hint"),
    [
        (["companies", "list", "--bogus"], "error: no such option: --bogus", "companies list"),
        (["companies", "lsit"], "error: no such command 'lsit'", "companies"),
        (["--bogus"], "error: no such option: --bogus", ""),
        (
            ["companies", "list", "-o", "xml"],
            "error: invalid value for '-o' / '--format'",
            "companies list",
        ),
        (["companies", "add"], "error: missing option '--name'", "companies add"),
    ],
)
def test_item10_usage_error_is_one_error_line_and_one_hint(
    seeded: Crm, args: list[str], message: str, hint: str
) -> None:
    result = seeded(*args, code=2)
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(message), result.stderr
    assert lines[1] == f"try '{' '.join(['crmctl', hint]).strip()} --help'"


@pytest.mark.parametrize(
    "args",
    [
        ["companies", "show", "-1"],
        ["companies", "show", "-1", "-o", "json"],
        ["contacts", "show", "-5"],
        ["deals", "show", "-1"],
        ["companies", "edit", "-1", "--city", "Brno"],
    ],
)
def test_item10_negative_id_is_an_id_not_an_option(seeded: Crm, args: list[str]) -> None:
    lines = assert_one_error(seeded, args, 3)
    assert args[2] in lines[0] and "option" not in lines[0]


def test_item10_negative_option_value_stays_the_options(seeded: Crm) -> None:
    # `--limit -1` is still --limit's value (and out of range), not an id.
    assert_one_error(seeded, ["companies", "list", "--limit", "-1"], 2, "--limit")
