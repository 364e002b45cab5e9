"""The import writer's contacts: found by e-mail or name within a company, merged, written
in bulk with their e-mails, phones and company links."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import exists, select

from crmctl.db.models import Person, PersonCompany, PersonEmail, PersonPhone
from crmctl.importer.model import ImportRow, RowIssue
from crmctl.services.contacts import person_search_text
from crmctl.services.imports.state import (
    PERSON_FIELDS,
    Conflicts,
    PersonState,
    RecordState,
    display_name,
    person_comparable,
    person_values,
)
from crmctl.services.imports.write_base import RowResult, WriterBase, grouped
from crmctl.text import person_name_key


class PersonWrites(WriterBase):
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
        emails = grouped(
            session.execute(
                select(PersonEmail.person_id, PersonEmail.email)
                .where(PersonEmail.person_id.in_(ids))
                .order_by(PersonEmail.person_id, PersonEmail.position, PersonEmail.id)
            )
        )
        phones = grouped(
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
