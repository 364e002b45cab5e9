"""Mapping files (``--mapping FILE``, ``--save-mapping``): YAML read strictly, with the line
of every mistake, and written back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from crmctl.errors import FileUnreadable, ValidationError
from crmctl.importer.fields import FIELDS, UNMAPPED_POLICIES, is_valid_field
from crmctl.importer.mapping import Mapping, SavedMapping

_STR_TAG = "tag:yaml.org,2002:str"
_FILE_KEYS = ("columns", "unmapped")


def _valid_fields_text() -> str:
    return ", ".join([*FIELDS, "custom.KEY"])


def _where(path: Path, node: Any) -> str:
    mark = node.start_mark
    return f"{path}:{mark.line + 1}:{mark.column + 1}"


def _compose(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FileUnreadable(f"{path}: cannot read the mapping file ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise ValidationError(f"{path}: cannot read the mapping file ({error})") from None
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(error, "problem", None) or error
        raise ValidationError(f"{where}: invalid YAML ({problem})") from None


def _pairs(path: Path, node: Any, what: str) -> list[tuple[Any, Any]]:
    """The key/value nodes of a mapping node; text keys only, each once."""
    if not isinstance(node, yaml.MappingNode):
        raise ValidationError(f"{_where(path, node)}: {what} must be a mapping")
    seen: set[str] = set()
    for key, _value in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag != _STR_TAG:
            shown = key.value if isinstance(key, yaml.ScalarNode) else "…"
            raise ValidationError(
                f'{_where(path, key)}: column header {shown} must be text; quote it: "{shown}"'
            )
        if key.value in seen:
            raise ValidationError(f'{_where(path, key)}: "{key.value}" is listed twice')
        seen.add(key.value)
    return list(node.value)


def _scalar_text(path: Path, node: Any, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or node.tag != _STR_TAG:
        raise ValidationError(f"{_where(path, node)}: {what} must be text")
    return str(node.value)


def _column_field(path: Path, header: str, node: Any) -> str:
    name = _scalar_text(path, node, f'the field for column "{header}"').strip()
    if not is_valid_field(name):
        raise ValidationError(
            f'{_where(path, node)}: unknown field "{name}" for column "{header}"; '
            f"valid fields: {_valid_fields_text()}"
        )
    return name


def load_mapping(path: Path) -> SavedMapping:
    """Read ``columns: {"Header": field}`` (and ``unmapped: custom|ignore``) from YAML.

    Errors name ``file:line:column``. The result is a plain ``dict`` for
    ``build_mapping(saved=…)``; ``.unmapped`` is the policy, or None if not set.
    """
    root = _compose(path)
    if root is None:
        raise ValidationError(f'{path}: the mapping file is empty; expected "columns:"')
    columns: dict[str, str] = {}
    unmapped: str | None = None
    has_columns = False
    for key, value in _pairs(path, root, "the mapping file"):
        if key.value == "columns":
            has_columns = True
            for header, target in _pairs(path, value, '"columns"'):
                columns[header.value] = _column_field(path, header.value, target)
        elif key.value == "unmapped":
            unmapped = _scalar_text(path, value, '"unmapped"')
            if unmapped not in UNMAPPED_POLICIES:
                raise ValidationError(
                    f'{_where(path, value)}: unmapped must be "custom" or "ignore", '
                    f'not "{unmapped}"'
                )
        else:
            raise ValidationError(
                f'{_where(path, key)}: unknown key "{key.value}"; expected "columns" or "unmapped"'
            )
    if not has_columns:
        raise ValidationError(f'{path}: no "columns:" mapping of "Header": field')
    return SavedMapping(columns, unmapped)


def save_mapping(path: Path, mapping: Mapping) -> None:
    """Write ``mapping`` in the format ``load_mapping`` reads (UTF-8, sheet column order)."""
    body = yaml.safe_dump(
        mapping.as_yaml_dict(),
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=10_000,  # one line per column, however long its header
    )
    header = (
        f'# crmctl import column mapping: "column header": field. Fields: {_valid_fields_text()}.\n'
    )
    path.write_text(header + body, encoding="utf-8")
