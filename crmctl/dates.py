"""The one parser of a calendar day as people type it: ``2027-03-31`` or ``31. 3. 2027``.

Every option and field that takes a date goes through ``parse_day`` (directly or via
``crmctl.query.dates``), so a Czech date is accepted wherever an ISO one is.
"""

from __future__ import annotations

import re
from datetime import date

_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# 31. 3. 2027, 31.3.2027, 31. 03. 2027 — a space after the dots is optional.
_CZECH = re.compile(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})")


def parse_day(text: str) -> date | None:
    """The day ``text`` names, or ``None`` when it is not a (valid) date."""
    value = text.strip()
    try:
        if match := _ISO.fullmatch(value):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _CZECH.fullmatch(value):
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:  # 31. 2. 2027
        return None
    return None


def is_czech_day(text: str) -> bool:
    return _CZECH.fullmatch(text.strip()) is not None
