"""``report forecast --snapshot NAME`` and ``--compare NAME``.

A snapshot stores the per-deal basis of a forecast (one JSON row per deal: id, title,
owner, pipeline, stage, month, value, currency, probability, category, status) and the
filters used. ``--compare`` lists each deal that moved since, once, with every change
that applies: ``added``, ``won``, ``lost``, ``removed`` (deleted), ``slipped`` (a later
expected-close month, or none any more), ``pulled_in`` (an earlier month), ``value``
(value or currency), ``category``, ``stage``, and ``out_of_scope`` (no longer matches the
filters for another reason). Without ``--where/--from/--to`` the comparison uses the
snapshot's own filters. Only deals the reader may read in full now are compared, as the
live forecast counts only those: a snapshot made by someone else shows no more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select

from crmctl.db.functions import month_key
from crmctl.db.models import Deal, ReportSnapshot
from crmctl.errors import Conflict, NotFound, UsageError
from crmctl.reports.forecast import CENT, ForecastOptions, Owner, cents, in_forecast, weighted
from crmctl.reports.result import Column, ColumnKind, ReportResult, sum_rows
from crmctl.services import policy
from crmctl.services.context import Context

REPORT = "forecast"
CHANGE_ORDER = (
    "added", "won", "lost", "removed", "slipped", "pulled_in", "value", "category", "stage",
    "out_of_scope",
)  # fmt: skip
CHUNK = 500
COLUMNS = (
    Column("change", "Change"),
    Column("deal", "Deal", ColumnKind.int, total=False),
    Column("title", "Title"),
    Column("owner", "Owner"),
    Column("currency", "Currency"),
    Column("month_before", "Month before", ColumnKind.month),
    Column("month_now", "Month now", ColumnKind.month),
    Column("value_before", "Value before", ColumnKind.money),
    Column("value_now", "Value now", ColumnKind.money),
    Column("category_before", "Category before"),
    Column("category_now", "Category now"),
    Column("weighted_before", "Weighted before", ColumnKind.money),
    Column("weighted_now", "Weighted now", ColumnKind.money),
)


def basis_statement() -> Select[Any]:
    return (
        select(
            Deal.id.label("id"),
            Deal.title.label("title"),
            Owner.c.login.label("owner"),
            Deal.pipeline.label("pipeline"),
            Deal.stage.label("stage"),
            month_key(Deal.expected_close).label("month"),
            cents().label("cents"),
            Deal.currency.label("currency"),
            Deal.probability.label("probability"),
            Deal.forecast_category.label("category"),
            Deal.status.label("status"),
            Deal.deleted_at.label("deleted_at"),
        )
        .select_from(Deal)
        .outerjoin(Owner, Owner.c.id == Deal.owner_id)
    )


def _basis(row: Mapping[str, Any]) -> dict[str, Any]:
    """One deal as stored in a snapshot: JSON-safe, money as ``"1250.00"``."""
    value = (Decimal(int(row["cents"] or 0)) / 100).quantize(CENT)
    record = {key: row[key] for key in ("id", "title", "owner", "pipeline", "stage", "month")}
    record.update(
        value=str(value), currency=row["currency"], probability=int(row["probability"]),
        category=row["category"], status=row["status"],
    )  # fmt: skip
    return record


def current_basis(ctx: Context, options: ForecastOptions) -> dict[int, dict[str, Any]]:
    statement = in_forecast(ctx, basis_statement(), options.where, options.start, options.end)
    rows = ctx.session.execute(statement.order_by(Deal.id)).mappings()
    return {row["id"]: _basis(row) for row in rows}


def save(ctx: Context, options: ForecastOptions) -> None:
    name = (options.snapshot or "").strip()
    if not name or len(name) > 100:
        raise UsageError("--snapshot NAME: give a name of 1–100 characters, e.g. 2026-03-q1")
    if ctx.session.scalar(select(ReportSnapshot.id).where(ReportSnapshot.name == name)):
        raise Conflict(f"a snapshot named {name!r} already exists; choose another --snapshot NAME")
    rows = list(current_basis(ctx, options).values())
    ctx.session.add(
        ReportSnapshot(
            name=name, report=REPORT, params=options.params(), rows=rows,
            created_at=ctx.now, created_by_id=ctx.actor_id,
        )
    )  # fmt: skip
    ctx.session.flush()


def load(ctx: Context, name: str) -> ReportSnapshot:
    snapshot = ctx.session.scalar(select(ReportSnapshot).where(ReportSnapshot.name == name))
    if snapshot is None or snapshot.report != REPORT:
        known = ctx.session.scalars(
            select(ReportSnapshot.name).where(ReportSnapshot.report == REPORT)
            .order_by(ReportSnapshot.created_at.desc(), ReportSnapshot.id.desc()).limit(20)
        ).all()  # fmt: skip
        hint = f"; saved forecast snapshots: {', '.join(known)}" if known else ""
        raise NotFound(f"no forecast snapshot named {name!r}{hint}")
    return snapshot


def compare(ctx: Context, options: ForecastOptions) -> ReportResult:
    snapshot = load(ctx, options.compare or "")
    scope = options
    if not (options.where or options.start or options.end):
        saved = snapshot.params or {}
        scope = replace(options, where=saved.get("where"), start=saved.get("from"),
                        end=saved.get("to"))  # fmt: skip
    now = current_basis(ctx, scope)
    before, outside = readable_before(ctx, snapshot.rows, now)
    rows = []
    for deal in sorted(before.keys() | now.keys()):
        old, new = before.get(deal), now.get(deal)
        changes = classify(old, new, outside.get(deal))
        if changes:
            rows.append(change_row(deal, changes, old, new or outside.get(deal)))
    rows.sort(key=lambda row: (CHANGE_ORDER.index(row["change"].split(",")[0]), row["deal"]))
    params = {**scope.params(), "compare": snapshot.name}
    return ReportResult(
        name="forecast_compare", title=f"Forecast changes since {snapshot.name}",
        columns=COLUMNS, rows=rows, totals=_totals(rows), params=params,
        notes=(f"Snapshot {snapshot.name!r} taken {snapshot.created_at.isoformat()}.",),
    )  # fmt: skip


def readable_before(
    ctx: Context, saved: Iterable[Mapping[str, Any]], now: Mapping[int, Any]
) -> tuple[dict[int, Mapping[str, Any]], dict[int, dict[str, Any]]]:
    """The snapshot's deals the reader may read in full now, and the current state of those
    outside the forecast's scope.

    A snapshot holds every deal its maker could see; shown to another reader (or to its
    maker after losing access) it must not reveal a deal's title, owner or value that the
    live forecast would not count for them. Deals the reader may not read now, or that no
    longer exist, are left out, as the live forecast leaves them out.
    """
    before = {int(row["id"]): row for row in saved}
    outside = states_of(ctx, [deal for deal in before if deal not in now])
    readable = {deal: row for deal, row in before.items() if deal in now or deal in outside}
    return readable, outside


def states_of(ctx: Context, deals: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The current state of deals outside the forecast's scope, whatever their status."""
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(deals), CHUNK):
        chunk = deals[start : start + CHUNK]
        # Read in full now, as the live forecast requires (a limited row shows no value).
        statement = basis_statement().where(
            Deal.id.in_(chunk), policy.predicate(ctx, "deal", "read")
        )
        for row in ctx.session.execute(statement).mappings():
            found[row["id"]] = {**_basis(row), "deleted": row["deleted_at"] is not None}
    return found


def classify(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, outside: Mapping[str, Any] | None
) -> list[str]:
    if old is None:
        return ["added"]
    current = new or outside
    if current is None or (outside and outside.get("deleted")):
        return ["removed"]
    changes = []
    if current["status"] != old["status"] and current["status"] in ("won", "lost"):
        changes.append(current["status"])
    changes += _month_change(old.get("month"), current.get("month"))
    if Decimal(current["value"]) != Decimal(old["value"]) or current["currency"] != old["currency"]:
        changes.append("value")
    if current["category"] != old["category"]:
        changes.append("category")
    if (current["pipeline"], current["stage"]) != (old["pipeline"], old["stage"]):
        changes.append("stage")
    if new is None and not changes:
        changes.append("out_of_scope")
    return sorted(set(changes), key=CHANGE_ORDER.index)


def _month_change(before: str | None, now: str | None) -> list[str]:
    if before == now:
        return []
    if now is None or (before is not None and now > before):
        return ["slipped"]
    return ["pulled_in"]


def _weighted(row: Mapping[str, Any] | None, *, counts: bool = True) -> Decimal | None:
    if row is None:
        return None
    if not counts:
        return Decimal("0.00")
    units = int(Decimal(row["value"]) * 100) * int(row["probability"])
    return weighted(units)


def change_row(
    deal: int, changes: Iterable[str], old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> dict[str, Any]:
    kinds = list(changes)
    gone = new is None or bool(new.get("deleted")) or new["status"] == "lost"
    latest = new or old or {}
    return {
        "change": ",".join(kinds),
        "deal": deal,
        "title": latest.get("title"),
        "owner": latest.get("owner"),
        "currency": latest.get("currency"),
        "month_before": old and old.get("month"),
        "month_now": None if new is None else new.get("month"),
        "value_before": Decimal(old["value"]) if old else None,
        "value_now": Decimal(new["value"]) if new else None,
        "category_before": old and old.get("category"),
        "category_now": None if new is None else new.get("category"),
        "weighted_before": _weighted(old),
        "weighted_now": _weighted(new, counts=not gone) if new else Decimal("0.00"),
    }


def _totals(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    totals = []
    for currency in sorted({row["currency"] for row in rows if row["currency"]}):
        total = sum_rows([r for r in rows if r["currency"] == currency], COLUMNS, "change", "Total")
        total["currency"] = currency
        totals.append(total)
    return totals
