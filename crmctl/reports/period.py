"""The report period lives in ``crmctl.services.period``: plans validate their period with it
too, and services may not import reports. Re-exported here so report modules keep one name."""

from __future__ import annotations

from crmctl.services.period import BOUND_HELP, Period, parse_bound, parse_period

__all__ = ["BOUND_HELP", "Period", "parse_bound", "parse_period"]
