"""Shared by the import writer's parts: its state for one batch, the owners' directory, tags,
timeline events and the --on-duplicate checks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from crmctl.db.bulk import BulkWriter
from crmctl.db.models import Tag, User
from crmctl.importer.model import ImportRow, RowIssue
from crmctl.services.context import Context
from crmctl.services.imports.state import (
    COMPANY_FIELDS,
    Conflicts,
    PersonState,
    RecordState,
    company_comparable,
    display_name,
    person_comparable,
)
from crmctl.text import fold

OUTCOME_RANK = {"unchanged": 0, "skipped": 1, "updated": 2, "created": 3}
STATISTICS_TABLES = ("companies", "persons", "person_emails", "person_companies", "tags")
COMPANY_COLUMNS = (*COMPANY_FIELDS, "owner_id", "custom", "search_text", "name_key")


@dataclass
class Counts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    warnings: int = 0
    companies_created: int = 0
    companies_updated: int = 0
    contacts_created: int = 0
    contacts_updated: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class RowResult:
    row: ImportRow
    outcome: str = "unchanged"
    warnings: list[RowIssue] = field(default_factory=list)

    def mark(self, outcome: str) -> None:
        if OUTCOME_RANK[outcome] > OUTCOME_RANK[self.outcome]:
            self.outcome = outcome


class OwnerDirectory:
    """Owner cells name a user by login, e-mail or full name (accents and case ignored)."""

    def __init__(self, ctx: Context) -> None:
        self.by_key: dict[str, int | None] = {}
        self.logins: dict[int, str] = {}
        for user in ctx.session.scalars(select(User).where(User.active.is_(True))):
            self.logins[user.id] = user.login
            for key in {fold(user.login), fold(user.name), fold(user.email or "")} - {""}:
                # A name two users share names nobody.
                self.by_key[key] = None if key in self.by_key else user.id

    def resolve(self, text: str | None) -> int | None:
        return self.by_key.get(fold(text.strip())) if text else None


class WriterBase:
    """One batch's state inside the caller's transaction; the company and person parts add
    their writes to it."""

    def __init__(self, ctx: Context, batch_id: int, source_label: str, on_duplicate: str) -> None:
        self.ctx = ctx
        self.bulk = BulkWriter(ctx.session.connection())
        self.batch_id = batch_id
        self.source_label = source_label
        self.on_duplicate = on_duplicate
        self.owners = OwnerDirectory(ctx)
        self.actor_id = ctx.actor_id
        self.now = self.bulk.timestamp(ctx.now)
        self.counts = Counts()
        self.touched_companies: set[int] = set()
        self.touched_persons: set[int] = set()
        # E-mails of the chunk held by removed contacts: e-mail → (contact id, e-mail).
        self.removed_emails: dict[str, tuple[int, str]] = {}

    def reconnect(self) -> None:
        """After a commit: the session's new connection, and ids read afresh (others may
        have inserted rows since)."""
        self.bulk = BulkWriter(self.ctx.session.connection())

    def _overwrites(self, state: RecordState, first_touch: bool) -> bool:
        """Only ``--on-duplicate overwrite`` replaces values a record already had."""
        return self.on_duplicate == "overwrite" and state.existed_before and first_touch

    def _warn_kept(
        self, result: RowResult, entity: str, state: RecordState, conflicts: Conflicts
    ) -> None:
        """One warning per file value a record that was in the CRM kept its own value for."""
        if not state.existed_before:
            return  # repeats within the file fill a new record; nothing of the CRM's is kept
        for name, kept, offered in conflicts:
            if name == "owner":
                kept, offered = (
                    self.owners.logins.get(kept, kept),
                    self.owners.logins.get(offered, offered),
                )
            result.warnings.append(
                RowIssue(
                    name,
                    f'{entity} #{state.id} keeps {name} "{kept}"; the file has "{offered}" '
                    "(not written: --on-duplicate overwrite replaces values)",
                )
            )

    def _owner(self, result: RowResult) -> int | None:
        text = result.row.owner
        if not text:
            return None
        owner_id = self.owners.resolve(text)
        if owner_id is None:
            result.warnings.append(
                RowIssue("owner", f'no active crmctl user "{text}"; owner left to the importer')
            )
        return owner_id

    def _tags(self, entity_type: str, ids: list[int]) -> dict[int, list[str]]:
        if not ids:
            return {}
        rows = self.ctx.session.execute(
            select(Tag.entity_id, Tag.tag)
            .where(Tag.entity_type == entity_type, Tag.entity_id.in_(ids))
            .order_by(Tag.entity_id, Tag.tag)
        )
        return grouped(rows)

    def _tags_and_events(
        self,
        entity_type: str,
        written: Iterable[RecordState],
        new: list[Any],
        changed: list[Any],
    ) -> None:
        """The tags the chunk added, and one created/updated event per written record."""
        self._insert_new_tags(entity_type, written)
        events = [self._created_event(entity_type, state) for state in new]
        events += [self._updated_event(entity_type, state) for state in changed]
        self._insert_events([event for event in events if event])

    def _insert_new_tags(self, entity_type: str, states: Iterable[RecordState]) -> None:
        rows = []
        for state in states:
            rows += [(entity_type, state.id, t) for t in state.tags if t not in state.saved_tags]
            state.saved_tags = set(state.tags)
        self.bulk.insert("tags", ("entity_type", "entity_id", "tag"), rows)

    def _created_event(self, entity_type: str, state: RecordState) -> tuple[Any, ...]:
        if entity_type == "company":
            fields = company_comparable(state, self.owners.logins)
        else:
            assert isinstance(state, PersonState)
            fields = {
                "name": display_name(state.values),
                **person_comparable(state, self.owners.logins),
            }
        return (entity_type, state.id, f"{entity_type}.created", {"fields": fields})

    def _updated_event(self, entity_type: str, state: RecordState) -> tuple[Any, ...] | None:
        if entity_type == "company":
            after = company_comparable(state, self.owners.logins)
        else:
            assert isinstance(state, PersonState)
            after = person_comparable(state, self.owners.logins)
        before = state.original or {}
        changes = {
            key: [before.get(key), after.get(key)]
            for key in after
            if before.get(key) != after.get(key)
        }
        if not changes:
            return None
        return (entity_type, state.id, f"{entity_type}.updated", {"changes": changes})

    def _insert_events(self, events: list[tuple[Any, ...]]) -> None:
        source = {"batch": self.batch_id, "file": self.source_label}
        self.bulk.insert(
            "events",
            ("at", "actor_id", "entity_type", "entity_id", "kind", "payload", "import_batch_id"),
            [
                (self.now, self.actor_id, entity_type, entity_id, kind,
                 self.bulk.json({**payload, "import": source}), self.batch_id)
                for entity_type, entity_id, kind, payload in events
            ],
        )  # fmt: skip

    def _reject_duplicate(
        self,
        result: RowResult,
        companies: dict[str, RecordState],
        persons: dict[int, PersonState],
    ) -> bool:
        """``--on-duplicate fail``: a row naming a record that existed before is rejected."""
        for link in result.row.links:
            state = companies[link.company.dedup_key]
            if state.existed_before:
                result.row.rejection = RowIssue(
                    "company",
                    f'company "{link.company.name}" already exists as #{state.id} '
                    "(--on-duplicate fail)",
                )
                return True
        person = persons.get(id(result))
        if person is not None and person.existed_before:
            result.row.rejection = RowIssue(
                "name",
                f"contact already exists as #{person.id} (--on-duplicate fail)",
            )
            return True
        return False


def grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for key, value in rows:
        grouped[key].append(value)
    return grouped
