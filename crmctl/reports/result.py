"""What every report returns: typed columns, rows, totals and a chart spec.

A report never formats anything itself; ``crmctl.reports.render`` turns a result into a
terminal table, CSV, JSON, XLSX or HTML, the same way for every report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class ColumnKind(StrEnum):
    text = "text"
    month = "month"  # "2026-03", kept as text so that every format shows the same key
    money = "money"  # Decimal with two places
    percent = "percent"  # a number 0–100 (not a fraction), one decimal place
    int = "int"
    number = "number"  # a Decimal shown with one decimal place (days, averages)
    date = "date"  # a ``date``: ISO in CSV/JSON, ``7. 12. 2026`` for people


NUMERIC_KINDS = frozenset({ColumnKind.money, ColumnKind.percent, ColumnKind.int, ColumnKind.number})


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = ColumnKind.text
    total: bool = True  # False: an int that is an id, not a count, is not summed

    @property
    def summed(self) -> bool:
        return self.total and self.kind in (ColumnKind.money, ColumnKind.int)


@dataclass(frozen=True)
class ChartSpec:
    """A bar chart: one category per row (``category_keys`` joined), one series per column."""

    title: str
    category_keys: tuple[str, ...]
    series_keys: tuple[str, ...]
    # One chart per currency (rows must come grouped by currency, as ``by_currency`` sorts).
    per_currency: bool = False


@dataclass(frozen=True)
class ReportResult:
    name: str  # "forecast": also the HTML template's name
    title: str
    columns: tuple[Column, ...]
    rows: Sequence[Mapping[str, Any]]
    # One totals row per currency (or a single one); numeric columns are sums of the rows.
    totals: Sequence[Mapping[str, Any]] = ()
    chart: ChartSpec | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    # The language of human formats (``crmctl.present``); ``None`` keeps forecast's
    # original look (plain labels, no currency symbol in cells).
    lang: str | None = None
    # What people see instead of a stored key: {"stage": {"nabidka": "Nabídka"}, …}.
    display: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)

    def column(self, key: str) -> Column:
        return next(column for column in self.columns if column.key == key)

    @property
    def currency_column(self) -> str | None:
        return "currency" if any(c.key == "currency" for c in self.columns) else None


def sum_rows(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[Column], label_key: str, label: str
) -> dict[str, Any]:
    """A totals row: sums of money and int columns; percents and text stay empty."""
    total: dict[str, Any] = {column.key: None for column in columns}
    for column in columns:
        if column.summed and column.kind is ColumnKind.money:
            total[column.key] = sum((row[column.key] or Decimal(0) for row in rows), Decimal(0))
        elif column.summed:
            total[column.key] = sum(row[column.key] or 0 for row in rows)
    total[label_key] = label
    return total


def category_label(row: Mapping[str, Any], keys: Sequence[str]) -> str:
    return " / ".join("—" if row.get(key) in (None, "") else str(row[key]) for key in keys)


def currency_totals(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[Column],
    label_key: str,
    label: str = "Total",
    finish: Callable[[dict[str, Any], Sequence[Mapping[str, Any]]], None] | None = None,
) -> list[dict[str, Any]]:
    """One totals row per currency (or one when there is no currency column).

    ``finish(total, rows_of_that_currency)`` fills what is not a sum (rates, averages).
    """
    has_currency = any(column.key == "currency" for column in columns)
    currencies = sorted({row["currency"] for row in rows}) if has_currency else [None]
    totals = []
    for currency in currencies:
        mine = [row for row in rows if not has_currency or row["currency"] == currency]
        total = sum_rows(mine, columns, label_key, label)
        if has_currency:
            total["currency"] = currency
        if finish is not None:
            finish(total, mine)
        totals.append(total)
    return totals


def by_currency(key: Callable[[Mapping[str, Any]], Any]) -> Callable[[Mapping[str, Any]], Any]:
    """A sort key that groups rows by currency first (a chart per currency needs that)."""
    return lambda row: (row.get("currency") or "", key(row))
