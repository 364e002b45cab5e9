"""The one clock: ``CRM_NOW`` (an ISO timestamp) fixes it for reproducible runs."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from crmctl.errors import UsageError

DEFAULT_TIMEZONE = "Europe/Prague"


def now() -> datetime:
    """The current instant, timezone-aware in UTC."""
    fixed = os.environ.get("CRM_NOW")
    if not fixed:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(fixed)
    except ValueError:
        raise UsageError(
            f"CRM_NOW={fixed!r} is not an ISO timestamp; use e.g. 2026-03-01T09:00:00+01:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(DEFAULT_TIMEZONE))
    return parsed.astimezone(UTC)


def as_utc(value: datetime) -> datetime:
    """Database drivers may hand back naive UTC (SQLite); make it aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
