"""Geometry of an inline SVG bar chart for HTML reports (no JavaScript, no assets).

Horizontal bars, one group per row, one bar per series; the template draws them.
Coordinates are rounded to one decimal so the HTML is byte-identical between runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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


def _fixed(number: float | Decimal) -> str:
    return f"{float(number):.1f}"


def bar_chart(result: ReportResult) -> SvgChart:
    from crmctl.reports.render import human

    assert result.chart is not None
    spec = result.chart
    series = [result.column(key) for key in spec.series_keys]
    peak = max(
        (Decimal(row.get(s.key) or 0) for row in result.rows for s in series), default=Decimal(0)
    )
    group_height = BAR_HEIGHT * len(series) + GROUP_GAP
    groups = []
    for index, row in enumerate(result.rows):
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
                    value=human(row.get(column.key), column.kind),
                )
            )
        label_y = _fixed(top + BAR_HEIGHT * len(series) / 2 + 4)
        groups.append(Group(category_label(row, spec.category_keys), label_y, tuple(bars)))
    legend = tuple(
        Legend(column.label, COLOURS[i % len(COLOURS)], LABEL_WIDTH + i * 160)
        for i, column in enumerate(series)
    )
    height = TOP + len(result.rows) * group_height + 10
    return SvgChart(
        spec.title, LABEL_WIDTH + BAR_AREA + VALUE_WIDTH, height, LABEL_WIDTH, tuple(groups), legend
    )
