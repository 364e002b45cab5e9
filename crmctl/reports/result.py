"""What every report returns: typed columns, rows, totals and a chart spec.

A report never formats anything itself; ``crmctl.reports.render`` turns a result into a
terminal table, CSV, JSON, XLSX or HTML, the same way for every report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


NUMERIC_KINDS = frozenset({ColumnKind.money, ColumnKind.percent, ColumnKind.int})


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
