"""The exception hierarchy and exit codes.

The CLI turns a ``CrmError`` into ``error: <message>`` on stderr and exits with its
``exit_code``; that happens in exactly one place (``crmctl.cli.main``).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FAILURE = 1
    USAGE = 2
    NOT_FOUND = 3
    INVALID = 4
    PERMISSION_DENIED = 5
    CHECK_FAILED = 6
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it
    BROKEN_PIPE = 141  # the reader of stdout left (`| head`): 128 + SIGPIPE


class CrmError(Exception):
    """Base of every error meant for a user: the message says what to do."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Extra lines printed under the one-line error (e.g. an expression with a caret).
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class UsageError(CrmError):
    exit_code = ExitCode.USAGE


class FileUnreadable(UsageError):
    """A file named on the command line that does not exist or cannot be opened.

    One exit code (2, usage) for every command that reads or writes a named file; a file
    that opens but holds bad content is a ``ValidationError`` (4) instead.
    """


class NotFound(CrmError):
    exit_code = ExitCode.NOT_FOUND


class ValidationError(CrmError):
    exit_code = ExitCode.INVALID


class ImportFileError(ValidationError):
    """A file the importer cannot read at all: the message starts with the file's name."""


class Conflict(CrmError):
    exit_code = ExitCode.INVALID


class AmbiguousReference(CrmError):
    exit_code = ExitCode.INVALID


class FilterError(ValidationError):
    """A bad ``--where`` expression; ``detail`` shows the expression with a caret."""

    def __init__(self, message: str, expression: str, position: int, length: int = 1) -> None:
        caret = " " * position + "^" * max(1, length)
        super().__init__(message, detail=f"  {expression}\n  {caret}")
        self.expression = expression
        self.position = position


class PermissionDenied(CrmError):
    exit_code = ExitCode.PERMISSION_DENIED


class DatabaseError(CrmError):
    exit_code = ExitCode.FAILURE


class SchemaMismatch(DatabaseError):
    pass


class CheckFailed(CrmError):
    exit_code = ExitCode.CHECK_FAILED
