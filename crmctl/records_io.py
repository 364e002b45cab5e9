"""Reading records back from what ``list -o json|jsonl|yaml`` printed."""

from __future__ import annotations

import json
from typing import Any

import yaml

from crmctl.errors import ValidationError
from crmctl.text import nfc


def read_records(text: str, source: str) -> list[Any]:
    """A JSON array or object, JSON lines, or a YAML list or mapping; texts in NFC.

    Empty input is an error: a pipe whose producer failed must not look like success.
    An explicit empty list (``[]``) is zero records.
    """
    records = _parsed(text, source)
    if text.isascii() and "\\u" not in text:  # nothing to compose: the usual case
        return records
    try:
        return [_composed(record) for record in records]
    except RecursionError:
        raise ValidationError(f"{source}: the records are nested too deeply") from None


def _composed(value: Any) -> Any:
    # After parsing: JSON may spell a decomposed letter as an escape ("a\u0301").
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {_composed(key): _composed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_composed(item) for item in value]
    return value


def _parsed(text: str, source: str) -> list[Any]:
    stripped = text.strip()
    if not stripped:
        raise ValidationError(
            f"{source}: no records on input; give the output of `crmctl … list -o json`"
        )
    try:
        return _parse(text, stripped, source)
    except RecursionError:
        raise ValidationError(
            f"{source}: nested too deeply to be records; give the output of `crmctl … list -o json`"
        ) from None


def _parse(text: str, stripped: str, source: str) -> list[Any]:
    if stripped[0] in "[{":
        try:
            return _as_list(json.loads(stripped))
        except json.JSONDecodeError as error:
            if stripped[0] == "{" and error.msg == "Extra data":
                return _json_lines(text, source)
            raise ValidationError(
                f"{source}:{error.lineno}:{error.colno}: invalid JSON ({error.msg})"
            ) from None
    return _yaml(text, source)


def _json_lines(text: str, source: str) -> list[Any]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ValidationError(
                f"{source}:{number}:{error.colno}: invalid JSON line ({error.msg})"
            ) from None
    return records


def _yaml(text: str, source: str) -> list[Any]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        raise ValidationError(
            f"{where}: neither JSON nor valid YAML ({getattr(error, 'problem', error)})"
        ) from None
    if not isinstance(loaded, list | dict):
        raise ValidationError(f"{source}: expected a list of records (JSON, JSON lines or YAML)")
    return _as_list(loaded)


def _as_list(loaded: Any) -> list[Any]:
    return loaded if isinstance(loaded, list) else [loaded]
