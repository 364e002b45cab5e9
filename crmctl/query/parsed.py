"""A ``--where`` filter parsed once, then checked and compiled from its tree.

A list used to compile the text twice: once for the rows, once more (against a
registry of the limited view's fields) to learn whether the filter reads a field a
limited row hides. The tree answers the second question by its field names.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement

from crmctl.query.fields import EntityRegistry

if TYPE_CHECKING:
    from crmctl.query import ast


@dataclass(frozen=True)
class ParsedFilter:
    text: str
    tree: ast.Node

    @classmethod
    def parse(cls, text: str | None) -> ParsedFilter | None:
        """``None`` for no filter (``None`` or blank); ``FilterError`` on bad syntax."""
        if not text or not text.strip():
            return None
        # Imported here: read commands without --where (cron's `tasks overdue`) skip the
        # lexer and parser; the compiler below likewise.
        from crmctl.query.parser import parse

        return cls(text, parse(text))

    def field_names(self) -> set[str]:
        from crmctl.query.ast import field_refs

        return {ref.name for ref in field_refs(self.tree)}

    def condition(
        self, registry: EntityRegistry, *, now: datetime, tz: ZoneInfo
    ) -> ColumnElement[bool]:
        """The filter as SQL over ``registry``; ``FilterError`` names the bad field/value."""
        from crmctl.query.compiler import compile_node

        return compile_node(self.tree, self.text, registry, now=now, tz=tz)

    def uses_only(self, registry: EntityRegistry, fields: Collection[str]) -> bool:
        """Whether every field the filter reads is one of ``fields`` (plain fields only:
        ``custom.KEY`` and unknown names are not)."""
        allowed = {name for name in registry.fields if name in fields}
        return all(
            "." not in name and (name in allowed or name.lower() in allowed)
            for name in self.field_names()
        )


def as_parsed(where: ParsedFilter | str | None) -> ParsedFilter | None:
    """For callers that still hold the text: parse it here, once."""
    return where if isinstance(where, ParsedFilter) or where is None else ParsedFilter.parse(where)
