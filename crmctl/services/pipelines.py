"""Sales pipelines and their stages, from ``pipelines:`` in ``crmctl.yaml``.

A stage has a key (what deals store), a label, a probability 0–100, a forecast category
and at most one of ``won``/``lost``. Without a ``pipelines:`` setting there is one
pipeline, ``default``: Poptávka 10 % → Analýza 25 % → Nabídka 50 % → Jednání 75 % →
Vyhráno 100 % (won) / Prohráno 0 % (lost).

Example::

    pipelines:
      default:
        label: Prodej
        stages:
          - {key: poptavka, label: Poptávka, probability: 10}
          - {key: vyhrano, label: Vyhráno, probability: 100, won: true}
          - {key: prohrano, label: Prohráno, probability: 0, lost: true}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, select, text

from crmctl.db import tables
from crmctl.entities.expressions import stage_key
from crmctl.errors import Conflict, NotFound, UsageError, ValidationError
from crmctl.services.context import Context
from crmctl.text import fold

DEFAULT_PIPELINE = "default"
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit", "closed", "omitted")
_KEY = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,49}$")
_STAGE_KEYS = {"key", "label", "probability", "won", "lost", "forecast_category"}
_PIPELINE_KEYS = {"label", "stages"}


@dataclass(frozen=True)
class Stage:
    key: str
    label: str
    probability: int
    forecast_category: str
    won: bool = False
    lost: bool = False
    position: int = 0

    @property
    def closed(self) -> bool:
        return self.won or self.lost

    def record(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "key": self.key,
            "label": self.label,
            "probability": self.probability,
            "forecast_category": self.forecast_category,
            "won": self.won,
            "lost": self.lost,
        }


@dataclass(frozen=True)
class Pipeline:
    key: str
    label: str
    stages: tuple[Stage, ...]

    def stage(self, key: str) -> Stage:
        wanted = stage_key(key)
        for stage in self.stages:
            if stage.key == wanted or fold(stage.label) == fold(key):
                return stage
        raise ValidationError(
            f"unknown stage {key!r} in pipeline {self.key!r}; valid stages: "
            + ", ".join(f"{s.key} ({s.label})" for s in self.stages)
        )

    @property
    def first(self) -> Stage:
        return self.stages[0]

    @property
    def won_stage(self) -> Stage | None:
        return next((s for s in self.stages if s.won), None)

    @property
    def lost_stage(self) -> Stage | None:
        return next((s for s in self.stages if s.lost), None)

    def record(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "stages": [stage.record() for stage in self.stages],
        }


def _default_stage(key: str, label: str, probability: int, category: str, **flags: bool) -> Any:
    return {
        "key": key,
        "label": label,
        "probability": probability,
        "forecast_category": category,
        **flags,
    }


DEFAULT_CONFIG: dict[str, Any] = {
    DEFAULT_PIPELINE: {
        "label": "Prodej",
        "stages": [
            _default_stage("poptavka", "Poptávka", 10, "pipeline"),
            _default_stage("analyza", "Analýza", 25, "pipeline"),
            _default_stage("nabidka", "Nabídka", 50, "best_case"),
            _default_stage("jednani", "Jednání", 75, "commit"),
            _default_stage("vyhrano", "Vyhráno", 100, "closed", won=True),
            _default_stage("prohrano", "Prohráno", 0, "omitted", lost=True),
        ],
    }
}


def parse_pipelines(raw: Any, source: str = "pipelines") -> dict[str, Pipeline]:
    """Validate the ``pipelines:`` setting; every message names the pipeline and stage."""
    if raw is None:
        raw = DEFAULT_CONFIG
    if not isinstance(raw, dict) or not raw:
        raise UsageError(f"{source}: expected a mapping of pipeline key to its stages")
    result: dict[str, Pipeline] = {}
    for key, body in raw.items():
        where = f"{source}.{key}"
        if not isinstance(key, str) or not _KEY.match(key):
            raise UsageError(f"{where}: a pipeline key is lowercase letters, digits, _ or -")
        if not isinstance(body, dict):
            raise UsageError(f"{where}: expected 'label' and 'stages'")
        unknown = sorted(set(map(str, body)) - _PIPELINE_KEYS)
        if unknown:
            raise UsageError(
                f"{where}: unknown setting(s) {', '.join(unknown)}; known: label, stages"
            )
        stages_raw = body.get("stages")
        if not isinstance(stages_raw, list) or not stages_raw:
            raise UsageError(f"{where}.stages: expected a list of stages")
        stages = tuple(
            _parse_stage(item, f"{where}.stages[{n}]", n) for n, item in enumerate(stages_raw)
        )
        keys = [stage.key for stage in stages]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise UsageError(f"{where}: duplicate stage key(s) {', '.join(duplicates)}")
        if not any(not stage.closed for stage in stages):
            raise UsageError(f"{where}: needs at least one open (not won/lost) stage")
        result[key] = Pipeline(key, str(body.get("label") or key), stages)
    return result


def _parse_stage(item: Any, where: str, position: int) -> Stage:
    if not isinstance(item, dict):
        raise UsageError(f"{where}: expected key, label, probability")
    unknown = sorted(set(map(str, item)) - _STAGE_KEYS)
    if unknown:
        raise UsageError(
            f"{where}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_STAGE_KEYS))}"
        )
    label = str(item.get("label") or item.get("key") or "").strip()
    key = str(item.get("key") or stage_key(label))
    if not _KEY.match(key):
        raise UsageError(f"{where}: stage key {key!r}: lowercase letters, digits, _ or -")
    probability = item.get("probability")
    if (
        isinstance(probability, bool)
        or not isinstance(probability, int)
        or not 0 <= probability <= 100
    ):
        raise UsageError(f"{where} ({key}): probability must be a whole number 0–100")
    won, lost = bool(item.get("won", False)), bool(item.get("lost", False))
    if won and lost:
        raise UsageError(f"{where} ({key}): a stage cannot be both won and lost")
    default_category = "closed" if won else "omitted" if lost else "pipeline"
    category = str(item.get("forecast_category") or default_category)
    if category not in FORECAST_CATEGORIES:
        raise UsageError(
            f"{where} ({key}): forecast_category must be one of {', '.join(FORECAST_CATEGORIES)}"
        )
    return Stage(key, label or key, probability, category, won, lost, position)


def configured_pipelines(ctx: Context) -> dict[str, Pipeline]:
    setting = ctx.settings.values.get("pipelines")
    return parse_pipelines(setting.value if setting else None, "pipelines")


def load_pipelines(ctx: Context) -> dict[str, Pipeline]:
    """The configured pipelines, refused if existing deals sit in a stage they lack."""
    pipelines = configured_pipelines(ctx)
    orphans = orphaned_deals(ctx, pipelines)
    if orphans:
        shown = ", ".join(f"#{d} ({p}/{s})" for d, p, s in orphans[:20])
        more = " and more" if len(orphans) > 20 else ""
        raise Conflict(
            "the pipelines in crmctl.yaml leave existing deals without their stage: "
            f"{shown}{more}; put those stages back (or move the deals first)"
        )
    return pipelines


def get_pipeline(pipelines: dict[str, Pipeline], key: str | None) -> Pipeline:
    wanted = key or DEFAULT_PIPELINE
    if wanted not in pipelines:
        if key is None:
            return next(iter(pipelines.values()))
        raise ValidationError(f"unknown pipeline {wanted!r}; configured: {', '.join(pipelines)}")
    return pipelines[wanted]


def ordered_stages(ctx: Context, pipeline: str | None = None) -> list[Stage]:
    """Stages in pipeline order (all pipelines, in configured order, if none is named).

    Reports sort by ``position`` (or by the list index) to show stages in funnel order.
    """
    pipelines = configured_pipelines(ctx)
    if pipeline is not None:
        return list(get_pipeline(pipelines, pipeline).stages)
    return [stage for p in pipelines.values() for stage in p.stages]


def orphaned_deals(ctx: Context, pipelines: dict[str, Pipeline]) -> list[tuple[int, str, str]]:
    """Deals whose (pipeline, stage) is not configured, at most 21 of them.

    A loose index scan over ``ix_deals_stage_last_touched_at`` finds the few distinct
    stages without reading every deal.
    """
    stages = [
        row[0]
        for row in ctx.session.execute(
            text(
                "WITH RECURSIVE s(stage) AS ("
                " SELECT MIN(stage) FROM deals"
                " UNION ALL"
                " SELECT (SELECT MIN(stage) FROM deals WHERE stage > s.stage)"
                " FROM s WHERE s.stage IS NOT NULL)"
                " SELECT stage FROM s WHERE stage IS NOT NULL"
            )
        )
    ]
    found: list[tuple[int, str, str]] = []
    for stage in stages:
        valid = [key for key, p in pipelines.items() if any(s.key == stage for s in p.stages)]
        deals = tables.deals.c
        condition = deals.stage == stage
        if valid:
            condition = and_(condition, deals.pipeline.not_in(valid))
        rows = ctx.session.execute(
            select(deals.id, deals.pipeline, deals.stage)
            .where(condition)
            .order_by(deals.id)
            .limit(21)
        ).all()
        found += [(row.id, row.pipeline, row.stage) for row in rows]
    return found


def list_pipelines(ctx: Context) -> list[dict[str, Any]]:
    pipelines = load_pipelines(ctx)
    return [
        {
            "key": p.key,
            "label": p.label,
            "stages": " → ".join(f"{s.label} {s.probability} %" for s in p.stages if not s.closed)
            + " → "
            + " / ".join(f"{s.label} {s.probability} %" for s in p.stages if s.closed),
        }
        for p in pipelines.values()
    ]


def show_pipeline(ctx: Context, key: str) -> dict[str, Any]:
    pipelines = load_pipelines(ctx)
    if key not in pipelines:
        raise NotFound(f"no pipeline {key!r}; configured: {', '.join(pipelines)}")
    return pipelines[key].record()
