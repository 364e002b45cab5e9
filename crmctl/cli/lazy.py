"""A command group that imports a noun's module only when that noun is used.

``crmctl tasks overdue`` runs from cron and must start fast: importing every noun's
module and building the whole click tree cost about 90 ms before the command ran.
The root group knows each noun's module and one-line help, lists them without
importing anything, and builds a noun's click command on first ``get_command``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import typer
import typer._click as click
from typer.core import TyperCommand
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from crmctl.cli import conventions
from crmctl.cli.common import CrmGroup


@dataclass(frozen=True)
class LazyCommand:
    """Where a top-level command lives: ``module.attr`` is a ``typer.Typer`` or a function."""

    module: str
    attr: str
    help: str  # what `crmctl --help` lists; tests/cli/test_lazy.py keeps it in step


class LazyCommands(MutableMapping[str, click.Command]):
    """``group.commands`` that builds each lazy command on first access.

    A mapping (not only ``get_command``) because typer reads ``commands`` directly too
    (its "did you mean" suggestions, its ``list_commands``).
    """

    def __init__(self, lazy: Mapping[str, LazyCommand], group: LazyGroup) -> None:
        self._lazy = lazy
        self._group = group
        self._built: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._built:
            if name not in self._lazy:
                raise KeyError(name)
            self._built[name] = self._group.build_command(name, self._lazy[name])
        return self._built[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._lazy
        yield from (name for name in self._built if name not in self._lazy)

    def __len__(self) -> int:
        return len(set(self._lazy) | set(self._built))

    def __contains__(self, name: object) -> bool:
        return name in self._lazy or name in self._built

    def built(self, name: str) -> click.Command | None:
        return self._built.get(name)


class LazyGroup(CrmGroup):
    """A ``CrmGroup`` whose subclasses name their commands in ``lazy_commands``."""

    lazy_commands: Mapping[str, LazyCommand] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        commands = LazyCommands(self.lazy_commands, self)
        commands.update(self.commands)
        self.commands = commands

    def build_command(self, name: str, spec: LazyCommand) -> click.Command:
        """The click command as ``add_typer``/``command`` would have built it."""
        return conventions.apply(self._build(name, spec), (name,))

    def _build(self, name: str, spec: LazyCommand) -> click.Command:
        target = getattr(importlib.import_module(spec.module), spec.attr)
        if isinstance(target, typer.Typer):
            return get_group_from_info(
                TyperInfo(target, name=name),
                pretty_exceptions_short=True,
                suggest_commands=self.suggest_commands,
                rich_markup_mode=self.rich_markup_mode,
            )
        return get_command_from_info(
            CommandInfo(name=name, callback=target),
            pretty_exceptions_short=True,
            rich_markup_mode=self.rich_markup_mode,
        )

    def list_commands(self, ctx: click.Context) -> list[str]:
        # typer's own iterates ``commands.items()``, which would build every command.
        return list(self.commands)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the known help texts: `crmctl --help` imports no noun."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self._listed_command(name)
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def _listed_command(self, name: str) -> click.Command:
        commands = self.commands
        built = commands.built(name) if isinstance(commands, LazyCommands) else None
        if built is not None or name not in self.lazy_commands:
            return built or commands[name]
        # A stand-in with the same help: click shortens it exactly as for the real one.
        return TyperCommand(name, help=self.lazy_commands[name].help)
