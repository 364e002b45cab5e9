"""Pipelines from crmctl.yaml: defaults, custom stages, refusing orphaned deals."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Crm

CUSTOM = """
pipelines:
  default:
    label: Prodej
    stages:
      - {key: poptavka, label: Poptávka, probability: 10}
      - {key: vyhrano, label: Vyhráno, probability: 100, won: true}
      - {key: prohrano, label: Prohráno, probability: 0, lost: true}
  servis:
    label: Servisní smlouvy
    stages:
      - {key: nabidka, label: Nabídka, probability: 40, forecast_category: commit}
      - {key: podpis, label: Podpis, probability: 90, forecast_category: commit}
      - {key: vyhrano, label: Vyhráno, probability: 100, won: true}
"""


def test_default_pipeline(crm: Crm) -> None:
    (pipeline,) = crm.json("pipelines", "list")
    assert pipeline["stages"].startswith("Poptávka 10 % → Analýza 25 %")
    stages = crm.json("pipelines", "show", "default")["stages"]
    assert [(s["key"], s["probability"]) for s in stages] == [
        ("poptavka", 10), ("analyza", 25), ("nabidka", 50), ("jednani", 75),
        ("vyhrano", 100), ("prohrano", 0),
    ]  # fmt: skip
    assert [s["key"] for s in stages if s["won"] or s["lost"]] == ["vyhrano", "prohrano"]


def test_custom_pipelines_from_config(crm: Crm, tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text(CUSTOM, encoding="utf-8")
    assert [p["key"] for p in crm.json("pipelines", "list")] == ["default", "servis"]
    deal = crm.json("deals", "add", "--title", "Servis", "--pipeline", "servis")
    assert (deal["stage"], deal["probability"], deal["forecast_category"]) == (
        "nabidka", 40, "commit",
    )  # fmt: skip
    assert (
        "unknown pipeline 'nope'"
        in crm("deals", "add", "--title", "X", "--pipeline", "nope", code=4).stderr
    )


def test_config_orphaning_deals_is_refused(crm: Crm, tmp_path: Path) -> None:
    crm("deals", "add", "--title", "V analýze")
    crm("deals", "move", "1", "analyza")
    (tmp_path / "crmctl.yaml").write_text(CUSTOM, encoding="utf-8")
    for command in (("pipelines", "list"), ("deals", "move", "1", "poptavka")):
        result = crm(*command, code=4)
        assert "#1 (default/analyza)" in result.stderr


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        ("pipelines: {default: {stages: [{key: a, probability: 120}]}}", "0–100"),
        ("pipelines: {default: {stages: [{key: a, probability: 5, colour: red}]}}", "colour"),
        ("pipelines: {default: {stages: [{key: a, probability: 5, won: true}]}}", "open"),
        ("pipelines: {default: {stages: [{key: a, probability: 5}, {key: a, probability: 6}]}}",
         "duplicate"),
    ],
)  # fmt: skip
def test_bad_pipeline_config(crm: Crm, tmp_path: Path, yaml: str, message: str) -> None:
    (tmp_path / "crmctl.yaml").write_text(yaml, encoding="utf-8")
    assert message in crm("pipelines", "list", code=2).stderr
