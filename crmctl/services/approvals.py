"""Approvals: a request for a decision about a record, and the decision as an event.

A pending approval with ``blocks_moves`` holds the deal's stage moves (win included);
`approvals approve|reject` appends ``approval.decided`` on the record, which rules can
react to (``trigger: {event: approval.decided, decision: approved}``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select

from crmctl.db.models import Approval
from crmctl.errors import Conflict, NotFound, PermissionDenied, ValidationError
from crmctl.services.access import about, policy
from crmctl.services.context import Actor, Context
from crmctl.services.events import record_event
from crmctl.services.notifications import Message, notify, recipients
from crmctl.services.refs import resolve_user
from crmctl.services.users import logins_by_id

STATUSES = ("pending", "approved", "rejected")


def request_approval(
    ctx: Context,
    entity_type: str,
    entity_id: int,
    reason: str,
    approver: str,
    *,
    blocks_moves: bool = True,
) -> dict[str, Any]:

    approval = Approval(
        entity_type=entity_type,
        entity_id=entity_id,
        reason=reason.strip() or "(no reason)",
        status="pending",
        blocks_moves=blocks_moves,
        rule_id=ctx.rule,
        requested_at=ctx.now,
    )
    if approver.startswith("role:"):
        approval.approver_role = approver.removeprefix("role:")
        who = [approver]
    else:
        approval.approver_id = resolve_user(ctx, approver).id
        who = [f"user:{approver}"]
    ctx.session.add(approval)
    ctx.session.flush()
    record_event(
        ctx,
        entity_type,
        entity_id,
        "approval.requested",
        {"approval_id": approval.id, "reason": approval.reason, "approver": approver},
    )
    subject = f"Ke schválení: {entity_type} #{entity_id} — {approval.reason}"
    body = f"crmctl approvals approve {approval.id}   |   crmctl approvals reject {approval.id}"
    message = Message(subject, body, entity_type, entity_id, ctx.rule)
    notify(ctx, recipients(ctx, who, owner_login=None), message, ["inbox", "email"], url=None)
    return approval_record(ctx, approval)


def list_approvals(ctx: Context, *, status: str | None = "pending") -> list[dict[str, Any]]:
    """The approvals the acting user decides (theirs or their role's), all for an admin."""
    actor = ctx.require_actor()
    statement = select(Approval).order_by(Approval.id)
    if actor.role != "admin":
        statement = statement.where(
            or_(Approval.approver_id == actor.id, Approval.approver_role == actor.role),
            _about_readable_records(ctx),
        )
    if status is not None:
        if status not in STATUSES:
            raise ValidationError(f"status {status!r}: expected {', '.join(STATUSES)}")
        statement = statement.where(Approval.status == status)
    return [approval_record(ctx, row) for row in ctx.session.scalars(statement)]


def _about_readable_records(ctx: Context) -> ColumnElement[bool]:
    """Approvals about records the actor may fully read, as ``decide`` requires: a role's
    approver (every manager, say) does not see the reason of a request about a deal
    hidden from them."""

    return or_(
        Approval.entity_type.not_in(list(policy.ENTITIES)),
        about.about_predicate(ctx, Approval.entity_type, Approval.entity_id),
    )


def decide(ctx: Context, approval_id: int, decision: str, note: str | None) -> dict[str, Any]:
    actor = ctx.require_actor()
    approval = ctx.session.get(Approval, approval_id, with_for_update=True)
    if approval is None:
        raise NotFound(f"no approval #{approval_id}; see `crmctl approvals list --all`")
    if approval.status != "pending":
        raise Conflict(f"approval #{approval.id} is already {approval.status}")
    _require_approver(actor, approval)
    _require_readable(ctx, approval)
    approval.status = decision
    approval.decided_at, approval.decided_by_id = ctx.now, actor.id
    approval.note = (note or "").strip() or None
    record_event(
        ctx,
        approval.entity_type,
        approval.entity_id,
        "approval.decided",
        {
            "approval_id": approval.id,
            "decision": decision,
            "reason": approval.reason,
            "note": approval.note,
        },
    )
    return approval_record(ctx, approval)


def _require_approver(actor: Actor, approval: Approval) -> None:
    allowed = (
        actor.role == "admin"
        or actor.id == approval.approver_id
        or (approval.approver_role is not None and actor.role == approval.approver_role)
    )
    if not allowed:
        who = f"role {approval.approver_role}" if approval.approver_role else "its approver"
        raise PermissionDenied(
            f"approval #{approval.id} is for {who} (or an admin); you are {actor.login}"
        )


def _require_readable(ctx: Context, approval: Approval) -> None:
    """Deciding about a record takes reading it: a rule may name an approver (a role, say)
    who may not see that particular deal; the answer is the same as for showing it."""

    if approval.entity_type in policy.ENTITIES:
        policy.require(ctx, approval.entity_type, approval.entity_id, "read")


def require_no_pending(ctx: Context, entity_type: str, entity_id: int) -> None:
    """Refuse a stage move while an approval that blocks moves is pending."""
    pending = ctx.session.scalars(
        select(Approval).where(
            Approval.entity_type == entity_type,
            Approval.entity_id == entity_id,
            Approval.status == "pending",
            Approval.blocks_moves,
        )
    ).first()
    if pending is not None:
        raise Conflict(
            f"{entity_type} #{entity_id} waits for approval #{pending.id} ({pending.reason}); "
            f"`crmctl approvals approve {pending.id}` first"
        )


def require_none_pending(ctx: Context, entity_type: str, ids: Select[Any]) -> None:
    """The set-based ``require_no_pending``: refuse when any of ``ids`` waits for approval."""
    pending = ctx.session.execute(
        select(Approval.id, Approval.entity_id)
        .where(
            Approval.entity_type == entity_type,
            Approval.entity_id.in_(ids),
            Approval.status == "pending",
            Approval.blocks_moves,
        )
        .order_by(Approval.entity_id)
        .limit(1)
    ).first()
    if pending is not None:
        raise Conflict(
            f"{entity_type} #{pending.entity_id} waits for approval #{pending.id}; "
            f"`crmctl approvals approve {pending.id}` first, or leave it out of --where"
        )


def approval_record(ctx: Context, approval: Approval) -> dict[str, Any]:
    logins = logins_by_id(ctx, [approval.approver_id, approval.decided_by_id])
    return {
        "id": approval.id,
        "about": f"{approval.entity_type} #{approval.entity_id}",
        "entity_type": approval.entity_type,
        "entity_id": approval.entity_id,
        "reason": approval.reason,
        "approver": logins.get(approval.approver_id or -1)
        or (f"role:{approval.approver_role}" if approval.approver_role else None),
        "status": approval.status,
        "rule": approval.rule_id,
        "requested_at": approval.requested_at,
        "decided_at": approval.decided_at,
        "decided_by": logins.get(approval.decided_by_id or -1),
        "note": approval.note,
    }
