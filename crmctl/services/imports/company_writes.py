"""The import writer's companies: found by IČO or name key, merged, written in bulk."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from crmctl.db.models import Company
from crmctl.importer.model import CompanyData, RowIssue
from crmctl.services.companies import company_search_text
from crmctl.services.gdpr.erase import ERASED
from crmctl.services.imports.state import (
    COMPANY_FIELDS,
    Conflicts,
    PersonState,
    RecordState,
    company_comparable,
    company_values,
)
from crmctl.services.imports.write_base import COMPANY_COLUMNS, RowResult, WriterBase
from crmctl.text import company_name_key


class CompanyWrites(WriterBase):
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
