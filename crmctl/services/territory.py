"""Which territory a region or PSČ falls in: shared by ``campaigns launch --assign territory``
and the workflow ``assign`` action (workflows sit above services, so the matcher lives here)."""

from __future__ import annotations

from typing import Any

from crmctl.text import fold


def match_territory(by: str, value: str | None, table: dict[str, Any]) -> str | None:
    """The table key ``value`` falls under: the longest PSČ prefix, else the same folded name."""
    if not value:
        return None
    if by == "psc":
        prefixes = [key for key in table if value.startswith(key.replace(" ", ""))]
        return max(prefixes, key=len) if prefixes else None
    folded = fold(value)
    return next((key for key in table if fold(key) == folded), None)
