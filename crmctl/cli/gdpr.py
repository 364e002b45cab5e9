"""``crmctl gdpr consent|consents|export|erase|retention``: a person's rights under GDPR."""

from typing import Annotated

import typer

from crmctl.cli.common import (
    Fields,
    Output,
    info,
    new_app,
    service_context,
    stdout_write_record,
    stdout_write_records,
)
from crmctl.errors import UsageError
from crmctl.services.gdpr.consent import list_consents, record_consent
from crmctl.services.gdpr.erase import erase_person
from crmctl.services.gdpr.export import export_person
from crmctl.services.gdpr.retention import retention_candidates

app = new_app("GDPR: consents with history, export of a person's data, erasure, retention.")

Person = Annotated[str, typer.Argument(metavar="PERSON", help="Contact id, e-mail or name.")]
CONSENT_FIELDS = ("purpose", "status", "basis", "source", "at", "by", "current")


@app.command("consent")
def consent(
    ctx: typer.Context,
    person: Person,
    purpose: Annotated[str, typer.Option("--purpose", help="What for, e.g. newsletter.")],
    source: Annotated[str, typer.Option("--source", help="Where it came from, e.g. web-form.")],
    grant: Annotated[
        bool, typer.Option("--grant/--withdraw", help="Grant or withdraw the consent.")
    ],
    basis: Annotated[str, typer.Option("--basis", help="consent|contract|legitimate-interest.")],
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="Proof: a form id, a quote, a file name.")
    ] = None,
    output: Output = "table",
) -> None:
    """Record a consent decision for PURPOSE; earlier decisions stay as history."""
    with service_context(ctx) as svc:
        history = record_consent(
            svc, person, purpose=purpose, granted=grant, basis=basis, source=source,
            evidence=evidence,
        )  # fmt: skip
    info(f"consent for {purpose!r} {'granted' if grant else 'withdrawn'}")
    stdout_write_records(history, output, table_fields=CONSENT_FIELDS, tz=svc.tz)


@app.command("consents")
def consents(
    ctx: typer.Context, person: Person, output: Output = "table", fields: Fields = None
) -> None:
    """A person's consents, every decision with the current one marked."""
    with service_context(ctx) as svc:
        history = list_consents(svc, person)
    stdout_write_records(history, output, fields=fields, table_fields=CONSENT_FIELDS, tz=svc.tz)


@app.command("export")
def export(ctx: typer.Context, person: Person, output: Output = "json") -> None:
    """Everything held about PERSON (-o json|yaml): fields, links, consents, deals, timeline."""
    if output not in ("json", "yaml"):
        raise UsageError(f"gdpr export writes json or yaml, not {output}")
    with service_context(ctx) as svc:
        data = export_person(svc, person)
    stdout_write_record(data, output, tz=svc.tz)


@app.command("erase")
def erase(
    ctx: typer.Context,
    person: Person,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be anonymised, write nothing.")
    ] = False,
    output: Output = "table",
) -> None:
    """Anonymise PERSON everywhere (timeline included); deal values and counts stay."""
    with service_context(ctx) as svc:
        result = erase_person(svc, person, dry_run=dry_run)
    rows = [{"where": key, "rows": count} for key, count in sorted(result.counts.items())]
    stdout_write_records(rows, output)
    verb = "would be anonymised (dry run: nothing written)" if dry_run else "anonymised"
    info(f"contact #{result.person_id} {verb}")


@app.command("retention")
def retention(
    ctx: typer.Context,
    inactive: Annotated[
        str, typer.Option("--inactive", help="Nothing new for this long: 3y, 18m, 26w, 90d.")
    ],
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """List contacts inactive for a period: candidates for erasure (changes nothing)."""
    with service_context(ctx) as svc:
        rows = retention_candidates(svc, inactive)
    stdout_write_records(rows, output, fields=fields, tz=svc.tz)
