"""The product catalogue: add/list/show/edit, rights, and leads' free text mapped to it."""

from __future__ import annotations

import pytest

from tests.conftest import Crm, snapshot


@pytest.fixture
def catalogue(crm: Crm) -> Crm:
    crm("users", "add", "novak", "--name", "Jan Novák", "--role", "sales")
    crm("users", "add", "svoboda", "--name", "Eva Svobodová", "--role", "support")
    crm("products", "add", "CRM-PRO", "--name", "CRM Pro", "--price", "990 Kč",
        "--billing", "monthly", "--category", "licence")  # fmt: skip
    crm("products", "add", "SUP", "--name", "Podpora", "--price", "12 000", "--billing", "yearly")
    return crm


def test_add_list_show_edit(catalogue: Crm) -> None:
    (pro,) = catalogue.json("products", "list", "--where", 'billing = "monthly"')
    assert (pro["code"], pro["list_price"], pro["currency"], pro["active"]) == (
        "CRM-PRO", "990.00", "CZK", True,
    )  # fmt: skip
    assert catalogue.json("products", "show", "sup")["name"] == "Podpora"
    edited = catalogue.json("products", "edit", "SUP", "--price", "15 000", "--inactive")
    assert (edited["list_price"], edited["active"]) == ("15000.00", False)
    kinds = [e["kind"] for e in catalogue.json("timeline", "product", "SUP")]
    assert kinds == ["product.updated", "product.created"]
    codes = [p["code"] for p in catalogue.json("products", "list", "--sort", "-list_price")]
    assert codes == ["SUP", "CRM-PRO"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("products", "add", "SUP", "--name", "X"), 4, "product code 'SUP' is taken"),
        (("products", "add", "X", "--name", "X", "--billing", "weekly"), 4, "billing 'weekly'"),
        (("products", "add", "X"), 4, "a product needs a code and a name"),
        (("products", "add", "X", "--name", "X", "--price", "abc"), 4, "list_price: 'abc'"),
        (("products", "show", "NOPE"), 3, "no product 'NOPE'"),
        (("products", "list", "--where", "colour = 1"), 4, "colour"),
    ],
)
def test_bad_input_changes_nothing(catalogue: Crm, args: tuple[str, ...], code: int,
                                   message: str) -> None:  # fmt: skip
    before = snapshot(catalogue.url)
    result = catalogue(*args, code=code)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert snapshot(catalogue.url) == before


def test_every_role_reads_only_managers_and_admins_write(catalogue: Crm) -> None:
    for login in ("novak", "svoboda"):
        reader = Crm(catalogue.url, user=login)
        assert len(reader.json("products", "list")) == 2
        assert reader.json("products", "show", "CRM-PRO")["code"] == "CRM-PRO"
        before = snapshot(catalogue.url)
        denied = reader("products", "edit", "CRM-PRO", "--price", "1", code=5)
        assert "permission denied" in denied.stderr
        reader("products", "add", "NEW", "--name", "N", code=5)
        assert snapshot(catalogue.url) == before


def test_lead_free_text_maps_to_a_product(catalogue: Crm) -> None:
    catalogue("leads", "add", "--name", "A", "--product", "crm pro")  # by name, any case
    catalogue("leads", "add", "--name", "B", "--product", "něco jiného")
    catalogue("leads", "add", "--name", "C", "--product", "Balík X")
    assert [r["id"] for r in catalogue.json("leads", "list", "--where", "product_id = 1")] == [1]
    # A product added later picks up the leads that already named it.
    catalogue("products", "add", "BX", "--name", "Balík X")
    assert [r["id"] for r in catalogue.json("leads", "list", "--where", "product_id = 3")] == [3]
    assert catalogue.json("leads", "list", "--where", "product_id is null")[0]["id"] == 2
