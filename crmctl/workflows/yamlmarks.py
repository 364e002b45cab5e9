"""YAML loaded into plain dicts and lists that remember where each key and item was.

The validator needs ``file:line:column`` for every complaint, so the loader records the
start mark of every mapping key, mapping value and sequence item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True)
class Loc:
    """A place in the rules file, 1-based as editors show it."""

    file: str
    line: int
    column: int
    quoted: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def shifted(self, offset: int) -> Loc:
        """The column ``offset`` characters into a one-line scalar (past its quote)."""
        return Loc(self.file, self.line, self.column + offset + (1 if self.quoted else 0))


class MarkedDict(dict[str, Any]):
    loc: Loc
    key_locs: dict[str, Loc]
    value_locs: dict[str, Loc]

    def where(self, key: str) -> Loc:
        return self.value_locs.get(key) or self.key_locs.get(key) or self.loc


class MarkedList(list[Any]):
    loc: Loc
    item_locs: list[Loc]


def _loc(file: str, node: yaml.Node) -> Loc:
    quoted = isinstance(node, yaml.ScalarNode) and node.style in ("'", '"')
    return Loc(file, node.start_mark.line + 1, node.start_mark.column + 1, quoted)


def _loader(file: str) -> type[yaml.SafeLoader]:
    class Loader(yaml.SafeLoader):
        def construct_marked_mapping(self, node: yaml.MappingNode) -> MarkedDict:
            result = MarkedDict()
            result.loc, result.key_locs, result.value_locs = _loc(file, node), {}, {}
            yield result
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                key = str(key)
                result[key] = self.construct_object(value_node, deep=True)
                result.key_locs[key] = _loc(file, key_node)
                result.value_locs[key] = _loc(file, value_node)

        def construct_marked_sequence(self, node: yaml.SequenceNode) -> MarkedList:
            result = MarkedList()
            result.loc, result.item_locs = _loc(file, node), []
            yield result
            for item in node.value:
                result.append(self.construct_object(item, deep=True))
                result.item_locs.append(_loc(file, item))

    Loader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, Loader.construct_marked_mapping
    )
    Loader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, Loader.construct_marked_sequence
    )
    return Loader


class YamlSyntaxError(Exception):
    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc, self.message = loc, message


def load(text: str, file: str) -> Any:
    try:
        return yaml.load(text, Loader=_loader(file))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        loc = Loc(file, mark.line + 1, mark.column + 1) if mark else Loc(file, 1, 1)
        raise YamlSyntaxError(loc, f"not valid YAML: {error.problem}") from None
    except yaml.reader.ReaderError as error:
        # A control character (a NUL byte) that YAML does not allow in a file.
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        raise YamlSyntaxError(Loc(file, line, column), f"not valid YAML: {error.reason}") from None
