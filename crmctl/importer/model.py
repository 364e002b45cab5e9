"""The data that flows through an import, shared by readers, mapping, rows and the service."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

# A cell as a reader hands it over: CSV gives text, Excel gives typed values; the vCard
# reader gives a list of texts for repeatable properties (EMAIL, TEL).
Cell = str | int | float | Decimal | bool | date | datetime | list[str] | None


@dataclass(frozen=True)
class SourceRow:
    """One data row: its sheet, its number as the user sees it (1-based), its cells.

    A CSV row's number counts records, as a spreadsheet shows the file: a cell spanning
    three lines does not move the rows below it. ``problem`` is set when the reader
    could not split the row reliably (an unclosed quote, a wrong number of fields): the
    row is rejected with that reason.
    """

    sheet: str
    number: int
    cells: tuple[Cell, ...]
    problem: str | None = None


@dataclass
class SourceTable:
    """One sheet (or the whole CSV / vCard file) with its header row found."""

    sheet: str
    header_row: int  # 1-based, as the spreadsheet shows it
    headers: list[str]
    rows: Iterator[SourceRow]  # data rows below the header, blank rows left out
    width: int = 0  # cells in the header row as read, unnamed trailing ones included


@dataclass(frozen=True)
class RowIssue:
    """A problem with one row: a rejection or a warning, about a field or the whole row."""

    field: str | None
    message: str


@dataclass
class CompanyData:
    """A company as a row describes it, normalised; ``None`` means the row does not say."""

    name: str
    name_key: str
    ico: str | None = None
    dic: str | None = None
    street: str | None = None
    city: str | None = None
    psc: str | None = None
    region: str | None = None
    district: str | None = None
    country: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None
    industry: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def dedup_key(self) -> str:
        """The firm the row names: its IČO, else its folded name."""
        return f"ico:{self.ico}" if self.ico else f"name:{self.name_key}"


@dataclass
class CompanyLink:
    """The row's person works at ``company`` in ``role``."""

    company: CompanyData
    role: str | None = None
    primary: bool = False


@dataclass
class PersonData:
    """A person as a row describes it, normalised."""

    last_name: str
    name_key: str
    title_before: str | None = None
    first_name: str | None = None
    title_after: str | None = None
    function: str | None = None
    note: str | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportRow:
    """One source row after mapping and normalising: what to write, or why not."""

    source: SourceRow  # the original cells, for the rejects file
    links: list[CompanyLink] = field(default_factory=list)  # the first is the row's company
    person: PersonData | None = None
    owner: str | None = None  # a user's login or name, resolved by the service
    tags: list[str] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    rejection: RowIssue | None = None

    @property
    def sheet(self) -> str:
        return self.source.sheet

    @property
    def number(self) -> int:
        return self.source.number

    @property
    def company(self) -> CompanyData | None:
        return self.links[0].company if self.links else None
