"""One progress line for long work, on a terminal's stderr only.

Services report how far they are through a callback, ``progress(done, total)`` (``total``
is ``None`` when it is not known in advance); the CLI owns the terminal and hands them a
``Progress``. On a TTY the line is redrawn in place with ``\\r`` at most ten times a second
(``done/total``, percent and ETA when the total is known, a count and a rate otherwise)
and cleared when the work ends, so the next prompt or message starts on a clean line.
Off a TTY (a pipe, a file, cron, CI) or with ``--quiet`` nothing at all is written.

Used by ``import``, ``mail import``, ``campaigns launch``, ``contacts apply``, ``deals apply``
and the bench generators (which pass no typer context).
"""

import os
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from crmctl.cli.console import Console, console

# More redraws than this are flicker, and each one is a write the work waits for.
MIN_INTERVAL = 0.1


class Progress:
    """``import: 12,000 rows  18,500 rows/s`` or ``launch: 1,200/5,000 leads  24 %  ETA 0:13``."""

    def __init__(
        self,
        label: str,
        unit: str,
        *,
        total: int | None = None,
        quiet: bool = False,
        out: Console | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.unit = unit
        self.total = total
        self.out = out or console()
        self.enabled = self.out.stderr_isatty and not quiet
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.drawn_at: float | None = None  # None: nothing on the screen yet
        self.drawn_width = 0

    def __call__(self, done: int, total: int | None = None) -> None:
        """The service's callback: ``done`` so far (absolute), ``total`` if now known."""
        self.done = done
        if total is not None:
            self.total = total
        if not self.enabled:
            return
        now = self.clock()
        # The first report is drawn at once (the user sees that work started), then at
        # most every MIN_INTERVAL; the last state needs no draw, the line is cleared.
        if self.drawn_at is not None and now - self.drawn_at < MIN_INTERVAL:
            return
        self.drawn_at = now
        self._draw(self.line(now))

    def advance(self, step: int = 1) -> None:
        """For loops that count themselves (the bench generators)."""
        self(self.done + step)

    def line(self, now: float) -> str:
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        if self.total:
            percent = min(100, self.done * 100 // self.total)
            left = max(self.total - self.done, 0)
            eta = f"ETA {_clock_text(left / rate)}" if rate > 0 else "ETA ?"
            return f"{self.label}: {self.done:,}/{self.total:,} {self.unit}  {percent} %  {eta}"
        return f"{self.label}: {self.done:,} {self.unit}  {rate:,.0f} {self.unit}/s"

    def close(self) -> None:
        """Blank the line and return the cursor to its start (spaces, not an escape
        sequence: every terminal understands them)."""
        if self.enabled and self.drawn_at is not None:
            self.out.progress("\r" + " " * self.drawn_width + "\r")
            self.drawn_at = None
            self.drawn_width = 0

    def _draw(self, text: str) -> None:
        text = text[: _columns(self.out) - 1]  # a wrapped line cannot be redrawn with \r
        pad = " " * max(self.drawn_width - len(text), 0)  # a shorter line covers the last
        self.out.progress("\r" + text + pad)
        self.drawn_width = len(text)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()  # also on an error or Ctrl-C: the message after it starts clean


def progress_for(ctx: Any, label: str, unit: str, *, total: int | None = None) -> Progress:
    """A ``Progress`` for a command: silent with the global ``--quiet`` where it exists."""
    root = ctx.find_root() if ctx is not None else None
    quiet = bool(getattr(getattr(root, "obj", None), "quiet", False))
    return Progress(label, unit, total=total, quiet=quiet)


def _columns(out: Console) -> int:
    try:
        return os.get_terminal_size(out.stderr.fileno()).columns or 80
    except (AttributeError, OSError, ValueError):  # not a real terminal (a test's stream)
        return 80


def _clock_text(seconds: float) -> str:
    """``0:07``, ``12:30``, ``2:05:00``."""
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"
