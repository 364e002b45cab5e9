"""Set-based writes at driver speed for the importer: explicit ids, executemany, COPY.

SQLAlchemy Core executemany costs about 16 µs a row on SQLite because every value goes
through its type processors; the driver's own executemany with values already in the
database's form costs 4–7 µs. Callers hand over rows as tuples in column order and
use :meth:`BulkWriter.timestamp` and :meth:`BulkWriter.json` for those two types.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from crmctl.clock import as_utc

# One encoder for the whole run: ``json.dumps`` with options builds a new one per call.
_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


class BulkWriter:
    """Raw inserts and updates inside the caller's SQLAlchemy transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self.raw = connection.connection.driver_connection
        self._next_ids: dict[str, int] = {}
        self._rows_written = 0
        self._analyzed_at = 0
        if self.dialect == "sqlite":
            # A million-row import updates indexes all over the file; 64 MB of page cache
            # instead of the default 2 MB keeps them in memory (this connection only).
            self.raw.execute("PRAGMA cache_size = -65536")

    # --- values in the database's own form ------------------------------------------

    def timestamp(self, moment: datetime) -> Any:
        if self.dialect == "sqlite":
            # The form SQLAlchemy's DateTime writes on SQLite: naive UTC with microseconds.
            return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return as_utc(moment)

    @staticmethod
    def json(value: Any) -> str:
        if not value and isinstance(value, dict):
            return "{}"  # most records carry no custom fields
        return _JSON.encode(value)

    def boolean(self, value: bool) -> Any:
        return int(value) if self.dialect == "sqlite" else value

    # --- ids, inserts and updates ---------------------------------------------------

    def allocate_ids(self, table: str, count: int) -> list[int]:
        """``count`` fresh primary keys for ``table``.

        On SQLite the import holds the write lock for its whole transaction, so
        MAX(id) + 1 onwards is free; PostgreSQL hands them out from the sequence.
        """
        if count == 0:
            return []
        if self.dialect == "postgresql":
            cursor = self.raw.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                (table, count),
            )
            return [row[0] for row in cursor.fetchall()]
        start = self._next_ids.get(table)
        if start is None:
            cursor = self.raw.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            start = cursor.fetchone()[0]
        self._next_ids[table] = start + count
        return list(range(start, start + count))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(columns)
        self._rows_written += len(rows)
        if self.dialect == "postgresql":
            with (
                self.raw.cursor() as cursor,
                cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join("?" for _ in columns)
        cursor = self.raw.cursor()
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
        cursor.close()

    def refresh_statistics(self, tables: Sequence[str]) -> None:
        """ANALYZE on PostgreSQL each time the rows written have doubled.

        Rows arriving by COPY leave the planner's statistics saying the tables are
        empty, and it then joins a growing table by sequential scans: a 100k-row
        import spent minutes in one e-mail lookup before this.
        """
        if self.dialect != "postgresql" or self._rows_written < 2 * max(self._analyzed_at, 500):
            return
        self.raw.execute(f"ANALYZE {', '.join(tables)}")
        self._analyzed_at = self._rows_written

    def update(self, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
        """``UPDATE table SET columns… WHERE id = ?``; each row is the values, then the id."""
        if not rows:
            return
        mark = "%s" if self.dialect == "postgresql" else "?"
        assignments = ", ".join(f"{name} = {mark}" for name in columns)
        sql = f"UPDATE {table} SET {assignments} WHERE id = {mark}"
        cursor = self.raw.cursor()
        cursor.executemany(sql, rows)
        cursor.close()

    def delete_ids(self, table: str, column: str, ids: Sequence[int]) -> int:
        """Delete the rows whose ``column`` is one of ``ids``, in chunks; returns the count."""
        mark = "%s" if self.dialect == "postgresql" else "?"
        deleted = 0
        cursor = self.raw.cursor()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(
                f"DELETE FROM {table} WHERE {column} IN ({', '.join(mark for _ in chunk)})",
                tuple(chunk),
            )
            deleted += cursor.rowcount
        cursor.close()
        return deleted
