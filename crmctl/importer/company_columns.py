"""The company columns of an import row: IČO, DIČ, address and PSČ, links to companies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crmctl.errors import ValidationError
from crmctl.importer.mapping import header_key
from crmctl.importer.model import CompanyData, CompanyLink, RowIssue
from crmctl.importer.row_parts import (
    COUNTRIES,
    LIMITS,
    PSC_ABROAD_LIMIT,
    Rejected,
    cached_company_name_key,
    cached_normalize_dic,
    cached_normalize_ico,
    cached_normalize_psc,
    cached_normalize_website,
    dropped_issue,
    is_company_entry,
    json_list,
    psc_place,
    reject_if_long,
    row_issue,
    shown,
)


class CompanyColumns:
    """Reads a row's company cells; built once per sheet by ``RowNormaliser``."""

    def __init__(self, header_of: dict[str, str], region: str) -> None:
        self._header_of = header_of
        self._region = region

    # -- companies -----------------------------------------------------------------

    def links(self, values: dict[str, str]) -> tuple[list[CompanyLink], bool]:
        """The row's companies, and whether they came from a crmctl ``companies`` cell."""
        listed = values.get("companies")
        if listed:
            links = self._json_links(listed)
            if links:
                return links, True
        name = values.get("company")
        if not name:
            return [], False
        reject_if_long("company", self._header_of["company"], name)
        return [CompanyLink(CompanyData(name, cached_company_name_key(name)), primary=True)], False

    def _json_links(self, text: str) -> list[CompanyLink]:
        header = self._header_of["companies"]
        entries = json_list(text)
        if entries is None or not all(is_company_entry(entry) for entry in entries):
            raise Rejected(
                row_issue(
                    "companies",
                    header,
                    f'invalid crmctl companies list "{shown(text)}": expected JSON such as '
                    '[{"name": "ACME s.r.o.", "role": "jednatel", "primary": true}]',
                )
            )
        links = []
        for entry in entries:
            name = entry["name"].strip()
            reject_if_long("company", header, name)
            role = (entry.get("role") or "").strip() or None
            company = CompanyData(name, cached_company_name_key(name))
            links.append(CompanyLink(company, role, bool(entry.get("primary"))))
        # The primary company first (it gets the row's address), and exactly one primary.
        links.sort(key=lambda link: not link.primary)
        for position, link in enumerate(links):
            link.primary = position == 0
        return links

    def no_ids_without_company(self, values: dict[str, str]) -> None:
        for name, label in (("ico", "IČO"), ("dic", "DIČ")):
            if name in values:
                where = self._header_of.get("company")
                fill = f'; fill in column "{where}"' if where else "; add a company column"
                raise Rejected(
                    row_issue(
                        name,
                        self._header_of[name],
                        f'{label} "{values[name]}" but no company name in this row{fill}',
                    )
                )

    def fill(self, company: CompanyData, values: dict[str, str], warnings: list[RowIssue]) -> None:
        header_of = self._header_of
        ico = values.get("ico")
        if ico:
            try:
                company.ico = cached_normalize_ico(ico)
            except ValidationError as error:
                raise Rejected(row_issue("ico", header_of["ico"], error.message)) from None
        dic = values.get("dic")
        if dic:
            company.dic = self._checked("dic", dic, cached_normalize_dic, warnings)
        # Spelled out, not a loop over names: this runs for every row.
        company.street = values.get("street")
        if company.street and len(company.street) > LIMITS["street"]:
            reject_if_long("street", header_of["street"], company.street)
        company.city = values.get("city")
        if company.city and len(company.city) > LIMITS["city"]:
            reject_if_long("city", header_of["city"], company.city)
        company.industry = values.get("industry")
        if company.industry and len(company.industry) > LIMITS["industry"]:
            reject_if_long("industry", header_of["industry"], company.industry)
        if "country" in values:
            company.country = self._country(values, warnings)
        if "psc" in values:
            company.psc = self._psc(values, company.country, warnings)
            if company.psc and (company.country or self._region) == "CZ":
                self._set_region(company, warnings)
        website = values.get("website")
        if website:
            company.website = self._checked("website", website, cached_normalize_website, warnings)
            if company.website:
                reject_if_long("website", header_of["website"], company.website)

    def _set_region(self, company: CompanyData, warnings: list[RowIssue]) -> None:
        assert company.psc is not None
        place = psc_place(company.psc, company.city)
        if place is None:
            warnings.append(
                row_issue(
                    "psc",
                    self._header_of["psc"],
                    f'PSČ "{company.psc}" is not in the PSČ table; kept, kraj and okres left empty',
                )
            )
        else:
            company.region, company.district = place.kraj, place.okres

    def _checked(
        self,
        name: str,
        text: str,
        normaliser: Callable[[str], str],
        warnings: list[RowIssue],
    ) -> str | None:
        try:
            return normaliser(text)
        except ValidationError as error:
            warnings.append(dropped_issue(name, self._header_of[name], error))
            return None

    def _country(self, values: dict[str, str], warnings: list[RowIssue]) -> str | None:
        text = values.get("country")
        if not text:
            return None
        code = COUNTRIES.get(header_key(text))
        if code:
            return code
        if len(text) == 2 and text.isascii() and text.isalpha():
            return text.upper()
        warnings.append(
            row_issue(
                "country",
                self._header_of["country"],
                f'invalid country "{shown(text)}": use a two-letter code such as CZ; dropped',
            )
        )
        return None

    def _psc(
        self, values: dict[str, str], country: str | None, warnings: list[RowIssue]
    ) -> str | None:
        text = values.get("psc")
        if not text:
            return None
        if (country or self._region) in ("CZ", "SK"):
            return self._checked("psc", text, cached_normalize_psc, warnings)
        if len(text) <= PSC_ABROAD_LIMIT:
            return text
        warnings.append(
            row_issue(
                "psc",
                self._header_of["psc"],
                f'postal code "{shown(text)}" is longer than {PSC_ABROAD_LIMIT} characters; '
                "dropped",
            )
        )
        return None

    def address_to_custom(
        self, values: dict[str, str], custom: dict[str, Any], warnings: list[RowIssue]
    ) -> None:
        """A row without a company keeps its address with the person."""
        for name in ("street", "city", "industry"):
            if name in values:
                custom[name] = values[name]
        country = self._country(values, warnings)
        psc = self._psc(values, country, warnings)
        website = values.get("website")
        if website:
            website = self._checked("website", website, cached_normalize_website, warnings)
        for name, value in (("psc", psc), ("country", country), ("website", website)):
            if value:
                custom[name] = value
