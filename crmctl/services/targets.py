"""Sales targets: a number per salesperson (``LOGIN``) or team (``team:NAME``), period
(year, quarter or month) and metric.

Who may set: admins for anyone; managers for the people below them in the manager chain
(and themselves) and for their own team. Who may read: whoever may read the salesperson's
deals (a team's targets: whoever may read any deals); support, who sees no deal values,
sees no targets. Every change is one event on the target's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import or_, select

from crmctl.db.models import Target, Team, User
from crmctl.errors import NotFound, PermissionDenied, ValidationError
from crmctl.money import currency_code, parse_money
from crmctl.periods import Period, parse_period
from crmctl.services import policy
from crmctl.services.context import Context
from crmctl.services.events import record_event
from crmctl.services.refs import resolve_team, resolve_user

ENTITY = "target"
METRICS = ("won_value", "won_count", "new_deals", "first_meetings", "calls")
MONEY_METRICS = ("won_value",)


@dataclass(frozen=True)
class Subject:
    key: str  # user:ID or team:ID
    user: User | None = None
    team: Team | None = None

    @property
    def label(self) -> str:
        return self.user.login if self.user is not None else f"team:{self.team.name}"  # type: ignore[union-attr]


def resolve_subject(ctx: Context, ref: str) -> Subject:
    text = ref.strip()
    if text.lower().startswith("team:"):
        team = resolve_team(ctx, text[5:].strip())
        return Subject(f"team:{team.id}", team=team)
    user = resolve_user(ctx, text)
    return Subject(f"user:{user.id}", user=user)


def parse_metric(text: str) -> str:
    metric = text.strip().lower()
    if metric not in METRICS:
        raise ValidationError(f"--metric {text!r}: use one of {', '.join(METRICS)}")
    return metric


def parse_value(metric: str, raw: str, currency: str | None) -> tuple[Decimal, str | None]:
    if metric in MONEY_METRICS:
        amount, parsed_currency = parse_money(raw, "--value")
        if amount < 0:
            raise ValidationError(f"--value {raw!r}: a target cannot be negative")
        code = currency_code(currency, "--currency") if currency else parsed_currency
        return amount, code or "CZK"
    if currency:
        raise ValidationError(f"--currency applies to won_value only, not to {metric}")
    try:
        count = Decimal(raw.strip().replace(" ", ""))
    except InvalidOperation:
        count = Decimal(-1)
    if count < 0 or count != count.to_integral_value():
        raise ValidationError(f"--value {raw!r}: {metric} is a count; give a whole number ≥ 0")
    return count, None


def require_may_set(ctx: Context, subject: Subject) -> None:
    actor = ctx.require_actor()
    if actor.role == "admin":
        return
    if actor.role == "manager":
        if subject.team is not None and subject.team.id == actor.team_id:
            return
        below = policy.scope_user_ids(ctx, actor, "subordinates") or []
        if subject.user is not None and subject.user.id in below:
            return
    raise PermissionDenied(
        f"you ({actor.login}, {actor.role}) may not set targets for {subject.label}: admins "
        "set anyone's, managers those of their people and their own team"
    )


def set_target(
    ctx: Context, ref: str, period_text: str, metric_text: str, value: str,
    currency: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Create or replace the target of ``ref`` for the period and metric."""
    subject = resolve_subject(ctx, ref)
    period = parse_period(period_text)
    metric = parse_metric(metric_text)
    amount, code = parse_value(metric, value, currency)
    require_may_set(ctx, subject)
    target = ctx.session.scalars(
        select(Target).where(
            Target.subject == subject.key, Target.period == period.key, Target.metric == metric
        )
    ).first()
    before = target_record(ctx, target) if target is not None else None
    if target is None:
        target = Target(subject=subject.key, period=period.key, metric=metric,
                        created_at=ctx.now, created_by_id=ctx.actor_id)  # fmt: skip
        ctx.session.add(target)
    _assign(ctx, target, subject, period, amount, code)
    ctx.session.flush()
    record = target_record(ctx, target)
    payload: dict[str, Any] = {"target": record}
    if before is not None:
        payload["before"] = {"value": before["value"], "currency": before["currency"]}
    record_event(ctx, ENTITY, target.id, "target.set", payload)
    return record


def _assign(ctx: Context, target: Target, subject: Subject, period: Period, amount: Decimal,
            currency: str | None) -> None:  # fmt: skip
    target.user_id = subject.user.id if subject.user is not None else None
    target.team_id = subject.team.id if subject.team is not None else None
    target.period_start, target.period_end = period.start, period.end
    target.value, target.currency = amount, currency
    target.updated_at, target.updated_by_id = ctx.now, ctx.actor_id


def remove_target(ctx: Context, target_id: int) -> dict[str, Any]:
    target = ctx.session.get(Target, target_id)
    if target is None or not _readable(ctx, target):
        raise NotFound(f"target #{target_id} not found; see `crmctl targets list`")
    subject = resolve_subject(ctx, _subject_ref(ctx, target))
    require_may_set(ctx, subject)
    record = target_record(ctx, target)
    record_event(ctx, ENTITY, target.id, "target.removed", {"target": record})
    ctx.session.delete(target)
    return record


def list_targets(
    ctx: Context, period: str | None = None, subject: str | None = None
) -> list[dict[str, Any]]:
    statement = select(Target).where(visible_targets(ctx))
    if period:
        wanted = parse_period(period)
        # Targets overlapping the period: a year's target shows under its quarters too.
        statement = statement.where(
            Target.period_start <= wanted.end, Target.period_end >= wanted.start
        )
    if subject:
        statement = statement.where(Target.subject == resolve_subject(ctx, subject).key)
    order = (Target.period_start, Target.period_end, Target.subject, Target.metric, Target.id)
    targets = ctx.session.scalars(statement.order_by(*order)).all()
    return [target_record(ctx, target) for target in targets]


def visible_targets(ctx: Context) -> Any:
    """Targets whose salesperson's deals the actor may read; teams' if any deals."""
    actor = ctx.require_actor()
    scope = policy.rule_for(ctx, "deal").scope("read")
    ids = policy.scope_user_ids(ctx, actor, scope)
    if ids is None:
        return Target.id.is_not(None)
    if not ids:
        return Target.id.is_(None)
    return or_(Target.user_id.in_(ids), Target.team_id == actor.team_id)


def _readable(ctx: Context, target: Target) -> bool:
    statement = select(Target.id).where(Target.id == target.id, visible_targets(ctx))
    return ctx.session.scalar(statement) is not None


def _subject_ref(ctx: Context, target: Target) -> str:
    if target.user_id is not None:
        return str(target.user_id)
    team = ctx.session.get(Team, target.team_id)
    return f"team:{team.name if team else target.team_id}"


def target_record(ctx: Context, target: Target) -> dict[str, Any]:
    who = None
    if target.user_id is not None:
        user = ctx.session.get(User, target.user_id)
        who = user.login if user else None
    else:
        team = ctx.session.get(Team, target.team_id)
        who = f"team:{team.name}" if team else None
    return {
        "id": target.id,
        "subject": who,
        "period": target.period,
        "from": target.period_start,
        "to": target.period_end,
        "metric": target.metric,
        "value": target.value if target.metric in MONEY_METRICS else int(target.value),
        "currency": target.currency,
    }
