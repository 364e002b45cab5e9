"""documents.StagedFiles: a mail import's attachment files, made durable once per batch."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from crmctl.errors import ValidationError
from crmctl.services import documents
from crmctl.services.documents import StagedFiles, blob_path


def _incoming(store: Path) -> list[Path]:
    return list(store.glob(".incoming-*"))


@pytest.mark.parametrize("syncfs", [True, False], ids=["syncfs", "fsync-per-file"])
def test_publish_moves_every_file_to_its_hash_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, syncfs: bool
) -> None:
    synced: list[str] = []
    real_fsync = documents.os.fsync
    monkeypatch.setattr(documents, "_syncfs", lambda fd: syncfs and not synced.append("fs"))
    monkeypatch.setattr(documents.os, "fsync", lambda fd: synced.append("f") or real_fsync(fd))
    files = StagedFiles(tmp_path / "store")
    digests = [files.add(b"first"), files.add(b"second"), files.add(b"first")]
    assert digests[0] == digests[2] == hashlib.sha256(b"first").hexdigest()
    assert len(_incoming(tmp_path / "store")) == 2  # the same content is staged once
    assert not blob_path(tmp_path / "store", digests[0]).exists()  # not before publish
    files.publish()
    assert synced == (["fs"] if syncfs else ["f", "f"])
    assert blob_path(tmp_path / "store", digests[1]).read_bytes() == b"second"
    assert _incoming(tmp_path / "store") == []
    again = StagedFiles(tmp_path / "store")
    again.add(b"second")  # in the store already: nothing staged
    assert _incoming(tmp_path / "store") == []


def test_discard_leaves_nothing(tmp_path: Path) -> None:
    files = StagedFiles(tmp_path / "store")
    digest = files.add(b"obsah")
    files.discard()
    assert _incoming(tmp_path / "store") == []
    assert not blob_path(tmp_path / "store", digest).exists()


def test_an_unwritable_store_is_a_validation_error(tmp_path: Path) -> None:
    (tmp_path / "store").write_text("not a folder", encoding="utf-8")
    with pytest.raises(ValidationError, match="documents_dir"):
        StagedFiles(tmp_path / "store").add(b"x")
