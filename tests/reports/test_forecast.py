"""``report forecast``: sums, groupings, filters, formats, determinism, snapshots."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import Crm


def rows(crm: Crm, *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(crm("report", "forecast", *args, "-o", "csv").stdout)))


def test_by_month_sums_open_and_won_deals_exactly(book: Crm) -> None:
    result = rows(book)
    assert [(r["month"], r["currency"]) for r in result] == [
        ("2026-03", "CZK"), ("2026-04", "CZK"), ("2026-05", "CZK"), ("2026-05", "EUR"),
        ("2026-06", "CZK"),
    ]  # fmt: skip
    by_key = {(r["month"], r["currency"]): r for r in result}
    # Won: counted at 100 %. Lost (2026-06, 500 000) is not counted.
    assert by_key["2026-03", "CZK"]["weighted"] == "80000.00"
    april = by_key["2026-04", "CZK"]
    assert (april["deals"], april["value"]) == ("2", "1500000.50")
    # 1 250 000,50 × 10 % + 250 000 × 50 % = 125 000,05 + 125 000
    assert april["weighted"] == "250000.05" and april["probability"] == "16.7"
    assert by_key["2026-05", "CZK"]["weighted"] == "74999.99"  # 99 999,99 × 75 %, half up
    assert by_key["2026-06", "CZK"] == {
        "month": "2026-06", "currency": "CZK", "deals": "1", "value": "33333.33",
        "weighted": "16666.67", "probability": "50.0",
    }  # fmt: skip


def test_json_totals_per_currency_and_decimal_strings(book: Crm) -> None:
    document = json.loads(book("report", "forecast", "-o", "json").stdout)
    assert list(document) == ["report", "title", "params", "columns", "rows", "totals", "notes"]
    totals = {t["currency"]: t for t in document["totals"]}
    assert totals["CZK"]["value"] == "1713333.82" and totals["CZK"]["deals"] == 5
    assert totals["EUR"]["weighted"] == "300.00"
    czk = [r for r in document["rows"] if r["currency"] == "CZK"]
    assert sum(Decimal(r["weighted"]) for r in czk) == Decimal(totals["CZK"]["weighted"])


@pytest.mark.parametrize(
    ("by", "keys"),
    [
        ("owner", [("admin", "CZK"), ("admin", "EUR"), ("jana", "CZK")]),
        ("stage", [("poptavka", "CZK"), ("analyza", "EUR"), ("nabidka", "CZK"),
                   ("jednani", "CZK"), ("vyhrano", "CZK")]),
        ("pipeline", [("default", "CZK"), ("default", "EUR")]),
    ],
)  # fmt: skip
def test_by_one_dimension_in_its_natural_order(book: Crm, by: str, keys: list[tuple]) -> None:
    assert [(r[by], r["currency"]) for r in rows(book, "--by", by)] == keys


def test_by_month_and_owner_combined(book: Crm) -> None:
    result = rows(book, "--by", "month,owner")
    assert list(result[0]) == [
        "month", "owner", "currency", "deals", "value", "weighted", "probability",
    ]  # fmt: skip
    assert [(r["month"], r["owner"]) for r in result if r["currency"] == "CZK"] == [
        ("2026-03", "admin"), ("2026-04", "admin"), ("2026-04", "jana"), ("2026-05", "jana"),
        ("2026-06", "admin"),
    ]  # fmt: skip
    stage_owner = rows(book, "--by", "stage,owner")
    assert [r["stage"] for r in stage_owner][:2] == ["poptavka", "analyza"]


def test_where_and_month_range(book: Crm) -> None:
    mine = rows(book, "--where", 'owner = "jana"')
    assert {(r["month"], r["value"]) for r in mine} == {
        ("2026-04", "250000.00"), ("2026-05", "99999.99"),
    }  # fmt: skip
    window = rows(book, "--from", "2026-04", "--to", "2026-05")
    assert {r["month"] for r in window} == {"2026-04", "2026-05"}
    days = rows(book, "--from", "2026-04-20", "--to", "2026-05-02")
    assert [(r["month"], r["deals"]) for r in days] == [("2026-04", "1"), ("2026-05", "1")]
    assert rows(book, "--where", 'stage = "Nabídka"')[0]["deals"] == "1"


def test_months_without_deals_in_a_fixed_period_are_zero_rows(book: Crm) -> None:
    period = ("--from", "2026-02", "--to", "2026-07")
    czk = rows(book, *period, "--where", 'currency = "CZK"')
    assert [(r["month"], r["deals"], r["value"], r["weighted"], r["probability"]) for r in czk] == [
        ("2026-02", "0", "0.00", "0.00", ""),
        ("2026-03", "1", "80000.00", "80000.00", "100.0"),
        ("2026-04", "2", "1500000.50", "250000.05", "16.7"),
        ("2026-05", "1", "99999.99", "74999.99", "75.0"),
        ("2026-06", "1", "33333.33", "16666.67", "50.0"),
        ("2026-07", "0", "0.00", "0.00", ""),
    ]
    # Each currency gets its zero rows; totals are unchanged by them.
    both = rows(book, *period)
    assert [(r["month"], r["deals"]) for r in both if r["currency"] == "EUR"] == [
        ("2026-02", "0"), ("2026-03", "0"), ("2026-04", "0"), ("2026-05", "1"),
        ("2026-06", "0"), ("2026-07", "0"),
    ]  # fmt: skip
    document = json.loads(book("report", "forecast", *period, "-o", "json").stdout)
    assert {t["currency"]: t["deals"] for t in document["totals"]} == {"CZK": 5, "EUR": 1}
    # Nothing matches: one zero row per month in the default currency.
    nothing = rows(book, *period, "--where", 'title = "nic"')
    assert [(r["month"], r["currency"]) for r in nothing][:2] == [
        ("2026-02", "CZK"), ("2026-03", "CZK"),
    ]  # fmt: skip
    assert len(nothing) == 6


@pytest.mark.parametrize(
    "args",
    [("--from", "2026-02"), ("--to", "2026-07"), ("--from", "2026-02", "--to", "2026-07",
                                                  "--by", "month,owner")],
)  # fmt: skip
def test_no_zero_rows_without_a_fixed_period_or_by_more_than_month(
    book: Crm, args: tuple[str, ...]
) -> None:
    assert all(r["deals"] != "0" for r in rows(book, *args))


def test_bad_by_is_a_usage_error_listing_the_valid_values(book: Crm) -> None:
    result = book("report", "forecast", "--by", "month,region", code=2)
    assert "'region'" in result.stderr and "month|owner|stage|pipeline" in result.stderr
    assert "Traceback" not in result.stderr
    twice = book("report", "forecast", "--by", "month,month", code=2)
    assert "twice" in twice.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2026-13"], "--from '2026-13'"),
        (["--from", "2026-05", "--to", "2026-04"], "swap"),
        (["-o", "pdf"], "table|wide|csv|json|xlsx|html"),
        (["-o", "xlsx"], "--output FILE"),
        (["--output", "json"], "the format is -o json"),
    ],
)
def test_bad_options_are_usage_errors(book: Crm, args: list[str], message: str) -> None:
    assert message in book("report", "forecast", *args, code=2).stderr


def test_bad_where_names_the_field(book: Crm) -> None:
    assert (
        'unknown field "regoin"' in book("report", "forecast", "-w", 'regoin = "x"', code=4).stderr
    )


@pytest.mark.parametrize("fmt", ["csv", "json", "html", "table"])
def test_text_formats_are_byte_identical_between_runs(book: Crm, fmt: str) -> None:
    args = ("report", "forecast", "--by", "month,owner", "-o", fmt)
    first = book(*args).stdout
    later = Crm(book.url, now="2026-03-11T17:30:00+01:00")(*args).stdout
    assert first == later and "2026-03-1" not in first.replace("2026-03-", "")


def test_generated_at_only_when_asked(book: Crm) -> None:
    plain = book("report", "forecast", "-o", "json").stdout
    stamped = json.loads(book("report", "forecast", "-o", "json", "--generated-at").stdout)
    assert "generated_at" not in plain
    assert stamped["generated_at"].startswith("2026-03-10T")


def test_xlsx_is_stable_formatted_and_charted(book: Crm, tmp_path: Path) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    book("report", "forecast", "--by", "month", "-o", "xlsx", "--output", str(first))
    Crm(book.url, now="2026-04-01T10:00:00+02:00")(
        "report", "forecast", "--by", "month", "-o", "xlsx", "--output", str(second)
    )
    assert first.read_bytes() == second.read_bytes()
    workbook = load_workbook(first)
    sheet = workbook.active
    assert [c.value for c in sheet[1]] == [
        "Month", "Currency", "Deals", "Unweighted", "Weighted", "Probability",
    ]  # fmt: skip
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert sheet["D2"].value == Decimal("80000.00") or sheet["D2"].value == 80000
    assert sheet["D2"].number_format == '#,##0.00\\ "Kč"'
    eur_row = next(r for r in range(2, 7) if sheet[f"B{r}"].value == "EUR")
    assert sheet[f"D{eur_row}"].number_format == '#,##0.00\\ "€"'
    assert sheet["A7"].value == "Total" and sheet["D7"].value == '=SUMIF(B2:B6,"CZK",D2:D6)'
    assert len(sheet._charts) == 1 and type(sheet._charts[0]).__name__ == "BarChart"
    assert workbook.properties.modified.year == 2000


def test_html_has_an_inline_svg_chart_and_no_scripts(book: Crm, tmp_path: Path) -> None:
    target = tmp_path / "f.html"
    book("report", "forecast", "-o", "html", "--output", str(target))
    html = target.read_text(encoding="utf-8")
    assert "<svg" in html and "<rect" in html and "1 250 000,50" not in html
    assert "1 500 000,50" in html and "<script" not in html and "http://www.w3.org" in html
    assert "src=" not in html and "href=" not in html


def test_no_deals_prints_an_empty_report(crm: Crm) -> None:
    assert crm("report", "forecast").stdout == "(no records)\n"
    assert crm("report", "forecast", "-o", "csv").stdout.startswith("month,currency,deals")


def test_snapshot_then_compare_lists_what_moved(book: Crm) -> None:
    book("report", "forecast", "--snapshot", "q2")
    later = Crm(book.url, now="2026-03-20T09:00:00+01:00")
    later("deals", "update", "--where", "id = 1", "--set", "expected_close=2026-07-31")
    later("deals", "update", "--where", "id = 2", "--set", "value=300000")
    later("deals", "update", "--where", "id = 3", "--set", "forecast_category=best_case")
    later("deals", "win", "5")
    later("deals", "add", "--title", "Nový", "--value", "1000", "--expected-close", "2026-05-05")
    document = json.loads(later("report", "forecast", "--compare", "q2", "-o", "json").stdout)
    changes = {row["deal"]: row["change"] for row in document["rows"]}
    assert changes == {8: "added", 5: "won,category,stage", 1: "slipped", 2: "value",
                       3: "category"}  # fmt: skip
    slipped = next(row for row in document["rows"] if row["deal"] == 1)
    assert (slipped["month_before"], slipped["month_now"]) == ("2026-04", "2026-07")
    value = next(row for row in document["rows"] if row["deal"] == 2)
    assert (value["weighted_before"], value["weighted_now"]) == ("125000.00", "150000.00")
    assert document["params"]["compare"] == "q2"


def test_compare_a_lost_deal_and_a_window(book: Crm) -> None:
    book("report", "forecast", "--from", "2026-04", "--to", "2026-05", "--snapshot", "apr-may")
    book("deals", "update", "--where", "id = 3", "--set", "expected_close=2026-09-01")
    book("deals", "lose", "2", "--reason", "cena")
    result = rows(book, "--compare", "apr-may")
    assert [(r["change"], r["deal"], r["weighted_now"]) for r in result] == [
        ("lost,category,stage", "2", "0.00"), ("slipped", "3", "74999.99"),
    ]  # fmt: skip


def test_snapshot_names_are_unique_and_compare_needs_one(book: Crm) -> None:
    book("report", "forecast", "--snapshot", "s1")
    assert "already exists" in book("report", "forecast", "--snapshot", "s1", code=4).stderr
    missing = book("report", "forecast", "--compare", "nope", code=3)
    assert "'nope'" in missing.stderr and "s1" in missing.stderr


def test_snapshots_saved_at_one_moment_are_listed_newest_first(book: Crm) -> None:
    for name in ("s1", "s2", "s3"):  # one fixed clock: created_at ties, the id decides
        book("report", "forecast", "--snapshot", name)
    missing = book("report", "forecast", "--compare", "nope", code=3)
    assert missing.stderr.rstrip().endswith("saved forecast snapshots: s3, s2, s1")


def test_compare_and_snapshot_together_roll_the_baseline(book: Crm) -> None:
    book("report", "forecast", "--snapshot", "w1")
    book("deals", "update", "--where", "id = 2", "--set", "value=1")
    moved = rows(book, "--compare", "w1", "--snapshot", "w2")
    assert [(r["change"], r["deal"]) for r in moved] == [("value", "2")]
    assert rows(book, "--compare", "w2") == []
    assert book("report", "forecast", "--compare", "w2").stdout == "(no records)\n"


def test_item8_compare_shows_only_deals_the_reader_may_read_now(book: Crm) -> None:
    """A snapshot made by the admin holds every deal; what a reader sees of it is what
    they may read now, as in the live forecast (deals read in full only)."""
    book("users", "add", "pavel", "--name", "Pavel Podpora", "--role", "support")
    book("report", "forecast", "--snapshot", "all-of-it")
    book("deals", "update", "--where", "id = 1", "--set", "value=1")  # admin's
    book("deals", "update", "--where", "id = 2", "--set", "value=2")  # jana's
    book("deals", "update", "--where", "id = 3", "--set", "owner=admin")  # taken from jana
    book("deals", "lose", "4", "--reason", "cena")  # admin's, lost
    admin = {(r["change"], r["deal"]) for r in rows(book, "--compare", "all-of-it")}
    assert {("value", "1"), ("value", "2")} <= admin
    jana = Crm(book.url, user="jana")
    shown = rows(jana, "--compare", "all-of-it")
    assert [(r["change"], r["deal"], r["title"], r["owner"]) for r in shown] == [
        ("value", "2", "Servis", "jana")
    ]
    totals = jana.json("report", "forecast", "--compare", "all-of-it")["totals"]
    assert [(t["currency"], t["value_now"]) for t in totals] == [("CZK", "2.00")]
    support = Crm(book.url, user="pavel")
    assert rows(support, "--compare", "all-of-it") == []
    document = support.json("report", "forecast", "--compare", "all-of-it")
    assert document["rows"] == [] and "Linka" not in json.dumps(document)
