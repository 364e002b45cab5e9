"""What a tag may be called. Apart from ``normalize`` so that reading tags (every list
shows them) does not load the phone and VAT number libraries that only writes need."""

from __future__ import annotations

from crmctl.errors import ValidationError


def clean_tag(raw: str) -> str:
    tag = raw.strip()
    if not tag or len(tag) > 100 or "," in tag:
        raise ValidationError(f"invalid tag {raw!r}: 1-100 characters, no commas")
    return tag
