"""Import batches after the run: who may see them, the list, one batch with its issues."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crmctl.db.models import ImportBatch, ImportIssue
from crmctl.errors import PermissionDenied
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.refs import resolve_batch
from crmctl.services.users import logins_by_id


def require_import_rights(ctx: Context) -> None:
    """Imports match (and may update) any company or contact: write scope all on both.

    An import updates the duplicates it finds, so a narrower scope would reveal and change
    records its user may not see.
    """

    actor = ctx.require_actor()
    entities = ("company", "contact")
    narrow = [entity for entity in entities if policy.rule_for(ctx, entity).write != "all"]
    if narrow:
        raise PermissionDenied(
            f"permission denied: {actor.login} ({actor.role}) may not import or inspect "
            f"imports: it needs write scope all on {', '.join(narrow)} (see `crmctl policy show`)"
        )


def list_batches(ctx: Context, limit: int | None = None) -> list[dict[str, Any]]:
    require_import_rights(ctx)
    statement = select(ImportBatch).order_by(ImportBatch.id.desc())
    if limit:
        statement = statement.limit(limit)
    batches = list(ctx.session.scalars(statement))
    logins = logins_by_id(
        ctx, [b.created_by_id for b in batches] + [b.undone_by_id for b in batches]
    )
    return [_batch_record(batch, logins) for batch in batches]


def show_batch(ctx: Context, ref: str, *, issue_limit: int = 50) -> dict[str, Any]:
    require_import_rights(ctx)
    batch = resolve_batch(ctx, ref)
    logins = logins_by_id(ctx, [batch.created_by_id, batch.undone_by_id])
    issues = ctx.session.scalars(
        select(ImportIssue)
        .where(ImportIssue.batch_id == batch.id)
        .order_by(ImportIssue.severity, ImportIssue.id)
        .limit(issue_limit)
    )
    return {
        **_batch_record(batch, logins),
        "file_sha256": batch.file_sha256,
        "file_size": batch.file_size,
        "sheets": batch.sheets,
        "mapping": batch.mapping,
        "options": batch.options,
        "issues": [
            {
                "sheet": issue.sheet,
                "row": issue.row_number,
                "severity": issue.severity,
                "field": issue.field,
                "message": issue.message,
            }
            for issue in issues
        ],
    }


def _batch_record(batch: ImportBatch, logins: dict[int, str]) -> dict[str, Any]:
    counts = batch.counts or {}
    return {
        "id": batch.id,
        "created_at": batch.created_at,
        "created_by": logins.get(batch.created_by_id or -1),
        "file": batch.file_name,
        "format": batch.file_format,
        "status": batch.status,
        **{
            name: counts.get(name, 0)
            for name in ("rows", "created", "updated", "unchanged", "skipped", "rejected",
                         "warnings")
        },
        "companies_created": counts.get("companies_created", 0),
        "companies_updated": counts.get("companies_updated", 0),
        "contacts_created": counts.get("contacts_created", 0),
        "contacts_updated": counts.get("contacts_updated", 0),
        "undone_at": batch.undone_at,
        "undone_by": logins.get(batch.undone_by_id or -1),
    }  # fmt: skip
