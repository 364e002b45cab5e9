"""``crmctl db backup``: the database and the document store, both readable by the owner only.

The database is copied first (SQLite online backup or pg_dump), then the store is packed
into ``FILE.documents.tar`` beside it. The store is content-addressed and only ever
grows (files go only when an erasure or purge removes their last document), so every
document the database copy names is in the archive unless it was erased in between.
"""

from __future__ import annotations

import contextlib
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from crmctl.config import Settings
from crmctl.db.engine import PRIVATE_FILE_MODE
from crmctl.errors import DatabaseError
from crmctl.services.context import open_read_context
from crmctl.services.setup import backup_database
from crmctl.services.users import require_admin

ARCHIVE_SUFFIX = ".documents.tar"
# A file being copied into the store: not a document yet (see documents._store).
INCOMING_PREFIX = ".incoming-"


@dataclass(frozen=True)
class Backup:
    database: Path
    store: Path
    archive: Path | None  # None: the store was left out on request
    files: int = 0


def backup(settings: Settings, target: Path, *, documents: bool = True) -> Backup:
    require_admin_to_back_up(settings)
    written = backup_database(settings, target)
    store = settings.documents_dir
    if not documents:
        return Backup(written, store, None)
    archive = documents_archive(target)
    return Backup(written, store, archive, archive_store(store, archive))


def require_admin_to_back_up(settings: Settings) -> None:
    """A backup holds every record and document: need-to-know allows it to admins only."""
    with open_read_context(settings) as ctx:
        require_admin(ctx, "back up the database (it holds every customer's records)")


def documents_archive(target: Path) -> Path:
    return target.with_name(target.name + ARCHIVE_SUFFIX)


def archive_store(store: Path, archive: Path) -> int:
    """Pack every file of ``store`` into ``archive`` (paths relative to the store, modes
    kept); written to a private temporary file and renamed, so a failed backup never
    leaves a partial archive under the final name. Returns the number of files."""
    handle, temporary = tempfile.mkstemp(dir=archive.parent, prefix=f".{archive.name}.")
    try:
        with os.fdopen(handle, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            files = _add_store(tar, store)
        os.chmod(temporary, PRIVATE_FILE_MODE)
        os.replace(temporary, archive)
    except OSError as exc:
        _discard(temporary)
        raise DatabaseError(
            f"the database was backed up, but the document store {store} could not be "
            f"written to {archive}: {exc.strerror or exc}; fix that and run the backup again"
        ) from None
    return files


def _add_store(tar: tarfile.TarFile, store: Path) -> int:
    if not store.is_dir():
        return 0
    files = 0
    for directory, names, file_names in os.walk(store):
        names.sort()
        here = Path(directory)
        for name in names:
            tar.add(here / name, arcname=str((here / name).relative_to(store)), recursive=False)
        for name in sorted(file_names):
            if name.startswith(INCOMING_PREFIX):
                continue
            try:
                tar.add(here / name, arcname=str((here / name).relative_to(store)))
            except FileNotFoundError:
                continue  # erased since the walk listed it: rightly not in the backup
            files += 1
    return files


def _discard(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
