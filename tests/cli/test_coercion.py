"""Plain str/int/bool options skip typer's pydantic adapters and behave exactly the same."""

from __future__ import annotations

from typing import Any

import pytest
import typer._click as click
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param
from typer.main import get_command

from crmctl.cli import app, coercion


def overdue_command() -> Any:
    root = get_command(app)
    return root.commands["tasks"].commands["overdue"]  # type: ignore[attr-defined]


def param(command: Any, name: str) -> Any:
    return next(p for p in command.params if p.name == name)


def test_install_covers_the_plain_options_and_help() -> None:
    command = overdue_command()
    ctx = click.Context(command)
    coercion.install(command, ctx)
    plain = {
        p.name
        for p in command.get_params(ctx)
        if isinstance(p._runtime_param, coercion.PlainRuntimeParam)
    }
    # db, as_user, quiet, ids: the options every command or list shares (cli/conventions.py)
    shared = {"db", "as_user", "quiet", "ids"}
    # output_file, excel: `--output FILE` and `--excel` of every command with -o (common.py)
    files = {"output_file", "excel"}
    assert plain == {
        "owner", "team", "fail_if_any", "limit", "output", "fields", "help", *shared, *files
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("owner", "sales07"),
        ("owner", ""),
        ("owner", "Žofie Nováková"),
        ("limit", "12"),
        ("limit", "0"),
        ("limit", 7),
        ("fail_if_any", True),
        ("fail_if_any", False),
    ],
)
def test_same_values_as_typer(name: str, value: Any) -> None:
    command = overdue_command()
    ctx = click.Context(command)
    target = param(command, name)
    ours = coercion.PlainRuntimeParam(
        parameter_info=target.type_descriptor.parameter_info,
        annotation=target.type_descriptor.annotation,
    )
    theirs = build_runtime_param(target.type_descriptor)
    expected = theirs.coerce(value, param=target, ctx=ctx)
    got = ours.coerce(value, param=target, ctx=ctx)
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("value", ["abc", "007", "-1", " 5", "1_0", "2.5", "١٢"])
def test_anything_unusual_goes_to_typer(value: str) -> None:
    """Same result or the same error message as typer's own coercion."""
    command = overdue_command()
    ctx = click.Context(command)
    target = param(command, "limit")
    ours = coercion.PlainRuntimeParam(
        parameter_info=target.type_descriptor.parameter_info, annotation=int
    )
    theirs = build_runtime_param(target.type_descriptor)
    outcomes = []
    for runtime in (theirs, ours):
        try:
            outcomes.append(("value", runtime.coerce(value, param=target, ctx=ctx)))
        except BadParameter as error:
            outcomes.append(("error", error.format_message()))
    assert outcomes[0] == outcomes[1]


def test_repeatable_string_options_are_lists_as_typer_makes_them() -> None:
    root = get_command(app)
    company = root.commands["timeline"].commands["company"]  # type: ignore[attr-defined]
    ctx = click.Context(company)
    target = param(company, "type_")
    ours = coercion.PlainRuntimeParam(
        parameter_info=target.type_descriptor.parameter_info, annotation=list[str]
    )
    theirs = build_runtime_param(target.type_descriptor)
    for value in [("updated",), ("updated", "task.done"), ()]:
        expected = theirs.coerce(value, param=target, ctx=ctx)
        assert ours.coerce(value, param=target, ctx=ctx) == expected
        assert type(ours.coerce(value, param=target, ctx=ctx)) is type(expected)
