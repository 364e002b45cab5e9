"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

PostgreSQL runs when ``CRM_TEST_POSTGRES_URL`` is set (CI sets it and fails if any
PostgreSQL test was skipped). The schema is made once per session by the real
migrations (``crmctl init``) into a template; each test gets a fresh copy.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from crmctl.cli import app

FIXED_NOW = "2026-03-10T09:00:00+01:00"
ADMIN = "admin"
BACKENDS = ("sqlite", "postgres")


def postgres_admin_url() -> str | None:
    url = os.environ.get("CRM_TEST_POSTGRES_URL")
    if not url:
        return None
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may read the developer's config, data directory or environment."""
    for name in ("CRM_DATABASE_URL", "CRM_USER", "CRM_NOW", "CRM_TIMEZONE", "CRM_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    # An exported COLUMNS would fit every table the tests compare (issue 20).
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # completion's value cache
    monkeypatch.chdir(tmp_path)


def _init_template(url: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--db", url, "init", "--admin", ADMIN], env={"CRM_NOW": FIXED_NOW})
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _init_template(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        pytest.skip("CRM_TEST_POSTGRES_URL not set")
    name = f"crmctl_tmpl_{os.getpid()}"
    _create_database(admin_url, name)
    try:
        template_url = make_url(admin_url).set(database=name).render_as_string(False)
        _init_template(template_url)
        yield name
    finally:
        _drop_database(admin_url, name)


def _admin_engine(admin_url: str) -> Any:
    return create_engine(admin_url, isolation_level="AUTOCOMMIT")


def _create_database(admin_url: str, name: str, template: str | None = None) -> None:
    engine = _admin_engine(admin_url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    engine.dispose()


def _drop_database(admin_url: str, name: str) -> None:
    engine = _admin_engine(admin_url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database with one admin user, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "crm.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    yield from _fresh_postgres(request.getfixturevalue("postgres_template"))


@pytest.fixture
def postgres_url(postgres_template: str) -> Iterator[str]:
    """For the few tests about PostgreSQL alone (pg_dump, …)."""
    yield from _fresh_postgres(postgres_template)


def _fresh_postgres(template: str) -> Iterator[str]:
    admin_url = postgres_admin_url()
    assert admin_url is not None
    name = f"crmctl_t_{uuid.uuid4().hex[:12]}"
    _create_database(admin_url, name, template)
    try:
        yield make_url(admin_url).set(database=name).render_as_string(False)
    finally:
        _drop_database(admin_url, name)


# --- CI must not pass with PostgreSQL tests skipped -------------------------------------

_postgres_skips: list[str] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and "postgres" in str(report.longrepr).lower():
        _postgres_skips.append(item.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI") == "true" and _postgres_skips:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        sys.stderr.write(
            f"\nCI=true but {len(_postgres_skips)} PostgreSQL test(s) were skipped "
            "(is CRM_TEST_POSTGRES_URL set and PostgreSQL running?), e.g. "
            f"{_postgres_skips[0]}\n"
        )


@dataclass
class Crm:
    """Runs crmctl in-process as a user would, against one test database."""

    url: str
    user: str = ADMIN
    now: str = FIXED_NOW

    def __call__(self, *args: str, input: str | None = None, code: int = 0) -> Result:
        env = {"CRM_DATABASE_URL": self.url, "CRM_USER": self.user, "CRM_NOW": self.now}
        result = CliRunner().invoke(app, list(args), input=input, env=env)
        assert result.exit_code == code, (
            f"crmctl {' '.join(args)} exited {result.exit_code}, expected {code}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}\n{result.exception!r}"
        )
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "-o", "json").stdout)


@pytest.fixture
def crm(db_url: str) -> Crm:
    return Crm(db_url)


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to prove that a failed command changed nothing."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = sorted(inspect(connection).get_table_names())
            return {
                table: sorted(
                    (tuple(row) for row in connection.execute(text(f'SELECT * FROM "{table}"'))),
                    key=repr,
                )
                for table in tables
            }
    finally:
        engine.dispose()
