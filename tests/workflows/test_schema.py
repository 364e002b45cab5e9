"""`workflows validate`: every problem with file:line:column and what was expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crmctl.cli import app
from crmctl.config import load_settings
from crmctl.workflows.schema import WorkflowFileError, check_file, load_rules
from tests.workflows.conftest import DEFAULT_RULES


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    _, problems, _ = check_file(path, load_settings())
    return [str(problem).removeprefix(f"{path}:") for problem in problems.items]


def test_the_default_rules_file_is_valid() -> None:
    rules = load_rules(DEFAULT_RULES, load_settings())
    assert {"web-lead-intake", "offer-follow-up", "idle-deal", "discount-approval"} <= {
        rule.id for rule in rules.rules
    }


def test_unknown_condition_field_points_into_the_condition(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "rules:\n"
        "  - id: a\n"
        "    trigger: {event: lead.created}\n"
        '    when: \'source = "web" and regon = "x"\'\n'
        "    actions:\n"
        "      - notify: {to: owner, subject: Nová}\n",
    )
    assert len(problems) == 1
    assert problems[0].startswith('4:31: when: unknown field "regon" for leads')
    assert '(did you mean "region"?)' in problems[0]


def test_unknown_template_event_action_option_and_due(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "rules:\n"
        "  - id: a\n"
        "    trigger: {event: lead.creatd}\n"
        "    actions:\n"
        "      - notify: {to: owner, template: nope}\n"
        "  - id: b\n"
        "    trigger: {event: deal.stage_changed, to: Nabidkaa}\n"
        "    actions:\n"
        "      - notfy: {to: owner}\n"
        "      - create_task: {title: Zavolat, due: +3 weeks, priorty: high}\n",
    )
    assert problems[0].startswith('3:22: unknown event "lead.creatd"')
    assert problems[1].startswith('5:39: notify: unknown template "nope"; known: ')
    assert "new_lead" in problems[1]
    assert problems[2].startswith('7:46: unknown stage "Nabidkaa" (did you mean "nabidka"?)')
    assert problems[3].startswith('9:9: unknown action "notfy" (did you mean "notify"?)')
    assert problems[4].startswith('10:54: create_task: unknown option "priorty"')
    assert len(problems) == 5


def test_schedule_and_missing_keys(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "rules:\n"
        "  - id: idle\n"
        "    trigger: {every: dayly at 07:00, for: deals}\n"
        "    actions:\n"
        "      - notify: {to: owner, subject: x}\n"
        "  - name: no id\n"
        "    trigger: {event: deal.created}\n"
        "    actions: []\n",
    )
    assert problems[0].startswith("3:22: every: 'dayly at 07:00'; expected \"day at 07:00\"")
    assert problems[1].startswith('6:5: rule: missing option "id"')


def test_yaml_syntax_error_has_a_position(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "rules:\n  - id: a\n    trigger: {event: x\n")
    assert problems and problems[0].split(":")[0] in ("3", "4")
    assert "not valid YAML" in problems[0]


def test_load_rules_raises_with_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - id: a\n    trigger: {evnt: x}\n    actions: []\n")
    with pytest.raises(WorkflowFileError) as caught:
        load_rules(path, load_settings())
    assert str(caught.value).startswith(f"{path}:3:15: trigger: expected exactly one of")


def test_validate_command_prints_problems_and_exits_4(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n  - id: a\n    trigger: {event: deal.created}\n    actions:\n      - move: Nikam\n"
    )
    result = CliRunner().invoke(app, ["workflows", "validate", str(path)])
    assert result.exit_code == 4
    assert f'{path}:5:15: unknown stage "Nikam"' in result.stderr
    assert "error: " in result.stderr and "Traceback" not in result.stderr
    ok = CliRunner().invoke(app, ["workflows", "validate", str(DEFAULT_RULES)])
    assert ok.exit_code == 0, ok.stderr
    assert "valid" in ok.stderr


def test_config_show_masks_the_smtp_password(tmp_path: Path) -> None:
    (tmp_path / "crmctl.yaml").write_text(
        "smtp_url: smtp://crm:tajne@mail.firma.cz:587?from=crm@firma.cz\nworkflows: pravidla.yaml\n"
    )
    result = CliRunner().invoke(app, ["config", "show", "-o", "json"])
    assert result.exit_code == 0, result.stderr
    assert "tajne" not in result.stdout and "crm:***@mail.firma.cz" in result.stdout
    assert "pravidla.yaml" in result.stdout


def test_no_rules_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["workflows", "list"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no rules file: ./workflows.yaml does not exist")
    missing = CliRunner().invoke(app, ["workflows", "validate", str(tmp_path / "nic.yaml")])
    assert missing.exit_code == 2 and "cannot read rules file" in missing.stderr


def test_the_rules_file_comes_from_the_config_when_not_given(tmp_path: Path) -> None:
    (tmp_path / "pravidla.yaml").write_text(
        "rules:\n  - id: jen-tohle\n    trigger: {event: lead.created}\n"
        "    actions: [{notify: {to: owner, subject: x}}]\n"
    )
    (tmp_path / "crmctl.yaml").write_text("workflows: pravidla.yaml\n")
    result = CliRunner().invoke(app, ["workflows", "list", "-o", "json"])
    assert result.exit_code == 0, result.stderr
    assert [rule["id"] for rule in json.loads(result.stdout)] == ["jen-tohle"]


@pytest.mark.parametrize(
    "event",
    [
        "product.created", "product.updated", "campaign.launched", "campaign.removed",
        "service.created", "service.updated", "service.removed",
        "plan.created", "plan.stakeholder_added", "plan.action_added",
    ],
)  # fmt: skip
def test_events_of_the_issue_18_and_19_entities_are_known(tmp_path: Path, event: str) -> None:
    problems = _problems(
        tmp_path,
        "rules:\n"
        "  - id: a\n"
        f"    trigger: {{event: {event}}}\n"
        "    actions:\n"
        "      - notify: {to: owner, subject: Změna}\n",
    )
    assert problems == []


def test_the_shipped_rules_file_validates() -> None:
    result = CliRunner().invoke(app, ["workflows", "validate", str(DEFAULT_RULES)])
    assert result.exit_code == 0, result.output
