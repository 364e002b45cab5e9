"""The ``--where`` filter language: parse text to an AST, compile it to SQLAlchemy."""

from crmctl.query.ast import Node, to_text
from crmctl.query.compiler import compile_where
from crmctl.query.fields import EntityRegistry, FieldKind, FieldSpec
from crmctl.query.parser import parse

__all__ = [
    "EntityRegistry",
    "FieldKind",
    "FieldSpec",
    "Node",
    "compile_where",
    "parse",
    "to_text",
]
