"""Rows read, mapped and normalised, chunk by chunk — in a second process for big files.

Reading and normalising take about a third of an import's time and need no database,
so for files over ``BACKGROUND_MIN_BYTES`` they run in a forked worker process while
the parent writes the previous chunk: the two cores of a small server both work. The
queue holds at most ``QUEUE_CHUNKS`` chunks, so memory stays bounded.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from crmctl.errors import CrmError
from crmctl.importer.mapping import Mapping, build_mapping, is_known_header
from crmctl.importer.model import ImportRow, SourceRow
from crmctl.importer.readers import ReadOptions, open_tables
from crmctl.importer.rows import RowNormaliser

CHUNK_ROWS = 2000
QUEUE_CHUNKS = 4
BACKGROUND_MIN_BYTES = 1 << 20
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_PARENT_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class TableStart:
    """The next chunks come from this sheet, mapped like this."""

    sheet: str
    header_row: int
    headers: list[str]
    mapping: Mapping


Message = TableStart | list[ImportRow]


@dataclass(frozen=True)
class Source:
    path: Path
    read: ReadOptions
    saved_mapping: dict[str, str]
    unmapped: str
    # Rows the writer may still reject (``--on-duplicate fail``) need their cells for
    # the rejects file; otherwise only rejected rows carry them across the process pipe.
    writer_rejects: bool = False


def normalised(source: Source) -> Iterator[Message]:
    """``TableStart`` for each sheet, then its rows as lists of normalised chunks."""
    for table in open_tables(source.path, source.read, is_known_header):
        mapping = build_mapping(table.headers, saved=source.saved_mapping, unmapped=source.unmapped)
        yield TableStart(table.sheet, table.header_row, table.headers, mapping)
        normaliser = RowNormaliser(table.headers, mapping)
        for chunk in _chunks(table.rows, CHUNK_ROWS):
            yield [normaliser.normalise(row) for row in chunk]


def messages(source: Source) -> Iterator[Message]:
    """``normalised(source)``, from a worker process when the file is big enough."""
    big = source.path.stat().st_size >= BACKGROUND_MIN_BYTES
    if big and (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods():
        return _from_worker(source)
    return normalised(source)


def _from_worker(source: Source) -> Iterator[Message]:
    context = multiprocessing.get_context("fork")
    channel: Any = context.Queue(maxsize=QUEUE_CHUNKS)
    worker = context.Process(target=_produce, args=(channel, source, os.getpid()), daemon=True)
    worker.start()
    try:
        while True:
            kind, payload = _receive(channel, worker)
            if kind == "done":
                return
            if kind == "error":
                raise payload
            yield payload
    finally:
        worker.terminate()
        worker.join()


def _receive(channel: Any, worker: Any) -> tuple[str, Any]:
    while True:
        try:
            return channel.get(timeout=1)
        except queue.Empty:
            if not worker.is_alive():
                raise CrmError("the import's reader process stopped unexpectedly") from None


def _produce(channel: Any, source: Source, parent: int) -> None:
    # Ctrl-C reaches the whole process group; the parent rolls back and stops us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)
    gc.disable()
    try:
        for message in normalised(source):
            if isinstance(message, list) and not source.writer_rejects:
                _drop_cells_of_good_rows(message)
            _send(channel, ("item", message), parent)
            gc.collect(0)
        _send(channel, ("done", None), parent)
    except CrmError as error:
        _send(channel, ("error", error), parent)
    except Exception as error:  # a bug: hand it to the parent's error boundary
        _send(channel, ("error", RuntimeError(f"{type(error).__name__}: {error}")), parent)


def _die_with(parent: int) -> None:
    """End this process as soon as ``parent`` dies (``kill -9`` included).

    Without this a reader whose parent was killed could wait for ever: its queue's
    feeder thread blocks on a full pipe that nobody reads (the reader holds the read end
    too, so the write never fails), and process exit waits for that thread — keeping the
    inherited database connection open. The kernel's parent-death signal covers Linux;
    a watchdog thread covers the rest and the moment before the signal was armed.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no usable libc: the watchdog alone
            pass
    if os.getppid() != parent:  # died before the signal was armed
        os._exit(0)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(0)


def _drop_cells_of_good_rows(rows: list[ImportRow]) -> None:
    """Pickling the original cells cost 20 µs a row in the parent; only rejects need them."""
    for row in rows:
        if row.rejection is None:
            row.source = SourceRow(row.source.sheet, row.source.number, ())


def _send(channel: Any, item: tuple[str, Any], parent: int) -> None:
    while True:
        try:
            channel.put(item, timeout=1)
            return
        except queue.Full:
            if os.getppid() != parent:  # the parent was killed: nobody will read this
                os._exit(0)


def _chunks(rows: Iterator[SourceRow], size: int) -> Iterator[list[SourceRow]]:
    while chunk := list(islice(rows, size)):
        yield chunk
