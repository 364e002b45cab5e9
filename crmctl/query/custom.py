"""SQL for reading one key of the JSON ``custom`` column, identically on both databases.

SQLAlchemy's generic ``col[key].as_float()`` casts on PostgreSQL and fails on a
non-numeric string, and ``as_string()`` renders JSON ``true`` as ``1`` on SQLite; these
two constructs give the same answers on SQLite and PostgreSQL:

* ``JsonText``: the value as text (``"A"`` → ``A``, ``10`` → ``10``, ``true`` → ``true``),
  NULL when the key is missing or JSON null.
* ``JsonNumber``: the value when it is a JSON number, otherwise NULL (so ``"12"`` stored
  as a string never compares numerically).

Only compiled sub-expressions are spliced into the SQL; the key stays a bound parameter.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Numeric, Text, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement


class JsonText(FunctionElement[str]):
    type = Text()
    inherit_cache = True
    name = "json_text"


class JsonNumber(FunctionElement[Any]):
    type = Numeric()
    inherit_cache = True
    name = "json_number"


def json_text(column: ColumnElement[Any], key: str) -> JsonText:
    return JsonText(column, literal(key, Text()))


def json_number(column: ColumnElement[Any], key: str) -> JsonNumber:
    return JsonNumber(column, literal(key, Text()))


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    document, key = (compiler.process(clause, **kw) for clause in element.clauses)
    return document, key


# The default (SQLite) rendering also serves str(expression) while debugging.
@compiles(JsonText)
def _text_sqlite(element: JsonText, compiler: SQLCompiler, **kw: Any) -> str:
    document, key = _args(element, compiler, **kw)
    path = f"'$.' || json_quote({key})"
    return (
        f"CASE json_type({document}, {path}) WHEN 'true' THEN 'true' "
        f"WHEN 'false' THEN 'false' ELSE CAST(json_extract({document}, {path}) AS TEXT) END"
    )


@compiles(JsonNumber)
def _number_sqlite(element: JsonNumber, compiler: SQLCompiler, **kw: Any) -> str:
    document, key = _args(element, compiler, **kw)
    path = f"'$.' || json_quote({key})"
    return (
        f"CASE WHEN json_type({document}, {path}) IN ('integer', 'real') "
        f"THEN json_extract({document}, {path}) END"
    )


@compiles(JsonText, "postgresql")
def _text_postgres(element: JsonText, compiler: SQLCompiler, **kw: Any) -> str:
    document, key = _args(element, compiler, **kw)
    # The cast lets the column be either JSON or JSONB.
    return f"jsonb_extract_path_text(CAST({document} AS JSONB), CAST({key} AS TEXT))"


@compiles(JsonNumber, "postgresql")
def _number_postgres(element: JsonNumber, compiler: SQLCompiler, **kw: Any) -> str:
    document, key = _args(element, compiler, **kw)
    args = f"CAST({document} AS JSONB), CAST({key} AS TEXT)"
    return (
        f"CASE WHEN jsonb_typeof(jsonb_extract_path({args})) = 'number' "
        f"THEN CAST(jsonb_extract_path_text({args}) AS NUMERIC) END"
    )
