"""Need-to-know permissions: the one place that decides who may see or change what.

For the acting user and an entity, :func:`predicate` returns a SQLAlchemy boolean
expression over that entity's table; every list, show, search, timeline, export,
report, ``apply`` and write adds it to its query, so nothing is filtered in Python.

A rule per role and entity holds a ``read`` and a ``write`` scope — ``none | own | team
| subordinates | all`` — and optionally a ``limited`` view: a wider scope in which only
some fields are shown (the company card for everyone; deal stage for support). A
record is in a scope when its owner is, or when the customer (company) it belongs to
is owned by someone in the scope: "owner, the owner's managers up the chain, admins".

The defaults follow that rule and ``policy:`` in ``crmctl.yaml`` overrides them per
role and entity (custom roles included); ``crmctl policy show`` prints the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, Table, exists, false, or_, select, true

from crmctl import entities as declared
from crmctl.config import Settings
from crmctl.db import tables
from crmctl.errors import NotFound, PermissionDenied, UsageError
from crmctl.query import entities as registries
from crmctl.query.fields import EntityRegistry
from crmctl.query.parsed import ParsedFilter, as_parsed
from crmctl.services.context import Context
from crmctl.services.listing import SortMask

if TYPE_CHECKING:
    from crmctl.db.models import User
    from crmctl.services.context import Actor

SCOPES = ("none", "own", "team", "subordinates", "all")
ACTIONS = ("read", "write")
BUILTIN_ROLES = ("admin", "manager", "sales", "support")
# The basic company card: everyone may find a customer and see who looks after it.
CARD_FIELDS = declared.COMPANY.card_fields
# A support call should know where the customer stands: the deal card (stage, not value).
SUPPORT_DEAL_FIELDS = declared.DEAL.card_fields
# The helpdesk needs what a customer has and under which contract, not what it pays.
SUPPORT_SERVICE_FIELDS = declared.SERVICE.card_fields


# --- the model --------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """A scope in which only ``fields`` are shown (all if ``None``), narrowed by ``where``."""

    scope: str = "none"
    fields: tuple[str, ...] | None = None
    where: str | None = None


@dataclass(frozen=True)
class Rule:
    read: str = "none"
    write: str = "none"
    limited: View | None = None

    def scope(self, action: str) -> str:
        return self.read if action == "read" else self.write


@dataclass(frozen=True)
class EntitySpec:
    """How to find a record's owner and customer, for one entity the policy covers.

    Over the Core ``table`` (not the ORM class): read-only commands check permissions
    without importing the ORM.
    """

    name: str
    table_ref: Table | tables.LazyTable  # see Entity.table_ref
    owner: Callable[[], ColumnElement[Any]]
    # Given ``SELECT companies.id`` of the companies in scope: "belongs to one of them".
    via_company: Callable[[Select[Any]], ColumnElement[bool]] | None = None
    registry: Callable[[], EntityRegistry] | None = None
    label: str = ""
    paired: declared.Paired | None = None  # also in scope through its paired records

    @cached_property
    def table(self) -> Table:
        return tables.resolve(self.table_ref)


def _spec(entity: declared.Entity) -> EntitySpec:
    """The policy's view of a registry entity."""
    where = partial(registries.registry, entity.name) if entity.where else None
    return EntitySpec(
        entity.name, entity.table_ref, entity.owner_column, via_company=entity.via_company,
        registry=where, label=entity.plural, paired=entity.paired,
    )  # fmt: skip


def _entity_specs() -> dict[str, EntitySpec]:
    """Derived from the entity registry: every entity it declares is covered."""
    return {entity.name: _spec(entity) for entity in declared.ENTITIES.values()}


ENTITIES: dict[str, EntitySpec] = _entity_specs()


def register_entity(spec: EntitySpec, defaults: Mapping[str, Rule] | None = None) -> None:
    """For entities built elsewhere (activities, documents, …): cover them by the policy.

    ``defaults`` maps a role to its rule; roles not named get the customer rule of their
    role (as for contacts).
    """
    ENTITIES[spec.name] = spec
    for role, rules in DEFAULT_RULES.items():
        rules[spec.name] = (defaults or {}).get(role, rules["contact"])


def cover(entity: declared.Entity, defaults: Mapping[str, Rule] | None = None) -> None:
    """Cover an entity added to the registry at run time (``entities.register``)."""
    register_entity(_spec(entity), defaults)


def _same(scope: str) -> dict[str, Rule]:
    return {name: Rule(scope, scope) for name in ENTITIES}


DEFAULT_RULES: dict[str, dict[str, Rule]] = {
    "admin": _same("all"),
    "manager": _same("subordinates"),
    "sales": _same("own"),
    "support": {
        **_same("none"),
        "deal": Rule("none", "none", View("all", SUPPORT_DEAL_FIELDS)),
        "task": Rule("none", "none", View("all", None, "done_at is null")),
        "service": Rule("none", "none", View("all", SUPPORT_SERVICE_FIELDS)),
    },
}
# The firm's catalogue and its campaigns are not need-to-know (issue 19): every role reads
# the catalogue (support too: "what did they buy"), the sales roles read campaigns, and
# managers and admins keep both (a salesperson does not launch leads for others' customers).
for _role, (_product, _campaign) in {
    "admin": (Rule("all", "all"), Rule("all", "all")),
    "manager": (Rule("all", "all"), Rule("all", "all")),
    "sales": (Rule("all", "none"), Rule("all", "none")),
    "support": (Rule("all", "none"), Rule("none", "none")),
}.items():
    DEFAULT_RULES[_role]["product"] = _product
    DEFAULT_RULES[_role]["campaign"] = _campaign
# Mail (issue 18): admins read every message; anyone else the mail of their own mailboxes
# and, through ``paired``, every message paired to a record they may read.
for _role, _message in {"manager": "own", "sales": "own", "support": "own"}.items():
    DEFAULT_RULES[_role]["message"] = Rule(_message, "none" if _role == "support" else _message)


@dataclass(frozen=True)
class Policy:
    rules: dict[str, dict[str, Rule]]
    sources: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.rules)

    def rule(self, role: str | None, entity: str) -> Rule:
        entity_spec(entity)
        if role is None:
            return Rule()
        rules = self.rules.get(role, {})
        if entity not in rules:  # covered after this policy was loaded (see entity_spec)
            return DEFAULT_RULES.get(role, {}).get(entity, Rule())
        return rules[entity]


def entity_spec(entity: str) -> EntitySpec:
    spec = ENTITIES.get(entity)
    if spec is None and entity in declared.ENTITIES:
        # Declared in the registry after this module was imported (a test's entity):
        # covered on first use with the customer rule of each role, as at import.
        cover(declared.ENTITIES[entity])
        spec = ENTITIES[entity]
    if spec is None:
        raise UsageError(f"unknown entity {entity!r}; choose one of {', '.join(ENTITIES)}")
    return spec


# --- configuration ------------------------------------------------------------------------


def load_policy(settings: Settings) -> Policy:
    """The defaults with ``policy: roles: ROLE: ENTITY: {read, write, limited}`` applied."""
    rules = {role: dict(entities) for role, entities in DEFAULT_RULES.items()}
    sources = {(r, e): "default" for r, entities in rules.items() for e in entities}
    setting = settings.values.get("policy")
    if setting is None or setting.value is None:
        return Policy(rules, sources)
    where = setting.source
    configured = setting.value
    if not isinstance(configured, dict) or set(configured) - {"roles"}:
        raise UsageError(
            f"{where}: policy: expected 'roles: {{ROLE: {{ENTITY: {{read, write}}}}}}'"
        )
    for role, entities in (configured.get("roles") or {}).items():
        if not isinstance(entities, dict):
            raise UsageError(f"{where}: policy.roles.{role}: expected a mapping of entities")
        own = rules.setdefault(str(role), {name: Rule() for name in ENTITIES})
        for entity, raw in entities.items():
            if entity not in ENTITIES:
                raise UsageError(
                    f"{where}: policy.roles.{role}.{entity}: unknown entity; "
                    f"known: {', '.join(ENTITIES)}"
                )
            own[entity] = _rule(
                own.get(entity, Rule()), raw, f"{where}: policy.roles.{role}.{entity}"
            )
            sources[str(role), entity] = where
    return Policy(rules, sources)


def _rule(base: Rule, raw: Any, where: str) -> Rule:
    if not isinstance(raw, dict) or set(raw) - {"read", "write", "limited"}:
        raise UsageError(f"{where}: expected {{read: SCOPE, write: SCOPE, limited: {{…}}}}")
    rule = replace(
        base,
        read=_scope(raw.get("read", base.read), where),
        write=_scope(raw.get("write", base.write), where),
    )
    if "limited" in raw:
        rule = replace(rule, limited=_view(raw["limited"], where))
    return rule


def _view(raw: Any, where: str) -> View | None:
    if raw in (None, "none"):
        return None
    if not isinstance(raw, dict) or set(raw) - {"scope", "fields", "where"}:
        raise UsageError(f"{where}.limited: expected {{scope: SCOPE, fields: [...], where: EXPR}}")
    fields = raw.get("fields")
    if fields is not None and not (
        isinstance(fields, list) and all(isinstance(f, str) for f in fields)
    ):
        raise UsageError(f"{where}.limited.fields: expected a list of field names")
    return View(_scope(raw.get("scope", "all"), where), tuple(fields) if fields else None,
                raw.get("where"))  # fmt: skip


def _scope(value: Any, where: str) -> str:
    if value not in SCOPES:
        raise UsageError(f"{where}: scope {value!r} is not one of {' | '.join(SCOPES)}")
    return str(value)


def known_roles(settings: Settings) -> tuple[str, ...]:
    return load_policy(settings).roles


def policy_of(ctx: Context) -> Policy:
    cached = ctx.cache.get("policy")
    if cached is None:
        cached = ctx.cache["policy"] = load_policy(ctx.settings)
    return cached  # type: ignore[no-any-return]


# --- scopes as user sets and predicates ---------------------------------------------------


def scope_user_ids(ctx: Context, user: User | Actor | None, scope: str) -> list[int] | None:
    """The owners whose records are in ``scope`` for ``user``; ``None`` means everyone."""
    if scope == "all":
        return None
    if user is None or scope == "none":
        return []
    key = ("scope", user.id, scope)
    if key not in ctx.cache:
        ctx.cache[key] = _scope_ids(ctx, user, scope)
    return ctx.cache[key]  # type: ignore[no-any-return]


def _scope_ids(ctx: Context, user: User | Actor, scope: str) -> list[int]:
    users = tables.users.c
    if scope == "own":
        return [user.id]
    if scope == "team":
        if user.team_id is None:
            return [user.id]
        ids = ctx.session.scalars(select(users.id).where(users.team_id == user.team_id)).all()
        return sorted({user.id, *ids})
    # subordinates: the user and everyone below them in the manager chain (users are few).
    managers = {uid: mid for uid, mid in ctx.session.execute(select(users.id, users.manager_id))}
    found, frontier = {user.id}, {user.id}
    while frontier:
        frontier = {uid for uid, mid in managers.items() if mid in frontier} - found
        found |= frontier
    return sorted(found)


def scope_predicate(
    ctx: Context,
    entity: str,
    scope: str,
    user: User | Actor | None = None,
    *,
    paged: bool = False,
    action: str = "read",
) -> ColumnElement[bool]:
    """Records of ``entity`` owned — directly or through their customer — within ``scope``.

    ``paged``: the query reads one sorted page. SQLite would otherwise fetch every visible
    row through the owner index and sort them all; with the owner column hidden from the
    planner (``+ 0``) it walks the sort's index and skips other owners' rows instead.
    """
    spec = entity_spec(entity)
    ids = scope_user_ids(ctx, user if user is not None else ctx.actor, scope)
    if ids is None:
        return true()
    if not ids:
        return false()
    owner = spec.owner()
    if paged and ctx.dialect_name == "sqlite":
        owner = owner + 0
    terms = [owner.in_(ids)]
    if spec.via_company is not None:
        companies = tables.companies.c
        terms.append(spec.via_company(select(companies.id).where(companies.owner_id.in_(ids))))
    if spec.paired is not None:
        terms.append(_paired(ctx, spec, action, user))
    return or_(*terms) if len(terms) > 1 else terms[0]


def _paired(ctx: Context, spec: EntitySpec, action: str, who: Any) -> ColumnElement[bool]:
    """Paired to a record that ``who`` may ``action`` by their own rule for its entity."""
    paired, who = spec.paired, who if who is not None else ctx.require_actor()
    assert paired is not None
    terms = []
    for target in paired.targets:
        scope, table = rule_for(ctx, target, who).scope(action), entity_spec(target).table
        if scope != "none":
            ids = select(table.c.id).where(scope_predicate(ctx, target, scope, who, action=action))
            terms.append((paired.table.c.entity_type == target) & paired.table.c.entity_id.in_(ids))
    pairing = exists().where(paired.table.c[paired.column] == spec.table.c.id)
    return pairing.where(or_(*terms)) if terms else false()


def rule_for(ctx: Context, entity: str, user: User | Actor | None = None) -> Rule:
    # No acting user may read nothing: say so (exit 5) rather than print an empty list.
    actor = user if user is not None else ctx.require_actor()
    return policy_of(ctx).rule(actor.role, entity)


def predicate(ctx: Context, entity: str, action: str = "read") -> ColumnElement[bool]:
    """THE policy function: the records of ``entity`` the acting user may fully read/write.

    ``action`` is ``"read"`` or ``"write"``. Add it to every query over the entity's table.
    """
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}, not {action!r}")
    return scope_predicate(ctx, entity, rule_for(ctx, entity).scope(action), action=action)


def sees_everything(ctx: Context, entity: str, action: str = "read") -> bool:
    return rule_for(ctx, entity).scope(action) == "all"


@dataclass(frozen=True)
class ReadScope:
    """What a list may return: full rows, plus limited rows showing only some fields."""

    full: ColumnElement[bool]
    limited: ColumnElement[bool] | None  # rows shown with ``fields`` only
    fields: tuple[str, ...] | None
    everything: bool

    def rows(self) -> ColumnElement[bool]:
        return self.full if self.limited is None else or_(self.full, self.limited)

    def sort_mask(self) -> SortMask | None:
        """For ``--sort``: a field a limited row hides must not order that row."""
        if self.limited is None or self.fields is None:
            return None
        return SortMask(self.fields, self.full)


def read_scope(ctx: Context, entity: str, *, paged: bool = False) -> ReadScope:
    rule = rule_for(ctx, entity)
    full = scope_predicate(ctx, entity, rule.read, paged=paged)
    view = limited_view(ctx, entity, rule)
    if rule.read == "all" or view is None:
        return ReadScope(full, None, None, rule.read == "all")
    limited = scope_predicate(ctx, entity, view.scope, paged=paged)
    if view.where:
        limited = limited & _compile(ctx, entity, view.where)
    return ReadScope(full, limited, view.fields, False)


def limited_view(ctx: Context, entity: str, rule: Rule) -> View | None:
    if entity == "company":
        # The basic card is readable by everyone whatever the configuration says.
        return View("all", CARD_FIELDS)
    return rule.limited


def view_condition(ctx: Context, entity: str, where: str) -> ColumnElement[bool]:
    """A limited view's ``where`` as SQL (row security compiles it into its policies)."""
    return _compile(ctx, entity, where)


def _compile(ctx: Context, entity: str, where: str) -> ColumnElement[bool]:
    from crmctl.query import compile_where  # noqa: PLC0415  (start-up)

    entity_spec(entity)  # an unknown entity is a usage error
    registry = registries.registry(entity)
    return compile_where(where, registry, now=ctx.now, tz=ctx.tz)


def limited_where(
    ctx: Context, entity: str, scope: ReadScope, where: ParsedFilter | str | None
) -> ColumnElement[bool]:
    """Which rows ``--where`` may match: a filter on hidden fields matches full rows only.

    Otherwise ``--where 'phone ~ "777"'`` would reveal what the card does not show. The
    fields are read off the parsed tree: the filter is not compiled a second time.
    """
    if scope.limited is None:
        return true()
    parsed = as_parsed(where)
    if parsed is not None and not _uses_only(entity, parsed, scope.fields):
        return scope.full
    return true()


def _uses_only(entity: str, parsed: ParsedFilter, fields: tuple[str, ...] | None) -> bool:
    if fields is None:
        return True
    spec = entity_spec(entity)
    if spec.registry is None:
        return False
    return parsed.uses_only(spec.registry(), fields)


def trim(record: dict[str, Any], fields: tuple[str, ...] | None) -> dict[str, Any]:
    """A limited row: only the fields its view shows, and a mark that it is limited."""
    if fields is None:
        return {**record, "limited": True}
    return {**{name: record.get(name) for name in fields}, "limited": True}


# --- single records ---------------------------------------------------------------------


def denied(ctx: Context, entity: str, record_id: Any, action: str = "read") -> PermissionDenied:
    """Says neither whether the record exists nor what it holds."""
    actor = ctx.actor
    who = f"{actor.login} ({actor.role})" if actor else "no acting user"
    verb = "see" if action == "read" else "change"
    return PermissionDenied(
        f"permission denied: {who} may not {verb} {entity} {_ref(record_id)}, or it does not "
        f"exist; `crmctl policy explain {actor.login if actor else 'USER'} {entity} "
        f"{record_id if str(record_id).strip().isdigit() else 'ID'}` says why"
    )


def _ref(record_id: Any) -> str:
    text = str(record_id).strip()
    return f"#{text}" if text.isdigit() else repr(text)


def missing(ctx: Context, entity: str, record_id: Any, not_found: NotFound) -> Exception:
    """A record that was not found: say so only to who may see every such record."""
    if sees_everything(ctx, entity):
        return not_found
    return denied(ctx, entity, record_id)


def may(ctx: Context, entity: str, record_id: int, action: str = "read") -> bool:
    spec = entity_spec(entity)
    found = ctx.session.scalar(
        select(spec.table.c.id).where(spec.table.c.id == record_id, predicate(ctx, entity, action))
    )
    return found is not None


def require(ctx: Context, entity: str, record_id: int, action: str = "read") -> None:
    """Raise ``PermissionDenied`` (exit 5) unless the acting user may ``action`` the record.

    A write to a record the user cannot read is refused exactly like a read.
    """
    if action == "write" and not may(ctx, entity, record_id, "read"):
        raise denied(ctx, entity, record_id, "read")
    if not may(ctx, entity, record_id, action):
        raise denied(ctx, entity, record_id, action)


def require_any_write(ctx: Context, entity: str, what: str) -> None:
    """For creating records and batch writes: the role writes this entity at all."""
    rule = rule_for(ctx, entity)
    if rule.write == "none":
        actor = ctx.require_actor()
        raise PermissionDenied(
            f"permission denied: {actor.login} ({actor.role}) may not {what} "
            f"(write scope for {entity} is none; see `crmctl policy show`)"
        )


def require_owner_in_scope(ctx: Context, entity: str, owner_id: int | None) -> None:
    """A record written may only be given to an owner within the writer's write scope."""
    ids = scope_user_ids(ctx, ctx.actor, rule_for(ctx, entity).write)
    if ids is None or owner_id in ids:
        return
    actor = ctx.require_actor()
    raise PermissionDenied(
        f"permission denied: {actor.login} ({actor.role}) may not give a {entity} to that "
        f"owner (write scope {rule_for(ctx, entity).write}); ask a manager or an admin"
    )


def visible_to(ctx: Context, user: User | Actor, entity: str, record_id: int) -> bool:
    """May ``user`` (not necessarily the actor) fully read the record? For notifications."""
    spec = entity_spec(entity)
    scope = policy_of(ctx).rule(user.role, entity).read
    found = ctx.session.scalar(
        select(spec.table.c.id).where(
            spec.table.c.id == record_id, scope_predicate(ctx, entity, scope, user)
        )
    )
    return found is not None


def users_who_may_read(ctx: Context, entity: str, record_id: int) -> list[User]:
    """The active users who may fully read a record: the recipients a notice may reach."""
    from crmctl.db.models import User  # noqa: PLC0415  (start-up: ORM only for writes)

    users = ctx.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    return [user for user in users if visible_to(ctx, user, entity, record_id)]


# --- helpers every read path uses -----------------------------------------------------------


def restrict(
    ctx: Context,
    entity: str,
    statement: Select[Any],
    where: ParsedFilter | str | None = None,
    *,
    paged: bool = False,
) -> tuple[Select[Any], ReadScope]:
    """Narrow a list query to the rows the actor may see (fully or limited)."""
    scope = read_scope(ctx, entity, paged=paged)
    if scope.everything:
        return statement, scope
    return statement.where(scope.rows(), limited_where(ctx, entity, scope, where)), scope


def present(
    ctx: Context, entity: str, scope: ReadScope, records: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Records of limited rows lose the fields their view does not show."""
    from crmctl.services.tags import chunked  # noqa: PLC0415  (start-up)

    if scope.limited is None or not records:
        return records

    ids = entity_spec(entity).table.c.id
    full: set[int] = set()
    for chunk in chunked([record["id"] for record in records]):
        full.update(ctx.session.scalars(select(ids).where(ids.in_(chunk), scope.full)))
    return [record if record["id"] in full else trim(record, scope.fields) for record in records]


def readable(ctx: Context, entity: str, field_name: str) -> ColumnElement[bool]:
    """Records of ``entity`` whose ``field_name`` the actor may see: fully readable ones,
    or limited ones whose view shows that field (a deal's title for support).

    For names of linked records shown on another record (a deal's contacts, a task's deal).
    """
    scope = read_scope(ctx, entity)
    if scope.everything:
        return true()
    if scope.limited is None or (scope.fields is not None and field_name not in scope.fields):
        return scope.full
    return scope.rows()


def read_level(ctx: Context, entity: str, record_id: int) -> str:
    """``"full"`` or ``"limited"`` for one record; ``PermissionDenied`` if neither."""
    scope = read_scope(ctx, entity)
    if scope.everything:
        return "full"
    ids = entity_spec(entity).table.c.id
    found = ctx.session.execute(
        select(ids, scope.full).where(ids == record_id, scope.rows())
    ).first()
    if found is None:
        raise denied(ctx, entity, record_id)
    return "full" if found[1] else "limited"
