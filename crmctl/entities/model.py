"""The shape of one entity declaration: :class:`Entity` and its :class:`Field` s.

Plain dataclasses over the Core tables. Nothing here imports ``sqlalchemy.orm``: the ORM
class is named by an import path and resolved on first use, so read commands that only
need the table, the fields and the scope rule start without the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from typing import Any

from sqlalchemy import Column, ColumnElement, Select, Table

from crmctl.db import tables
from crmctl.db.tables import LazyTable
from crmctl.query.fields import FieldKind

# A computed field's ``--where`` behaviour: FieldSpec keyword arguments (column, compare,
# tags, has_any_tag, sort_column, sort_inverted), built when the filter registry is.
FilterHook = Callable[[], Mapping[str, Any]]


@dataclass(frozen=True)
class Field:
    """One field of an entity's records, with what each part of the CLI may do with it.

    A stored field reads ``column`` (default: its own name) of the entity's table; a
    computed one has ``sql`` (its ``--where`` expression) or no SQL at all (shown only).
    """

    name: str
    kind: FieldKind
    cs: str = ""  # Czech label
    en: str = ""  # English label
    description: str = ""  # shown by `--where` help and errors
    column: str | None = None  # the table column, if it differs from ``name``
    sql: FilterHook | None = None  # computed: how ``--where``/``--sort`` read it
    stored: bool = True  # False: computed from other columns or tables
    filter: bool = True  # usable in ``--where``
    shown: bool = True  # part of the record ``show`` prints (False: ``--where`` only)
    settable: bool = False  # ``apply``/``edit``/workflow ``set`` may write it
    table: int = 0  # position among the default table columns of ``list`` (0: not shown)
    card: int = 0  # position in the limited card (0: not part of it)

    @property
    def column_name(self) -> str | None:
        """The table column this field is stored in (None: computed)."""
        if not self.stored:
            return None
        return self.column or self.name

    @property
    def label(self) -> str:
        return self.en or self.name.replace("_", " ")


def computed(name: str, kind: FieldKind, sql: FilterHook | None = None, **flags: Any) -> Field:
    """A field not stored in the entity's own table (``sql=None``: shown, not filtered)."""
    return Field(name, kind, sql=sql, stored=False, filter=sql is not None, **flags)


@dataclass(frozen=True)
class Links:
    """How records of other entities (tasks, activities, documents) point at this one."""

    column: str  # the link column on those tables: "person_id" for contacts
    # Its title is shown to every reader of the linking record (the company card is
    # public); otherwise only to readers who may see the title field.
    public: bool = False


@dataclass(frozen=True)
class Paired:
    """Records reached through a pairing table (a message through ``message_pairings``):
    in a reader's scope also when paired to a record of ``targets`` the reader may read
    (write, for writes), whatever that record's owner."""

    table: Table | LazyTable  # one row per pairing: (this entity's id, type, id)
    column: str  # the column holding this entity's id: "message_id"
    targets: tuple[str, ...]  # the entities a pairing may name, in the policy's order


@dataclass(frozen=True)
class Entity:
    """One kind of record, declared once; every other registry is derived from it."""

    name: str  # singular; the event log's ``entity_type`` and the policy's key: "contact"
    plural: str  # the CLI noun and workflow ``for:``: "contacts"
    cs: str  # Czech label (plural)
    en: str  # English label (plural)
    # Its Core table, or ``tables.lazy(NAME)``: built when first used (read commands
    # need few of the 40 tables; :attr:`table` is always the table itself).
    table_ref: Table | LazyTable
    model_path: str  # "crmctl.db.models:Person" — resolved on first use of :attr:`model`
    owner: str  # the column whose user owns a record (the ``own``/``team`` scope rule)
    fields: tuple[Field, ...]
    title: str  # the field that names a record in timelines and links: "name", "title"
    # Given ``SELECT companies.id`` of the companies in scope: "belongs to one of them".
    via_company: Callable[[Select[Any]], ColumnElement[bool]] | None = None
    custom: bool = False  # the table's ``custom`` JSON column: ``custom.KEY`` fields
    links: Links | None = None  # tasks/activities/documents may point at it
    paired: Paired | None = None  # also in scope through the records it is paired to
    # Its CLI ``list`` takes ``--where`` (False: only the policy's limited views filter it,
    # and a filter on their hidden fields then matches full rows only).
    where: bool = True
    timeline: bool = False  # has `crmctl timeline ENTITY REF`
    # Hangs off customer records through their link columns (tasks, activities,
    # documents): shown in those records' timelines.
    attached: bool = False
    importable: bool = False  # created by `import` (and removed again by `import undo`)
    # The event kinds a workflow ``event:`` trigger may name (``ENTITY.KIND``).
    events: tuple[str, ...] = ()
    # Hooks the read pipeline and workflows call, as "module:function" import paths so the
    # registry imports no service: ``show(ctx, id) -> record``;
    # ``records(ctx, ids) -> {id: record}`` (many in one query; None: ``show`` each).
    show: str | None = None
    records: str | None = None
    # For the read pipeline (issue 16 item 2), same convention: ``present(ctx, rows) ->
    # records`` builds records from Core rows; ``search(ctx, text, scope) -> condition``
    # is what ``--search`` matches; ``find(ctx, ref) -> row`` resolves what ``show`` got.
    present: str | None = None
    search: str | None = None
    find: str | None = None
    # ``list`` order when no ``--sort`` is given (None: by id); ties break by id.
    default_sort: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    # --- lazy parts ---------------------------------------------------------------------

    @cached_property
    def table(self) -> Table:
        return tables.resolve(self.table_ref)

    @cached_property
    def model(self) -> Any:
        """The ORM class (imports ``sqlalchemy.orm``: write paths only)."""
        return resolve(self.model_path)

    def hook(self, name: str) -> Callable[..., Any] | None:
        """A hook (``show``, ``records``, ``present``, ``search``, ``find``) as a callable,
        imported now; None when the entity does not declare it."""
        path = getattr(self, name)
        return resolve(path) if path else None

    # --- derived views ------------------------------------------------------------------

    @cached_property
    def by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def field(self, name: str) -> Field | None:
        return self.by_name.get(name)

    def owner_column(self) -> Column[Any]:
        return self.table.c[self.owner]

    @property
    def filter_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.filter)

    @property
    def settable(self) -> tuple[str, ...]:
        """What ``apply``/``edit`` may set, in the order their changes are listed."""
        return _ordered(self.fields, "settable")

    @property
    def scalar_fields(self) -> tuple[str, ...]:
        """Settable fields stored as plain text columns of the entity's own table (not
        the ``custom`` JSON document, which ``--where`` reads as ``custom.KEY``)."""
        text = {f.name for f in self.fields if f.stored and f.filter and f.kind is FieldKind.TEXT}
        return tuple(name for name in self.settable if name in text)

    @property
    def table_fields(self) -> tuple[str, ...]:
        """The default columns of ``list``/``show`` tables, in order."""
        return _ordered(self.fields, "table")

    @property
    def card_fields(self) -> tuple[str, ...]:
        """The limited card: what a reader outside the full scope may see, in order."""
        return _ordered(self.fields, "card")


def _ordered(fields: tuple[Field, ...], flag: str) -> tuple[str, ...]:
    chosen = sorted((getattr(f, flag), f.name) for f in fields if getattr(f, flag))
    return tuple(name for _, name in chosen)


def resolve(path: str) -> Any:
    """``"package.module:attribute"`` → the attribute, importing the module now."""
    module, _, attribute = path.partition(":")
    return getattr(import_module(module), attribute)
