"""Bad input: one ``error:`` line naming the problem, the documented exit code, no change."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import Crm, snapshot


@pytest.fixture
def seeded(crm: Crm) -> Crm:
    crm("companies", "add", "--name", "Acme s.r.o.", "--ico", "27082440")
    crm("companies", "add", "--name", "Acme Holding a.s.")
    crm("contacts", "add", "--name", "Jan Novák", "--email", "jan@acme.cz")
    return crm


def assert_error(crm: Crm, args: list[str], code: int, *needles: str) -> None:
    before = snapshot(crm.url)
    result = crm(*args, code=code)
    first_line = result.stderr.splitlines()[0]
    assert first_line.startswith("error: "), result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert snapshot(crm.url) == before


def test_invalid_ico(seeded: Crm) -> None:
    assert_error(seeded, ["companies", "add", "--name", "X", "--ico", "12345678"], 4, "IČO")


def test_duplicate_ico(seeded: Crm) -> None:
    args = ["companies", "add", "--name", "Y", "--ico", "27082440"]
    assert_error(seeded, args, 4, "IČO 27082440", "#1")


def test_invalid_email_on_add(seeded: Crm) -> None:
    assert_error(seeded, ["contacts", "add", "--name", "Eva", "--email", "eva@"], 4, "e-mail")


def test_invalid_email_on_edit(seeded: Crm) -> None:
    assert_error(seeded, ["contacts", "edit", "1", "--add-email", "no at sign"], 4, "e-mail")


def test_invalid_phone(seeded: Crm) -> None:
    assert_error(seeded, ["contacts", "add", "--name", "Eva", "--phone", "12"], 4, "phone")


def test_unknown_field_in_where(seeded: Crm) -> None:
    assert_error(seeded, ["companies", "list", "--where", "nmae = 'x'"], 4, '"nmae"', "^^^^")


def test_bad_token_in_where(seeded: Crm) -> None:
    result = seeded("contacts", "list", "--where", "name = @x", code=4)
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ")
    assert lines[1] == "  name = @x"
    assert lines[2] == "         ^"


def test_unknown_id(seeded: Crm) -> None:
    assert_error(seeded, ["companies", "show", "999"], 3, "999")
    assert_error(seeded, ["contacts", "edit", "999", "--function", "x"], 3, "999")


def test_ambiguous_name(seeded: Crm) -> None:
    assert_error(
        seeded, ["companies", "edit", "acme", "--city", "Brno"], 4, "ambiguous", "#1", "#2"
    )


def test_unknown_user(seeded: Crm) -> None:
    seeded.user = "nobody"
    assert_error(seeded, ["companies", "add", "--name", "Z"], 3, "nobody")


def test_unknown_sort_field(seeded: Crm) -> None:
    assert_error(seeded, ["companies", "list", "--sort", "tags"], 2, "sort")


def test_unreachable_database() -> None:
    crm = Crm("postgresql://nobody@127.0.0.1:1/none")
    result = crm("companies", "list", code=1)
    assert result.stderr.startswith("error: cannot connect to database")
    assert "Traceback" not in result.stderr


def test_missing_sqlite_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    crm = Crm(f"sqlite:///{tmp_path}/missing.db")
    result = crm("companies", "list", code=1)
    assert "crmctl init" in result.stderr
    assert not (tmp_path / "missing.db").exists()


def test_newer_schema_is_refused(seeded: Crm) -> None:
    engine = create_engine(seeded.url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    before = snapshot(seeded.url)
    for args in (["companies", "list"], ["db", "upgrade"], ["init"]):
        result = seeded(*args, code=1)
        assert "9999" in result.stderr and "newer" in result.stderr, result.stderr
    assert snapshot(seeded.url) == before


def test_apply_bad_record_changes_nothing(seeded: Crm) -> None:
    payload = (
        '[{"last_name": "Dobrý", "emails": ["ok@x.cz"]}, {"last_name": "Zlý", "emails": ["bad"]}]'
    )
    before = snapshot(seeded.url)
    result = seeded("contacts", "apply", "-f", "-", input=payload, code=4)
    assert "record 2" in result.stderr and "e-mail" in result.stderr
    assert snapshot(seeded.url) == before


def test_apply_broken_json(seeded: Crm) -> None:
    result = seeded("contacts", "apply", "-f", "-", input='[{"id": 1,', code=4)
    assert result.stderr.startswith("error: <stdin>:1:")
