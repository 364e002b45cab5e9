"""Geometry of an inline SVG bar chart for HTML reports (no JavaScript, no assets).

Horizontal bars, one group per row, one bar per series; the template draws them.
Coordinates are rounded to one decimal so the HTML is byte-identical between runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crmctl.reports.result import ReportResult, category_label

LABEL_WIDTH = 220
BAR_AREA = 440
VALUE_WIDTH = 140
BAR_HEIGHT = 12
GROUP_GAP = 10
TOP = 30
COLOURS = ("#9db4d0", "#1f5d99", "#c97b2a", "#5a9a54")


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    colour: str
    value: str


@dataclass(frozen=True)
class Group:
    label: str
    label_y: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Legend:
    label: str
    colour: str
    x: int


@dataclass(frozen=True)
class SvgChart:
    title: str
    width: int
    height: int
    label_width: int
    groups: tuple[Group, ...]
    legend: tuple[Legend, ...]
    currency: str = ""  # set on a chart per currency: drawn as its caption


def _fixed(number: float | Decimal) -> str:
    return f"{float(number):.1f}"


def bar_chart(result: ReportResult, currency: str | None = None) -> SvgChart:
    """The chart of ``result``'s rows, or of the rows in ``currency`` only."""
    from crmctl.reports.render import cell_text, header  # noqa: PLC0415  (circle: reports.svg ↔ reports.render)

    assert result.chart is not None
    spec = result.chart
    rows = [r for r in result.rows if currency is None or r.get("currency") == currency]
    series = [result.column(key) for key in spec.series_keys]
    peak = max((Decimal(row.get(s.key) or 0) for row in rows for s in series), default=Decimal(0))
    group_height = BAR_HEIGHT * len(series) + GROUP_GAP
    groups = []
    for index, row in enumerate(rows):
        top = TOP + index * group_height
        bars = []
        for position, column in enumerate(series):
            amount = Decimal(row.get(column.key) or 0)
            width = BAR_AREA * amount / peak if peak > 0 else Decimal(0)
            bars.append(
                Bar(
                    x=str(LABEL_WIDTH),
                    y=_fixed(top + position * BAR_HEIGHT),
                    width=_fixed(width),
                    colour=COLOURS[position % len(COLOURS)],
                    value=cell_text(result, row, column),
                )
            )
        label_y = _fixed(top + BAR_HEIGHT * len(series) / 2 + 4)
        groups.append(Group(_category(result, row), label_y, tuple(bars)))
    legend = tuple(
        Legend(header(result, column), COLOURS[i % len(COLOURS)], LABEL_WIDTH + i * 160)
        for i, column in enumerate(series)
    )
    height = TOP + len(rows) * group_height + 10
    title = f"{spec.title} ({currency})" if currency else spec.title
    return SvgChart(
        title,
        LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
        height,
        LABEL_WIDTH,
        tuple(groups),
        legend,
        currency or "",
    )


def _category(result: ReportResult, row: Mapping[str, Any]) -> str:
    """The bar group's label: display texts (stage labels, names) when the result has them."""
    from crmctl.reports.render import cell_text  # noqa: PLC0415  (circle: reports.svg ↔ reports.render)

    if result.lang is None:
        return category_label(row, result.chart.category_keys if result.chart else ())

    keys = result.chart.category_keys if result.chart else ()
    texts = [cell_text(result, row, result.column(key)) for key in keys]
    return " / ".join(text or "—" for text in texts)
