"""Documents attached to companies, contacts and deals.

The content lives in the document store (``Settings.documents_dir``) under its SHA-256,
``ab/cd/abcd…``: the same file attached twice is stored once, and a stored file is
checked against its name when read back. The database row and its
``document.attached`` event are written in the caller's transaction; the content is
written before, atomically (temporary file + rename). If the transaction then rolls
back, an unreferenced blob stays behind, which is harmless: it is only ever found
through a row that names its hash.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crmctl import entities
from crmctl.db.models import Document
from crmctl.errors import FileUnreadable, NotFound, UsageError, ValidationError
from crmctl.services.access import policy
from crmctl.services.context import Context
from crmctl.services.events import record_event
from crmctl.services.refs import linked_names, resolve_document
from crmctl.services.tasks import resolve_links
from crmctl.services.users import logins_by_id

ENTITY = "document"
# What a document may be attached to: the entities whose link column its table has.
_TARGETS = entities.linked_from(entities.DOCUMENT)
TARGETS = tuple(target.name for target in _TARGETS)
CHUNK = 1024 * 1024


def attach_document(ctx: Context, target: str, ref: str | int, path: Path) -> dict[str, Any]:
    """Store ``path`` and attach it to a company, contact or deal."""
    actor = ctx.require_actor()
    policy.require_any_write(ctx, ENTITY, "attach documents")
    links = _target_links(ctx, target, ref)
    size = _checked_size(ctx, path)
    digest = _store(ctx.settings.documents_dir, path)
    media_type, _ = mimetypes.guess_type(path.name)
    document = Document(
        sha256=digest,
        size=size,
        file_name=path.name,
        media_type=media_type,
        created_at=ctx.now,
        created_by_id=actor.id,
        **links,
    )
    ctx.session.add(document)
    ctx.session.flush()
    record = document_records(ctx, [document])[0]
    record_event(
        ctx, ENTITY, document.id, "document.attached",
        {"file_name": path.name, "size": size, "sha256": digest, "target": target,
         **{k: v for k, v in links.items() if v is not None}},
    )  # fmt: skip
    return record


def _target_links(ctx: Context, target: str, ref: str | int) -> dict[str, int | None]:
    if target not in TARGETS:
        raise UsageError(f"cannot attach to {target!r}; choose one of {', '.join(TARGETS)}")
    links = resolve_links(ctx, **{target: ref})
    return {t.links.column: getattr(links, t.links.column) for t in _TARGETS if t.links}


def _checked_size(ctx: Context, path: Path) -> int:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise FileUnreadable(f"no file {path}; give the path of the file to attach") from None
    except OSError as error:
        raise FileUnreadable(f"cannot read {path}: {error.strerror}") from None
    if not path.is_file():
        raise ValidationError(f"{path} is not a file; attach one file at a time")
    limit = ctx.settings.documents_max_bytes
    if size > limit:
        raise ValidationError(
            f"{path.name} is {_human(size)}, over the limit of {_human(limit)}; "
            "raise documents_max_mb in crmctl.yaml or attach a smaller file"
        )
    return size


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{size / 1024:.1f} kB" if size >= 1024 else f"{size} B"


STORE_DIR_MODE = 0o700


def blob_path(store: Path, digest: str) -> Path:
    return store / digest[:2] / digest[2:4] / digest


def _store(store: Path, path: Path) -> str:
    """Copy ``path`` into the store under its SHA-256 (once) and return the hash."""
    digest = hashlib.sha256()
    try:
        # Customer files: the store and its folders are the owner's alone, whatever the
        # umask (the temporary file, and so every stored file, is 0600 already).
        store.mkdir(mode=STORE_DIR_MODE, parents=True, exist_ok=True)
        with (
            path.open("rb") as source,
            tempfile.NamedTemporaryFile(dir=store, prefix=".incoming-", delete=False) as temp,
        ):
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                temp.write(chunk)
            temp.flush()
            os.fsync(temp.fileno())
        target = blob_path(store, digest.hexdigest())
        if target.exists():
            os.unlink(temp.name)
        else:
            for folder in (target.parent.parent, target.parent):
                folder.mkdir(mode=STORE_DIR_MODE, exist_ok=True)
            os.replace(temp.name, target)
    except OSError as error:
        raise ValidationError(
            f"cannot store {path.name} in the document store {store}: {error.strerror}; "
            "check documents_dir in crmctl.yaml"
        ) from None
    return digest.hexdigest()


def store_content(store: Path, content: bytes) -> str:
    """Put ``content`` into the store as ``attach`` does (e.g. a document rewritten by
    ``gdpr erase``) and return its hash."""
    try:
        store.mkdir(mode=STORE_DIR_MODE, parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=store, prefix=".incoming-", delete=False) as temp:
            temp.write(content)
    except OSError as error:
        raise ValidationError(
            f"cannot write to the document store {store}: {error.strerror}; "
            "check documents_dir in crmctl.yaml"
        ) from None
    try:
        return _store(store, Path(temp.name))
    finally:
        Path(temp.name).unlink(missing_ok=True)


def document_content(ctx: Context, ref: str | int) -> tuple[dict[str, Any], bytes]:
    """A document's record and content, checked against its SHA-256."""
    document = resolve_document(ctx, ref)
    path = blob_path(ctx.settings.documents_dir, document.sha256)
    try:
        data = path.read_bytes()
    except OSError:
        raise NotFound(
            f"document #{document.id} {document.file_name}: its content {document.sha256} "
            f"is missing from the document store {ctx.settings.documents_dir}; "
            "restore the store from a backup or check documents_dir in crmctl.yaml"
        ) from None
    if hashlib.sha256(data).hexdigest() != document.sha256:
        raise ValidationError(
            f"document #{document.id} {document.file_name}: the stored content does not "
            f"match its SHA-256 {document.sha256}; restore {path} from a backup"
        )
    return document_records(ctx, [document])[0], data


def list_documents(
    ctx: Context, *, target: str | None = None, ref: str | int | None = None
) -> list[dict[str, Any]]:
    statement = select(Document).where(
        Document.deleted_at.is_(None), policy.predicate(ctx, ENTITY, "read")
    )
    if target is not None and ref is not None:
        for column, value in _target_links(ctx, target, ref).items():
            if value is not None:
                statement = statement.where(getattr(Document, column) == value)
    documents = list(ctx.session.scalars(statement.order_by(Document.id)).all())
    return document_records(ctx, documents)


def document_records(ctx: Context, documents: list[Document]) -> list[dict[str, Any]]:
    logins = logins_by_id(ctx, [d.created_by_id for d in documents])
    names = linked_names(ctx, documents)
    return [
        {
            "id": d.id,
            "file_name": d.file_name,
            "size": d.size,
            "media_type": d.media_type,
            "sha256": d.sha256,
            "company_id": d.company_id,
            "company": names.get(("company", d.company_id or -1)),
            "contact_id": d.person_id,
            "contact": names.get(("contact", d.person_id or -1)),
            "deal_id": d.deal_id,
            "deal": names.get(("deal", d.deal_id or -1)),
            "created_at": d.created_at,
            "created_by": logins.get(d.created_by_id or -1),
        }
        for d in documents
    ]


def _sync_files(store: Path, paths: list[Path]) -> None:
    """The files' data on disk: one ``syncfs`` of the store's file system (Linux), else
    one ``fsync`` per file."""
    descriptor = os.open(store, os.O_RDONLY)
    try:
        if _syncfs(descriptor):
            return
    finally:
        os.close(descriptor)
    for path in paths:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _syncfs(descriptor: int) -> bool:
    """``syncfs(2)`` through libc; False where there is none (not Linux) or it failed."""
    import ctypes  # noqa: PLC0415  (start-up: only a mail import with attachments needs it)

    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return False
    return bool(function(descriptor) == 0)


class StagedFiles:
    """Contents put into the store by a batch (a mail import's attachments), made durable
    together: :meth:`add` writes each file under a temporary name; :meth:`publish`, before
    the commit of the rows that name them, syncs them with one ``syncfs`` and moves them to
    their hash: one flush per batch instead of an fsync per file; :meth:`discard` on
    rollback.
    """

    def __init__(self, store: Path) -> None:
        self.store = store
        self._staged: dict[str, Path] = {}  # digest → its temporary file

    def add(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        if digest in self._staged or blob_path(self.store, digest).exists():
            return digest
        try:
            self.store.mkdir(mode=STORE_DIR_MODE, parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                dir=self.store, prefix=".incoming-", delete=False
            ) as temp:
                temp.write(content)
        except OSError as error:
            raise ValidationError(
                f"cannot write to the document store {self.store}: {error.strerror}; "
                "check documents_dir in crmctl.yaml"
            ) from None
        self._staged[digest] = Path(temp.name)
        return digest

    def publish(self) -> None:
        """Every staged file on disk and under its hash; then the rows may commit."""
        if not self._staged:
            return
        try:
            _sync_files(self.store, list(self._staged.values()))
            for digest, path in self._staged.items():
                target = blob_path(self.store, digest)
                for folder in (target.parent.parent, target.parent):
                    folder.mkdir(mode=STORE_DIR_MODE, exist_ok=True)
                os.replace(path, target)
        except OSError as error:
            raise ValidationError(
                f"cannot store a file in the document store {self.store}: {error.strerror}; "
                "check documents_dir in crmctl.yaml"
            ) from None
        self._staged.clear()

    def discard(self) -> None:
        for path in self._staged.values():
            path.unlink(missing_ok=True)
        self._staged.clear()
