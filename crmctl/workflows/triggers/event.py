"""``event:`` — fire once per matching event of the log.

Examples::

    trigger: {event: lead.created}
    trigger: {event: deal.stage_changed, to: Nabídka}          # also from:
    trigger: {event: deal.updated, fields: [value, custom.discount]}
    trigger: {event: deal.owner_changed}                        # ENTITY.FIELD_changed
    trigger: {event: approval.decided, decision: approved, for: deals}
    trigger: {event: task.done}
    trigger: {event: task.overdue}                              # checked on every run
    trigger: {event: email.received, for: deals}    # mail paired to a deal (default: leads)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmctl import entities
from crmctl.workflows.entities import EntityKind, entity_kind
from crmctl.workflows.options import Opt, Problems, check_options, where_of
from crmctl.workflows.triggers.base import EventTrigger
from crmctl.workflows.triggers.overdue import Overdue
from crmctl.workflows.yamlmarks import Loc

ID = "event"
OPTIONS = {
    "event": Opt((str,), 'an event such as "lead.created" or "deal.stage_changed"', True),
    "from": Opt((str,), "a stage (deal.stage_changed only)"),
    "to": Opt((str,), "a stage (deal.stage_changed only)"),
    "fields": Opt((list,), "a list of field names (deal.updated only)"),
    "decision": Opt((str,), "approved or rejected", choices=("approved", "rejected")),
    "for": Opt((str,), "the records an approval is about: deals, leads, …"),
}
# Each entity's kinds are declared with it (crmctl.entities); approvals are not an entity.
KNOWN_KINDS = {
    **{e.name: e.events for e in entities.ENTITIES.values() if e.events},
    "approval": ("requested", "decided"),
}
# Events whose payload is {"from": …, "to": …} about one field.
_FROM_TO_FIELD = {"stage_changed": "stage", "status_changed": "status"}


@dataclass(frozen=True)
class Named(EventTrigger):
    """An event kind, optionally narrowed by stage, changed fields or decision."""

    event: str = ""
    from_stage: str | None = None
    to_stage: str | None = None
    fields: tuple[str, ...] = ()
    decision: str | None = None
    changed_field: str | None = None  # ENTITY.FIELD_changed

    def matches(self, kind: str, entity_type: str, payload: dict[str, Any]) -> bool:
        if entity_type != self.entity.name or kind not in self.kinds:
            return False
        if self.changed_field is not None:
            return _changed(self.changed_field, kind, payload)
        if self.from_stage and payload.get("from") != self.from_stage:
            return False
        if self.to_stage and payload.get("to") != self.to_stage:
            return False
        if self.decision and payload.get("decision") != self.decision:
            return False
        return not self.fields or any(_changed(f, kind, payload) for f in self.fields)

    def describe(self) -> str:
        extra = [
            f"from {self.from_stage}" if self.from_stage else "",
            f"to {self.to_stage}" if self.to_stage else "",
            f"fields {', '.join(self.fields)}" if self.fields else "",
            self.decision or "",
        ]
        return " ".join([self.event, *filter(None, extra)])


def _changed(field: str, kind: str, payload: dict[str, Any]) -> bool:
    changes = payload.get("changes") or {}
    if field in changes:
        return True
    if field.startswith("custom.") and "custom" in changes:
        before, after = (value or {} for value in changes["custom"])
        key = field.removeprefix("custom.")
        return before.get(key) != after.get(key)
    action = kind.split(".", 1)[1]
    return _FROM_TO_FIELD.get(action) == field or (
        field == "status" and action in ("converted", "rejected", "won", "lost")
    )


def _kinds_for_field(entity: str, field: str) -> frozenset[str]:
    if field == "stage":
        return frozenset({f"{entity}.stage_changed"})
    if field == "status":
        return frozenset(
            f"{entity}.{a}" for a in ("status_changed", "converted", "rejected", "won", "lost")
        )
    return frozenset(f"{entity}.{a}" for a in ("updated", "assigned"))


def parse(raw: dict[str, Any], loc: Loc, problems: Problems, context: Any) -> Any | None:
    options = check_options(raw, OPTIONS, "trigger", loc, problems)
    if options is None:
        return None
    name = options["event"].strip()
    where = where_of(raw, "event", loc)
    prefix, _, action = name.partition(".")
    if prefix == "email":
        return _email(name, options, raw, loc, problems)
    if name == "task.overdue":
        return Overdue(entity=entity_kind("task"), once_per="window")  # type: ignore[arg-type]
    entity = _entity(prefix, options, raw, loc, problems)
    if entity is None:
        return None
    if action.endswith("_changed") and action not in _FROM_TO_FIELD:
        field = action.removesuffix("_changed")
        context.check_field(entity, field, where, f'event "{name}"')
        return Named(
            entity=entity,
            kinds=_kinds_for_field(entity.name, field),
            event=name,
            changed_field=field,
        )
    if action not in KNOWN_KINDS.get(prefix, ()):
        known = [f"{e}.{a}" for e, actions in KNOWN_KINDS.items() for a in actions]
        problems.add(
            where,
            f'unknown event "{name}"; expected one of {", ".join(known)} or ENTITY.FIELD_changed',
        )
        return None
    stages = _stages(options, raw, loc, problems, context, name)
    fields = tuple(str(f) for f in options.get("fields") or ())
    for field in fields:
        context.check_field(entity, field, where_of(raw, "fields", loc), f'event "{name}"')
    return Named(
        entity=entity,
        kinds=frozenset({name}),
        event=name,
        from_stage=stages[0],
        to_stage=stages[1],
        fields=fields,
        decision=options.get("decision"),
    )


def _email(
    name: str, options: dict[str, Any], raw: Any, loc: Loc, problems: Problems
) -> Any | None:
    """``email.received`` / ``email.sent``: mail paired to a record of ``for:`` (leads
    by default: a new inquiry's follow-ups)."""
    if name not in ("email.received", "email.sent"):
        problems.add(
            where_of(raw, "event", loc),
            f'unknown event "{name}"; expected email.received or email.sent',
        )
        return None
    entity = entity_kind(options.get("for", "leads"))
    if entity is None or entity.name not in ("deal", "lead", "contact", "company"):
        problems.add(where_of(raw, "for", loc), "for: expected deals, leads, contacts or companies")
        return None
    return Named(entity=entity, kinds=frozenset({name}), event=name)


def _entity(
    prefix: str, options: dict[str, Any], raw: Any, loc: Loc, problems: Problems
) -> EntityKind | None:
    if prefix == "approval":
        target = entity_kind(options.get("for", "deals"))
        if target is None:
            problems.add(where_of(raw, "for", loc), "for: expected deals, leads, companies …")
        return target
    entity = entity_kind(prefix)
    if entity is None:
        problems.add(
            where_of(raw, "event", loc),
            f'unknown record kind "{prefix}"; expected lead, deal, task, company, contact '
            "or approval",
        )
    return entity


def _stages(
    options: dict[str, Any], raw: Any, loc: Loc, problems: Problems, context: Any, name: str
) -> tuple[str | None, str | None]:
    wanted = [options.get("from"), options.get("to")]
    if any(wanted) and name != "deal.stage_changed":
        problems.add(loc, f"trigger: from/to apply to deal.stage_changed, not {name}")
        return None, None
    keys: list[str | None] = []
    for option, value in zip(("from", "to"), wanted, strict=True):
        keys.append(context.stage(value, where_of(raw, option, loc)) if value else None)
    return keys[0], keys[1]
