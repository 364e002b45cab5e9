"""What an import knows about one company or person while it works through a file.

A record's state starts either from the database (a duplicate) or from the first row
that names it; every further row is applied to it in file order, and the difference
between the start and the end becomes the record's one timeline event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crmctl.importer.model import CompanyData, PersonData
from crmctl.services.companies import SCALAR_FIELDS as COMPANY_SCALARS
from crmctl.services.contacts import SCALAR_FIELDS as PERSON_SCALARS

# The same fields, in the same order, that the companies and contacts services write.
COMPANY_FIELDS = tuple(COMPANY_SCALARS)
PERSON_FIELDS = PERSON_SCALARS

# (field, value kept, value the file offered): what a fill-only import did not write.
Conflicts = list[tuple[str, Any, Any]]


@dataclass
class RecordState:
    """The fields of one record plus whether this import made it and has written it yet."""

    id: int | None
    values: dict[str, Any]
    owner_id: int | None
    custom: dict[str, Any]
    tags: list[str]
    created: bool  # created by this import
    existed_before: bool  # in the database before this import started
    original: dict[str, Any] | None = None  # the comparable state before this import
    touched: bool = False  # a row of this import has been applied (fill-only from then on)
    dirty: bool = False
    saved_tags: set[str] = field(default_factory=set)  # tags already in the database

    def apply_values(
        self, incoming: dict[str, Any], *, overwrite: bool, conflicts: Conflicts | None = None
    ) -> bool:
        """Overwrite or fill empty fields; True if anything changed.

        A file value that differs from a kept one is noted in ``conflicts`` (when given):
        the caller reports it, so that no value is dropped silently.
        """
        changed = False
        for name, value in incoming.items():
            if value is None or value == "":
                continue
            current = self.values.get(name)
            if current == value:
                continue
            if current not in (None, "") and not overwrite:
                if conflicts is not None:
                    conflicts.append((name, current, value))
                continue
            self.values[name] = value
            changed = True
        return changed

    def apply_custom(
        self, incoming: dict[str, Any], *, overwrite: bool, conflicts: Conflicts | None = None
    ) -> bool:
        changed = False
        for key, value in incoming.items():
            if value is None or self.custom.get(key) == value:
                continue
            if key in self.custom and not overwrite:
                if conflicts is not None:
                    conflicts.append((f"custom.{key}", self.custom[key], value))
                continue
            self.custom[key] = value
            changed = True
        return changed

    def add_tags(self, tags: list[str]) -> bool:
        new = [tag for tag in tags if tag not in self.tags]
        self.tags.extend(new)
        return bool(new)

    def set_owner(
        self, owner_id: int | None, *, overwrite: bool, conflicts: Conflicts | None = None
    ) -> bool:
        if owner_id is None or owner_id == self.owner_id:
            return False
        if self.owner_id is not None and not overwrite:
            if conflicts is not None:
                conflicts.append(("owner", self.owner_id, owner_id))
            return False
        self.owner_id = owner_id
        return True


@dataclass
class PersonState(RecordState):
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    links: dict[int, dict[str, Any]] = field(default_factory=dict)  # company id → role, primary
    saved_emails: set[str] = field(default_factory=set)  # rows already in the database
    saved_phones: set[str] = field(default_factory=set)
    saved_links: set[int] = field(default_factory=set)

    def add_emails(self, emails: list[str]) -> bool:
        new = [email for email in emails if email not in self.emails]
        self.emails.extend(new)
        return bool(new)

    def add_phones(self, phones: list[str]) -> bool:
        new = [phone for phone in phones if phone not in self.phones]
        self.phones.extend(new)
        return bool(new)

    def add_link(self, company_id: int, role: str | None) -> bool:
        if company_id in self.links:
            return False
        primary = not any(link["primary"] for link in self.links.values())
        self.links[company_id] = {"role": role, "primary": primary}
        return True


def company_values(data: CompanyData) -> dict[str, Any]:
    return {name: getattr(data, name) for name in COMPANY_FIELDS}


def person_values(data: PersonData) -> dict[str, Any]:
    return {name: getattr(data, name) for name in PERSON_FIELDS}


def display_name(values: dict[str, Any]) -> str:
    """As ``contacts.display_name``: ``'Ing. Jan Novák, Ph.D.'``."""
    parts = [values.get("title_before"), values.get("first_name"), values.get("last_name")]
    name = " ".join(part for part in parts if part)
    after = values.get("title_after")
    return f"{name}, {after}" if after else name


def company_comparable(state: RecordState, logins: dict[int, str]) -> dict[str, Any]:
    """The company's loggable fields in the shape ``companies`` services log them."""
    return {
        **{name: state.values.get(name) for name in COMPANY_FIELDS},
        "tags": sorted(state.tags),
        "owner": logins.get(state.owner_id or -1),
        "custom": dict(state.custom),
    }


def person_comparable(state: PersonState, logins: dict[int, str]) -> dict[str, Any]:
    """The contact's settable fields in the shape ``contacts`` services log them."""
    return {
        **{name: state.values.get(name) for name in PERSON_FIELDS},
        "emails": list(state.emails),
        "phones": list(state.phones),
        "companies": [
            {"id": company_id, "role": link["role"], "primary": bool(link["primary"])}
            for company_id, link in sorted(state.links.items())
        ],
        "tags": sorted(state.tags),
        "owner": logins.get(state.owner_id or -1),
        "custom": dict(state.custom),
    }
