"""``crmctl approvals list|approve|reject``."""

from typing import Annotated

import typer

from crmctl.cli.common import Fields, Output, info, new_app, service_context
from crmctl.cli.common import stdout_write_record as write_one
from crmctl.cli.common import stdout_write_records as write
from crmctl.services.approvals import decide, list_approvals

app = new_app("Approvals requested by workflow rules (e.g. a discount over the limit).")
ApprovalId = Annotated[int, typer.Argument(metavar="ID", help="Approval id.")]
Note = Annotated[str | None, typer.Option("--note", help="Why; kept with the decision.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Also decided ones.")] = False,
    output: Output = "table",
    fields: Fields = None,
) -> None:
    """Pending approvals (all with --all)."""
    with service_context(ctx) as svc:
        records = list_approvals(svc, status=None if all_ else "pending")
    write(records, output, fields=fields, tz=svc.tz)


def _decide(
    ctx: typer.Context, approval: int, decision: str, note: str | None, output: str
) -> None:
    with service_context(ctx) as svc:
        record = decide(svc, approval, decision, note)
    info(f"approval #{approval} {decision}")
    write_one(record, output, tz=svc.tz)


@app.command("approve")
def approve(
    ctx: typer.Context, approval: ApprovalId, note: Note = None, output: Output = "table"
) -> None:
    """Approve; the record may move on and rules on approval.decided fire."""
    _decide(ctx, approval, "approved", note, output)


@app.command("reject")
def reject(
    ctx: typer.Context, approval: ApprovalId, note: Note = None, output: Output = "table"
) -> None:
    """Reject; rules on approval.decided with decision: rejected fire."""
    _decide(ctx, approval, "rejected", note, output)
