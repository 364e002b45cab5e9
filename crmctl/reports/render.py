"""Render a ``ReportResult`` as a terminal table, CSV, JSON, XLSX or HTML.

Same result in, same bytes out: CSV, JSON and HTML are byte-identical between runs;
XLSX has identical cells and fixed workbook properties and zip timestamps, so it is
byte-identical too. Nothing says "generated at" unless ``generated_at`` is given.

Number formats: CSV and JSON carry money as plain decimals with two places
(``1250000.00``; JSON as strings, so no reader turns them into floats), percents as
``0``–``100`` with one place (``25.0``) and counts as integers. Tables and HTML show
Czech formatting (``1 250 000,00``, ``25,0 %``); XLSX stores numbers and formats them
(``#,##0.00 "Kč"``), so a spreadsheet computes with exact values.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

from crmctl import present
from crmctl.errors import UsageError
from crmctl.render import EXCEL_BOM, csv_cell
from crmctl.reports.result import NUMERIC_KINDS, Column, ColumnKind, ReportResult
from crmctl.reports.svg import bar_chart
from crmctl.screen import Kind, fitted_table

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates"


class ReportFormat(StrEnum):
    table = "table"
    wide = "wide"  # the table with every column, whatever the terminal's width
    csv = "csv"
    json = "json"
    xlsx = "xlsx"
    html = "html"


FILE_ONLY = frozenset({ReportFormat.xlsx})


def report_format(value: str) -> ReportFormat:
    try:
        return ReportFormat(value)
    except ValueError:
        choices = "|".join(f.value for f in ReportFormat)
        raise UsageError(f"-o {value!r} is not a report format; use one of {choices}") from None


def write_report(
    result: ReportResult,
    fmt: ReportFormat,
    *,
    stdout: TextIO,
    output: Path | None = None,
    generated_at: datetime | None = None,
    width: int | None = None,
    excel: bool = False,
) -> None:
    """Write to ``output`` if given, else to ``stdout`` (XLSX needs a file); a table on
    stdout fits ``width`` (the terminal's), a file's never is cut; ``excel``: CSV for
    Czech Excel (``--excel``)."""
    if output is not None and str(output) in {f.value for f in ReportFormat}:
        raise UsageError(
            f"--output {output} names a file; for reports the format is -o {output} "
            f"(e.g. -o xlsx --output forecast.xlsx)"
        )
    if fmt is ReportFormat.xlsx:
        if output is None:
            raise UsageError("-o xlsx writes a file: pass --output FILE.xlsx")
        output.write_bytes(xlsx_bytes(result, generated_at))
        return
    if excel and fmt not in (ReportFormat.csv, ReportFormat.table, ReportFormat.wide):
        raise UsageError(f"--excel shapes CSV for Excel; use it with -o csv, not -o {fmt}")
    if fmt is ReportFormat.table and output is None and width is not None:
        stdout.write(render_table(result, generated_at, width))
        return
    if excel and fmt is ReportFormat.csv:
        text = render_csv(result, generated_at, excel=True)
    else:
        text = render_text(result, fmt, generated_at)
    if output is None:
        stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8", newline="")


def render_text(result: ReportResult, fmt: ReportFormat, generated_at: datetime | None) -> str:
    renderers: dict[ReportFormat, Callable[[ReportResult, datetime | None], str]] = {
        ReportFormat.table: render_table,
        ReportFormat.wide: render_table,
        ReportFormat.csv: render_csv,
        ReportFormat.json: render_json,
        ReportFormat.html: render_html,
    }
    return renderers[fmt](result, generated_at)


# --- plain values (CSV, JSON) --------------------------------------------------------------


def plain(value: Any, kind: ColumnKind) -> Any:
    """The exact machine value: money ``"1250000.00"``, percent ``"25.0"``, int, text."""
    if value is None:
        return None
    if kind is ColumnKind.money:
        return str(Decimal(value).quantize(CENT))
    if kind is ColumnKind.percent:
        return str(Decimal(value).quantize(TENTH))
    if kind is ColumnKind.int:
        return int(value)
    if kind is ColumnKind.number:
        return str(Decimal(value).quantize(TENTH))
    if kind is ColumnKind.date:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    return str(value)


def render_csv(
    result: ReportResult, generated_at: datetime | None = None, *, excel: bool = False
) -> str:
    """Header of column keys, then the rows; no totals row (sum the columns).

    ``excel`` (``--excel``): Czech Excel's CSV — a byte order mark, ``;``, CRLF and
    decimal commas (``1250000,00``).
    """
    buffer = io.StringIO()
    if excel:
        buffer.write(EXCEL_BOM)
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    else:
        writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.key for column in result.columns])
    for row in result.rows:
        writer.writerow([_csv_value(row.get(c.key), c, excel) for c in result.columns])
    return buffer.getvalue()


def _csv_value(value: Any, column: Column, excel: bool = False) -> str:
    shown = plain(value, column.kind)
    if shown is None:
        return ""
    if column.kind not in NUMERIC_KINDS:
        return csv_cell(shown, excel=excel)
    return str(shown).replace(".", ",") if excel else str(shown)


def render_json(result: ReportResult, generated_at: datetime | None = None) -> str:
    """Keys in a fixed order (report, title, params, columns, rows, totals, notes)."""
    document: dict[str, Any] = {"report": result.name, "title": result.title}
    if generated_at is not None:
        document["generated_at"] = generated_at.isoformat()
    document["params"] = dict(sorted(result.params.items()))
    document["columns"] = [
        {"key": c.key, "label": c.label, "kind": str(c.kind)} for c in result.columns
    ]
    document["rows"] = [_json_row(row, result.columns) for row in result.rows]
    document["totals"] = [_json_row(row, result.columns) for row in result.totals]
    document["notes"] = list(result.notes)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _json_row(row: Mapping[str, Any], columns: Sequence[Column]) -> dict[str, Any]:
    return {c.key: plain(row.get(c.key), c.kind) for c in columns}


# --- human values (table, HTML) ------------------------------------------------------------


def human(value: Any, kind: ColumnKind) -> str:
    """Czech formatting: ``1 250 000,00``, ``25,0 %``; empty for no value."""
    if value is None:
        return ""
    if kind is ColumnKind.money:
        return _grouped(Decimal(value).quantize(CENT))
    if kind is ColumnKind.percent:
        return f"{Decimal(value).quantize(TENTH)} %".replace(".", ",")
    if kind is ColumnKind.int:
        return f"{int(value):,}".replace(",", " ")
    if kind is ColumnKind.number:
        return str(Decimal(value).quantize(TENTH)).replace(".", ",")
    return str(value)


def cell_text(result: ReportResult, row: Mapping[str, Any], column: Column) -> str:
    """What a person sees in one cell: ``crmctl.present`` formats, labels for keys.

    A result without a language (forecast) keeps ``human``'s original look.
    """
    value = row.get(column.key)
    if result.lang is None:
        return human(value, column.kind)
    return present_value(value, column, row.get("currency"), result.lang, result.display)


def present_value(
    value: Any,
    column: Column,
    currency: str | None,
    lang: str,
    display: Mapping[str, Mapping[Any, str]],
) -> str:
    if value is None:
        return ""
    kind = column.kind
    if kind is ColumnKind.money:
        return present.money(value, currency, lang)
    if kind is ColumnKind.percent:
        return present.percent(value, lang)
    if kind is ColumnKind.int:
        return present.number(value, 0, lang)
    if kind is ColumnKind.number:
        return present.number(value, 1, lang)
    if kind is ColumnKind.date:
        return present.day(value, lang)
    shown = display.get(column.key, {}).get(value)
    return shown if shown is not None else str(value)


def header(result: ReportResult, column: Column) -> str:
    """A column's header for people: its label, in the result's language when it has one."""
    if result.lang is None:
        return column.label
    return present.word(column.key, result.lang, column.label)


def _grouped(amount: Decimal) -> str:
    text = f"{amount:,.2f}"
    return text.replace(",", " ").replace(".", ",")


def render_table(
    result: ReportResult, generated_at: datetime | None = None, width: int | None = None
) -> str:
    """The terminal table; with a ``width``, fitted to it (numbers are never cut)."""
    from tabulate import tabulate  # noqa: PLC0415  (start-up)

    if not result.rows:
        return "(no records)\n"
    headers = [header(result, c) for c in result.columns]
    body = [[cell_text(result, row, c) for c in result.columns] for row in result.rows]
    body += [[cell_text(result, row, c) for c in result.columns] for row in result.totals]
    if width is not None:
        return fitted_table(headers, body, [_screen_kind(c) for c in result.columns], width) + "\n"
    align = ["right" if c.kind in NUMERIC_KINDS else "left" for c in result.columns]
    text = tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True, colalign=align)
    return text + "\n"


def _screen_kind(column: Column) -> Kind:
    if column.kind in NUMERIC_KINDS:
        return Kind.number
    return Kind.fixed if column.kind in (ColumnKind.date, ColumnKind.month) else Kind.text


def template_environment() -> Any:
    """The Jinja2 environment of report templates (``templates/``), autoescaping HTML."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape  # noqa: PLC0415  (start-up)

    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(result: ReportResult, generated_at: datetime | None = None) -> str:
    template = template_environment().get_template(f"{result.name}.html")

    return template.render(**html_context(result, generated_at))


def html_context(result: ReportResult, generated_at: datetime | None) -> dict[str, Any]:
    """What a report template gets: headers, cell texts, params, the chart(s)."""

    def cells(row: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            {"text": cell_text(result, row, c), "numeric": c.kind in NUMERIC_KINDS}
            for c in result.columns
        ]

    charts = charts_for(result)
    return {
        "report": result,
        "columns": result.columns,
        "headers": [header(result, c) for c in result.columns],
        "rows": [cells(row) for row in result.rows],
        "totals": [cells(row) for row in result.totals],
        "params": sorted(
            (k, _param_text(v)) for k, v in result.params.items() if v not in (None, "")
        ),
        "chart": charts[0] if charts else None,
        "charts": charts,
        "generated_at": generated_at.isoformat() if generated_at else None,
    }


def charts_for(result: ReportResult) -> list[Any]:
    """The SVG chart, or one per currency when the chart spec asks for it."""
    if result.chart is None:
        return []
    if not result.chart.per_currency:
        return [bar_chart(result)]
    currencies = sorted({row.get("currency") for row in result.rows if row.get("currency")})
    return [bar_chart(result, currency) for currency in currencies]


def _param_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


# --- XLSX ----------------------------------------------------------------------------------


PERCENT_FORMAT = '0.0\\ "%"'
INT_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.0"


def xlsx_bytes(result: ReportResult, generated_at: datetime | None = None) -> bytes:
    from crmctl import workbook as saving  # noqa: PLC0415  (start-up)
    from crmctl.reports.xlsx import build_workbook, cache_formulas, formula_cache  # noqa: PLC0415  (start-up)

    formats = {ColumnKind.percent: PERCENT_FORMAT, ColumnKind.int: INT_FORMAT,
               ColumnKind.number: NUMBER_FORMAT, ColumnKind.date: saving.DATE_FORMAT}  # fmt: skip
    workbook = build_workbook(result, saving.money_format, formats)
    stamp = generated_at.replace(tzinfo=None) if generated_at else saving.FIXED_TIMESTAMP
    cached = formula_cache(result)
    sheet = "xl/worksheets/sheet1.xml"
    return saving.normalise_zip(
        saving.save_workbook(workbook, stamp), {sheet: lambda xml: cache_formulas(xml, cached)}
    )
