"""Plain option values (``str``, ``int``, ``bool``, ``list[str]``) without pydantic.

typer (0.29) coerces every parameter value through a pydantic ``TypeAdapter`` that it
builds on first use; importing pydantic and building the adapters of one command cost
about 100 ms of CPU, a fifth of the start-up budget of ``crmctl tasks overdue``.
Nearly all crmctl parameters are plain ``str``, ``int``, ``bool`` (``--help`` is one too) or
repeatable ``list[str]``, whose values arrive as ``str``, ``bool`` or tuples of ``str``
already. For those, and only for values whose result is certain (a ``str`` for ``str``, a
``bool`` for ``bool``, strings for ``list[str]``, an ``int`` or canonical decimal digits for
``int``), the value is returned directly; anything else (negative or odd numbers, paths,
enums, other lists, ``min``/``max``, a parser) goes to typer's own coercion, so results
and error messages stay typer's.

This uses typer internals (``_runtime_param``, ``typer._coercion``): if they change,
``install`` does nothing and typer coerces as before (tests/cli/test_coercion.py
notices that it no longer applies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crmctl.text import nfc

try:
    from typer._coercion import RuntimeParam, build_runtime_param
except ImportError:  # pragma: no cover - a typer without these internals
    RuntimeParam = None  # type: ignore[assignment,misc]

PLAIN = (str, int, bool, list[str])  # list[str]: a repeatable option
# Text arguments are stored composed (NFC), as typed on a Mac they arrive decomposed;
# file names and URLs stay as typed, for a file system may hold them decomposed.
AS_TYPED = frozenset({"db", "file", "json_input", "output_file", "workflows"})


def install(command: Any, ctx: Any) -> None:
    """Give ``command``'s plain ``str``/``int``/``bool`` parameters the direct coercion.

    ``ctx`` is the command's own context or its parent's: ``--help`` is a parameter too,
    made (and cached) by ``get_params``, and its names come from the parent unless the
    command's own context settings name them.
    """
    if RuntimeParam is None or not hasattr(command, "get_params"):
        return
    if "help_option_names" in (getattr(command, "context_settings", None) or {}):
        params = command.params
    else:
        params = command.get_params(ctx)
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if getattr(param, "_runtime_param", False) is None and _is_plain(descriptor):
            param._runtime_param = PlainRuntimeParam(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )


def _is_plain(descriptor: Any) -> bool:
    if descriptor is None or descriptor.annotation not in PLAIN or descriptor.file_annotation:
        return False
    info = descriptor.parameter_info
    return info.parser is None and info.min is None and info.max is None and not info.clamp


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class PlainRuntimeParam(RuntimeParam):
        """``str``/``bool`` as given, ``int`` from plain digits; typer's adapter for the rest."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.annotation is str and isinstance(value, str):
                return value if param.name in AS_TYPED else nfc(value)
            if self.annotation is bool and isinstance(value, bool):
                return value
            if self.annotation == list[str] and _strings(value):
                return [nfc(item) for item in value]
            if self.annotation is int:
                if isinstance(value, int) and not isinstance(value, bool):
                    return value
                if isinstance(value, str) and _canonical_digits(value):
                    return int(value)
            typer_param = build_runtime_param(param.type_descriptor)
            return typer_param._coerce_value(value, param=param, ctx=ctx)


def _strings(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


def _canonical_digits(text: str) -> bool:
    """``0`` or ASCII digits without a leading zero: ``int()`` and pydantic agree."""
    return text.isascii() and text.isdigit() and (text == "0" or text[0] != "0")
