"""``create_task`` — a task for the record, title and body rendered with Jinja2.

Examples::

    - create_task:
        title: Kontaktovat novou poptávku
        body: "{{ lead.contact_name }} ({{ lead.contact_email }}): {{ lead.message }}"
        due: +24h                       # +30m, +5d, +2w, +3 workdays 09:00, next workday 09:00
        assignee: owner                 # default; or a login
        priority: high                  # high, normal (default), low
        kind: call                      # task (default), call, meeting
"""

from __future__ import annotations

from typing import Any

from crmctl import entities
from crmctl.services.context import Context
from crmctl.services.tasks import add_task
from crmctl.workflows.actions.base import Target, check_template_text
from crmctl.workflows.dues import EXPECTED, parse_due
from crmctl.workflows.options import Opt, check_options, where_of
from crmctl.workflows.templating import render_text
from crmctl.workflows.yamlmarks import Loc

ID = "create_task"
OPTIONS = {
    "title": Opt((str,), "the task's title (a Jinja2 template)", True),
    "body": Opt((str,), "the task's text (a Jinja2 template)"),
    "due": Opt((str,), EXPECTED),
    "assignee": Opt((str,), '"owner" or a user login'),
    "priority": Opt((str,), "high, normal or low", choices=("high", "normal", "low")),
    "kind": Opt((str,), "task, call or meeting", choices=("task", "call", "meeting")),
}
# What a task may link to: add_task takes each as a keyword of its name.
_LINK = {linked.name: linked.name for linked in entities.linked_from(entities.TASK)}


def check(raw: Any, loc: Loc, trigger: Any, checker: Any) -> dict[str, Any] | None:
    options = check_options(raw, OPTIONS, ID, loc, checker.problems)
    if options is None:
        return None
    if "due" in options and parse_due(options["due"]) is None:
        checker.problems.add(
            where_of(raw, "due", loc), f"create_task: due {options['due']!r}; expected {EXPECTED}"
        )
        return None
    for name in ("title", "body"):
        check_template_text(
            options.get(name), where_of(raw, name, loc), f"create_task {name}", checker
        )
    return options


def run(ctx: Context, target: Target, options: dict[str, Any]) -> str:
    values = target.values(ctx)
    record = values["record"]
    title = render_text(options["title"], values, target.rules_dir)
    body = render_text(options["body"], values, target.rules_dir) if options.get("body") else None
    due = parse_due(options["due"]) if options.get("due") else None
    due_at = due.at(ctx.now, ctx.tz) if due else None
    wanted = options.get("assignee", "owner")
    assignee = record.get("owner") or record.get("assignee") if wanted == "owner" else wanted
    links = {_LINK[target.kind.name]: target.id} if target.kind.name in _LINK else {}
    if not links and record.get("company_id"):  # a service: the task is about its company
        links = {"company": record["company_id"]}
    task = add_task(
        ctx,
        title,
        body=body,
        due_at=due_at,
        assignee=assignee,
        priority=options.get("priority", "normal"),
        kind=options.get("kind", "task"),
        **links,
    )
    shown = due_at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M") if due_at else "no due date"
    return f"task #{task['id']} {title!r} for {task.get('assignee')} due {shown}"
