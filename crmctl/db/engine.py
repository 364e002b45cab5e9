"""One engine and session factory per database URL, and the schema-version gate."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from crmctl.db.functions import register_sqlite_functions
from crmctl.db.schema import SCHEMA_HEAD, SCHEMA_REVISIONS
from crmctl.errors import DatabaseError, SchemaMismatch

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Customer data: the database, its -wal/-shm files and backups are the owner's alone.
PRIVATE_FILE_MODE = 0o600


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only, unless it exists.

    Made before SQLite (or pg_dump) opens it, so that it is never readable by others,
    whatever the umask; SQLite gives a database's -wal and -shm files its mode.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))


def safe_url(url: str) -> str:
    """The URL as it may be printed: never with a password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            engine = create_engine(
                parsed,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                json_serializer=_json_text,
            )
            event.listen(engine, "connect", _configure_sqlite)
            event.listen(engine, "do_connect", _create_private_database)
            return engine
        engine = create_engine(parsed, pool_pre_ping=False, json_serializer=_json_text)
        _declare_dialect_options(engine)
        return engine
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseError(
            f"cannot use database URL {safe_url(url)!r}: {exc}; expected e.g. "
            "sqlite:///path/crm.db or postgresql://user@host/dbname"
        ) from None
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"the driver for {safe_url(url)!r} is not installed ({exc.name}); "
            "for PostgreSQL install crmctl[postgres]"
        ) from None


def _declare_dialect_options(engine: Engine) -> None:
    """The tables' PostgreSQL-only index options, declared once PostgreSQL is in use."""
    if engine.dialect.name == "postgresql":
        from crmctl.db.tables import declare_postgresql_options  # noqa: PLC0415  (start-up)

        declare_postgresql_options()


def _json_text(value: Any) -> str:
    """JSON with letters as they are (not \\u escapes), as bulk writes store it, so that
    ``timeline --search novák`` finds text inside event payloads on SQLite too."""
    return json.dumps(value, ensure_ascii=False)


def _create_private_database(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> None:
    """A database file that does not exist yet is created owner-only before SQLite opens
    it (SQLite would create it with the umask's mode, usually readable by everyone)."""
    database = cargs[0] if cargs else cparams.get("database")
    if not isinstance(database, str) or database in ("", ":memory:"):
        return
    if database.startswith("file:") or cparams.get("uri"):
        return  # a URI filename: SQLite decides what it names
    # A missing or read-only directory is SQLite's error to report, as before.
    with contextlib.suppress(OSError):
        create_private_file(Path(database))


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    register_sqlite_functions(dbapi_connection)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def check_connection(engine: Engine, url: str) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(
            f"cannot connect to database {safe_url(url)}: {reason}; check --db, "
            "CRM_DATABASE_URL or crmctl.yaml (`crmctl config show` says which is used)"
        ) from None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def require_current_schema(engine: Engine, url: str) -> None:
    """Refuse to work on a database this crmctl does not understand."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise DatabaseError(f"no database at {path}; run `crmctl init` to create it")
    check_connection(engine, url)
    revision = current_revision(engine)
    if revision == SCHEMA_HEAD:
        return
    if revision is None:
        raise SchemaMismatch(
            f"database {safe_url(url)} is not initialised; run `crmctl init` to create the schema"
        )
    if revision in SCHEMA_REVISIONS:
        raise SchemaMismatch(
            f"database schema is at revision {revision}, this crmctl needs {SCHEMA_HEAD}; "
            "run `crmctl db upgrade` (take `crmctl db backup FILE` first)"
        )
    raise SchemaMismatch(
        f"database schema revision {revision} is newer than this crmctl knows "
        f"(latest {SCHEMA_HEAD}); upgrade crmctl instead of using this version"
    )


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit when the block succeeds, roll back on any error."""
    # Imported here: read-only commands use ``connection_scope`` and never load the ORM.
    from sqlalchemy import event  # noqa: PLC0415  (start-up)
    from sqlalchemy.orm import sessionmaker  # noqa: PLC0415  (start-up)

    from crmctl.db.text_limits import check_text_limits  # noqa: PLC0415  (start-up)

    factory = sessionmaker(engine, expire_on_commit=False)
    session = factory()
    # Over-long text and NUL bytes: refused with the field named, on both databases.
    event.listen(session, "before_flush", check_text_limits)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def connection_scope(engine: Engine) -> Iterator[Connection]:
    """One transaction on a plain connection, for commands that only read: no ORM."""
    with engine.connect() as connection, connection.begin():
        yield connection
