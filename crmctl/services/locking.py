"""Row locks for read-modify-write: two writers of one record never both read the old state.

An edit reads a record (its custom fields, tags, e-mails, links), changes part of it and
writes it back. Without a lock two concurrent edits both read the same state and the
second write silently drops the first one's change. Every such write first calls
``lock_for_write`` and reads the record again under the lock:

* PostgreSQL: ``SELECT … FOR UPDATE`` on the row; a second writer waits for the commit
  (readers do not wait) and then reads the committed state.
* SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock before anything is read;
  the busy timeout queues the other writers behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crmctl.services.context import Context

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def lock_for_write(ctx: Context, record: Any) -> None:
    """Lock ``record``'s row until commit and reload it, so what is read is current."""
    session: Session = ctx.session  # type: ignore[assignment]
    session.flush()  # a reload must not drop what this command already changed
    if ctx.dialect_name == "postgresql":
        session.refresh(record, with_for_update=True)
        return
    begin_write(ctx)
    session.refresh(record)


def begin_write(ctx: Context) -> None:
    """On SQLite, start this command's transaction as the writer, if not done already.

    The driver opens a transaction only at the first INSERT/UPDATE/DELETE, so reads before
    it see whatever was committed then and may be stale by the time the write happens. Once
    a transaction is open here it already holds the write lock (it began with a write, or
    here). PostgreSQL locks rows instead (``lock_for_write``, ``with_for_update``).
    """
    if ctx.dialect_name != "sqlite":
        return
    connection = ctx.session.connection()
    if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")
