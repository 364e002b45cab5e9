"""The rules file: load, validate every part with file:line:column, build the rules.

Top level::

    rules:
      - id: web-lead            # required, unique: the firing key and the timeline's name
        name: Nová webová poptávka
        enabled: true           # optional
        trigger: {event: lead.created}
        when: 'source = "web"'  # optional, the shared filter language
        actions:
          - assign: {territory: {by: region, table: {...}, fallback: novak}}
          - create_task: {title: Kontaktovat novou poptávku, due: +24h}
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

from crmctl.errors import FilterError, UsageError, ValidationError
from crmctl.query.fields import EntityRegistry, FieldSpec
from crmctl.query.parsed import ParsedFilter
from crmctl.services.pipelines import parse_pipelines, stage_key
from crmctl.workflows.actions import REGISTRY as ACTIONS
from crmctl.workflows.entities import EntityKind
from crmctl.workflows.options import Opt, Problems, check_options, did_you_mean, where_of
from crmctl.workflows.triggers import parse_trigger
from crmctl.workflows.triggers.base import TimeTrigger
from crmctl.workflows.yamlmarks import Loc, MarkedDict, MarkedList, YamlSyntaxError, load

RULE_OPTIONS = {
    "id": Opt((str,), "a short id such as web-lead (letters, digits, - and _)", True),
    "name": Opt((str,), "a human name"),
    "description": Opt((str,), "text"),
    "enabled": Opt((bool,), "true or false"),
    "trigger": Opt((dict,), "a mapping such as {event: lead.created}", True),
    "when": Opt((str,), "a condition such as 'status = \"open\" and idle_days > 10'"),
    "actions": Opt((list,), "a list of actions such as - notify: {to: owner}", True),
}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


class WorkflowFileError(ValidationError):
    """A rules file that cannot be used; ``problems`` lists every complaint."""

    def __init__(self, problems: Problems) -> None:
        first, rest = problems.items[0], problems.items[1:]
        more = f" (and {len(rest)} more problem(s))" if rest else ""
        super().__init__(f"{first}{more}", detail="\n".join(str(p) for p in rest) or None)
        self.problems = problems


@dataclass(frozen=True)
class ActionSpec:
    id: str
    module: ModuleType
    options: dict[str, Any]
    loc: Loc


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    trigger: Any
    when: str | None
    actions: tuple[ActionSpec, ...]
    enabled: bool
    loc: Loc

    @property
    def entity(self) -> EntityKind:
        return self.trigger.entity  # type: ignore[no-any-return]

    @property
    def is_time(self) -> bool:
        return isinstance(self.trigger, TimeTrigger)


@dataclass(frozen=True)
class RuleSet:
    path: Path
    rules: tuple[Rule, ...]

    @property
    def rules_dir(self) -> Path:
        return self.path.resolve().parent

    def get(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        known = [rule.id for rule in self.rules]
        raise ValidationError(
            f"no rule {rule_id!r} in {self.path}{did_you_mean(rule_id, known)}; "
            "see `crmctl workflows list`"
        )


@dataclass
class Checker:
    """What trigger and action modules consult while validating (no database needed)."""

    problems: Problems
    stage_keys: frozenset[str]
    tz: ZoneInfo
    rules_dir: Path
    notes: list[str] = field(default_factory=list)

    def registry(self, entity: EntityKind, loc: Loc, what: str) -> EntityRegistry | None:
        if entity.registry is None:
            self.problems.add(loc, f"{what}: {entity.plural} have no filter fields yet")
            return None
        return entity.registry()

    def field_spec(self, entity: EntityKind, name: str, loc: Loc, what: str) -> FieldSpec | None:
        registry = self.registry(entity, loc, what)
        if registry is None:
            return None
        spec = registry.fields.get(name)
        if spec is None:
            self.problems.add(
                loc,
                f'{what}: unknown field "{name}" for {entity.plural}'
                f"{did_you_mean(name, registry.known_fields())}; "
                f"known fields: {', '.join(registry.known_fields())}",
            )
        return spec

    def check_field(self, entity: EntityKind, name: str, loc: Loc, what: str) -> None:
        if name.startswith("custom.") and len(name) > len("custom."):
            return
        self.field_spec(entity, name, loc, what)

    def stage(self, value: str, loc: Loc) -> str | None:
        key = stage_key(value)
        if key not in self.stage_keys:
            self.problems.add(
                loc,
                f'unknown stage "{value}"{did_you_mean(key, tuple(self.stage_keys))}; '
                f"configured stages: {', '.join(sorted(self.stage_keys))}",
            )
            return None
        return key

    def condition(self, entity: EntityKind, text: str, loc: Loc) -> None:
        registry = self.registry(entity, loc, "when")
        if registry is None:
            return
        try:
            ParsedFilter.of(text).condition(registry, now=datetime.now(UTC), tz=self.tz)
        except FilterError as error:
            self.problems.add(loc.shifted(error.position), f"when: {error.message}")


def load_rules(path: Path, settings: Any) -> RuleSet:
    """The rules of ``path``, or ``WorkflowFileError`` naming every problem."""
    rule_set, problems, _ = check_file(path, settings)
    if problems:
        raise WorkflowFileError(problems)
    assert rule_set is not None
    return rule_set


def check_file(path: Path, settings: Any) -> tuple[RuleSet | None, Problems, Checker | None]:
    problems = Problems()
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise UsageError(
            f"cannot read rules file {path}: {error.strerror}; pass --workflows FILE"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        # A binary or wrongly encoded file is an invalid rules file, told where it breaks.
        before = raw[: error.start]
        line, column = before.count(b"\n") + 1, error.start - (before.rfind(b"\n") + 1) + 1
        problems.add(Loc(str(path), line, column), "not UTF-8 text; save the rules as UTF-8")
        return None, problems, None
    try:
        data = load(text, str(path))
    except YamlSyntaxError as error:
        problems.add(error.loc, error.message)
        return None, problems, None
    checker = Checker(problems, _stage_keys(settings), settings.timezone, path.resolve().parent)
    top = Loc(str(path), 1, 1)
    if not isinstance(data, MarkedDict) or not isinstance(data.get("rules"), MarkedList):
        problems.add(getattr(data, "loc", top), "expected a mapping with a list under `rules:`")
        return None, problems, checker
    for key in data:
        if key != "rules":
            problems.add(data.key_locs[key], f'unknown top-level key "{key}"; expected rules')
    rules = _rules(data["rules"], checker)
    return RuleSet(path, tuple(rules)), problems, checker


def _stage_keys(settings: Any) -> frozenset[str]:
    setting = settings.values.get("pipelines")
    pipelines = parse_pipelines(setting.value if setting else None, "pipelines")
    return frozenset(stage.key for p in pipelines.values() for stage in p.stages)


def _rules(items: MarkedList, checker: Checker) -> list[Rule]:
    rules: list[Rule] = []
    seen: dict[str, Loc] = {}
    for item, loc in zip(items, items.item_locs, strict=True):
        rule = _rule(item, loc, checker)
        if rule is None:
            continue
        if rule.id in seen:
            checker.problems.add(
                where_of(item, "id", loc),
                f'duplicate rule id "{rule.id}" (first at {seen[rule.id]})',
            )
            continue
        seen[rule.id] = where_of(item, "id", loc)
        rules.append(rule)
    return rules


def _rule(raw: Any, loc: Loc, checker: Checker) -> Rule | None:
    problems = checker.problems
    before = len(problems.items)
    options = check_options(raw, RULE_OPTIONS, "rule", loc, problems)
    if options is None:
        return None
    rule_id = options["id"]
    if not _ID.match(rule_id):
        problems.add(where_of(raw, "id", loc), f"id {rule_id!r}: {RULE_OPTIONS['id'].expected}")
    trigger = parse_trigger(raw["trigger"], where_of(raw, "trigger", loc), problems, checker)
    when = options.get("when")
    if trigger is not None and when:
        checker.condition(trigger.entity, when, where_of(raw, "when", loc))
    actions = _actions(raw["actions"], where_of(raw, "actions", loc), trigger, checker)
    if len(problems.items) > before or trigger is None:
        return None
    return Rule(
        id=rule_id,
        name=options.get("name") or rule_id,
        trigger=trigger,
        when=when,
        actions=tuple(actions),
        enabled=options.get("enabled", True),
        loc=loc,
    )


def _actions(raw: Any, loc: Loc, trigger: Any, checker: Checker) -> list[ActionSpec]:
    problems = checker.problems
    if not raw:
        problems.add(loc, "actions: expected at least one action")
        return []
    specs: list[ActionSpec] = []
    locs = raw.item_locs if isinstance(raw, MarkedList) else [loc] * len(raw)
    for item, item_loc in zip(raw, locs, strict=True):
        if not isinstance(item, dict) or len(item) != 1:
            problems.add(
                item_loc,
                f"action: expected one mapping key naming the action: {', '.join(ACTIONS)}",
            )
            continue
        name = next(iter(item))
        module = ACTIONS.get(name)
        name_loc = item.key_locs[name] if isinstance(item, MarkedDict) else item_loc
        if module is None:
            problems.add(
                name_loc,
                f'unknown action "{name}"{did_you_mean(name, tuple(ACTIONS))}; '
                f"expected one of {', '.join(ACTIONS)}",
            )
            continue
        value_loc = where_of(item, name, item_loc)
        options = module.check(item[name], value_loc, trigger, checker)
        if options is not None:
            specs.append(ActionSpec(name, module, options, value_loc))
    return specs


def default_rules_path(settings: Any, option: str | None) -> Path:
    """``--workflows`` > CRM_WORKFLOWS > ``workflows:`` in crmctl.yaml > ./workflows.yaml."""
    if option:
        return Path(option)
    if os.environ.get("CRM_WORKFLOWS"):
        return Path(os.environ["CRM_WORKFLOWS"])
    setting = settings.values.get("workflows")
    if setting is not None and settings.config_file is not None:
        return settings.config_file.parent / str(setting.value)
    path = Path("workflows.yaml")
    if not path.is_file():
        raise UsageError(
            "no rules file: ./workflows.yaml does not exist; pass --workflows FILE, set "
            "CRM_WORKFLOWS or `workflows: FILE` in crmctl.yaml"
        )
    return path
