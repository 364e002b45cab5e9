from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmctl.cli import app
from tests.conftest import Crm, snapshot


def test_init_is_idempotent(crm: Crm) -> None:
    crm("companies", "add", "--name", "Acme")
    before = snapshot(crm.url)
    result = crm("init")
    assert "schema at" in result.stderr
    assert snapshot(crm.url) == before


def test_db_current(crm: Crm) -> None:
    status = json.loads(crm("db", "current", "-o", "json").stdout)
    assert status["revision"] == status["head"] and status["status"] == "up to date"


def test_sqlite_backup_is_a_usable_database(tmp_path: Path) -> None:
    crm = Crm(f"sqlite:///{tmp_path / 'crm.db'}")
    crm("init", "--demo", "--admin", "admin")
    crm("db", "backup", str(tmp_path / "copy.db"))
    copy = Crm(f"sqlite:///{tmp_path / 'copy.db'}")
    assert copy.json("companies", "list") == crm.json("companies", "list")
    with sqlite3.connect(tmp_path / "crm.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump not installed")
def test_postgres_backup(postgres_url: str, tmp_path: Path) -> None:
    crm = Crm(postgres_url)
    crm("db", "backup", str(tmp_path / "dump.pgc"))
    assert (tmp_path / "dump.pgc").read_bytes().startswith(b"PGDMP")


def test_postgres_backup_without_pg_dump(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm = Crm(postgres_url)
    monkeypatch.setenv("PATH", str(tmp_path))
    result = crm("db", "backup", str(tmp_path / "dump.pgc"), code=1)
    assert "pg_dump is not installed" in result.stderr


def _config_show(env: dict[str, str], *args: str) -> dict[str, dict[str, str]]:
    result = CliRunner().invoke(app, [*args, "config", "show", "-o", "json"], env=env)
    assert result.exit_code == 0, result.stderr
    return {row["setting"]: row for row in json.loads(result.stdout)}


def test_config_precedence(tmp_path: Path) -> None:
    user_config = Path(os.environ["XDG_CONFIG_HOME"]) / "crmctl"
    user_config.mkdir(parents=True)
    (user_config / "crmctl.yaml").write_text("database_url: user.db\n", encoding="utf-8")
    shown = _config_show({})
    assert shown["database_url"]["value"] == f"sqlite:///{user_config / 'user.db'}"
    (tmp_path / "crmctl.yaml").write_text(
        "database_url: sqlite:///here.db\ntimezone: Europe/Bratislava\n", encoding="utf-8"
    )
    shown = _config_show({})
    assert shown["database_url"]["value"] == f"sqlite:///{tmp_path / 'here.db'}"
    assert shown["timezone"]["value"] == "Europe/Bratislava"
    assert shown["database_url"]["source"].startswith("config file")
    shown = _config_show({"CRM_DATABASE_URL": "postgresql://u:secret@h/db"})
    assert shown["database_url"]["value"] == "postgresql+psycopg://u:***@h/db"
    assert shown["database_url"]["source"] == "CRM_DATABASE_URL"
    shown = _config_show({"CRM_DATABASE_URL": "x.db"}, "--db", "y.db", "--as", "jana")
    assert shown["database_url"]["source"] == "--db"
    assert shown["user"] == {"setting": "user", "value": "jana", "source": "--as"}


def test_default_database_is_in_user_data_dir() -> None:
    shown = _config_show({})
    data_dir = Path(os.environ["XDG_DATA_HOME"]) / "crmctl"
    assert shown["database_url"]["value"] == f"sqlite:///{data_dir / 'crm.db'}"


def test_broken_config_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text("database_url: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'crmctl.yaml'}:")


def test_unknown_config_key_is_named(tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text("databse_url: x.db\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["config", "show"])
    assert result.exit_code == 2
    assert "databse_url" in result.stderr and "database_url" in result.stderr


def test_only_an_admin_may_back_up_the_database(crm: Crm, tmp_path: Path) -> None:
    """A backup holds every customer's records: need-to-know refuses it to anyone else."""
    crm("users", "add", "petr", "--name", "Petr Král", "--role", "sales")
    refused = Crm(crm.url, user="petr")("db", "backup", str(tmp_path / "copy.db"), code=5)
    assert refused.stderr.startswith("error: only an admin may back up the database")
    assert list(tmp_path.glob("copy.db*")) == []
