"""`init --demo --history`: a deterministic sales history that every people report shows."""

from __future__ import annotations

import json

from tests.conftest import Crm

NOW = "2027-03-31T12:00:00+02:00"
LOADED = "sales history loaded: 108 deals, 143 leads, 222 activities, 24 targets over 18 months"


def test_demo_history_is_deterministic_and_feeds_every_report(db_url: str) -> None:
    crm = Crm(db_url, now=NOW)
    result = crm("init", "--demo", "--history")
    assert LOADED in result.stderr
    again = crm("init", "--demo", "--history")
    assert "sales history skipped: the database already has deals" in again.stderr

    def rows(*args: str) -> list[dict[str, object]]:
        return json.loads(crm("report", *args, "-o", "json").stdout)["rows"]  # type: ignore[no-any-return]

    leads = rows("lead-response", "--from", "2027-Q1")
    assert {row["owner"] for row in leads} == {"petr.kral", "eva.mala"}
    assert sum(int(row["breaches"]) for row in leads) > 0  # type: ignore[call-overload]
    performance = rows("performance", "--from", "2027-Q1")
    assert all(row["won_value_target"] for row in performance if row["currency"] == "CZK")
    won = sum(int(row["won_count"]) for row in rows("performance", "--from", "2026-01"))  # type: ignore[call-overload]
    assert won > 0
    lost = rows("performance", "--from", "2025-10", "--to", "2027-03")
    assert sum(int(row["lost_count"]) for row in lost) > 0  # type: ignore[call-overload]
