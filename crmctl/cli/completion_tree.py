"""The command tree the completion engine reads, generated from the typer app.

``crmctl.completion`` must answer a Tab without importing typer, so the tree of nouns,
verbs, options and what each option's value is ships as ``crmctl/completion/tree.json``;
``python scripts/completion_tree.py`` writes it again and tests/cli/test_completion.py
fails while it differs from what this module generates.
"""

import re
from typing import Any

from typer.core import TyperArgument, TyperGroup, TyperOption
from typer.main import get_command

from crmctl.cli.completion import SCRIPTS
from crmctl.cli.conventions import FormatOption
from crmctl.entities import ENTITIES

KIND_BY_OPTION = {
    **dict.fromkeys(
        ("--owner", "--as", "--assign", "--assignee", "--user", "--salesperson", "--manager"),
        "logins",
    ),
    "--team": "teams",
    "--stage": "stages",
    "--pipeline": "pipelines",
    "--db": "file",
}
KIND_BY_ARGUMENT = {
    "LOGIN": "logins",
    "STAGE": "stages",
    "PIPELINE": "pipelines",
    "FILE": "file",
    "SHELL": list(SCRIPTS),
}
# Which entity's fields `--where` filters, by command path (longest prefix wins).
WHERE_ENTITY = {
    "companies": "company",
    "contacts": "contact",
    "deals": "deal",
    "leads": "lead",
    "tasks": "task",
    "products": "product",
    "campaigns": "campaign",
    "campaigns launch": "company",
    "services": "service",
    "plans": "plan",
    "mail": "message",
    "report": "deal",
    "report lead-response": "lead",
    "report campaign": "campaign",
}
CHOICES = re.compile(r"\b([a-z][a-z_-]*(?:\|[a-z][a-z_-]*)+)\b")


def command_tree(app: Any) -> dict[str, Any]:
    """Nouns, verbs, options (``None`` for a flag, else what the value is) and positional
    arguments of the whole CLI, plus the ``--where`` fields of the entities it names."""
    tree = _node(get_command(app), ())
    tree["where"] = {
        name: [field.name for field in ENTITIES[name].filter_fields]
        for name in sorted(set(WHERE_ENTITY.values()))
    }
    return tree


def _node(command: Any, path: tuple[str, ...]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    hidden: dict[str, Any] = {}  # parsed (their value is skipped), never offered
    args: list[Any] = []
    for param in command.params:
        if isinstance(param, TyperOption):
            kind = None if param.is_flag or param.count else _option_kind(param, path)
            shown = [] if param.hidden else _shown_names(param)
            for name in [*param.opts, *param.secondary_opts]:
                (options if name in shown else hidden)[name] = kind
        elif isinstance(param, TyperArgument):
            args.append(_argument_kind(param))
    options["--help"] = None
    node: dict[str, Any] = {"options": options}
    if hidden:
        node["hidden"] = hidden
    if args:
        node["args"] = args
    if isinstance(command, TyperGroup):
        node["commands"] = {
            name: _node(command.commands[name], (*path, name))
            for name in command.list_commands(None)  # type: ignore[arg-type]
        }
    return node


def _shown_names(param: TyperOption) -> list[str]:
    names = [*param.opts, *param.secondary_opts]
    if isinstance(param, FormatOption):  # the legacy `--output FORMAT` is not offered
        names = [name for name in names if name != "--output"]
    return names


def _option_kind(param: TyperOption, path: tuple[str, ...]) -> Any:
    names = [*param.opts, *param.secondary_opts]
    if "--where" in names:
        entity = _where_entity(path)
        return f"where:{entity}" if entity else ""
    for name in names:
        if name in KIND_BY_OPTION:
            return KIND_BY_OPTION[name]
    metavar = param.metavar or ""
    if "FILE" in metavar or metavar.endswith((".yaml", ".yml")):
        return "file"
    # `--priority` says "high|normal|low." and `-o` "Output format: table|json|…": choices.
    choices = CHOICES.fullmatch(metavar) or (
        CHOICES.search(param.help or "") if metavar == "FORMAT" else CHOICES.match(param.help or "")
    )
    return choices.group(1).split("|") if choices else ""


def _argument_kind(param: TyperArgument) -> Any:
    metavar = (param.metavar or param.name or "").strip("[]<>.").upper()
    if "|" in metavar:
        return metavar.lower().split("|")
    return KIND_BY_ARGUMENT.get(metavar, "logins" if param.name == "login" else "")


def _where_entity(path: tuple[str, ...]) -> str | None:
    for length in range(len(path), 0, -1):
        found = WHERE_ENTITY.get(" ".join(path[:length]))
        if found:
            return found
    return None
