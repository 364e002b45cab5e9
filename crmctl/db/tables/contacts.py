"""Companies, persons, their e-mails, phones, links and relations, and tags."""

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# The tables this module's foreign keys point to (crmctl.db.tables loads on first use).
import crmctl.db.tables.users  # noqa: F401
from crmctl.db.tables.base import JsonType, UtcDateTime, metadata, partial_index, stamps

companies = Table(
    "companies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("ico", String(8)),
    Column("dic", String(14)),
    Column("street", String(300)),
    Column("city", String(200)),
    Column("psc", String(6)),
    Column("region", String(100)),
    Column("district", String(100)),
    Column("country", String(2), server_default="CZ", nullable=False),
    Column("industry", String(200)),
    Column("website", String(300)),
    Column("phone", String(20)),
    Column("email", String(254)),
    Column("owner_id", Integer, ForeignKey("users.id")),
    Column("custom", JsonType, default=dict, nullable=False),
    # Folded name, IČO, e-mail, phone and city: accent-insensitive search on any database.
    Column("search_text", Text, default="", nullable=False),
    # Folded name without legal form and punctuation: the import's dedup key.
    Column("name_key", String(300), default="", server_default="", index=True, nullable=False),
    Column("deleted_at", UtcDateTime()),
    Column("merged_into_id", Integer, ForeignKey("companies.id")),
    *stamps(),
    # IČO identifies a live company; merged or removed duplicates may keep theirs.
    partial_index("uq_companies_ico_live", "ico", where="deleted_at IS NULL", unique=True),
    Index("ix_companies_owner_id", "owner_id"),
)


persons = Table(
    "persons",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title_before", String(50)),
    Column("first_name", String(100)),
    Column("last_name", String(100), nullable=False),
    Column("title_after", String(50)),
    Column("function", String(200)),
    Column("note", Text),
    Column("owner_id", Integer, ForeignKey("users.id")),
    Column("custom", JsonType, default=dict, nullable=False),
    Column("search_text", Text, default="", nullable=False),
    # Folded first and last name without titles: the import's dedup key within a company.
    Column("name_key", String(200), default="", server_default="", index=True, nullable=False),
    Column("deleted_at", UtcDateTime()),
    Column("merged_into_id", Integer, ForeignKey("persons.id")),
    # Set by `gdpr erase`: the row stays (deals keep their contact) without personal data.
    Column("erased_at", UtcDateTime()),
    *stamps(),
    Index("ix_persons_owner_id", "owner_id"),
)


person_emails = Table(
    "person_emails",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("persons.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column("email", String(254), unique=True, nullable=False),
    Column("position", Integer, default=0, nullable=False),
)


person_phones = Table(
    "person_phones",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("persons.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column("phone", String(20), index=True, nullable=False),
    Column("position", Integer, default=0, nullable=False),
)


# A person works at (or for) a company, in a role; one link may be primary.
person_companies = Table(
    "person_companies",
    metadata,
    Column("person_id", Integer, ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "company_id",
        Integer,
        ForeignKey("companies.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    Column("role", String(200)),
    Column("is_primary", Boolean, default=False, nullable=False),
)


# ``person`` reports to / is assistant of / is related to ``other``.
person_relations = Table(
    "person_relations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("persons.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column(
        "other_person_id",
        Integer,
        ForeignKey("persons.id", ondelete="CASCADE"),
        index=True,
        nullable=False,
    ),
    Column("kind", String(20), nullable=False),
    Column("label", String(200)),
    UniqueConstraint("person_id", "other_person_id", "kind"),
)


tags = Table(
    "tags",
    metadata,
    Column("entity_type", String(20), primary_key=True),
    Column("entity_id", Integer, primary_key=True),
    Column("tag", String(100), primary_key=True),
    Index("ix_tags_entity_tag", "entity_type", "tag"),
)
