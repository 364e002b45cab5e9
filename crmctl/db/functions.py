"""SQL functions crmctl installs in each database, and constructs compiled per dialect.

``crm_fold(text)`` folds case and accents with the map in ``crmctl.text`` so that
``~`` filters and search agree between SQLite and PostgreSQL. ``month_key(date)`` is
``'YYYY-MM'`` (strftime on SQLite, to_char on PostgreSQL) for reports by month.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crmctl.text import FOLD_FROM, FOLD_TO, fold


def register_sqlite_functions(connection: sqlite3.Connection) -> None:
    connection.create_function("crm_fold", 1, _sqlite_fold, deterministic=True)


def _sqlite_fold(value: object) -> str | None:
    if value is None:
        return None
    return fold(str(value))


def postgres_fold_function_sql() -> str:
    # lower() only folds ASCII under the C collation, so map upper-case accents too.
    upper_from = FOLD_FROM.upper()
    assert len(upper_from) == len(FOLD_FROM)
    return (
        "CREATE OR REPLACE FUNCTION crm_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS "
        f"$$ SELECT translate(lower(value), '{FOLD_FROM}{upper_from}', "
        f"'{FOLD_TO}{FOLD_TO}') $$"
    )


class month_key(FunctionElement[str]):
    """``'2026-03'`` for a DATE column, computed in SQL on both dialects."""

    type = String()
    name = "month_key"
    inherit_cache = True


@compiles(month_key, "sqlite")
def _month_key_sqlite(element: month_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_key, "postgresql")
def _month_key_postgres(element: month_key, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"
