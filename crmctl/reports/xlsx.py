"""One formatted worksheet with a native Excel bar chart, written without "now" in it.

Row 1 is the header (bold, frozen), then the rows, then the totals as ``SUM``/``SUMIF``
formulas over the rows, so the sheet keeps adding up when someone edits it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, MultiLevelStrRef, StrRef
from openpyxl.chart.series_factory import SeriesFactory
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from crmctl.reports.render import cell_text, header
from crmctl.reports.result import ColumnKind, ReportResult

MAX_WIDTH = 50


def build_workbook(
    result: ReportResult,
    money_format: Callable[[str | None], str],
    formats: Mapping[ColumnKind, str],
) -> Workbook:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    # Excel refuses []:*?/\ in sheet names ("Funnel: Prodej").
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", result.title).strip()[:31] or "Report"
    _page_setup(sheet)
    sheet.append([header(result, column) for column in result.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in result.rows:
        _append(sheet, row, result, money_format, formats)
    last_data_row = sheet.max_row
    for total in result.totals:
        _append_total(sheet, total, result, last_data_row, money_format, formats)
    _set_widths(sheet, result)
    if result.chart and result.rows and result.chart.per_currency:
        _add_currency_charts(sheet, result)
    elif result.chart and result.rows:
        _add_chart(sheet, result, last_data_row)
    return workbook


def _page_setup(sheet: Worksheet) -> None:
    """Prints on A4, landscape, one page wide, the header repeated on every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _stored(result: ReportResult, row: Mapping[str, Any], column: Any) -> Any:
    """A cell's value: numbers as numbers, keys shown as their labels (stage, name)."""
    value = row.get(column.key)
    if column.kind is ColumnKind.text and value is not None:
        return result.display.get(column.key, {}).get(value, value)
    return value


def _append(
    sheet: Worksheet,
    row: Mapping[str, Any],
    result: ReportResult,
    money_format: Callable[[str | None], str],
    formats: Mapping[ColumnKind, str],
) -> None:
    sheet.append([_stored(result, row, column) for column in result.columns])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"  # text such as "=cmd" stays text, never a formula
    _format_row(sheet, sheet.max_row, row.get("currency"), result, money_format, formats)


def _format_row(
    sheet: Worksheet,
    index: int,
    currency: str | None,
    result: ReportResult,
    money_format: Callable[[str | None], str],
    formats: Mapping[ColumnKind, str],
) -> None:
    for position, column in enumerate(result.columns, start=1):
        cell = sheet.cell(row=index, column=position)
        if column.kind is ColumnKind.money:
            cell.number_format = money_format(currency)
        elif column.kind in formats:
            cell.number_format = formats[column.kind]


def _append_total(
    sheet: Worksheet,
    total: Mapping[str, Any],
    result: ReportResult,
    last_data_row: int,
    money_format: Callable[[str | None], str],
    formats: Mapping[ColumnKind, str],
) -> None:
    index = sheet.max_row + 1
    currency_letter = _letter(result, "currency")
    for position, column in enumerate(result.columns, start=1):
        value = _stored(result, total, column)
        if column.summed and result.rows:
            value = _sum_formula(
                get_column_letter(position),
                last_data_row,
                currency_letter,
                total.get("currency") if len(result.totals) > 1 else None,
            )
        sheet.cell(row=index, column=position, value=value).font = Font(bold=True)
    _format_row(sheet, index, total.get("currency"), result, money_format, formats)


def _sum_formula(letter: str, last: int, currency_letter: str | None, currency: str | None) -> str:
    cells = f"{letter}2:{letter}{last}"
    if currency_letter and currency:
        return f'=SUMIF({currency_letter}2:{currency_letter}{last},"{currency}",{cells})'
    return f"=SUM({cells})"


def _letter(result: ReportResult, key: str) -> str | None:
    for position, column in enumerate(result.columns, start=1):
        if column.key == key:
            return get_column_letter(position)
    return None


def _set_widths(sheet: Worksheet, result: ReportResult) -> None:
    for position, column in enumerate(result.columns, start=1):
        texts = [header(result, column)] + [
            cell_text(result, row, column) for row in (*result.rows, *result.totals)
        ]
        width = min(MAX_WIDTH, max(len(text) for text in texts) + 4)
        sheet.column_dimensions[get_column_letter(position)].width = width


def _add_chart(sheet: Worksheet, result: ReportResult, last_data_row: int) -> None:
    assert result.chart is not None
    chart = BarChart()
    chart.type = "col"
    chart.title = result.chart.title
    chart.width, chart.height = 24, 12
    for key in result.chart.series_keys:
        position = _position(result, key)
        data = Reference(sheet, min_col=position, min_row=1, max_row=last_data_row)
        chart.add_data(data, titles_from_data=True)
    positions = [_position(result, key) for key in result.chart.category_keys]
    categories = Reference(
        sheet, min_col=min(positions), max_col=max(positions), min_row=2, max_row=last_data_row
    )
    # Text categories (one column, or several as a multi-level axis), not numbers.
    for series in chart.series:
        if len(positions) == 1:
            series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
        else:
            series.cat = AxDataSource(multiLvlStrRef=MultiLevelStrRef(f=str(categories)))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    anchor_column = get_column_letter(len(result.columns) + 2)
    sheet.add_chart(chart, f"{anchor_column}2")


def _add_currency_charts(sheet: Worksheet, result: ReportResult) -> None:
    """One chart per currency over that currency's (contiguous) rows, stacked vertically."""
    assert result.chart is not None
    spans: dict[str, list[int]] = {}
    for index, row in enumerate(result.rows, start=2):
        spans.setdefault(str(row.get("currency")), []).append(index)
    anchor_column = get_column_letter(len(result.columns) + 2)
    for number, (currency, indexes) in enumerate(sorted(spans.items())):
        first, last = min(indexes), max(indexes)
        chart = BarChart()
        chart.type = "col"
        chart.title = f"{result.chart.title} ({currency})"
        chart.width, chart.height = 24, 12
        for key in result.chart.series_keys:
            position = _position(result, key)
            data = Reference(sheet, min_col=position, min_row=first, max_row=last)
            series = SeriesFactory(data, title=header(result, result.column(key)))
            chart.series.append(series)
        positions = [_position(result, key) for key in result.chart.category_keys]
        categories = Reference(
            sheet, min_col=min(positions), max_col=max(positions), min_row=first, max_row=last
        )
        for series in chart.series:
            if len(positions) == 1:
                series.cat = AxDataSource(strRef=StrRef(f=str(categories)))
            else:
                series.cat = AxDataSource(multiLvlStrRef=MultiLevelStrRef(f=str(categories)))
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        sheet.add_chart(chart, f"{anchor_column}{2 + number * 25}")


def _position(result: ReportResult, key: str) -> int:
    return next(i for i, c in enumerate(result.columns, start=1) if c.key == key)


def formula_cache(result: ReportResult) -> dict[str, str]:
    """Cell → the value of each totals formula, so a reader that does not recalculate
    (a viewer, a script reading cached values) sees the totals too."""
    cached: dict[str, str] = {}
    if not result.rows:
        return cached
    first_total_row = 2 + len(result.rows)
    for offset, total in enumerate(result.totals):
        for position, column in enumerate(result.columns, start=1):
            value = total.get(column.key)
            if column.summed and value is not None:
                cached[f"{get_column_letter(position)}{first_total_row + offset}"] = str(value)
    return cached


def cache_formulas(sheet_xml: bytes, cached: Mapping[str, str]) -> bytes:
    """Fill the empty ``<v/>`` of the formula cells named in ``cached``."""
    if not cached:
        return sheet_xml

    def fill(match: re.Match[bytes]) -> bytes:
        value = cached.get(match.group(2).decode())
        if value is None:
            return match.group(0)
        return match.group(1) + b"<v>" + value.encode() + b"</v></c>"

    return re.sub(rb'(<c r="([A-Z]+[0-9]+)"[^>]*><f>[^<]*</f>)<v\s*/></c>', fill, sheet_xml)
