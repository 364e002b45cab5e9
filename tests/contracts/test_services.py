"""Services, contracts and sales records: CRUD, `services expiring` edges, rights, the
company card, `deals win --create-services` (issue 19 item 4). Today is 2026-03-10."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import Crm, snapshot


@pytest.fixture
def book(crm: Crm) -> Crm:
    crm("users", "add", "novak", "--name", "Jan Novák", "--role", "sales")
    crm("users", "add", "dvorak", "--name", "Petr Dvořák", "--role", "sales")
    crm("users", "add", "svoboda", "--name", "Eva Svobodová", "--role", "support")
    crm("companies", "add", "--name", "Alfa s.r.o.", "--owner", "novak")
    crm("companies", "add", "--name", "Beta a.s.", "--owner", "dvorak")
    crm("products", "add", "SUP", "--name", "Podpora", "--price", "1500", "--billing", "monthly")
    crm("products", "add", "HW", "--name", "Server", "--price", "50000")
    return crm


def _add(crm: Crm, *args: str) -> dict:
    return crm.json("services", "add", *args)


def test_add_list_show_edit_rm_round_trip(book: Crm) -> None:
    ours = _add(book, "--company", "Alfa", "--name", "Podpora", "--kind", "ours", "--product",
                "SUP", "--starts", "2026-01-15", "--ends", "2027-01-14", "--notice-days", "60",
                "--value", "1 500 Kč", "--billing", "monthly")  # fmt: skip
    assert (ours["notice_deadline"], ours["value"], ours["product"]) == (
        "2026-11-15",
        "1500.00",
        "SUP",
    )
    _add(book, "--company", "Beta", "--name", "Konkurence", "--kind", "competitor",
         "--ends", "2026-06-30", "--provider", "Raynet")  # fmt: skip
    bought = _add(book, "--company", "Alfa", "--name", "Server", "--kind", "purchase",
                  "--starts", "2026-02-01", "--value", "50000", "--serial", "SN-1")  # fmt: skip
    assert bought["billing"] == "once"
    listed = book.json("services", "list")
    assert [s["id"] for s in listed] == [1, 2, 3]
    assert [s["id"] for s in book.json("services", "list", "--where", 'kind = "ours"')] == [1]
    assert [s["id"] for s in book.json("services", "list", "--sort", "-id")] == [3, 2, 1]
    text = book("services", "list", "--fields", "id,name,notice_deadline", "-o", "csv").stdout
    assert list(csv.reader(io.StringIO(text)))[2] == ["2", "Konkurence", "2026-06-30"]
    for output in ("table", "csv", "json", "jsonl", "yaml"):
        assert "Podpora" in book("services", "list", "-o", output).stdout
    assert book.json("services", "show", "1") == ours
    renewed = book.json("services", "edit", "1", "--ends", "2028-01-14")
    assert (renewed["ends_on"], renewed["notice_deadline"]) == ("2028-01-14", "2027-11-15")
    kinds = [e["kind"] for e in book.json("timeline", "service", "1")]
    assert kinds == ["service.updated", "service.created"]
    book("services", "rm", "3")
    book("services", "show", "3", code=3)


def test_expiring_edges(book: Crm) -> None:
    def contract(name: str, kind: str, *extra: str) -> None:
        _add(book, "--company", "Alfa", "--name", name, "--kind", kind, *extra)

    contract("today", "ours", "--ends", "2026-03-10")
    contract("last day", "competitor", "--ends", "2026-04-09")  # today + 30
    contract("day after", "ours", "--ends", "2026-04-10")
    contract("ended", "ours", "--ends", "2026-03-09")
    contract("no end", "ours", "--starts", "2025-01-01")
    contract("notice passed", "ours", "--ends", "2026-03-20", "--notice-days", "30")
    contract("bought", "purchase", "--starts", "2026-03-10")
    found = book.json("services", "expiring", "--within", "30d")
    assert [s["name"] for s in found] == ["today", "notice passed", "last day"]
    assert found[1]["notice_deadline"] == "2026-02-18"  # shown although already passed
    ours = book.json("services", "expiring", "--within", "30", "--kind", "ours")
    assert [s["name"] for s in ours] == ["today", "notice passed"]
    failed = book("services", "expiring", "--within", "30d", "--fail-if-any", code=6)
    assert "3 contract(s) end within 30 days" in failed.stderr
    book("services", "expiring", "--within", "0d", "--kind", "competitor", "--fail-if-any")
    assert "bad" in book("services", "expiring", "--within", "bad", code=2).stderr
    book("services", "expiring", "--kind", "purchase", code=4)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--company", "Alfa", "--name", "X", "--kind", "purchase", "--ends", "2026-05-01"), 4,
         "a purchase is a one-time sale"),
        (("--company", "Alfa", "--name", "X", "--kind", "lease"), 4, "--kind 'lease'"),
        (("--company", "Alfa", "--name", "X", "--kind", "ours", "--value", "100"), 4,
         "--value is the amount per billing period"),
        (("--company", "Alfa", "--name", "X", "--kind", "ours", "--starts", "2026-05-01",
          "--ends", "2026-04-01"), 4, "ends (2026-04-01) before it starts"),
        (("--company", "Nikdo", "--name", "X", "--kind", "ours"), 3, "no company"),
        (("--name", "X", "--kind", "ours"), 4, "a service needs a company"),
        (("--company", "Alfa", "--name", "X", "--kind", "ours", "--notice-days", "-3"), 4,
         "--notice-days '-3'"),
        (("--company", "Alfa", "--name", "X", "--kind", "ours", "--billing", "weekly"), 4,
         "--billing 'weekly'"),
    ],
)  # fmt: skip
def test_bad_input_changes_nothing(book: Crm, args: tuple[str, ...], code: int,
                                   message: str) -> None:  # fmt: skip
    before = snapshot(book.url)
    result = book("services", "add", *args, code=code)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("error:") == 1
    assert snapshot(book.url) == before


def test_rights_support_reads_without_values_sales_own_customers(book: Crm) -> None:
    _add(book, "--company", "Alfa", "--name", "Podpora", "--kind", "ours", "--ends",
         "2026-04-01", "--value", "1500", "--billing", "monthly")  # fmt: skip
    _add(book, "--company", "Beta", "--name", "Servis", "--kind", "ours", "--ends", "2026-04-02")
    support = Crm(book.url, user="svoboda")
    for records in (support.json("services", "list"), support.json("services", "expiring")):
        assert [r["name"] for r in records] == ["Podpora", "Servis"]
        assert all("value" not in r and r["limited"] for r in records)
    shown = support.json("services", "show", "1")
    assert "value" not in shown and shown["billing"] == "monthly"
    assert support.json("services", "list", "--where", "value > 0") == []
    before = snapshot(book.url)
    support("services", "edit", "1", "--note", "x", code=5)
    support("services", "add", "--company", "Alfa", "--name", "X", "--kind", "ours", code=5)
    novak = Crm(book.url, user="novak")
    assert [r["name"] for r in novak.json("services", "list")] == ["Podpora"]
    assert [r["name"] for r in novak.json("services", "expiring")] == ["Podpora"]
    novak("services", "show", "2", code=5)
    novak("timeline", "service", "2", code=5)
    assert "Servis" not in novak("companies", "show", "Beta").stdout  # the card: no services
    novak("services", "add", "--company", "Beta", "--name", "X", "--kind", "ours", code=5)
    assert snapshot(book.url) == before
    _add(novak, "--company", "Alfa", "--name", "Own", "--kind", "competitor")


def test_support_policy_may_allow_values(book: Crm, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _add(book, "--company", "Alfa", "--name", "Podpora", "--kind", "ours", "--value", "1500",
         "--billing", "monthly")  # fmt: skip
    config = tmp_path / "crmctl.yaml"
    config.write_text("policy:\n  roles:\n    support:\n      service:\n        read: all\n")
    monkeypatch.setenv("CRM_CONFIG", str(config))
    monkeypatch.chdir(tmp_path)
    assert Crm(book.url, user="svoboda").json("services", "show", "1")["value"] == "1500.00"


def test_company_card_and_timeline_show_services(book: Crm) -> None:
    _add(book, "--company", "Alfa", "--name", "Podpora", "--kind", "ours", "--ends", "2026-12-31")
    card = book("companies", "show", "Alfa").stdout
    assert "Services" in card and "Podpora" in card and "2026-12-31" in card
    assert "Services" not in book("companies", "show", "Beta").stdout
    kinds = [e["kind"] for e in book.json("timeline", "company", "Alfa")]
    assert "service.created" in kinds


def test_deal_win_creates_services(book: Crm) -> None:
    book("leads", "add", "--name", "Jan", "--company", "Alfa s.r.o.", "--product", "SUP")
    book("leads", "convert", "1", "--value", "18000")
    book("deals", "win", "1", "--create-services")
    (service,) = book.json("services", "list")
    assert (service["name"], service["kind"], service["product"], service["deal_id"]) == (
        "Podpora", "ours", "SUP", 1,
    )  # fmt: skip
    assert (service["starts_on"], service["value"], service["billing"]) == (
        "2026-03-10", "1500.00", "monthly",
    )  # fmt: skip
    book("deals", "add", "--title", "Bez produktu", "--company", "Alfa")
    before = snapshot(book.url)
    failed = book("deals", "win", "2", "--create-services", code=4)
    assert "has no product" in failed.stderr
    assert snapshot(book.url) == before


def test_saved_view_over_services(book: Crm) -> None:
    _add(book, "--company", "Alfa", "--name", "Podpora", "--kind", "ours", "--ends", "2026-04-01")
    _add(
        book, "--company", "Beta", "--name", "Cizí", "--kind", "competitor", "--ends", "2026-05-01"
    )
    book("views", "save", "konkurence", "--entity", "services", "--where", 'kind = "competitor"')
    assert [s["name"] for s in book.json("services", "list", "--view", "konkurence")] == ["Cizí"]
