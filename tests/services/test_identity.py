"""Who is acting on SQLite: the operating-system user; `--as` only for admins or an
OS user that is no crmctl user (a single-user install)."""

from __future__ import annotations

import getpass

import pytest
from typer.testing import CliRunner

from crmctl.cli import app
from tests.conftest import FIXED_NOW, Crm


@pytest.fixture
def users(crm: Crm) -> Crm:
    crm("users", "add", "eva", "--role", "sales")
    crm("users", "add", "boss", "--role", "admin")
    crm("companies", "add", "--name", "Evina firma", "--owner", "eva")
    return crm


def run(url: str, os_user: str, *args: str, env_user: str | None = None) -> tuple[int, str]:
    env = {"CRM_DATABASE_URL": url, "CRM_NOW": FIXED_NOW}
    if env_user:
        env["CRM_USER"] = env_user
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(getpass, "getuser", lambda: os_user)
        result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout + result.stderr


def test_the_os_user_acts_when_mapped(users: Crm) -> None:
    code, out = run(users.url, "eva", "companies", "list", "-o", "json")
    assert code == 0 and '"limited"' not in out  # eva sees her company in full
    code, out = run(users.url, "eva", "users", "add", "x")
    assert code == 5 and "'eva' (sales)" in out


@pytest.mark.parametrize("how", ["--as", "CRM_USER"])
def test_a_mapped_non_admin_may_not_act_as_another(users: Crm, how: str) -> None:
    args = ["--as", "admin", "users", "list"] if how == "--as" else ["users", "list"]
    code, out = run(users.url, "eva", *args, env_user="admin" if how == "CRM_USER" else None)
    assert code == 5 and "only an admin may act as another user" in out
    assert run(users.url, "eva", "--as", "eva", "users", "list")[0] == 0


def test_an_admin_or_an_unmapped_os_user_may_act_as_another(users: Crm) -> None:
    assert run(users.url, "boss", "--as", "eva", "companies", "list")[0] == 0
    code, out = run(users.url, "nobody-here", "--as", "eva", "users", "add", "y")
    assert code == 5 and "'eva' (sales)" in out  # acting as eva, with eva's rights
