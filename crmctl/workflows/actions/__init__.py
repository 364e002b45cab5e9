"""Action types, one module each (``ID``, ``OPTIONS``, ``check``, ``run``), and the registry.

Every ``run`` calls the services layer in the firing's transaction, so what a rule does
lands on the record's timeline (events carry ``workflow: {rule, depth}``).
"""

from __future__ import annotations

from types import ModuleType

from crmctl.workflows.actions import (
    assign,
    create_lead,
    create_task,
    move,
    notify,
    request_approval,
    send_mail,
    set_fields,
)

REGISTRY: dict[str, ModuleType] = {
    module.ID: module
    for module in (
        create_task,
        create_lead,
        assign,
        notify,
        set_fields,
        move,
        request_approval,
        send_mail,
    )
}
