"""GDPR consents: recorded per purpose with their legal basis and source, kept with history."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select, update

from crmctl.db.models import Consent
from crmctl.errors import ValidationError
from crmctl.services.context import Context
from crmctl.services.events import record_event
from crmctl.services.refs import resolve_person
from crmctl.services.users import logins_by_id

BASES = ("consent", "contract", "legitimate-interest")


def record_consent(
    ctx: Context,
    person_ref: str,
    *,
    purpose: str,
    granted: bool,
    basis: str,
    source: str,
    evidence: str | None = None,
) -> list[dict[str, Any]]:
    """Grant or withdraw; the previous decision for the purpose is kept as history."""
    person = resolve_person(ctx, person_ref, action="write")
    purpose, basis, source = _consent_values(purpose, basis, source)
    ctx.session.execute(
        update(Consent)
        .where(
            Consent.person_id == person.id,
            Consent.purpose == purpose,
            Consent.superseded_at.is_(None),
        )
        .values(superseded_at=ctx.now)
    )
    ctx.session.add(
        Consent(
            person_id=person.id, purpose=purpose, granted=granted, basis=basis, source=source,
            evidence=(evidence or "").strip() or None, at=ctx.now, actor_id=ctx.actor_id,
        )
    )  # fmt: skip
    ctx.session.flush()
    kind = "contact.consent_granted" if granted else "contact.consent_withdrawn"
    record_event(
        ctx, "contact", person.id, kind, {"purpose": purpose, "basis": basis, "source": source}
    )
    return consent_history(ctx, person.id)


def _consent_values(purpose: str, basis: str, source: str) -> tuple[str, str, str]:
    purpose = (purpose or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", purpose):
        raise ValidationError(
            f"purpose {purpose!r}: use a short key such as newsletter or events "
            "(letters, digits, dots, dashes, underscores)"
        )
    if basis not in BASES:
        raise ValidationError(f"basis {basis!r} is not one of {', '.join(BASES)}")
    if not (source or "").strip():
        raise ValidationError("say where the consent came from: pass --source (e.g. web-form)")
    return purpose, basis, source.strip()


def consent_history(ctx: Context, person_id: int) -> list[dict[str, Any]]:
    rows = ctx.session.scalars(
        select(Consent).where(Consent.person_id == person_id).order_by(Consent.purpose, Consent.id)
    ).all()
    logins = logins_by_id(ctx, [row.actor_id for row in rows])
    return [
        {
            "purpose": row.purpose,
            "status": "granted" if row.granted else "withdrawn",
            "basis": row.basis,
            "source": row.source,
            "evidence": row.evidence,
            "at": row.at,
            "by": logins.get(row.actor_id or -1),
            "current": row.superseded_at is None,
        }
        for row in rows
    ]


def list_consents(ctx: Context, person_ref: str) -> list[dict[str, Any]]:
    return consent_history(ctx, resolve_person(ctx, person_ref).id)
