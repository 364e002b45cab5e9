"""What every command gets in one place instead of in thirty modules (issue 20, items 5–6).

* option values named by their meaning (``--due WHEN``, ``--owner LOGIN``), not ``<str>``;
* ``-o`` is the format and ``--output`` a file: the old ``--output FORMAT`` still parses
  but is not shown;
* ``--db`` and ``--as`` after the noun or the verb as well as before it, and ``--quiet``
  (only errors on stderr) on every command;
* ``-q/--ids`` on every command that prints a list: the ids, one per line, for pipes;
* one to three examples at the end of ``--help``, from ``crmctl.cli.examples``.

Applied by the lazy root group to each noun's click command when it is first built.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command

from crmctl.cli.common import LEGACY_FORMAT_OPTION, global_options
from crmctl.cli.console import MODE
from crmctl.cli.examples import epilog

# Options whose value is free text.
TEXT_OPTIONS = (
    "name", "first_name", "last_name", "subject", "body", "note", "message", "title",
    "description", "goal", "reason", "function", "outcome", "admin_name", "serial",
    "evidence", "street", "city", "region", "country", "industry", "provider",
    "title_before", "title_after", "company_name", "contact_name",
)  # fmt: skip
# Option (python) name → what its value is; anything else is named after the option.
MEANINGS: dict[str, str] = {
    **dict.fromkeys(
        ("owner", "assignee", "assign", "user", "salesperson", "manager", "as_user"), "LOGIN"
    ),
    **dict.fromkeys(("due", "start", "end", "at", "since", "until", "received_at"), "WHEN"),
    **dict.fromkeys(("reminder",), "WHEN"),
    **dict.fromkeys(("starts", "ends", "expected_close", "as_of"), "DATE"),
    **dict.fromkeys(("period",), "PERIOD"),
    **dict.fromkeys(("where",), "FILTER"),
    **dict.fromkeys(("fields",), "FIELDS"),
    **dict.fromkeys(("sort",), "FIELDS"),
    **dict.fromkeys(("limit", "before", "days", "notice_days", "header_row", "jobs"), "N"),
    **dict.fromkeys(("duration",), "MINUTES"),
    **dict.fromkeys(("company",), "COMPANY"),
    **dict.fromkeys(("contact",), "CONTACT"),
    **dict.fromkeys(("deal",), "DEAL"),
    **dict.fromkeys(("lead",), "LEAD"),
    **dict.fromkeys(("product",), "PRODUCT"),
    **dict.fromkeys(("campaign",), "CAMPAIGN"),
    **dict.fromkeys(("team",), "TEAM"),
    **dict.fromkeys(("stage",), "STAGE"),
    **dict.fromkeys(("pipeline",), "PIPELINE"),
    **dict.fromkeys(("email", "add_email", "remove_email"), "EMAIL"),
    **dict.fromkeys(("phone", "add_phone", "remove_phone"), "PHONE"),
    **dict.fromkeys(("value", "price", "budget", "target_value"), "AMOUNT"),
    **dict.fromkeys(("probability",), "PERCENT"),
    **dict.fromkeys(("currency",), "CODE"),
    **dict.fromkeys(("tag", "untag"), "TAG"),
    **dict.fromkeys(("set_values",), "KEY=VALUE"),
    **dict.fromkeys(("unset_values",), "KEY"),
    **dict.fromkeys(("file", "json_input", "output_file"), "FILE"),
    **dict.fromkeys(("db",), "URL"),
    **dict.fromkeys(("search",), "TEXT"),
    **dict.fromkeys(("ico",), "IČO"),
    **dict.fromkeys(("dic",), "DIČ"),
    **dict.fromkeys(("psc",), "PSČ"),
    **dict.fromkeys(("website",), "URL"),
    **dict.fromkeys(TEXT_OPTIONS, "TEXT"),
    **dict.fromkeys(("type", "kind"), "KIND"),
    **dict.fromkeys(("author",), "LOGIN"),
    **dict.fromkeys(("reports_to", "assistant_of", "to"), "CONTACT"),
    **dict.fromkeys(("attendee",), "NAME"),
    **dict.fromkeys(("within",), "DAYS"),
    **dict.fromkeys(("inactive",), "AGE"),
}
# Names set in a module that say less than the meaning (`--pipeline P`).
VAGUE = frozenset({"P"})


def _template(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", metavar="URL", help="Database URL or SQLite file (else CRM_DATABASE_URL)."
        ),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", metavar="LOGIN", help="Act as this user (else CRM_USER)."),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", help="Print only errors on stderr (data still on stdout).")
    ] = False,
    ids: Annotated[
        bool, typer.Option("--ids", "-q", help="Print only the ids, one per line (for pipes).")
    ] = False,
) -> None:
    """Only a source of the shared options: typer builds them as it builds any option."""


def _set_db(ctx: Any, _param: Any, value: str | None) -> None:
    if value is not None:
        global_options(ctx).db = value


def _set_as(ctx: Any, _param: Any, value: str | None) -> None:
    if value is not None:
        global_options(ctx).as_user = value


def _set_quiet(ctx: Any, _param: Any, value: bool) -> None:
    MODE.quiet = MODE.quiet or bool(value)
    global_options(ctx).quiet = MODE.quiet


def _set_ids(_ctx: Any, _param: Any, value: bool) -> None:
    MODE.ids = MODE.ids or bool(value)


def _shared_options() -> dict[str, TyperOption]:
    app = typer.Typer(add_completion=False)
    app.command()(_template)
    params = {param.name: param for param in get_command(app).params}
    callbacks = {"db": _set_db, "as_user": _set_as, "quiet": _set_quiet, "ids": _set_ids}
    for name, param in params.items():
        param.expose_value = False  # the command's function never sees them
        param.callback = callbacks[name]
    return params  # type: ignore[return-value]


SHARED = _shared_options()
GLOBAL = ("db", "as_user", "quiet")


def apply(command: Any, path: tuple[str, ...]) -> Any:
    """Give ``command`` (a noun's group or a verb) and what is under it the conventions."""
    names = {param.name for param in command.params}
    for param in command.params:
        if isinstance(param, TyperOption):
            _name_value(param)
        elif isinstance(param, TyperArgument):
            param.__class__ = MeaningArgument
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()  # `LOGIN`, not `login`
    extra = [SHARED[name] for name in GLOBAL if name not in names]
    if is_list(command, path) and "ids" not in names:
        extra.append(SHARED["ids"])
    command.params.extend(extra)
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            apply(sub, (*path, name))
    else:
        command.epilog = epilog(" ".join(path))
    return command


# Verbs with --fields whose records have no id (or whose --fields is not about output).
WITHOUT_IDS = frozenset(
    {"workflows run", "workflows simulate", "workflows why", "mail why", "views save"}
)


def is_list(command: Any, path: tuple[str, ...]) -> bool:
    """A verb that prints records with ids and can choose their columns (not a show)."""
    if isinstance(command, TyperGroup) or path[-1] == "show" or " ".join(path) in WITHOUT_IDS:
        return False
    return any(param.name == "fields" for param in command.params)


def _name_value(param: TyperOption) -> None:
    if LEGACY_FORMAT_OPTION in param.opts and "-o" in param.opts:
        param.__class__ = FormatOption
    if param.is_flag or param.count:
        return
    if param.name == "where" or param.metavar is None or param.metavar in VAGUE:
        meaning = MEANINGS.get(param.name or "")
        if meaning is None and param.metavar in (None, *VAGUE):
            meaning = (param.name or "value").upper().replace("_", "-")
        if meaning is not None:
            param.metavar = meaning


class MeaningArgument(TyperArgument):
    """An argument listed by its name alone (``DEAL  Deal id.``), not ``DEAL <str>``."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None


class FormatOption(TyperOption):
    """``-o, --format FORMAT`` whose legacy ``--output`` spelling parses but is not shown."""

    def get_help_record(self, ctx: Any) -> tuple[str, str] | None:
        with _without_legacy(self):
            return super().get_help_record(ctx)

    def get_error_hint(self) -> str:
        with _without_legacy(self):
            return super().get_error_hint()


@contextmanager
def _without_legacy(option: TyperOption) -> Iterator[None]:
    shown = option.opts
    option.opts = [name for name in shown if name != LEGACY_FORMAT_OPTION]
    try:
        yield
    finally:
        option.opts = shown
