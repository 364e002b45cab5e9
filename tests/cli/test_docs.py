"""Documents: attach to a company, contact or deal; stored by SHA-256; size limit and
store directory from crmctl.yaml; on the timeline; read back intact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import Crm, snapshot


@pytest.fixture
def customer(crm: Crm) -> Crm:
    crm("companies", "add", "--name", "Strojírny Dvořák s.r.o.")
    crm("contacts", "add", "--name", "Jana Malá", "--company", "1")
    crm("deals", "add", "--title", "Linka", "--company", "1")
    return crm


def test_attach_list_get_and_timeline(customer: Crm, tmp_path: Path) -> None:
    content = "Nabídka č. 7\n".encode() * 1000
    offer = tmp_path / "nabídka.pdf"
    offer.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    record = customer.json("docs", "attach", "deal", "1", str(offer))
    assert (record["sha256"], record["size"], record["deal"]) == (digest, len(content), "Linka")
    assert record["media_type"] == "application/pdf"
    # The same file attached again is stored once.
    customer("docs", "attach", "contact", "jana mala", str(offer))
    blobs = [p for p in tmp_path.rglob(digest) if p.is_file()]
    assert len(blobs) == 1 and blobs[0].read_bytes() == content
    assert [d["id"] for d in customer.json("docs", "list")] == [1, 2]
    assert [d["id"] for d in customer.json("docs", "list", "--contact", "1")] == [2]
    out = tmp_path / "copy.pdf"
    customer("docs", "get", "1", "--output", str(out))
    assert out.read_bytes() == content
    events = customer.json("timeline", "company", "1", "--type", "document")
    assert [e["summary"] for e in events] == [f"document nabídka.pdf ({len(content)} B)"] * 2
    assert customer.json("timeline", "deal", "1")[0]["kind"] == "document.attached"


def test_store_dir_and_size_limit_from_config(customer: Crm, tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text("documents_dir: store\ndocuments_max_mb: 0.001\n")
    small, large = tmp_path / "small.txt", tmp_path / "large.bin"
    small.write_text("ahoj")
    large.write_bytes(b"x" * 2000)
    customer("docs", "attach", "company", "1", str(small))
    digest = hashlib.sha256(b"ahoj").hexdigest()
    assert (tmp_path / "store" / digest[:2] / digest[2:4] / digest).read_bytes() == b"ahoj"
    before = snapshot(customer.url)
    result = customer("docs", "attach", "company", "1", str(large), code=4)
    assert result.stderr.startswith("error: large.bin is 2.0 kB, over the limit of 1.0 kB")
    assert "documents_max_mb" in result.stderr
    assert snapshot(customer.url) == before


def test_errors(customer: Crm, tmp_path: Path) -> None:
    customer("docs", "attach", "company", "1", str(tmp_path / "missing.pdf"), code=2)
    customer("docs", "attach", "lead", "1", str(tmp_path), code=2)
    customer("docs", "attach", "company", "1", str(tmp_path), code=4)
    customer("docs", "attach", "deal", "99", __file__, code=3)
    customer("docs", "get", "7", "--output", str(tmp_path / "x"), code=3)
    (tmp_path / "a.txt").write_text("obsah")
    customer("docs", "attach", "company", "1", str(tmp_path / "a.txt"))
    digest = hashlib.sha256(b"obsah").hexdigest()
    (blob,) = [p for p in tmp_path.rglob(digest) if p.is_file()]
    blob.write_text("změněno")
    result = customer("docs", "get", "1", "--output", str(tmp_path / "b.txt"), code=4)
    assert "does not match its SHA-256" in result.stderr
    blob.unlink()
    result = customer("docs", "get", "1", "--output", str(tmp_path / "b.txt"), code=3)
    assert "missing from the document store" in result.stderr
