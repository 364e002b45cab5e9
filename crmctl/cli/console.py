"""The one place the CLI writes to: data to stdout, messages and progress to stderr.

Commands and the error boundary ask ``console()`` for it instead of reaching for
``sys.stdout``/``sys.stderr`` or ``print``; whether each stream is a terminal (progress
and colour only there) is read here too. Tests swap it with ``use_console`` to capture
output or to pretend to be a terminal. Services never print: they return data.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

from crmctl.screen import Screen


@dataclass
class Console:
    stdout: TextIO
    stderr: TextIO
    stdout_isatty: bool
    stderr_isatty: bool

    @classmethod
    def of(cls, stdout: TextIO, stderr: TextIO) -> Console:
        """A console over two streams, a terminal where the stream says it is one.

        Under ``--quiet`` stderr counts as no terminal: whatever draws progress only on a
        terminal stays silent without knowing about ``--quiet``.
        """
        return cls(stdout, stderr, _isatty(stdout), _isatty(stderr) and not MODE.quiet)

    def write(self, text: str) -> None:
        """Data, as it is (the caller ends its lines)."""
        self.stdout.write(text)

    def write_bytes(self, data: bytes) -> None:
        """Data that is already encoded (an .ics file, a document's content)."""
        self.stdout.flush()  # what was written as text goes first
        self.stdout.buffer.write(data)
        self.stdout.flush()

    def message(self, text: str) -> None:
        """One line for people, on stderr: stdout stays for data."""
        self.stderr.write(text + "\n")

    def info(self, text: str) -> None:
        """A line for people that is not an error (success, counts, hints): ``--quiet``
        drops it, errors still go through ``message``."""
        if not MODE.quiet:
            self.message(text)

    def progress(self, text: str) -> None:
        """A line redrawn in place on stderr (the caller shows it only on a terminal)."""
        if MODE.quiet:
            return
        self.stderr.write(text)
        self.stderr.flush()

    def flush(self) -> None:
        self.stdout.flush()

    def width(self) -> int | None:
        """How wide a table may be: ``COLUMNS``, else the terminal's width, else no limit
        (None: a pipe or a file gets every column, as a program reading it expects)."""
        columns = os.environ.get("COLUMNS", "").strip()
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        if not self.stdout_isatty:
            return None
        try:
            return os.get_terminal_size(self.stdout.fileno()).columns or None
        except (AttributeError, OSError, ValueError):  # no descriptor, or not a terminal
            return None

    @property
    def color(self) -> bool:
        """Colour only on a terminal, and not with ``NO_COLOR`` (any value) or
        ``--no-color``: never in a file, a pipe or a captured test run."""
        return self.stdout_isatty and "NO_COLOR" not in os.environ and _colour_allowed[-1]

    def screen(self) -> Screen:
        """Where tables written to stdout go: its width and whether it takes colour."""
        return Screen(width=self.width(), color=self.color)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or already closed
        return False


@dataclass
class OutputMode:
    """How this invocation asked to be quiet: ``--quiet`` (only errors on stderr) and
    ``--ids`` (a list prints its ids only). Set by the options' callbacks, reset when a
    new invocation's root context is made (tests run many in one process)."""

    quiet: bool = False
    ids: bool = False


MODE = OutputMode()


def reset_mode() -> None:
    MODE.quiet = MODE.ids = False


_injected: list[Console] = []
# `crmctl --no-color` turns colour off for the command (set by the root callback each run).
_colour_allowed: list[bool] = [True]


def allow_colour(allowed: bool) -> None:
    """The ``--no-color`` choice of this invocation (the last one set wins)."""
    _colour_allowed[:] = [allowed]


def console() -> Console:
    """The injected console, else one over the process's streams as they are now (read at
    each call: a test runner replaces ``sys.stdout`` for each invocation)."""
    if _injected:
        return _injected[-1]
    return Console.of(sys.stdout, sys.stderr)


@contextmanager
def use_console(replacement: Console) -> Iterator[Console]:
    """Everything the CLI writes inside the block goes to ``replacement``."""
    _injected.append(replacement)
    try:
        yield replacement
    finally:
        _injected.remove(replacement)
