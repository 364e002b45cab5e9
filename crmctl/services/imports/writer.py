"""The set-based write of one chunk of import rows: dedup, companies, persons, events.

Per chunk: one lookup query per kind of key (IČO, company name key, e-mail, name within
company), the rows applied in file order to the records they name, then one bulk insert
or update per table and one bulk insert of timeline events. Nothing is kept between
chunks except the ids this import has touched: the database is the dedup memory, so a
million-row file needs no million-entry dictionaries.

The writer is assembled from its parts: ``write_base`` (the batch's state, owners, tags,
events, duplicates), ``company_writes`` and ``person_writes``; this module orders them.
"""

from __future__ import annotations

from crmctl.importer.model import ImportRow
from crmctl.services.imports.company_writes import CompanyWrites
from crmctl.services.imports.person_writes import PersonWrites
from crmctl.services.imports.write_base import STATISTICS_TABLES, Counts, RowResult

__all__ = ["Counts", "ImportWriter", "RowResult"]


class ImportWriter(CompanyWrites, PersonWrites):
    """Writes chunks of normalised rows for one batch inside the caller's transaction."""

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
