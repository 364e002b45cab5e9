"""Acceptance (issue 17 item 8): the dashboard renders in headless Chromium, every chart
drew and no text overflows its box; plus the LibreOffice check for the new reports.

A copy of the page gets a measuring script appended; ``chromium --dump-dom`` prints the
DOM after it ran, and the script's verdict is read back from it. Outside CI the test
skips when Chromium is missing; under ``CI=true`` that fails it (``.ci/run`` installs it).
A screenshot is kept beside the page (``dashboard.png``) for a person to look at.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import Crm
from tests.reports.test_forecast_libreoffice import convert_to_csv

MEASURE = """
<script>
(function () {
  const problems = [];
  const charts = document.querySelectorAll("svg.chart");
  charts.forEach(function (svg, index) {
    const bars = Array.from(svg.querySelectorAll("rect.bar"));
    const drawn = bars.filter(function (bar) { return bar.getBBox().width > 0; });
    if (bars.length === 0 || drawn.length === 0) problems.push("chart " + index + " drew no bar");
    const box = svg.viewBox.baseVal;
    svg.querySelectorAll("text").forEach(function (text) {
      const b = text.getBBox();
      if (b.width === 0) problems.push("chart " + index + ": empty text");
      if (b.x < 0 || b.x + b.width > box.width + 0.5)
        problems.push("chart " + index + ": text '" + text.textContent + "' leaves the chart");
    });
  });
  document.querySelectorAll("td, th, h1, h2, p").forEach(function (el) {
    if (el.scrollWidth > el.clientWidth + 1)
      problems.push(el.tagName + " '" + el.textContent.slice(0, 40) + "' overflows its box");
  });
  document.querySelectorAll("section").forEach(function (section) {
    if (section.scrollWidth > section.clientWidth + 1)
      problems.push("section " + section.id + " is wider than its box");
    const r = section.getBoundingClientRect();
    section.querySelectorAll("table, svg").forEach(function (child) {
      const c = child.getBoundingClientRect();
      if (c.right > r.right + 1) problems.push("section " + section.id + ": content sticks out");
    });
  });
  const verdict = document.createElement("pre");
  verdict.id = "verdict";
  verdict.textContent = JSON.stringify({charts: charts.length, problems: problems});
  document.body.appendChild(verdict);
})();
</script>
"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Chromium is not installed (.ci/run installs it)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return found


def run_chromium(*args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--window-size=1600,2400", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_item8_dashboard_renders_in_chromium(sales: Crm, tmp_path: Path) -> None:
    page = tmp_path / "dashboard.html"
    sales("report", "dashboard", "-o", "html", "--output", str(page))
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "http" not in html.replace("http://www.w3.org", "")
    for title in ("Pipeline podle fází", "Forecast na šest měsíců", "Trychtýř", "Úspěšnost",
                  "Deset největších", "Reakce na poptávky", "Plnění cílů"):  # fmt: skip
        assert title in html
    measured = tmp_path / "measured.html"
    measured.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    dumped = run_chromium("--dump-dom", measured.as_uri())
    match = re.search(r'<pre id="verdict">(.*?)</pre>', dumped.stdout, re.S)
    assert match, dumped.stderr[-2000:]
    verdict = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert verdict["problems"] == []
    # pipeline ×2 currencies, forecast ×2, funnel, win rate, top deals ×2
    assert verdict["charts"] == 8
    shot = run_chromium(f"--screenshot={tmp_path / 'dashboard.png'}", page.as_uri())
    assert (tmp_path / "dashboard.png").stat().st_size > 10_000, shot.stderr[-2000:]


def test_item8_dashboard_is_html_only_and_deterministic(sales: Crm) -> None:
    first = sales("report", "dashboard").stdout
    assert first == sales("report", "dashboard").stdout
    assert "10\u00a0000,00\u00a0€" in first
    sales("report", "dashboard", "-o", "csv", code=2)


@pytest.mark.parametrize(
    "args",
    [("pipeline",), ("cashflow", "--from", "2027-02", "--to", "2027-05"), ("pipeline", "--by",
     "owner")],
)  # fmt: skip
def test_xlsx_numbers_in_libreoffice_equal_the_csv(
    sales: Crm, tmp_path: Path, args: tuple[str, ...]
) -> None:
    workbook = tmp_path / "report.xlsx"
    sales("report", *args, "-o", "xlsx", "--output", str(workbook))
    exported = list(csv.reader(io.StringIO(sales("report", *args, "-o", "csv").stdout)))
    header, data = exported[0], exported[1:]
    sheet = convert_to_csv(workbook, tmp_path)
    numeric = [i for i, key in enumerate(header) if key not in ("stage", "owner", "currency",
                                                                  "month")]  # fmt: skip
    for csv_row, sheet_row in zip(data, sheet[1:], strict=False):
        for index in numeric:
            expected = Decimal(csv_row[index]) if csv_row[index] else Decimal(0)
            got = Decimal(sheet_row[index]) if sheet_row[index] else Decimal(0)
            assert got == expected, (header[index], csv_row, sheet_row)
    # The totals rows (formulas, recomputed by LibreOffice) equal the sums of the CSV rows.
    totals = sheet[1 + len(data) :]
    for total in totals:
        currency = total[header.index("currency")]
        mine = [row for row in data if row[header.index("currency")] == currency]
        for key in ("value", "committed", "weighted"):
            if key in header:
                index = header.index(key)
                assert Decimal(total[index]) == sum(Decimal(row[index]) for row in mine)
