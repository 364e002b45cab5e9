"""Issue 17: pipeline, funnel, win rate, cash flow — exact answers on a known dataset.

The ``sales`` fixture (tests/reports/conftest.py), Prague time, "now" 2027-02-20 09:00:

    #1 Alfa     100 000 CZK jana  created 01-04 poptavka → analyza 01-14 → nabidka 01-21
                                  → won 02-11 (cycle 38 days)
    #2 Beta     200 000 CZK petr  created 01-04 nabidka; value 250 000 on 02-02; lost 02-04
    #3 Gama      50 000 CZK jana  created 01-11 analyza → won 02-01 (cycle 21 days)
    #4 Delta     10 000 EUR petr  created 01-11 jednani (commit), expected close 03-31
    #5 Epsilon   80 000 CZK jana  created 02-15 poptavka, expected close 04-30
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from crmctl.config import load_settings
from crmctl.reports.period import parse_period
from crmctl.reports.winrate import win_stats
from crmctl.services.context import open_read_context
from tests.conftest import Crm

NBSP = "\u00a0"


def rows(crm: Crm, *args: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    document = json.loads(crm("report", *args, "-o", "json").stdout)
    return document["rows"], document["totals"]


def csv_rows(crm: Crm, *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(crm("report", *args, "-o", "csv").stdout)))


# --- pipeline ------------------------------------------------------------------------------


def test_item1_pipeline_by_stage_exact_in_every_format(sales: Crm, tmp_path: Path) -> None:
    data, totals = rows(sales, "pipeline")
    assert data == [
        {"stage": "poptavka", "currency": "CZK", "deals": 1, "value": "80000.00",
         "weighted": "8000.00", "avg_age_days": "5.0", "avg_days_in_stage": "5.0",
         "idle_over_10": 0},
        {"stage": "jednani", "currency": "EUR", "deals": 1, "value": "10000.00",
         "weighted": "7500.00", "avg_age_days": "40.0", "avg_days_in_stage": "40.0",
         "idle_over_10": 1},
    ]  # fmt: skip
    assert [(t["stage"], t["currency"], t["value"], t["weighted"]) for t in totals] == [
        ("Total", "CZK", "80000.00", "8000.00"),
        ("Total", "EUR", "10000.00", "7500.00"),
    ]
    assert csv_rows(sales, "pipeline")[1]["weighted"] == "7500.00"
    table = sales("report", "pipeline").stdout
    assert f"80{NBSP}000,00{NBSP}Kč" in table and f"7{NBSP}500,00{NBSP}€" in table
    assert "Poptávka" in table and "Jednání" in table and "Celkem" in table
    assert "poptavka" not in table  # stage labels, not keys
    html = sales("report", "pipeline", "-o", "html").stdout
    assert html.count("<svg") == 2  # a chart per currency
    assert f"8{NBSP}000,00{NBSP}Kč" in html and "white-space: nowrap" in html
    workbook = tmp_path / "pipeline.xlsx"
    sales("report", "pipeline", "-o", "xlsx", "--output", str(workbook))
    sheet = load_workbook(workbook).active
    assert sheet is not None
    assert [cell.value for cell in sheet[1]][:4] == ["Fáze", "Měna", "Obchody", "Hodnota"]
    assert sheet["A2"].value == "Poptávka" and float(sheet["D2"].value) == 80000.0
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert str(sheet["D4"].value).startswith("=SUMIF(") and sheet["A4"].value == "Celkem"
    cached = load_workbook(workbook, data_only=True).active
    assert cached is not None and float(cached["D4"].value) == 80000.0  # the formula's value
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert len(sheet._charts) == 2


def test_item1_pipeline_by_owner_team_and_pipeline(sales: Crm) -> None:
    owners, _ = rows(sales, "pipeline", "--by", "owner")
    assert [(r["owner"], r["currency"], r["value"]) for r in owners] == [
        ("jana", "CZK", "80000.00"),
        ("petr", "EUR", "10000.00"),
    ]
    assert "Jana Nováková" in sales("report", "pipeline", "--by", "owner").stdout
    teams, _ = rows(sales, "pipeline", "--by", "team")
    assert {(r["team"], r["currency"]) for r in teams} == {("Praha", "CZK"), ("Praha", "EUR")}
    pipelines, _ = rows(sales, "pipeline", "--by", "pipeline")
    assert [(r["pipeline"], r["deals"]) for r in pipelines] == [("default", 1), ("default", 1)]
    sales("report", "pipeline", "--by", "colour", code=2)


def test_item1_pipeline_as_of_equals_the_pipeline_recorded_that_day(
    sales: Crm, tmp_path: Path
) -> None:
    for by in ("stage", "owner"):
        recorded = json.loads((tmp_path / f"pipeline-{by}-2027-01-31.json").read_text())
        data, totals = rows(sales, "pipeline", "--by", by, "--as-of", "2027-01-31")
        assert (data, totals) == (recorded["rows"], recorded["totals"])
    data, _ = rows(sales, "pipeline", "--as-of", "31. 1. 2027")
    # Beta was worth 200 000 then (250 000 only from 2 February).
    assert [(r["stage"], r["currency"], r["deals"], r["value"], r["weighted"]) for r in data] == [
        ("analyza", "CZK", 1, "50000.00", "12500.00"),
        ("nabidka", "CZK", 2, "300000.00", "150000.00"),
        ("jednani", "EUR", 1, "10000.00", "7500.00"),
    ]
    sales("report", "pipeline", "--as-of", "2027-13-01", code=2)


# --- funnel and win rate -------------------------------------------------------------------


def test_item2_funnel_exact(sales: Crm) -> None:
    data, totals = rows(sales, "funnel", "--from", "2027-Q1", "--to", "2027-Q1")
    shown = [
        (r["stage"], r["reached"], r["conversion_prev"], r["conversion_first"],
         r["median_days"], r["lost"])
        for r in data
    ]  # fmt: skip
    assert shown == [
        ("poptavka", 5, None, None, "0.0", 0),
        ("analyza", 4, "80.0", "80.0", "0.0", 0),
        ("nabidka", 4, "100.0", "80.0", "8.5", 1),
        ("jednani", 3, "75.0", "60.0", "21.0", 0),
        ("vyhrano", 2, "66.7", "40.0", "29.5", 0),
    ]
    czk = totals[0]
    assert (czk["currency"], czk["reached"], czk["lost"], czk["won"], czk["won_value"]) == (
        "CZK", 4, 1, 2, "150000.00",
    )  # fmt: skip
    # Closed in the quarter: won 100 000 + 50 000, lost 250 000 (its value when lost).
    assert (czk["win_rate"], czk["win_rate_value"]) == ("66.7", "37.5")
    assert (czk["cycle_median"], czk["cycle_mean"]) == ("29.5", "29.5")
    assert totals[1]["currency"] == "EUR" and totals[1]["win_rate"] is None
    table = sales("report", "funnel", "--from", "2027-Q1", "--to", "2027-Q1").stdout
    assert f"66,7{NBSP}%" in table and "Nabídka" in table
    sales("report", "funnel", "--pipeline", "nope", code=2)


def test_item2_funnel_cohort_is_the_period(sales: Crm) -> None:
    data, totals = rows(sales, "funnel", "--from", "2027-02", "--to", "2027-02")
    assert [r["reached"] for r in data] == [1, 0, 0, 0, 0]  # only Epsilon was created then
    assert totals[0]["win_rate"] == "66.7"  # closed in February: 2 won, 1 lost


def test_item3_win_stats_per_owner_for_performance(
    sales: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_USER", "admin")
    monkeypatch.setenv("CRM_NOW", sales.now)
    with open_read_context(load_settings(sales.url)) as ctx:
        stats = win_stats(ctx, parse_period("2027-02", "2027-02"), by_owner=True)
        logins = {s.owner_id: s for s in stats}
        assert len(stats) == 2
        jana, petr = sorted(logins.values(), key=lambda s: s.won_count, reverse=True)
        assert (jana.won_count, jana.lost_count, jana.win_rate) == (2, 0, 100)
        assert (jana.cycle_median, jana.cycle_mean) == (29.5, 29.5)
        assert (petr.won_count, petr.lost_count, petr.win_rate, petr.cycle_median) == (
            0, 1, 0, None,
        )  # fmt: skip


# --- cash flow -----------------------------------------------------------------------------


def test_item7_cashflow_exact_by_month_and_week(sales: Crm) -> None:
    data, totals = rows(sales, "cashflow", "--from", "2027-02", "--to", "2027-05")
    assert [(r["month"], r["currency"], r["committed"], r["likely"], r["weighted"])
            for r in data] == [
        ("2027-02", "CZK", "150000.00", "0.00", "0.00"),  # won 02-01 and 02-11, + 14 days
        ("2027-05", "CZK", "0.00", "0.00", "8000.00"),  # Epsilon 04-30 + 14 days
        ("2027-04", "EUR", "0.00", "10000.00", "7500.00"),  # Delta (commit) 03-31 + 14
    ]  # fmt: skip
    assert [(t["currency"], t["committed"], t["weighted"]) for t in totals] == [
        ("CZK", "150000.00", "8000.00"),
        ("EUR", "0.00", "7500.00"),
    ]
    later, _ = rows(sales, "cashflow", "--payment-days", "30", "--from", "2027-03")
    assert [(r["month"], r["committed"]) for r in later if r["currency"] == "CZK"] == [
        ("2027-03", "150000.00"),
        ("2027-05", "0.00"),
    ]
    weeks, _ = rows(sales, "cashflow", "--by", "week", "--from", "2027-02", "--to", "2027-02")
    assert [(r["week"], r["committed"]) for r in weeks] == [
        ("2027-W07", "50000.00"),  # Gama: 1 Feb + 14 = Mon 15 Feb
        ("2027-W08", "100000.00"),  # Alfa: 11 Feb + 14 = Thu 25 Feb
    ]


def test_item7_cashflow_counts_the_period_edges_exactly(sales: Crm) -> None:
    """Payments due on the first and the last day count, a day outside does not (the SQL
    narrows the closes read to the period less the payment terms; Python decides)."""

    def committed(*args: str) -> list[tuple[str, str]]:
        data, _ = rows(sales, "cashflow", *args)
        return [(r["month"], r["committed"]) for r in data if r["committed"] != "0.00"]

    # Gama won 1 Feb (+14 = 15 Feb), Alfa 11 Feb (+14 = 25 Feb).
    assert committed("--from", "2027-02-15", "--to", "2027-02-25") == [("2027-02", "150000.00")]
    assert committed("--from", "2027-02-16", "--to", "2027-02-24") == []
    assert committed("--from", "2027-02-25", "--to", "2027-02-25") == [("2027-02", "100000.00")]
    assert committed("--payment-days", "0", "--from", "2027-02-01", "--to", "2027-02-01") == [
        ("2027-02", "50000.00")
    ]
    assert committed("--payment-days", "0", "--from", "2027-02-02", "--to", "2027-02-10") == []
    # Epsilon expected 30 Apr (+14 = 14 May): weighted on exactly that day.
    data, _ = rows(sales, "cashflow", "--from", "2027-05-14", "--to", "2027-05-14")
    assert [(r["month"], r["weighted"]) for r in data] == [("2027-05", "8000.00")]
    data, _ = rows(sales, "cashflow", "--from", "2027-05-15", "--to", "2027-05-31")
    assert [(r["month"], r["weighted"]) for r in data if r["currency"] == "CZK"] == []
    # Terms reaching before year 1 from the period: no narrowing, no error; with no --to
    # every deal is paid in the period (2,700 years later).
    _, far = rows(sales, "cashflow", "--from", "2027-02", "--payment-days", "1000000")
    assert [(t["currency"], t["committed"], t["weighted"]) for t in far] == [
        ("CZK", "150000.00", "8000.00"),
        ("EUR", "0.00", "7500.00"),
    ]


def test_item7_cashflow_payment_days_from_config(sales: Crm, tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text("payment_days: 30\n", encoding="utf-8")
    data, _ = rows(sales, "cashflow", "--from", "2027-03", "--to", "2027-03")
    assert [(r["month"], r["committed"]) for r in data] == [("2027-03", "150000.00")]
    (tmp_path / "crmctl.yaml").write_text("payment_days: soon\n", encoding="utf-8")
    result = sales("report", "cashflow", code=2)
    assert "payment_days" in result.stderr and "whole number" in result.stderr


# --- the framework: --fail-if, periods, permissions, language, determinism -----------------


def test_fail_if_exit_codes(sales: Crm) -> None:
    funnel = ("report", "funnel", "--from", "2027-Q1", "--to", "2027-Q1")
    failed = sales(*funnel, "--fail-if", "win_rate < 70", code=6)
    assert failed.stderr.strip().splitlines()[-1] == (
        "error: --fail-if 'win_rate < 70' is true: win_rate = 66.7 (CZK)"
    )
    assert "Celkem" in failed.stdout  # the report is still written
    sales(*funnel, "--fail-if", "win_rate < 50")
    bad = sales(*funnel, "--fail-if", "winrate < 50", code=2)
    assert 'unknown field "winrate"' in bad.stderr and "win_rate_value" in bad.stderr
    sales("report", "pipeline", "--fail-if", "weighted > 5000 and currency = 'CZK'", code=6)
    sales("report", "cashflow", "--fail-if", "committed >= 150000", code=6)


def test_from_to_take_years_quarters_months_and_czech_days(sales: Crm) -> None:
    whole_quarter, _ = rows(sales, "funnel", "--from", "2027", "--to", "2027")
    days, _ = rows(sales, "funnel", "--from", "1. 1. 2027", "--to", "31. 3. 2027")
    assert whole_quarter == days
    assert rows(sales, "funnel", "--from", "2027-01", "--to", "2027-Q1")[0] == days
    error = sales("report", "funnel", "--from", "2027-Q5", code=2).stderr
    assert "2027-Q1" in error and "31. 3. 2027" in error
    sales("report", "funnel", "--from", "2027-03", "--to", "2027-01", code=2)


def test_czech_dates_accepted_where_dates_are_taken(sales: Crm) -> None:
    sales(
        "deals", "add", "--title", "Zeta", "--value", "1000", "--expected-close", "31. 3. 2027"
    )  # fmt: skip
    assert sales.json("deals", "show", "6")["expected_close"] == "2027-03-31"
    forecast = sales("report", "forecast", "--from", "1. 3. 2027", "--to", "31. 3. 2027", "-o",
                     "csv").stdout  # fmt: skip
    assert "2027-03" in forecast
    task = sales.json("tasks", "add", "Zavolat", "--due", "31. 3. 2027")
    assert str(task["due_at"]).startswith("2027-03-31")
    listed = sales("deals", "list", "--where", 'expected_close = "31. 3. 2027"', "-o", "csv")
    assert "Zeta" in listed.stdout


def test_permissions_salesperson_manager_support(sales: Crm) -> None:
    jana, marta, sona = (replace(sales, user=login) for login in ("jana", "marta", "sona"))
    assert [(r["owner"], r["value"]) for r in rows(jana, "pipeline", "--by", "owner")[0]] == [
        ("jana", "80000.00"),
    ]
    assert [r["owner"] for r in rows(marta, "pipeline", "--by", "owner")[0]] == ["jana", "petr"]
    quarter = ("--from", "2027-Q1", "--to", "2027-Q1")
    jana_funnel = rows(jana, "funnel", *quarter)
    assert [r["reached"] for r in jana_funnel[0]] == [3, 2, 2, 2, 2]
    assert jana_funnel[1][0]["win_rate"] == "100.0"  # petr's lost deal is not hers to see
    for report in ("pipeline", "funnel", "cashflow"):
        data, totals = rows(sona, report, *quarter)
        assert all(_nothing(row) for row in (*data, *totals)), report
    assert sona("report", "pipeline").stdout == "(no records)\n"


def _nothing(row: dict[str, Any]) -> bool:
    """No amount and no count other than zero (support sees no values)."""
    numbers = [v for k, v in row.items() if k not in ("stage", "currency", "month")]
    return all(v in (None, 0, "0.00", "0.0", "Total") for v in numbers)


def test_item9_english_with_crm_lang(sales: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    table = sales("report", "pipeline").stdout
    assert "Fáze" in table
    monkeypatch.setenv("CRM_LANG", "en")
    english = sales("report", "pipeline").stdout
    assert "Stage" in english and "CZK\u00a080,000.00" in english and "Total" in english
    # CSV and JSON stay machine-readable in every language.
    assert csv_rows(sales, "pipeline")[0]["value"] == "80000.00"


def test_language_from_config(sales: Crm, tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text("language: en\n", encoding="utf-8")
    assert "Avg age (days)" in sales("report", "pipeline").stdout


def test_same_data_same_bytes(sales: Crm, tmp_path: Path) -> None:
    for report in ("pipeline", "funnel", "cashflow"):
        for fmt in ("table", "csv", "json", "html"):
            first = sales("report", report, "-o", fmt).stdout
            assert sales("report", report, "-o", fmt).stdout == first
        one, two = tmp_path / f"{report}1.xlsx", tmp_path / f"{report}2.xlsx"
        sales("report", report, "-o", "xlsx", "--output", str(one))
        sales("report", report, "-o", "xlsx", "--output", str(two))
        assert one.read_bytes() == two.read_bytes()
