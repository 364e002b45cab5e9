"""The fields each entity exposes to ``--where`` and ``--sort``."""

from __future__ import annotations

from functools import cache

from sqlalchemy import ColumnElement, exists, func, select

from crmctl.db.models import Company, Person, PersonCompany, PersonEmail, PersonPhone, Tag, User
from crmctl.query.fields import EntityRegistry, FieldKind, FieldSpec


def _owner_login(owner_column: ColumnElement[int | None]) -> ColumnElement[str]:
    return select(User.login).where(User.id == owner_column).scalar_subquery()


def _has_tag(entity_type: str, id_column: ColumnElement[int]):  # type: ignore[no-untyped-def]
    def has_any(tags: list[str]) -> ColumnElement[bool]:
        return exists().where(
            Tag.entity_type == entity_type, Tag.entity_id == id_column, Tag.tag.in_(tags)
        )

    return has_any


def _text(name: str, column: ColumnElement[str | None], description: str = "") -> FieldSpec:
    return FieldSpec(name, FieldKind.TEXT, column=column, description=description)


def _stamps(model: type[Company] | type[Person]) -> list[FieldSpec]:
    return [
        FieldSpec("created_at", FieldKind.DATETIME, column=model.created_at),
        FieldSpec("updated_at", FieldKind.DATETIME, column=model.updated_at),
        FieldSpec("deleted_at", FieldKind.DATETIME, column=model.deleted_at),
        _text("owner", _owner_login(model.owner_id), "owner's login"),
        _text("created_by", _owner_login(model.created_by_id), "creator's login"),
    ]


@cache
def company_registry() -> EntityRegistry:
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=Company.id),
        *(
            _text(name, getattr(Company, name))
            for name in [
                "name",
                "ico",
                "dic",
                "street",
                "city",
                "psc",
                "region",
                "district",
                "country",
                "industry",
                "website",
                "phone",
                "email",
            ]
        ),
        FieldSpec("tags", FieldKind.TAGS, tags=_has_tag("company", Company.id)),
        *_stamps(Company),
    ]
    return EntityRegistry("companies", {f.name: f for f in fields}, custom_column=Company.custom)


def _first(column: ColumnElement[str], person_column: ColumnElement[int], order) -> ColumnElement:  # type: ignore[no-untyped-def]
    return (
        select(column).where(person_column == Person.id).order_by(order).limit(1).scalar_subquery()
    )


@cache
def person_registry() -> EntityRegistry:
    primary_company = (
        select(Company.name)
        .join(PersonCompany, PersonCompany.company_id == Company.id)
        .where(PersonCompany.person_id == Person.id)
        .order_by(PersonCompany.is_primary.desc(), Company.id)
        .limit(1)
        .scalar_subquery()
    )
    fields = [
        FieldSpec("id", FieldKind.INTEGER, column=Person.id),
        *(
            _text(name, getattr(Person, name))
            for name in [
                "title_before",
                "first_name",
                "last_name",
                "title_after",
                "function",
                "note",
            ]
        ),
        _text("name", func.trim(func.coalesce(Person.first_name, "") + " " + Person.last_name)),
        _text("email", _first(PersonEmail.email, PersonEmail.person_id, PersonEmail.position)),
        _text("phone", _first(PersonPhone.phone, PersonPhone.person_id, PersonPhone.position)),
        _text("company", primary_company, "primary company's name"),
        FieldSpec("tags", FieldKind.TAGS, tags=_has_tag("contact", Person.id)),
        *_stamps(Person),
    ]
    return EntityRegistry("contacts", {f.name: f for f in fields}, custom_column=Person.custom)
