"""Jinja2 for rule texts: task titles and bodies inline, notifications from templates/.

A sandboxed environment: rule files are configuration, and a template must not reach
into Python. Notification templates define ``{% block subject %}`` and
``{% block body %}``; the loader looks in a ``templates/`` directory next to the rules
file first, then in the packaged ``crmctl/templates``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from crmctl.errors import ValidationError

PACKAGED = Path(__file__).resolve().parent.parent / "templates"
SUFFIX = ".txt"


@cache
def environment(rules_dir: Path | None = None) -> SandboxedEnvironment:
    paths = [str(p) for p in (rules_dir / "templates" if rules_dir else None, PACKAGED) if p]
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([p for p in paths if Path(p).is_dir()]),
        undefined=jinja2.ChainableUndefined,
        autoescape=False,
        keep_trailing_newline=False,
    )


def syntax_error(text: str, rules_dir: Path | None = None) -> str | None:
    """Why ``text`` is not a valid template, or ``None``."""
    try:
        environment(rules_dir).parse(text)
    except jinja2.TemplateSyntaxError as error:
        return f"template syntax error: {error.message}"
    return None


def template_exists(name: str, rules_dir: Path | None = None) -> bool:
    try:
        environment(rules_dir).get_template(name + SUFFIX)
    except jinja2.TemplateNotFound:
        return False
    except jinja2.TemplateSyntaxError:
        return True  # reported by check_template
    return True


def check_template(name: str, rules_dir: Path | None = None) -> str | None:
    """Why the named notification template cannot be used, or ``None``."""
    env = environment(rules_dir)
    try:
        template = env.get_template(name + SUFFIX)
    except jinja2.TemplateNotFound:
        known = sorted(n.removesuffix(SUFFIX) for n in env.list_templates() if n.endswith(SUFFIX))
        return f'unknown template "{name}"; known: {", ".join(known) or "none"}'
    except jinja2.TemplateSyntaxError as error:
        return f"template {name}{SUFFIX} line {error.lineno}: {error.message}"
    missing = {"subject", "body"} - set(template.blocks)
    if missing:
        return f"template {name}{SUFFIX} lacks block(s) {', '.join(sorted(missing))}"
    return None


@cache
def _compiled(text: str, rules_dir: Path | None) -> jinja2.Template:
    # Compiling is most of a firing's template cost; a rule's texts are few and fixed.
    return environment(rules_dir).from_string(text)


def render_text(text: str, values: dict[str, Any], rules_dir: Path | None = None) -> str:
    try:
        return _compiled(text, rules_dir).render(values).strip()
    except jinja2.TemplateError as error:
        raise ValidationError(f"template {text!r}: {error}") from None


def render_named(
    name: str, values: dict[str, Any], rules_dir: Path | None = None
) -> tuple[str, str]:
    """(subject, body) of a notification template."""
    env = environment(rules_dir)
    try:
        template = env.get_template(name + SUFFIX)
        context = template.new_context(values)
        subject = "".join(template.blocks["subject"](context)).strip()
        body = "".join(template.blocks["body"](context)).strip()
    except (jinja2.TemplateError, KeyError) as error:
        raise ValidationError(f"template {name}{SUFFIX}: {error}") from None
    return subject, body
