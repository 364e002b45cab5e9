"""The set-based write of one chunk of import rows: dedup, companies, persons, events.

Per chunk: one lookup query per kind of key (IČO, company name key, e-mail, name within
company), the rows applied in file order to the records they name, then one bulk insert
or update per table and one bulk insert of timeline events. Nothing is kept between
chunks except the ids this import has touched: the database is the dedup memory, so a
million-row file needs no million-entry dictionaries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select

from crmctl.db.bulk import BulkWriter
from crmctl.db.models import Company, Person, PersonCompany, PersonEmail, PersonPhone, Tag, User
from crmctl.importer.model import CompanyData, ImportRow, RowIssue
from crmctl.services.companies import company_search_text
from crmctl.services.contacts import person_search_text
from crmctl.services.context import Context
from crmctl.services.gdpr.erase import ERASED
from crmctl.services.imports.state import (
    COMPANY_FIELDS,
    PERSON_FIELDS,
    Conflicts,
    PersonState,
    RecordState,
    company_comparable,
    company_values,
    display_name,
    person_comparable,
    person_values,
)
from crmctl.text import company_name_key, fold, person_name_key

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


class ImportWriter:
    """Writes chunks of normalised rows for one batch inside the caller's transaction."""

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

    # --- one chunk ------------------------------------------------------------------

    def write(self, rows: list[ImportRow]) -> list[RowResult]:
        results = [RowResult(row) for row in rows]
        live = [result for result in results if result.row.rejection is None]
        live = [result for result in live if not self._names_erased_person(result)]
        companies, gone = self._company_states(live)
        live = [result for result in live if not self._drop_gone_links(result, gone)]
        persons, holders = self._person_states(live, companies)
        live = [result for result in live if not self._names_removed_person(result, persons)]
        if self.on_duplicate == "fail":
            live = [r for r in live if not self._reject_duplicate(r, companies, persons)]
        self._apply_companies(live, companies)
        self._allocate_company_ids(companies)
        self._apply_persons(live, companies, persons, holders)
        self._write_companies(companies)
        self._write_persons(persons)
        self.bulk.refresh_statistics(STATISTICS_TABLES)
        self._count(results)
        return results

    def _count(self, results: list[RowResult]) -> None:
        for result in results:
            self.counts.rows += 1
            if result.row.rejection is not None:
                self.counts.rejected += 1
            else:
                setattr(self.counts, result.outcome, getattr(self.counts, result.outcome) + 1)
            self.counts.warnings += len(result.row.warnings) + len(result.warnings)

    # --- companies ------------------------------------------------------------------

    def _company_states(
        self, live: list[RowResult]
    ) -> tuple[dict[str, RecordState], dict[str, str]]:
        """A state for every company key the chunk names: from the database, or new; and
        why each key naming only a removed or merged company is left out."""
        datas = [link.company for result in live for link in result.row.links]
        if not datas:
            return {}, {}
        icos = {data.ico for data in datas if data.ico}
        names = {data.name_key for data in datas}
        found = self._load_companies(icos, names)
        by_ico = {state.values["ico"]: state for state in found if state.values.get("ico")}
        by_name: dict[str, list[RecordState]] = defaultdict(list)
        for state in sorted(found, key=lambda item: item.id or 0):
            by_name[state.values["name_key"]].append(state)
        states: dict[str, RecordState] = {}
        gone = self._gone_companies(datas, by_ico, by_name)
        # IČO keys first, so that a later row naming the same firm without IČO finds it.
        for data in sorted(datas, key=lambda item: item.ico is None):
            key = data.dedup_key
            if key in states or key in gone:
                continue
            state = by_ico.get(data.ico) if data.ico else None
            if state is None:
                candidates = by_name.get(data.name_key, [])
                if data.ico:
                    candidates = [c for c in candidates if not c.values.get("ico")]
                state = candidates[0] if candidates else None
            if state is None:
                state = self._new_company_state(data)
                by_name[data.name_key].insert(0, state)
                if data.ico:
                    by_ico[data.ico] = state
            states[key] = state
        return states, gone

    def _gone_companies(
        self,
        datas: list[CompanyData],
        by_ico: dict[str, RecordState],
        by_name: dict[str, list[RecordState]],
    ) -> dict[str, str]:
        """Keys that no live company has but a removed or merged one does.

        An export still names a removed firm in its contacts' links: importing it back
        must not bring the firm back to life (nor make a second one), so its link is
        left out with the reason.
        """
        missing = [
            d for d in datas if (d.ico not in by_ico if d.ico else d.name_key not in by_name)
        ]
        if not missing:
            return {}
        icos = {d.ico for d in missing if d.ico}
        names = {d.name_key for d in missing}
        rows = self.ctx.session.execute(
            select(Company.id, Company.name, Company.ico, Company.name_key, Company.merged_into_id)
            .where(
                Company.deleted_at.is_not(None),
                Company.ico.in_(icos) | Company.name_key.in_(names),
            )
            .order_by(Company.id)
        ).all()
        gone: dict[str, str] = {}
        for data in missing:
            match = next(
                (
                    r
                    for r in rows
                    if (r.ico == data.ico if data.ico else r.name_key == data.name_key)
                ),
                None,
            )
            if match is None:
                continue
            if match.merged_into_id:
                fate = f"was merged into company #{match.merged_into_id}"
                hint = f"use the name of company #{match.merged_into_id} instead"
            else:
                fate = "was removed"
                hint = f"to import it anew, purge it first (crmctl companies rm {match.id} --purge)"
            gone[data.dedup_key] = (
                f'company "{match.name}" (#{match.id}) {fate}: not created again and not '
                f"linked; {hint}"
            )
        return gone

    def _drop_gone_links(self, result: RowResult, gone: dict[str, str]) -> bool:
        """Leave out the row's links to removed companies; True if nothing is left."""
        row = result.row
        kept = []
        for link in row.links:
            reason = gone.get(link.company.dedup_key)
            if reason is None:
                kept.append(link)
            else:
                result.warnings.append(RowIssue("company", reason))
        if len(kept) == len(row.links):
            return False
        row.links = kept
        if row.person is None and not kept:
            result.mark("skipped")
            return True
        return False

    def _names_erased_person(self, result: RowResult) -> bool:
        """A GDPR-erased person (``[erased]``, as an export shows one) is never re-created."""
        person = result.row.person
        if person is None or ERASED not in (person.last_name, person.first_name):
            return False
        result.warnings.append(
            RowIssue("name", f"the person was erased (GDPR, {ERASED}); row skipped")
        )
        result.mark("skipped")
        return True

    def _names_removed_person(self, result: RowResult, persons: dict[int, PersonState]) -> bool:
        """A row whose e-mail belongs to a removed or merged contact is skipped, not re-created."""
        state = persons.get(id(result))
        person = result.row.person
        if state is None or not state.created or person is None:
            return False
        holder = next(
            (self.removed_emails[e] for e in person.emails if e in self.removed_emails), None
        )
        if holder is None:
            return False
        persons.pop(id(result))
        result.warnings.append(
            RowIssue(
                "email",
                f'e-mail "{holder[1]}" belongs to removed contact #{holder[0]}; row skipped',
            )
        )
        result.mark("skipped")
        return True

    def _new_company_state(self, data: CompanyData) -> RecordState:
        values = {"name": data.name, "name_key": data.name_key}
        return RecordState(
            id=None, values=values, owner_id=None, custom={}, tags=[], created=True,
            existed_before=False,
        )  # fmt: skip

    def _load_companies(self, icos: set[str], names: set[str]) -> list[RecordState]:
        columns = [getattr(Company, name) for name in (*COMPANY_FIELDS, "name_key")]
        statement = select(Company.id, Company.owner_id, Company.custom, *columns).where(
            Company.deleted_at.is_(None),
            Company.ico.in_(icos) | Company.name_key.in_(names),
        )
        rows = self.ctx.session.execute(statement).all()
        tags = self._tags("company", [row.id for row in rows])
        states = []
        for row in rows:
            values = {name: getattr(row, name) for name in (*COMPANY_FIELDS, "name_key")}
            state = RecordState(
                id=row.id,
                values=values,
                owner_id=row.owner_id,
                custom=dict(row.custom or {}),
                tags=tags.get(row.id, []),
                created=False,
                existed_before=row.id not in self.touched_companies,
            )
            state.original = company_comparable(state, self.owners.logins)
            state.touched = row.id in self.touched_companies
            state.saved_tags = set(state.tags)
            states.append(state)
        return states

    def _apply_companies(self, live: list[RowResult], states: dict[str, RecordState]) -> None:
        for result in live:
            row = result.row
            # A contact row's owner is the person's: it must not re-own the person's firms
            # (who may see them would change). It only fills the owner of a firm the
            # import creates; a row without a person lists firms, and its owner is theirs.
            resolve = self.owners.resolve
            owner_id = self._owner(result) if row.person is None else resolve(row.owner)
            for index, link in enumerate(row.links):
                state = states[link.company.dedup_key]
                if state.existed_before and self.on_duplicate == "skip":
                    result.mark("skipped")
                    continue
                first_touch = not state.touched
                overwrite = self._overwrites(state, first_touch)
                conflicts: Conflicts = []
                changed = state.apply_values(
                    company_values(link.company), overwrite=overwrite, conflicts=conflicts
                )
                changed |= state.apply_custom(
                    link.company.custom, overwrite=overwrite, conflicts=conflicts
                )
                if row.person is None or state.created:
                    changed |= state.set_owner(owner_id, overwrite=overwrite, conflicts=conflicts)
                if index == 0 and row.person is None:
                    changed |= state.add_tags(row.tags)
                state.touched = True
                state.dirty |= changed
                # The same firm spelled another way (`ACME s.r.o.` = `Acme, s. r. o.`).
                conflicts = [
                    c for c in conflicts
                    if c[0] != "name" or link.company.name_key != state.values.get("name_key")
                ]  # fmt: skip
                self._warn_kept(result, "company", state, conflicts)
                if state.created and first_touch:
                    result.mark("created")
                elif changed:
                    result.mark("updated")

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

    def _allocate_company_ids(self, states: dict[str, RecordState]) -> None:
        new = [s for s in {id(s): s for s in states.values()}.values() if s.created and s.touched]
        for state, company_id in zip(
            new, self.bulk.allocate_ids("companies", len(new)), strict=True
        ):
            state.id = company_id

    def _write_companies(self, states: dict[str, RecordState]) -> None:
        unique = {id(state): state for state in states.values() if state.touched}.values()
        new = [state for state in unique if state.created]
        changed = [state for state in unique if not state.created and state.dirty]
        for state in new:
            if state.owner_id is None:
                state.owner_id = self.actor_id
        self.bulk.insert(
            "companies",
            (
                "id", *COMPANY_COLUMNS, "created_at", "updated_at", "created_by_id",
                "updated_by_id",
            ),
            [
                (state.id, *self._company_row(state), self.now, self.now, self.actor_id,
                 self.actor_id)
                for state in new
            ],
        )  # fmt: skip
        self.bulk.update(
            "companies",
            (*COMPANY_COLUMNS, "updated_at", "updated_by_id"),
            [(*self._company_row(s), self.now, self.actor_id, s.id) for s in changed],
        )
        self._tags_and_events("company", unique, new, changed)
        self.touched_companies.update(state.id for state in unique if state.id is not None)
        self.counts.companies_created += len(new)
        self.counts.companies_updated += sum(1 for state in changed if state.existed_before)

    def _company_row(self, state: RecordState) -> tuple[Any, ...]:
        values = state.values
        values["name_key"] = company_name_key(values["name"])  # the name may have changed
        if not values.get("country"):
            values["country"] = "CZ"
        search = company_search_text(
            values["name"], values.get("ico"), values.get("email"), values.get("phone"),
            values.get("city"),
        )  # fmt: skip
        return (
            *(values.get(name) for name in COMPANY_FIELDS),
            state.owner_id,
            self.bulk.json(state.custom),
            search,
            values["name_key"],
        )

    # --- persons --------------------------------------------------------------------

    def _person_states(
        self, live: list[RowResult], companies: dict[str, RecordState]
    ) -> tuple[dict[int, PersonState], dict[str, PersonState]]:
        """The state each row's person is written to (by ``id(result)``), and who holds
        each e-mail the chunk mentions (e-mails are unique across contacts).

        A row's e-mail decides first. Without an e-mail match, the same name at the
        same company is the same person, unless both carry e-mails and they differ
        (two Jan Nováks at one firm, each with an address, are two people).
        """
        keyed = [(id(r), r.row.person, self._name_keys(r.row, companies)) for r in live]
        keyed = [(index, person, names) for index, person, names in keyed if person]
        emails = {email for _, person, _ in keyed for email in person.emails}
        by_email, by_name = self._find_persons(emails, {n for _, _, names in keyed for n in names})
        wanted = set(by_email.values()) | {i for ids in by_name.values() for i in ids}
        loaded = self._load_persons(wanted)
        holders = {email: state for state in loaded.values() for email in state.emails}
        chunk_emails: dict[str, PersonState] = {}
        chunk_names: dict[str, list[PersonState]] = defaultdict(list)
        known_emails: dict[int, set[str]] = {id(s): set(s.emails) for s in loaded.values()}
        states: dict[int, PersonState] = {}
        for index, person, names in keyed:
            state = self._by_email(person.emails, chunk_emails, by_email, loaded)
            if state is None:
                candidates = [c for n in names for c in chunk_names.get(n, [])]
                candidates += [loaded[i] for n in names for i in by_name.get(n, []) if i in loaded]
                state = next(
                    (c for c in candidates if not person.emails or not known_emails[id(c)]),
                    None,
                )
            if state is None:
                state = self._new_person()
                known_emails[id(state)] = set()
            for email in person.emails:
                chunk_emails.setdefault(email, state)
            known_emails[id(state)].update(person.emails)
            for name in names:
                if state not in chunk_names[name]:
                    chunk_names[name].append(state)
            states[index] = state
        return states, holders

    @staticmethod
    def _by_email(
        emails: list[str],
        chunk_emails: dict[str, PersonState],
        by_email: dict[str, int],
        loaded: dict[int, PersonState],
    ) -> PersonState | None:
        for email in emails:
            if email in chunk_emails:
                return chunk_emails[email]
            if email in by_email and by_email[email] in loaded:
                return loaded[by_email[email]]
        return None

    def _name_keys(self, row: ImportRow, companies: dict[str, RecordState]) -> list[str]:
        """The person's name at each of the row's companies, or alone when there are none."""
        person = row.person
        if person is None:
            return []
        keys = []
        for link in row.links:
            key = link.company.dedup_key
            company = companies[key]
            where = f"n:{company.id}" if company.id is not None else f"new:{key}"
            keys.append(f"{where}:{person.name_key}")
        if not row.links:
            keys.append(f"s:{person.name_key}")
        return keys

    def _find_persons(
        self, emails: set[str], names: set[str]
    ) -> tuple[dict[str, int], dict[str, list[int]]]:
        """Live persons holding the e-mails, and those with each name key (oldest first)."""
        session = self.ctx.session
        live = Person.deleted_at.is_(None)
        by_email: dict[str, int] = {}
        by_name: dict[str, list[int]] = defaultdict(list)
        self.removed_emails = {}
        if emails:
            rows = session.execute(
                select(PersonEmail.email, PersonEmail.person_id, Person.deleted_at)
                .join(Person, Person.id == PersonEmail.person_id)
                .where(PersonEmail.email.in_(emails))
            )
            for email, person_id, deleted_at in rows:
                if deleted_at is None:
                    by_email[email] = person_id
                else:
                    self.removed_emails[email] = (person_id, email)
        pairs = [key[2:].split(":", 1) for key in names if key.startswith("n:")]
        if pairs:
            rows = session.execute(
                select(PersonCompany.company_id, Person.name_key, Person.id)
                .join(Person, Person.id == PersonCompany.person_id)
                .where(
                    live,
                    PersonCompany.company_id.in_({int(cid) for cid, _ in pairs}),
                    Person.name_key.in_({name for _, name in pairs}),
                )
                .order_by(Person.id)
            )
            for cid, name, person_id in rows:
                by_name[f"n:{cid}:{name}"].append(person_id)
        lone = [key[2:] for key in names if key.startswith("s:")]
        if lone:
            no_links = ~exists().where(PersonCompany.person_id == Person.id)
            rows = session.execute(
                select(Person.name_key, Person.id)
                .where(live, Person.name_key.in_(lone), no_links)
                .order_by(Person.id)
            )
            for name, person_id in rows:
                by_name[f"s:{name}"].append(person_id)
        return by_email, dict(by_name)

    def _load_persons(self, ids: set[int]) -> dict[int, PersonState]:
        if not ids:
            return {}
        session = self.ctx.session
        columns = [getattr(Person, name) for name in PERSON_FIELDS]
        rows = session.execute(
            select(Person.id, Person.owner_id, Person.custom, *columns).where(Person.id.in_(ids))
        ).all()
        emails = _grouped(
            session.execute(
                select(PersonEmail.person_id, PersonEmail.email)
                .where(PersonEmail.person_id.in_(ids))
                .order_by(PersonEmail.person_id, PersonEmail.position, PersonEmail.id)
            )
        )
        phones = _grouped(
            session.execute(
                select(PersonPhone.person_id, PersonPhone.phone)
                .where(PersonPhone.person_id.in_(ids))
                .order_by(PersonPhone.person_id, PersonPhone.position, PersonPhone.id)
            )
        )
        links: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
        for link in session.execute(
            select(PersonCompany).where(PersonCompany.person_id.in_(ids))
        ).scalars():
            links[link.person_id][link.company_id] = {
                "role": link.role,
                "primary": bool(link.is_primary),
            }
        tags = self._tags("contact", list(ids))
        states = {}
        for row in rows:
            state = PersonState(
                id=row.id,
                values={name: getattr(row, name) for name in PERSON_FIELDS},
                owner_id=row.owner_id,
                custom=dict(row.custom or {}),
                tags=tags.get(row.id, []),
                created=False,
                existed_before=row.id not in self.touched_persons,
                emails=emails.get(row.id, []),
                phones=phones.get(row.id, []),
                links=links.get(row.id, {}),
            )
            state.original = person_comparable(state, self.owners.logins)
            state.touched = row.id in self.touched_persons
            state.saved_links = set(state.links)
            state.saved_emails = set(state.emails)
            state.saved_phones = set(state.phones)
            state.saved_tags = set(state.tags)
            states[row.id] = state
        return states

    def _new_person(self) -> PersonState:
        return PersonState(
            id=None, values={}, owner_id=None, custom={}, tags=[], created=True,
            existed_before=False,
        )  # fmt: skip

    def _apply_persons(
        self,
        live: list[RowResult],
        companies: dict[str, RecordState],
        states: dict[int, PersonState],
        holders: dict[str, PersonState],
    ) -> None:
        for result in live:
            state = states.get(id(result))
            if state is None:
                continue
            row, person = result.row, result.row.person
            assert person is not None
            if state.existed_before and self.on_duplicate == "skip":
                result.mark("skipped")
                continue
            first_touch = not state.touched
            overwrite = self._overwrites(state, first_touch)
            conflicts: Conflicts = []
            changed = state.apply_values(
                person_values(person), overwrite=overwrite, conflicts=conflicts
            )
            changed |= state.apply_custom(person.custom, overwrite=overwrite, conflicts=conflicts)
            changed |= state.set_owner(
                self._owner(result), overwrite=overwrite, conflicts=conflicts
            )
            self._warn_kept(result, "contact", state, conflicts)
            changed |= state.add_emails(self._own_emails(result, state, holders))
            changed |= state.add_phones(person.phones)
            changed |= state.add_tags(row.tags)
            for link in row.links:
                company = companies[link.company.dedup_key]
                if company.id is not None:
                    changed |= state.add_link(company.id, link.role)
            state.touched = True
            state.dirty |= changed
            if state.created and first_touch:
                result.mark("created")
            elif changed:
                result.mark("updated")

    def _own_emails(
        self, result: RowResult, state: PersonState, holders: dict[str, PersonState]
    ) -> list[str]:
        """The row's e-mails this person may take; one held by another contact is dropped."""
        person = result.row.person
        assert person is not None
        kept = []
        for email in person.emails:
            holder = holders.setdefault(email, state)
            if holder is state:
                kept.append(email)
                continue
            who = f"contact #{holder.id}" if holder.id else "another contact in this file"
            result.warnings.append(
                RowIssue("email", f'e-mail "{email}" already belongs to {who}; not added')
            )
        return kept

    def _write_persons(self, states: dict[int, PersonState]) -> None:
        unique = list({id(state): state for state in states.values() if state.touched}.values())
        new = [state for state in unique if state.created]
        changed = [state for state in unique if not state.created and state.dirty]
        for state, person_id in zip(new, self.bulk.allocate_ids("persons", len(new)), strict=True):
            state.id = person_id
            if state.owner_id is None:
                state.owner_id = self.actor_id
            if not state.values.get("last_name"):
                state.values["last_name"] = state.values.get("first_name") or "?"
        self.bulk.insert(
            "persons",
            ("id", *PERSON_FIELDS, "owner_id", "custom", "search_text", "name_key",
             "created_at", "updated_at", "created_by_id", "updated_by_id"),
            [(s.id, *self._person_row(s), self.now, self.now, self.actor_id, self.actor_id)
             for s in new],
        )  # fmt: skip
        self.bulk.update(
            "persons",
            (*PERSON_FIELDS, "owner_id", "custom", "search_text", "name_key", "updated_at",
             "updated_by_id"),
            [(*self._person_row(s), self.now, self.actor_id, s.id) for s in changed],
        )  # fmt: skip
        self._insert_person_details(unique)
        self._tags_and_events("contact", unique, new, changed)
        self.touched_persons.update(state.id for state in unique if state.id is not None)
        self.counts.contacts_created += len(new)
        self.counts.contacts_updated += sum(1 for state in changed if state.existed_before)

    def _person_row(self, state: PersonState) -> tuple[Any, ...]:
        values = state.values
        search = person_search_text(display_name(values), state.emails, state.phones)
        return (
            *(values.get(name) for name in PERSON_FIELDS),
            state.owner_id,
            self.bulk.json(state.custom),
            search,
            person_name_key(values.get("first_name"), values.get("last_name")),
        )

    def _insert_person_details(self, states: Iterable[PersonState]) -> None:
        emails, phones, links = [], [], []
        for state in states:
            saved_emails, saved_phones = state.saved_emails, state.saved_phones
            saved_links = state.saved_links
            emails += [
                (state.id, email, position)
                for position, email in enumerate(state.emails)
                if email not in saved_emails
            ]
            phones += [
                (state.id, phone, position)
                for position, phone in enumerate(state.phones)
                if phone not in saved_phones
            ]
            links += [
                (state.id, company_id, link["role"], self.bulk.boolean(link["primary"]))
                for company_id, link in state.links.items()
                if company_id not in saved_links
            ]
            state.saved_emails = set(state.emails)
            state.saved_phones = set(state.phones)
            state.saved_links = set(state.links)
        self.bulk.insert("person_emails", ("person_id", "email", "position"), emails)
        self.bulk.insert("person_phones", ("person_id", "phone", "position"), phones)
        self.bulk.insert(
            "person_companies", ("person_id", "company_id", "role", "is_primary"), links
        )

    # --- shared ---------------------------------------------------------------------

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
        return _grouped(rows)

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


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for key, value in rows:
        grouped[key].append(value)
    return grouped
