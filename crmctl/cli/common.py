"""What every command shares: global state, output options and the error boundary.

Kept free of SQLAlchemy imports so that ``crmctl --help`` starts fast.
"""

from __future__ import annotations

import functools
import gc
import inspect
import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer
from typer._click.exceptions import NoArgsIsHelpError as NoArgsIsHelp
from typer._click.exceptions import UsageError as ClickUsageError
from typer.core import TyperGroup

from crmctl.cli import arguments, coercion
from crmctl.cli.console import MODE, console, reset_mode
from crmctl.errors import CrmError, ExitCode, FileUnreadable, UsageError

if TYPE_CHECKING:
    from crmctl.config import Settings
    from crmctl.render import OutputFormat
    from crmctl.services.context import Context


@dataclass
class GlobalOptions:
    db: str | None = None
    as_user: str | None = None
    no_color: bool = False
    quiet: bool = False  # read by crmctl.cli.progress; console.MODE is what the CLI writes by


class CrmGroup(TyperGroup):
    """The one place where errors become ``error: …`` and an exit code."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("parent") is None and len(args) < 3:
            reset_mode()  # a new invocation: no --quiet/--ids left from the one before
        # The root's own options (`crmctl --bogus`) are parsed here, outside ``invoke``.
        try:
            return super().make_context(*args, **kwargs)
        except NoArgsIsHelp:
            raise
        except ClickUsageError as error:
            raise usage_exit(error, None) from None

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        # Plain str/int options skip typer's pydantic adapters (see crmctl.cli.coercion).
        coercion.install(self, ctx)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            coercion.install(command, ctx)
            if not isinstance(command, TyperGroup):
                rest = arguments.negative_numbers_as_arguments(command, rest)
                ctx.meta[LEAF] = (command, list(rest))  # click consumes `rest`
        return name, command, rest

    def invoke(self, ctx: Any) -> Any:
        try:
            result = super().invoke(ctx)
            if ctx.parent is None:
                # Buffered output meets a closed pipe here, while 141 can still be given.
                console().flush()
            return result
        except CrmError as error:
            report_error(error.message, error.detail)
            raise typer.Exit(int(error.exit_code)) from None
        except NoArgsIsHelp:
            raise
        except ClickUsageError as error:
            raise usage_exit(error, ctx) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except KeyboardInterrupt:
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`crmctl … | head`): stop quietly, as `gh` and `kubectl` do.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, console().stdout.fileno())
            raise typer.Exit(ExitCode.BROKEN_PIPE) from None
        except Exception as error:  # a bug or an unexpected database failure
            if os.environ.get("CRM_DEBUG"):
                raise
            known = arguments.known_failure(error, ctx.meta.get(LEAF), ctx)
            if known is not None:
                report_error(known.message, known.detail)
                raise typer.Exit(int(known.exit_code)) from None
            report_error(unexpected_message(error), None)
            raise typer.Exit(int(ExitCode.FAILURE)) from None


LEAF = "crmctl.leaf_command"


def usage_exit(error: ClickUsageError, ctx: Any) -> typer.Exit:
    """Click's usage errors as crmctl's: one ``error:`` line, one hint line, exit 2."""
    report_error(_sentence(error.format_message()), None)
    context = error.ctx or ctx
    if context is not None:
        # The program is crmctl however it was started (`python -m`, a test runner).
        _, _, rest = context.command_path.partition(" ")
        console().message(f"try '{' '.join(['crmctl', rest]).strip()} --help'")
    return typer.Exit(int(ExitCode.USAGE))


def _sentence(message: str) -> str:
    """``No such option: -x`` → ``no such option: -x`` (but ``IČO …`` stays as it is)."""
    first_line = (message.strip().splitlines() or [""])[0]
    if len(first_line) > 1 and first_line[0].isupper() and first_line[1].islower():
        return first_line[0].lower() + first_line[1:]
    return first_line


def unexpected_message(error: Exception) -> str:
    name = type(error).__name__
    first_line = (str(error).strip().splitlines() or [""])[0]
    if "database is locked" in first_line:  # SQLite's busy timeout ran out
        return "database is busy: another crmctl process is writing; try again in a moment"
    if type(error).__module__.startswith("sqlalchemy"):
        return f"database error: {first_line} (set CRM_DEBUG=1 for details)"
    return f"unexpected {name}: {first_line} (set CRM_DEBUG=1 for a traceback)"


def report_error(message: str, detail: str | None) -> None:
    console().message(f"error: {message}")
    if detail:
        console().message(detail.rstrip("\n"))


def info(message: str) -> None:
    """Messages for people go to stderr; stdout is for data; ``--quiet`` drops them."""
    console().info(message)


def global_options(ctx: typer.Context) -> GlobalOptions:
    root = ctx.find_root()
    if not isinstance(root.obj, GlobalOptions):
        root.obj = GlobalOptions()
    return root.obj


def settings_for(ctx: typer.Context) -> Settings:
    # A command imports what it needs first, then asks for its settings: from here on the
    # garbage collector runs again (the console script starts without it, see CrmTyper).
    # The objects made so far (modules, classes, the mapped models) live as long as the
    # process: frozen, no collection walks them again (a first full pass cost ~30 ms).
    gc.freeze()
    gc.enable()
    from crmctl.config import load_settings

    options = global_options(ctx)
    return load_settings(options.db, options.as_user)


@contextmanager
def service_context(ctx: typer.Context) -> Iterator[Context]:
    """One transaction for the command: committed if the body succeeds."""
    from crmctl.services.context import open_context

    with open_context(settings_for(ctx)) as service_ctx:
        yield service_ctx


@contextmanager
def read_context(ctx: typer.Context) -> Iterator[Context]:
    """For commands that only read: a plain connection, no ORM imported (fast start)."""
    from crmctl.services.context import open_read_context

    with open_read_context(settings_for(ctx)) as service_ctx:
        yield service_ctx
        refresh_completion_cache(service_ctx)


def refresh_completion_cache(svc: Context) -> None:
    """Shell completion reads SQLite itself; for PostgreSQL it reads what a read command
    left in its cache file (at most an hour old). Only after reads: a failed query cannot
    spoil a write's transaction. A failure here never fails the command."""
    from crmctl.completion import values

    url = svc.settings.database_url
    if url.startswith("sqlite") or values.cache_is_fresh(url):
        return
    from crmctl.services.read.completion import completion_values

    try:
        values.write_cache(url, completion_values(svc))
    except Exception:  # a read-only home, a role without access: completion offers less
        return


class CrmApp(typer.Typer):
    """A noun's app: every command with ``-o FORMAT`` also takes ``--output FILE`` and
    ``--excel`` (:func:`with_output_options`), declared once here instead of in each."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        register = super().command(*args, **kwargs)
        return lambda function: register(with_output_options(function))


def new_app(
    help_text: str, cls: type[CrmGroup] = CrmGroup, app_class: type[typer.Typer] = CrmApp
) -> typer.Typer:
    return app_class(
        help=help_text,
        cls=cls,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
    )


def _output_format(value: str) -> OutputFormat:
    from crmctl.render import OutputFormat

    try:
        return OutputFormat(value)
    except ValueError:
        choices = "|".join(f.value for f in OutputFormat)
        raise typer.BadParameter(f"{value!r} is not one of {choices}") from None


OUTPUT_HELP = "Output format: table|wide|json|jsonl|csv|yaml|xlsx (xlsx: with --output FILE)."
# `-o` is the format everywhere and `--output FILE` a file (lists as reports: `-o xlsx
# --output F`, crmctl.cli.common.with_output_options). `--output FORMAT`, the spelling
# before issue 20, still chooses the format when FORMAT is a format's name (write_data).
LEGACY_FORMAT_OPTION = "--output"
Output = Annotated[
    str,
    typer.Option(
        "-o", "--format", metavar="FORMAT", help=OUTPUT_HELP, callback=lambda v: _output_format(v)
    ),
]
OutputFile = Annotated[
    str | None,
    typer.Option(
        "--output", metavar="FILE", help="Write to FILE instead of stdout ('-' = stdout)."
    ),
]
Excel = Annotated[
    bool,
    typer.Option("--excel", help="CSV for Czech Excel: UTF-8 with BOM, ';', CRLF, decimal comma."),
]


@dataclass(frozen=True)
class Destination:
    """Where a command's ``-o`` output goes: ``--output FILE`` (None: stdout), ``--excel``."""

    path: str | None = None
    excel: bool = False


_destination: ContextVar[Destination | None] = ContextVar("crmctl_destination", default=None)


def destination() -> Destination:
    """The running command's ``--output``/``--excel`` (the import's rejects CSV reads it)."""
    return _destination.get() or Destination()


# Format options of commands with an ``--output FILE`` of their own (reports): they get
# ``--excel`` only. ``report.py`` adds its two.
FORMAT_OPTIONS: set[Any] = set()


def with_output_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with more options if it takes ``output: Output`` (``--output FILE`` and
    ``--excel``) or a report's format (``--excel``), kept in :func:`destination` while it
    runs."""
    signature = inspect.signature(function)
    names = signature.parameters
    output = names.get("output")
    takes_output = output is not None and output.annotation is Output
    takes_format = any(p.annotation in FORMAT_OPTIONS for p in names.values())
    if not (takes_output or takes_format) or {"output_file", "excel"} & set(names):
        return function

    @functools.wraps(function)
    def wrapper(*args: Any, output_file: str | None = None, excel: bool = False, **kw: Any) -> Any:
        token = _destination.set(Destination(output_file, excel))
        try:
            return function(*args, **kw)
        finally:
            _destination.reset(token)

    extra = [
        inspect.Parameter("output_file", inspect.Parameter.KEYWORD_ONLY, default=None,
                          annotation=OutputFile),
        inspect.Parameter("excel", inspect.Parameter.KEYWORD_ONLY, default=False,
                          annotation=Excel),
    ][0 if takes_output else 1:]  # fmt: skip
    parameters = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in names.values()]
    wrapper.__signature__ = signature.replace(parameters=[*parameters, *extra])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {
        **function.__annotations__,
        "output_file": OutputFile,
        "excel": Excel,
    }
    return wrapper


Fields = Annotated[
    str | None,
    typer.Option("--fields", metavar="FIELDS", help="Comma-separated fields to print, in order."),
]
Where = Annotated[
    str | None,
    typer.Option(
        "--where", "-w", metavar="EXPR", help='Filter, e.g. \'city ~ "praha" and tags = "vip"\'.'
    ),
]
View = Annotated[
    str | None,
    typer.Option("--view", metavar="NAME", help="A saved view (`crmctl views`), AND --where."),
]
Search = Annotated[
    str | None, typer.Option("--search", "-s", help="Accent-insensitive text search.")
]


def check_limit(value: int | None) -> int | None:
    """``--limit`` is a count a query can take: 0 up to the largest 64-bit integer."""
    if value is not None and not 0 <= value <= 2**63 - 1:
        raise typer.BadParameter(f"{value} is out of range; give 0 up to {2**63 - 1}")
    return value


Limit = Annotated[
    int | None,
    typer.Option("--limit", "-n", help="Print at most N records.", callback=check_limit),
]
Sort = Annotated[
    str | None, typer.Option("--sort", help="Sort by fields, e.g. 'name' or '-created_at,name'.")
]
IncludeDeleted = Annotated[
    bool, typer.Option("--include-deleted", help="Also list removed (soft-deleted) records.")
]
SetValues = Annotated[
    list[str] | None,
    typer.Option("--set", help="Custom field KEY=VALUE (repeatable); VALUE may be JSON."),
]
UnsetValues = Annotated[
    list[str] | None, typer.Option("--unset", help="Remove custom field KEY (repeatable).")
]


def parse_assignments(assignments: list[str] | None, option: str = "--set") -> dict[str, Any]:
    """``KEY=VALUE`` pairs; VALUE is read as JSON when it parses (numbers, true, lists)."""
    import json

    result: dict[str, Any] = {}
    for item in assignments or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"{item!r}: expected KEY=VALUE", param_hint=option)
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        result[key.strip()] = value
    return result


def write_output_file(path: str | Path, data: bytes, option: str = "--output") -> None:
    """Write ``data`` where the user asked; a path that cannot be written is named."""
    target = Path(path)
    if target.is_dir():
        raise FileUnreadable(f"{option} {target}: is a directory; give a file name")
    try:
        target.write_bytes(data)
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise FileUnreadable(f"{option} {target}: {reason}; check the path") from None


def table_fields(entity: str) -> tuple[str, ...]:
    """The entity's default ``list`` table columns, as the entity registry declares them.

    Imported here, on use: the registry brings in SQLAlchemy, which ``--help`` and shell
    completion of a noun should not pay for.
    """
    from crmctl.entities import ENTITIES

    return ENTITIES[entity].table_fields


def stdout_write_records(records: list[dict[str, Any]], output: Any, **kwargs: Any) -> None:
    """Records on stdout; a table fits its width and takes colour on a terminal."""
    if MODE.ids:
        write_ids(records)
        return
    if MODE.quiet and not records and str(output) == "table":
        return  # `(no records)` is a message, not data: a quiet cron run stays silent
    from crmctl.render import write_records

    out = console()
    # The terminal's width only for stdout: a file's table is never cut.
    write_data(output, lambda stream, fmt, excel: write_records(
        stream, records, fmt, excel=excel,
        screen=out.screen() if stream is out.stdout else None, **kwargs))  # fmt: skip


def stdout_write_record(record: dict[str, Any], output: Any, **kwargs: Any) -> None:
    from crmctl.render import write_record

    write_data(output, lambda stream, fmt, excel: write_record(
        stream, record, fmt, excel=excel, **kwargs))  # fmt: skip


def stdout_write_grouped(records: list[dict[str, Any]], output: Any, **kwargs: Any) -> None:
    """A list under headings (``tasks agenda``), with ``--ids`` and ``--quiet`` as for any list."""
    if MODE.ids:
        write_ids(records)
        return
    if MODE.quiet and not records and str(output) == "table":
        return
    from crmctl.render import write_grouped

    out = console()
    write_data(output, lambda stream, fmt, excel: write_grouped(
        stream, records, fmt, excel=excel,
        screen=out.screen() if stream is out.stdout else None, **kwargs))  # fmt: skip


Write = Callable[[TextIO, Any, bool], None]


def write_data(output: Any, write: Write) -> None:
    """Run ``write`` (stream, format, excel) on stdout or on the ``--output`` file.

    The file is written only once the data is complete: a failed command leaves no half
    file behind. ``--output json`` (a format's name, as before ``--output`` meant a file)
    still chooses the format.
    """
    from crmctl.render import OutputFormat

    chosen = destination()
    path, fmt = chosen.path, output
    if path in {f.value for f in OutputFormat}:
        path, fmt = None, OutputFormat(path)
    # With a table --excel changes nothing printed (the import's rejects .csv takes it).
    if chosen.excel and fmt not in (OutputFormat.csv, OutputFormat.table, OutputFormat.wide):
        raise UsageError(f"--excel shapes CSV for Excel; use it with -o csv, not -o {fmt.value}")
    if path is None or path == "-":
        if fmt is OutputFormat.xlsx and console().stdout_isatty:
            raise UsageError(
                "-o xlsx writes a workbook, not text for the terminal: add --output FILE.xlsx"
            )
        write(console().stdout, fmt, chosen.excel)
        return
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    write(stream, fmt, chosen.excel)
    stream.flush()
    write_output_file(path, buffer.getvalue())


def write_ids(records: list[dict[str, Any]]) -> None:
    """``--ids``: each record's id on a line of its own, for ``xargs`` and ``while read``."""
    missing = [record for record in records if record.get("id") is None]
    if missing:
        raise UsageError("--ids: these records have no id; use --fields to choose what to print")
    console().write("".join(f"{record['id']}\n" for record in records))


def read_input_file(path: Path) -> str:
    """A records file named on the command line (``apply -f``, ``leads add --json``), as
    text: a usage error (exit 2) naming it when it cannot be read or is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
