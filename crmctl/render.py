"""Turning records (plain dicts) into table, json, jsonl, csv, yaml or xlsx on a stream.

Services return data; only this module knows formats. The JSON shape of a record is
the same in every command, so output can be piped back into ``apply``.
"""

from __future__ import annotations

import csv
import json
import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from crmctl import clock
from crmctl.errors import UsageError
from crmctl.screen import EMPHASISED, PIPE, Screen, column_kind, fitted_table, row_style
from crmctl.values import jsonable

# Cells that spreadsheets would run as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# ... unless the cell is a phone number or a number: digits, spaces, ( ) . / - after one
# leading + or -. Without a letter, = or @ no function runs, so "+420 601 123 456" and
# "-5" stay as they are instead of gaining a ' that Excel would show.
PHONE_OR_NUMBER = re.compile(r"[+-]?[0-9 ()./-]*[0-9][0-9 ()./-]*")
# CSV for Czech Excel (``--excel``): it opens by double-click with the right columns,
# accents and decimal commas only as UTF-8 with a byte order mark, ``;`` and CRLF.
EXCEL_BOM = "\ufeff"

NUMERIC_CHARS = frozenset("0123456789+-.,_: eE")

Formatter = Callable[[Any], str]


class OutputFormat(StrEnum):
    table = "table"
    wide = "wide"  # a table of every field, nothing cut (issue 20)
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    yaml = "yaml"
    xlsx = "xlsx"

    @property
    def tabular(self) -> bool:
        """A table for people (``table`` or ``wide``), not a format for programs."""
        return self in (OutputFormat.table, OutputFormat.wide)


def select_fields(
    records: Sequence[Mapping[str, Any]], fields: str | None, default: Sequence[str] | None
) -> list[dict[str, Any]]:
    """Keep the requested fields (``--fields a,b``) in the requested order."""
    if fields:
        wanted = [name.strip() for name in fields.split(",") if name.strip()]
        # Any record's keys: a limited record (a company card) has fewer than a full one.
        keys = {name: None for record in records for name in record}
        unknown = [name for name in wanted if name not in keys]
        if records and unknown:
            known = ", ".join(keys)
            raise UsageError(f"unknown field(s) in --fields: {', '.join(unknown)}; known: {known}")
    elif default is not None:
        # The command's own columns: a limited record shows the ones it has.
        wanted = list(default)
    else:
        return [dict(record) for record in records]
    return [{name: record.get(name) for name in wanted} for record in records]


def every_field(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every field any record has, in the order they first appear (``-o wide``)."""
    return list({name: None for record in records for name in record})


def _table_rows(
    records: Sequence[Mapping[str, Any]],
    fields: str | None,
    default: Sequence[str] | None,
    output: OutputFormat,
) -> list[dict[str, Any]]:
    """The rows of a table: ``-o wide`` shows every field unless ``--fields`` says."""
    if output is OutputFormat.wide and not fields:
        wanted = every_field(records)
        return [{name: record.get(name) for name in wanted} for record in records]
    return select_fields(records, fields, default)


def write_records(
    stream: TextIO,
    records: Sequence[Mapping[str, Any]],
    output: OutputFormat,
    *,
    fields: str | None = None,
    table_fields: Sequence[str] | None = None,
    formatters: Mapping[str, Formatter] | None = None,
    tz: ZoneInfo | None = None,
    screen: Screen | None = None,
    excel: bool = False,
) -> None:
    """``excel``: CSV in Czech Excel's dialect (``--excel``)."""
    if output.tabular:
        rows = _table_rows(records, fields, table_fields, output)
        shown = table(rows, formatters or {}, tz, _screen(screen, output), records)
        write_text(stream, shown + "\n")
        return
    rows = select_fields(records, fields, None)
    _write_machine(stream, rows, output, tz, excel)


def _write_machine(
    stream: TextIO, rows: list[dict[str, Any]], output: OutputFormat, tz: ZoneInfo | None,
    excel: bool,
) -> None:  # fmt: skip
    if output is OutputFormat.csv:
        _write_csv(stream, rows, excel=excel, tz=tz)
    elif output is OutputFormat.xlsx:
        _write_xlsx(stream, rows, tz)
    else:
        _MACHINE_WRITERS[output](stream, rows)


def write_grouped(
    stream: TextIO,
    records: Sequence[Mapping[str, Any]],
    output: OutputFormat,
    *,
    group_by: str,
    heading: Callable[[Any], str],
    fields: str | None = None,
    table_fields: Sequence[str] | None = None,
    tz: ZoneInfo | None = None,
    screen: Screen | None = None,
    excel: bool = False,
) -> None:
    """A table per group (records arrive sorted by ``group_by``) under a heading line;
    machine formats get the plain records, the group key being one of their fields."""
    if not output.tabular:
        write_records(stream, records, output, fields=fields, tz=tz, excel=excel)
        return
    if not records:
        stream.write("(no records)\n")
        return
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for record in records:
        groups.setdefault(record[group_by], []).append(record)
    shown = _screen(screen, output)
    blocks = [
        heading(key)
        + "\n"
        + table(_table_rows(rows, fields, table_fields, output), {}, tz, shown, rows)
        for key, rows in groups.items()
    ]
    write_text(stream, "\n\n".join(blocks) + "\n")


def write_record(
    stream: TextIO,
    record: Mapping[str, Any],
    output: OutputFormat,
    *,
    fields: str | None = None,
    formatters: Mapping[str, Formatter] | None = None,
    tz: ZoneInfo | None = None,
    excel: bool = False,
) -> None:
    """One record: a key/value card as a table, a single object in JSON and YAML."""
    (selected,) = select_fields([record], fields, None)
    if output.tabular:
        write_text(stream, card(selected, formatters or {}, tz) + "\n")
    elif output is OutputFormat.json:
        write_text(stream, json.dumps(jsonable(selected), ensure_ascii=False, indent=2) + "\n")
    elif output is OutputFormat.yaml:
        _write_yaml(stream, jsonable(selected))
    else:
        _write_machine(stream, [selected], output, tz, excel)


CHUNK = 1 << 14


def write_text(stream: TextIO, text: str) -> None:
    """Write in pieces: one big write into a pipe whose reader left (``| head``) is cut
    short without an error by CPython, so the command would exit 0 with its output
    truncated; the next piece raises ``BrokenPipeError`` (exit 141, see cli.common)."""
    for start in range(0, len(text), CHUNK):
        stream.write(text[start : start + CHUNK])


def _screen(screen: Screen | None, output: OutputFormat) -> Screen:
    """``-o wide`` is the screen's layout without a width: every column, nothing cut."""
    screen = screen or PIPE
    if output is OutputFormat.wide:
        return Screen(width=None, color=screen.color, wide=True)
    return screen


def table(
    rows: Sequence[Mapping[str, Any]],
    formatters: Mapping[str, Formatter],
    tz: ZoneInfo | None,
    screen: Screen = PIPE,
    records: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """``records`` are the whole records behind ``rows`` (colour reads their status)."""
    if not rows:
        return "(no records)"
    headers = list(rows[0].keys())
    body = [[cell(row[name], formatters.get(name), tz) for name in headers] for row in rows]
    if screen.fitted:
        return screen_table(headers, rows, body, tz, screen, records or rows)
    if all(_plain(text) for text in headers) and all(
        _plain(text) for line in body for text in line
    ):
        return plain_table(headers, body)
    from tabulate import tabulate  # noqa: PLC0415  (start-up)

    return tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)


def screen_table(
    headers: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
    body: Sequence[Sequence[str]],
    tz: ZoneInfo | None,
    screen: Screen,
    records: Sequence[Mapping[str, Any]],
) -> str:
    """The table as a terminal shows it: fitted, numbers right, colour if wanted."""
    kinds = [column_kind(name, [row[name] for row in rows]) for name in headers]
    styles: list[str] = []
    if screen.color:
        today = clock.now().astimezone(tz or ZoneInfo(clock.DEFAULT_TIMEZONE)).date()
        styles = [row_style(record, today) for record in records]
    return fitted_table(
        headers, body, kinds, screen.width, styles=styles, color=screen.color,
        emphasis=[name in EMPHASISED for name in headers],
    )  # fmt: skip


def plain_table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> str:
    """tabulate's ``simple`` table, byte for byte, for one-line narrow-character cells.

    Importing tabulate and letting it measure every cell took ~25 ms of the ~180-row
    ``tasks overdue``; this is what it produces for such cells (tests/test_render.py
    compares the two): columns as wide as the widest cell or the header plus two,
    two spaces between them, no trailing spaces.
    """
    widths = [len(header) + 2 for header in headers]
    for line in body:
        widths = [max(width, len(text)) for width, text in zip(widths, line, strict=True)]

    def joined(texts: Sequence[str]) -> str:
        return "  ".join(text.ljust(width) for text, width in zip(texts, widths, strict=True))

    lines = [joined(headers), joined(["-" * width for width in widths])]
    lines += [joined(line) for line in body]
    return "\n".join(line.rstrip() for line in lines)


def _plain(text: str) -> bool:
    """One column per character and nothing tabulate treats specially (line breaks,
    escape codes, surrounding whitespace): then ``len`` is the display width."""
    if text != text.strip(" "):
        return False
    if text.isascii():
        return text.isprintable()
    return all(_narrow(char) for char in text)


def _narrow(char: str) -> bool:
    if char.isascii():
        return char.isprintable()
    return (
        unicodedata.east_asian_width(char) in ("N", "Na", "H", "A")
        and unicodedata.category(char)[0] in "LNPS"
    )


def card(
    record: Mapping[str, Any], formatters: Mapping[str, Formatter], tz: ZoneInfo | None
) -> str:
    width = max((len(key) for key in record), default=0)
    lines = []
    for key, value in record.items():
        text = cell(value, formatters.get(key), tz)
        lines.append(f"{key.ljust(width)}  {text}")
    return "\n".join(lines)


def cell(value: Any, formatter: Formatter | None, tz: ZoneInfo | None) -> str:
    """A human-readable cell: local time, lists joined, empty for null."""
    if formatter is not None:
        return formatter(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        # Local time without seconds or offset; an aware time is never shown in UTC.
        zone = tz or (_default_zone() if value.tzinfo is not None else None)
        local = value.astimezone(zone) if zone else value
        return local.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(cell(item, None, tz) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={cell(v, None, tz)}" for k, v in value.items())
    return str(value)


def _default_zone() -> ZoneInfo:
    """The zone of a command that did not pass its settings' (``CRM_TIMEZONE`` or Prague)."""
    return ZoneInfo(os.environ.get("CRM_TIMEZONE") or clock.DEFAULT_TIMEZONE)


def _write_json(stream: TextIO, rows: list[dict[str, Any]]) -> None:
    write_text(stream, json.dumps(jsonable(rows), ensure_ascii=False, indent=2) + "\n")


def _write_jsonl(stream: TextIO, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        stream.write(json.dumps(jsonable(row), ensure_ascii=False) + "\n")


def _write_yaml(stream: TextIO, data: Any) -> None:
    import yaml  # noqa: PLC0415  (start-up)

    class Dumper(yaml.SafeDumper):
        pass

    def represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        # IČO "00006947" or PSČ "110 00" must stay text for YAML 1.2 readers (yq) too.
        numeric_looking = value != "" and all(ch in NUMERIC_CHARS for ch in value)
        style = "'" if numeric_looking else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, represent_str)
    yaml.dump(
        data, stream, Dumper=Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False
    )


def _write_yaml_records(stream: TextIO, rows: list[dict[str, Any]]) -> None:
    # The same plain values as JSON (Decimal as text, dates ISO): list and show agree.
    _write_yaml(stream, jsonable(rows))


def _write_csv(
    stream: TextIO, rows: list[dict[str, Any]], *, excel: bool = False, tz: ZoneInfo | None = None
) -> None:
    if not rows:
        if excel:  # an empty file Excel still reads as UTF-8
            stream.write(EXCEL_BOM)
        return
    if excel:
        stream.write(EXCEL_BOM)
        writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    else:
        writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(list(rows[0].keys()))
    for row in rows:
        writer.writerow([csv_cell(value, excel=excel, tz=tz) for value in row.values()])


def csv_cell(value: Any, *, excel: bool = False, tz: ZoneInfo | None = None) -> str:
    """Flat text for one CSV cell; text that would run as a formula gets a ``'`` so it
    stays text (a phone number or a number does not need one).

    ``excel``: numbers with a decimal comma (``1234,50``), times in local time without
    an offset (``2026-12-07 14:30:00``), as Czech Excel reads them; lists as text.
    """
    if value is None:
        return ""
    if excel and isinstance(value, list | dict):
        text = cell(value, None, tz)  # "a, b" as in the table and the workbook, not JSON
    elif isinstance(value, list | dict):
        text = json.dumps(jsonable(value), ensure_ascii=False)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif excel and isinstance(value, datetime):
        local = value.astimezone(tz) if tz and value.tzinfo else value
        text = local.replace(tzinfo=None).isoformat(sep=" ", timespec="seconds")
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    elif excel and isinstance(value, Decimal | float):
        exact = format(value, "f") if isinstance(value, Decimal) else repr(value)
        text = exact.replace(".", ",")
    else:
        text = str(value)
    if isinstance(value, str) and needs_formula_guard(text):
        return "'" + text
    return text


def needs_formula_guard(text: str) -> bool:
    """A spreadsheet would run ``text`` as a formula: ``=…``, ``@…``, ``+A1``, ``-cmd|…``."""
    return text.startswith(FORMULA_PREFIXES) and PHONE_OR_NUMBER.fullmatch(text) is None


def _write_xlsx(stream: TextIO, rows: list[dict[str, Any]], tz: ZoneInfo | None) -> None:
    """The workbook's bytes under the text stream (a file, or stdout into a pipe)."""
    from crmctl.workbook import records_xlsx  # noqa: PLC0415  (start-up: openpyxl)

    data = records_xlsx(rows, tz)
    stream.flush()
    stream.buffer.write(data)  # type: ignore[attr-defined]
    stream.flush()


_MACHINE_WRITERS: dict[OutputFormat, Callable[[TextIO, list[dict[str, Any]]], None]] = {
    OutputFormat.json: _write_json,
    OutputFormat.jsonl: _write_jsonl,
    OutputFormat.csv: _write_csv,
    OutputFormat.yaml: _write_yaml_records,
}
