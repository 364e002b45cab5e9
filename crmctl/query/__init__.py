"""The ``--where`` filter language: parse text to an AST, compile it to SQLAlchemy.

The names below are loaded on first use (PEP 562): the permission code imports
``crmctl.query.fields`` and ``crmctl.query.entities`` on every command, and should
not pay for the lexer, parser and compiler when no ``--where`` is given.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crmctl.query.ast import Node, to_text
    from crmctl.query.compiler import compile_where
    from crmctl.query.fields import EntityRegistry, FieldKind, FieldSpec
    from crmctl.query.parser import parse

_HOMES = {
    "EntityRegistry": "crmctl.query.fields",
    "FieldKind": "crmctl.query.fields",
    "FieldSpec": "crmctl.query.fields",
    "Node": "crmctl.query.ast",
    "compile_where": "crmctl.query.compiler",
    "parse": "crmctl.query.parser",
    "to_text": "crmctl.query.ast",
}

__all__ = [
    "EntityRegistry",
    "FieldKind",
    "FieldSpec",
    "Node",
    "compile_where",
    "parse",
    "to_text",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
