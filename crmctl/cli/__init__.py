"""The ``crmctl`` command: nouns first, like ``gh`` and ``kubectl``.

Each noun's module is imported only when that noun runs (see ``crmctl.cli.lazy``):
``crmctl tasks overdue`` from cron should not pay for importing and building twenty
other command groups.
"""

import gc
from typing import Annotated, Any

import typer

from crmctl.cli.common import global_options, new_app
from crmctl.cli.console import MODE, allow_colour, console
from crmctl.cli.lazy import LazyCommand, LazyGroup


def _noun(name: str, help_text: str, attr: str = "app") -> LazyCommand:
    return LazyCommand(f"crmctl.cli.{name}", attr, help_text)


# In the order `crmctl --help` lists them; the help is each app's own (a test checks).
COMMANDS: dict[str, LazyCommand] = {
    "init": _noun(
        "database", "Create the database (or upgrade an existing one) and the first admin.", "init"
    ),
    "db": _noun("database", "Database schema and backups.", "db_app"),
    "config": _noun("database", "Effective configuration.", "config_app"),
    "users": _noun("users", "Users: login, name, e-mail, role, manager, team."),
    "teams": _noun("teams", "Teams of users."),
    "companies": _noun("companies", "Companies (firms) of the address book."),
    "contacts": _noun("contacts", "Contacts (persons): e-mails, phones, companies and relations."),
    "timeline": _noun(
        "timeline", "The timeline of a record: every change and activity, newest first."
    ),
    "import": _noun(
        "imports",
        "Import companies and contacts from .xlsx/.xlsm, .csv/.txt or .vcf: `crmctl import FILE "
        "[OPTIONS]`. Each import is a batch you can list, show and undo.",
    ),
    "pipelines": _noun(
        "pipelines", "Sales pipelines and their stages (from `pipelines:` in crmctl.yaml)."
    ),
    "leads": _noun(
        "leads", "Leads (poptávky): inquiries with an owner and a status from the start."
    ),
    "deals": _noun("deals", "Deals (obchodní případy): stages, values, owners, forecast."),
    "products": _noun(
        "products", "Products: the catalogue that deals, leads and campaigns refer to."
    ),
    "campaigns": _noun(
        "campaigns", "Campaigns: open leads for a chosen set of companies, see what they brought."
    ),
    "services": _noun(
        "services", "Services: our contracts, competitors' contracts and customers' purchases."
    ),
    "plans": _noun("plans", "Account plans: goals, stakeholders, actions and whitespace."),
    "views": _noun("views", "Saved views: named filters for any list (`--view NAME`)."),
    "report": _noun(
        "report",
        "Reports: forecast, pipeline, funnel, cashflow, lead-response, performance, commissions, "
        "campaign, dashboard, first-contacts. Table, CSV, JSON, XLSX or HTML.",
    ),
    "targets": _noun("targets", "Sales targets per salesperson or team, period and metric."),
    "tasks": _noun(
        "tasks", "Tasks, calls and meetings (úkoly): due dates, overdue lists, agenda, .ics."
    ),
    "log": _noun("log", "Log activities: calls, meetings, notes and e-mails, on the timeline."),
    "docs": _noun(
        "docs", "Documents: files attached to companies, contacts and deals (kept by SHA-256)."
    ),
    "mail": _noun(
        "mail",
        "E-mail: import and pair messages to deals, leads, contacts and companies; send from "
        "templates.",
    ),
    "workflows": _noun(
        "workflows", "Workflow rules (workflows.yaml): validate, list, run, simulate, explain."
    ),
    "daemon": _noun(
        "daemon", "Run workflow rules continuously; `daemon status` tells if one is alive."
    ),
    "notifications": _noun(
        "notifications", "Your in-app inbox: notifications from workflow rules."
    ),
    "approvals": _noun(
        "approvals", "Approvals requested by workflow rules (e.g. a discount over the limit)."
    ),
    "policy": _noun(
        "policy", "Need-to-know permissions: the effective policy and why a user may see a record."
    ),
    "audit": _noun(
        "audit", "The audit log: who changed what and when, with before and after values."
    ),
    "gdpr": _noun(
        "gdpr", "GDPR: consents with history, export of a person's data, erasure, retention."
    ),
    "completion": _noun(
        "completion",
        "Print the shell completion script for SHELL (bash, zsh or fish) to source.",
        "completion",
    ),
}


class RootGroup(LazyGroup):
    lazy_commands = COMMANDS


class CrmTyper(typer.Typer):
    """The console script's app: it starts without the cyclic garbage collector.

    Starting a command imports SQLAlchemy, the services and (unless it only reads, like
    ``crmctl tasks overdue``) the ORM models: ~100,000 objects that the collector would
    scan again and again for nothing (nothing needs collecting before the command runs).
    Without it imports take ~40 ms (~10 %) less CPU. ``settings_for``, the first step of
    every command that works on data, turns it back on; tests (``CliRunner``) do not go
    through ``__call__``.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        gc.disable()
        try:
            return super().__call__(*args, **kwargs)
        finally:
            gc.enable()


app = new_app(
    "crmctl: the command-line CRM for Czech small and mid-sized firms.",
    cls=RootGroup,
    app_class=CrmTyper,
)


def _print_version(value: bool) -> None:
    if value:
        from crmctl import __version__

        console().write(f"crmctl {__version__}\n")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Database URL or SQLite file (else CRM_DATABASE_URL, config).",
        ),
    ] = None,
    as_user: Annotated[
        str | None,
        typer.Option("--as", metavar="LOGIN", help="Act as this user login (else CRM_USER)."),
    ] = None,
    no_color: Annotated[
        bool,
        typer.Option("--no-color", help="No colour in tables (also NO_COLOR; never off a TTY)."),
    ] = False,
    quiet: Annotated[
        bool,
        typer.Option("--quiet", help="Print only errors on stderr; any command takes it too."),
    ] = False,
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print version."),
    ] = False,
) -> None:
    options = global_options(ctx)
    options.db, options.as_user = db, as_user
    options.no_color, options.quiet = no_color, quiet
    allow_colour(not no_color)
    MODE.quiet = quiet
