"""``report first-contacts``: first calls and first meetings per salesperson and month.

The acquisition work of "hunters": each company has at most one first call and one first
meeting (``crmctl log call --first-call``), credited to whoever logged it, in the month
(configured time zone) it happened. Counted in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, case, cast, func, select

from crmctl.db import tables
from crmctl.db.functions import month_key
from crmctl.reports.forecast import parse_bound
from crmctl.reports.result import ChartSpec, Column, ColumnKind, ReportResult, sum_rows
from crmctl.services import policy
from crmctl.services.context import Context
from crmctl.services.refs import logins_by_id, resolve_user_row

# Core columns: the report is a read command (no ORM).
Activity = tables.activities.c

NOTE = (
    "First call and first meeting per customer (at most one of each), credited to who "
    "logged it, in the month it happened."
)
COLUMNS = (
    Column("month", "Month", ColumnKind.month),
    Column("salesperson", "Salesperson"),
    Column("first_calls", "First calls", ColumnKind.int),
    Column("first_meetings", "First meetings", ColumnKind.int),
    Column("total", "Total", ColumnKind.int),
)


@dataclass(frozen=True)
class FirstContactsOptions:
    start: str | None = None  # --from: YYYY-MM or YYYY-MM-DD
    end: str | None = None  # --to: YYYY-MM (the whole month) or YYYY-MM-DD
    salesperson: str | None = None

    def params(self) -> dict[str, Any]:
        return {"from": self.start, "to": self.end, "salesperson": self.salesperson}


def _count(kind: str) -> Any:
    return func.sum(cast(case((Activity.first_contact == kind, 1), else_=0), Integer))


def first_contacts(ctx: Context, options: FirstContactsOptions) -> ReportResult:
    month = month_key(Activity.occurred_on)
    statement = (
        select(Activity.created_by_id, month.label("month"), _count("call"), _count("meeting"))
        .where(Activity.first_contact.is_not(None))
        # Counted over the activities the user may read: a salesperson sees their own.
        .where(policy.predicate(ctx, "activity", "read"))
        .group_by(Activity.created_by_id, month)
    )
    start = parse_bound(options.start, "--from", end=False)
    end = parse_bound(options.end, "--to", end=True)
    if start is not None:
        statement = statement.where(Activity.occurred_on >= start)
    if end is not None:
        statement = statement.where(Activity.occurred_on <= end)
    if options.salesperson:
        statement = statement.where(
            Activity.created_by_id == resolve_user_row(ctx, options.salesperson).id
        )
    grouped = ctx.session.execute(statement).all()
    logins = logins_by_id(ctx, [row[0] for row in grouped])
    rows = sorted(
        (
            {
                "month": row[1],
                "salesperson": logins.get(row[0] or -1, "—"),
                "first_calls": int(row[2] or 0),
                "first_meetings": int(row[3] or 0),
                "total": int(row[2] or 0) + int(row[3] or 0),
            }
            for row in grouped
        ),
        key=lambda row: (row["month"], row["salesperson"]),
    )
    return ReportResult(
        name="first_contacts",
        title="First contacts",
        columns=COLUMNS,
        rows=rows,
        totals=[sum_rows(rows, COLUMNS, "month", "Total")] if rows else [],
        chart=ChartSpec(
            "First calls and meetings", ("month", "salesperson"), ("first_calls", "first_meetings")
        ),
        params=options.params(),
        notes=(NOTE,),
    )
