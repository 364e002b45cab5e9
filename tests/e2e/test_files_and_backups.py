"""Files crmctl creates: the database, its WAL files, the document store and backups are
readable by their owner only, and ``db backup`` takes the document store along, in a form
README's restore steps bring back. Runs the installed ``crmctl`` under a permissive umask,
as a user's shell would have it."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import tarfile
import uuid
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.conftest import _create_database, _drop_database, postgres_admin_url
from tests.e2e.test_installed_cli import CRMCTL

CONTENT = "Smlouva o dílo č. 7\n"


def crmctl(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``crmctl`` as run from a shell whose umask lets everyone read new files."""
    return subprocess.run(
        [CRMCTL, *args], capture_output=True, text=True, env=env, check=False, umask=0o022
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def base_env(url: str) -> dict[str, str]:
    return {**os.environ, "CRM_DATABASE_URL": url, "CRM_USER": "admin",
            "CRM_NOW": "2026-03-10T09:00:00+01:00"}  # fmt: skip


def attach_a_document(env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "smlouva.txt"
    source.write_text(CONTENT, encoding="utf-8")
    assert crmctl("companies", "add", "--name", "Alfa s.r.o.", env=env).returncode == 0
    attached = crmctl("docs", "attach", "company", "1", str(source), env=env)
    assert attached.returncode == 0, attached.stderr


def assert_private_store(store: Path) -> None:
    assert mode(store) == 0o700
    entries = list(store.rglob("*"))
    assert any(entry.is_file() for entry in entries)
    for entry in entries:
        assert mode(entry) == (0o700 if entry.is_dir() else 0o600), entry


def assert_backup(target: Path, result: subprocess.CompletedProcess[str]) -> Path:
    assert result.returncode == 0, result.stderr
    archive = target.with_name(target.name + ".documents.tar")
    assert mode(target) == 0o600
    assert mode(archive) == 0o600
    assert str(archive) in result.stderr and "documents" in result.stderr
    with tarfile.open(archive) as tar:
        files = [member for member in tar.getmembers() if member.isfile()]
        assert len(files) == 1
        blob = tar.extractfile(files[0])
        assert blob is not None and blob.read().decode("utf-8") == CONTENT
    return archive


def restore_documents(archive: Path, store: Path) -> None:
    """README: ``mkdir -p STORE && tar -xf FILE.documents.tar -C STORE``."""
    store.mkdir(parents=True)
    subprocess.run(["tar", "-xf", str(archive), "-C", str(store)], check=True)


def test_item13_sqlite_database_store_and_backup_are_private_and_restorable(
    tmp_path: Path,
) -> None:
    database = tmp_path / "fresh" / "crm.db"
    env = base_env(f"sqlite:///{database}")
    created = crmctl("init", env=env)
    assert created.returncode == 0, created.stderr
    assert mode(database) == 0o600
    # While a reader holds the database open, a writer's -wal and -shm files exist.
    reader = sqlite3.connect(database)
    try:
        reader.execute("SELECT count(*) FROM users").fetchone()
        attach_a_document(env, tmp_path)
        for suffix in ("-wal", "-shm"):
            assert mode(database.with_name(database.name + suffix)) == 0o600, suffix
    finally:
        reader.close()
    assert_private_store(database.parent / "documents")
    target = tmp_path / "backups" / "crm-backup.db"
    target.parent.mkdir()
    archive = assert_backup(target, crmctl("db", "backup", str(target), env=env))
    # Leaving the store out is said loudly, and no archive pretends otherwise.
    bare = target.with_name("bare.db")
    partial = crmctl("db", "backup", str(bare), "--no-documents", env=env)
    assert partial.returncode == 0 and mode(bare) == 0o600
    assert "warning: the document store" in partial.stderr and "NOT" in partial.stderr
    assert not bare.with_name("bare.db.documents.tar").exists()
    # README's restore: copy the database file, unpack the store next to it.
    restored = tmp_path / "restored" / "crm.db"
    restored.parent.mkdir()
    restored.write_bytes(target.read_bytes())
    restore_documents(archive, restored.parent / "documents")
    back = crmctl("docs", "get", "1", "--output", "-", env=base_env(f"sqlite:///{restored}"))
    assert back.returncode == 0 and back.stdout == CONTENT, back.stderr


def test_item13_postgres_backup_is_private_holds_the_documents_and_restores(
    postgres_url: str, tmp_path: Path
) -> None:
    env = base_env(postgres_url)
    attach_a_document(env, tmp_path)
    target = tmp_path / "crm.dump"
    archive = assert_backup(target, crmctl("db", "backup", str(target), env=env))
    admin_url = postgres_admin_url()
    assert admin_url is not None
    name = f"crmctl_r_{uuid.uuid4().hex[:12]}"
    _create_database(admin_url, name)
    try:
        restored = make_url(admin_url).set(database=name)
        libpq = restored.set(drivername="postgresql").render_as_string(hide_password=False)
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={libpq}", str(target)],
            check=True, capture_output=True,
        )  # fmt: skip
        store = tmp_path / "restored-documents"
        restore_documents(archive, store)
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "crmctl.yaml").write_text(f"documents_dir: {store}\n")
        restored_env = base_env(restored.render_as_string(hide_password=False))
        back = subprocess.run(
            [CRMCTL, "docs", "get", "1", "--output", "-"], capture_output=True, text=True,
            env=restored_env, cwd=tmp_path / "elsewhere", check=False,
        )  # fmt: skip
        assert back.returncode == 0 and back.stdout == CONTENT, back.stderr
    finally:
        _drop_database(admin_url, name)
