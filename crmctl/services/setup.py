"""Creating, upgrading, describing and backing up the database."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from crmctl import clock
from crmctl.config import Settings
from crmctl.db.engine import (
    PRIVATE_FILE_MODE,
    check_connection,
    create_private_file,
    current_revision,
    make_engine,
    safe_url,
    session_scope,
    sqlite_path,
)
from crmctl.db.migrate import upgrade
from crmctl.db.models import User
from crmctl.db.schema import SCHEMA_HEAD, SCHEMA_REVISIONS
from crmctl.errors import DatabaseError
from crmctl.mail.settings import redacted
from crmctl.services.context import Actor, Context, resolve_actor
from crmctl.services.demo import load_demo, load_demo_services
from crmctl.services.demo_campaigns import load_campaigns
from crmctl.services.demo_history import load_sales_history
from crmctl.services.users import UserInput, add_user


def initialise(
    settings: Settings,
    *,
    admin_login: str | None,
    admin_name: str | None,
    demo: bool,
    history: bool = False,
) -> list[str]:
    """Idempotent: creates or upgrades the schema, then the first admin, then demo data."""
    before, after = upgrade_database(settings)
    lines = [
        f"database {safe_url(settings.database_url)}: "
        + (f"schema created at revision {after}" if before is None else f"schema at {after}")
    ]
    engine = make_engine(settings.database_url)
    try:
        with session_scope(engine) as session:
            ctx = Context(session, None, clock.now(), settings.timezone, settings)
            lines += _ensure_admin(ctx, admin_login or settings.acting_user.value, admin_name)
            if demo:
                lines += load_demo(ctx)
            if history:
                lines += load_sales_history(ctx)

                lines += load_campaigns(ctx)
                lines += load_demo_services(ctx)  # after the campaigns' products
    finally:
        engine.dispose()
    return lines


def _ensure_admin(ctx: Context, login: str | None, name: str | None) -> list[str]:
    if ctx.session.scalar(select(func.count()).select_from(User)):
        ctx.actor = resolve_actor(ctx.session, ctx.settings)
        if ctx.actor is None:
            first_admin = ctx.session.scalars(
                select(User).where(User.role == "admin").order_by(User.id)
            ).first()
            ctx.actor = Actor.of(first_admin) if first_admin is not None else None
        return []
    login = login or "admin"
    record = add_user(ctx, UserInput(login=login, name=name or login, role="admin"), bootstrap=True)
    ctx.actor = Actor.of(ctx.session.get(User, record["id"]))
    return [f"admin user {login!r} created; act as another user with --as or CRM_USER"]


def upgrade_database(settings: Settings) -> tuple[str | None, str]:
    path = sqlite_path(settings.database_url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    try:
        check_connection(engine, settings.database_url)
        return upgrade(engine)
    finally:
        engine.dispose()


def schema_status(settings: Settings) -> dict[str, Any]:
    engine = make_engine(settings.database_url)
    try:
        check_connection(engine, settings.database_url)
        revision = current_revision(engine)
    finally:
        engine.dispose()
    if revision == SCHEMA_HEAD:
        state = "up to date"
    elif revision is None:
        state = "not initialised: run `crmctl init`"
    elif revision in SCHEMA_REVISIONS:
        state = "behind: run `crmctl db upgrade`"
    else:
        state = "newer than this crmctl: upgrade crmctl"
    return {
        "database": safe_url(settings.database_url),
        "revision": revision,
        "head": SCHEMA_HEAD,
        "status": state,
    }


def backup_database(settings: Settings, target: Path) -> Path:
    url = settings.database_url
    path = sqlite_path(url)
    if path is not None:
        return _backup_sqlite(path, target)
    if make_url(url).get_backend_name() == "postgresql":
        return _backup_postgres(url, target)
    raise DatabaseError(f"backup is not supported for {safe_url(url)}")


def _backup_sqlite(path: Path, target: Path) -> Path:
    if not path.exists():
        raise DatabaseError(f"no database at {path}; nothing to back up")
    if target.resolve() == path.resolve():
        raise DatabaseError("the backup file must not be the database itself")
    _private_target(target)
    source = sqlite3.connect(path)
    try:
        destination = sqlite3.connect(target)
        try:
            # The online backup API copies a consistent snapshot while others may write.
            source.backup(destination)
        finally:
            destination.close()
    except sqlite3.Error as exc:
        raise DatabaseError(f"cannot write backup {target}: {exc}") from None
    finally:
        source.close()
    return target


def _private_target(target: Path) -> None:
    """A backup holds all customer data: readable by its owner only, from the start."""
    try:
        create_private_file(target)
        os.chmod(target, PRIVATE_FILE_MODE)  # an older backup being overwritten
    except OSError as exc:
        raise DatabaseError(
            f"cannot write backup {target}: {exc.strerror or exc}; "
            "check that the directory exists and is writable"
        ) from None


def _backup_postgres(url: str, target: Path) -> Path:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise DatabaseError(
            "pg_dump is not installed; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) and run the backup again"
        )
    _private_target(target)
    libpq_url = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    completed = subprocess.run(
        [pg_dump, "--format=custom", f"--file={target}", f"--dbname={libpq_url}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        reason = (completed.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise DatabaseError(f"pg_dump failed: {reason}")
    return target


def _shown_setting(key: str, value: Any) -> Any:
    """A setting as ``config show`` prints it: no password of a URL or a mailbox."""
    if key in ("database_url", "smtp_url"):
        return safe_url(str(value))
    if key == "mail":
        return redacted(value)
    return value


def describe_settings(settings: Settings) -> list[dict[str, Any]]:
    rows = [
        {
            "setting": key,
            "value": _shown_setting(key, item.value),
            "source": item.source,
        }
        for key, item in settings.values.items()
    ]
    rows.append(
        {
            "setting": "user",
            "value": settings.acting_user.value,
            "source": settings.acting_user.source,
        }
    )
    rows.append(
        {
            "setting": "config_file",
            "value": str(settings.config_file or ""),
            "source": "searched ./crmctl.yaml, then the user config directory",
        }
    )
    return rows
