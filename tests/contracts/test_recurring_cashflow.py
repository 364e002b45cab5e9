"""`report cashflow`'s recurring column: our contracts' billing on each due day (issue 19
item 6). Today is 2026-03-10."""

from __future__ import annotations

from datetime import date

from crmctl.reports.cashflow import add_months, due_days
from tests.conftest import Crm


def test_due_days_keep_the_start_day_of_month() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 2) == date(2026, 3, 31)
    assert due_days(date(2026, 1, 31), "monthly", date(2026, 4, 29)) == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31),
    ]  # fmt: skip
    assert due_days(date(2026, 2, 15), "quarterly", date(2026, 12, 31))[-1] == date(2026, 11, 15)
    assert due_days(date(2026, 2, 15), "once", date(2026, 12, 31)) == [date(2026, 2, 15)]
    assert due_days(date(2026, 2, 15), "once", date(2026, 1, 1)) == []


def _recurring(crm: Crm, *args: str) -> dict[str, str]:
    report = crm.json("report", "cashflow", "--from", "2026-01", "--to", "2026-12", *args)
    return {row["month"]: row["recurring"] for row in report["rows"] if row["recurring"] != "0.00"}


def test_recurring_months(crm: Crm) -> None:
    crm("users", "add", "novak", "--name", "Jan Novák", "--role", "sales")
    crm("companies", "add", "--name", "Alfa s.r.o.")
    crm("companies", "add", "--name", "Beta a.s.", "--owner", "novak")

    def contract(company: str, *args: str) -> None:
        crm("services", "add", "--company", company, "--name", "S", *args)

    contract("Alfa", "--kind", "ours", "--starts", "2026-01-31", "--ends", "2026-06-30",
             "--value", "100", "--billing", "monthly")  # fmt: skip
    contract("Alfa", "--kind", "ours", "--starts", "2026-02-15", "--value", "300",
             "--billing", "quarterly")  # fmt: skip
    contract("Beta", "--kind", "ours", "--starts", "2025-03-10", "--ends", "2027-03-09",
             "--value", "1200", "--billing", "yearly")  # fmt: skip
    contract("Alfa", "--kind", "competitor", "--starts", "2026-01-01", "--value", "999",
             "--billing", "monthly")  # not ours: no income  # fmt: skip
    contract("Alfa", "--kind", "ours", "--value", "777", "--billing", "monthly")  # no start
    contract("Alfa", "--kind", "purchase", "--starts", "2026-04-01", "--value", "5000")
    expected = {
        "2026-01": "100.00", "2026-02": "400.00", "2026-03": "1300.00", "2026-04": "100.00",
        "2026-05": "400.00", "2026-06": "100.00", "2026-08": "300.00", "2026-11": "300.00",
    }  # fmt: skip
    assert _recurring(crm) == expected
    # Payment days shift the deals' columns, never the contracts' due days.
    assert _recurring(crm, "--payment-days", "45") == expected
    # The reader's rights: a salesperson sees the income of own customers' contracts only.
    assert _recurring(Crm(crm.url, user="novak")) == {"2026-03": "1200.00"}
    csv_text = crm("report", "cashflow", "--from", "2026-03", "--to", "2026-03", "-o", "csv")
    assert "recurring" in csv_text.stdout.splitlines()[0].lower()
