"""Issue 20 item 9: the files in examples/ run as written.

Each runs against a fresh copy of a demo database (SQLite, ``crmctl init --demo
--history``) with ``CRMCTL`` and ``PATH`` pointing at this venv's ``crmctl``, and its exit
codes and output are checked. The crontab is read as cron reads it: variable lines are
replaced by this test's values (and must be exactly the ones the test knows), each job
line loses its five schedule fields, ``\\%`` becomes ``%``, and the rest runs in ``sh``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BIN = Path(sys.executable).parent
CRMCTL = str(BIN / "crmctl") if (BIN / "crmctl").exists() else shutil.which("crmctl") or "crmctl"
NOW = "2026-12-07T08:00:00+00:00"  # a Monday; the demo's history ends here
YEAR = NOW[:4]
EXAMPLE_FILES = ("crontab", "ci-reports.sh", "batch-update.sh", "web-form-lead.sh")


@pytest.fixture(autouse=True)
def _jq() -> None:
    """The scripts use jq: without it these tests skip, except under ``CI=true`` (where
    ``.ci/run`` installs it), where they fail."""
    if shutil.which("jq") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but jq is not installed (apt-get install jq)")
        pytest.skip("jq is not installed")


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, made once for the module (it takes ~10 s); tests copy it."""
    path = tmp_path_factory.mktemp("demo") / "crm.db"
    env = {**os.environ, "CRM_DATABASE_URL": f"sqlite:///{path}", "CRM_USER": "admin",
           "CRM_NOW": NOW}  # fmt: skip
    made = subprocess.run(
        [CRMCTL, "init", "--demo", "--history"], env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    return path


@dataclass
class Demo:
    """A fresh demo database and the environment the examples run in."""

    path: Path
    env: dict[str, str]

    def crmctl(self, *args: str, code: int = 0, **env: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [CRMCTL, *args], env={**self.env, **env}, capture_output=True, text=True
        )
        assert done.returncode == code, (args, done.stdout, done.stderr)
        return done

    def json(self, *args: str) -> list[dict]:  # type: ignore[type-arg]
        return json.loads(self.crmctl(*args, "-o", "json").stdout)

    def run(
        self, script: str, *args: str, stdin: str = "", **env: str
    ) -> subprocess.CompletedProcess[str]:
        """``examples/SCRIPT ARGS`` as a user runs it: by its own shebang (the output as
        written: a CGI answer's \\r\\n stays)."""
        done = subprocess.run(
            [str(EXAMPLES / script), *args],
            env={**self.env, **env},
            input=stdin.encode(),
            capture_output=True,
            timeout=300,
        )
        return subprocess.CompletedProcess(
            done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
        )


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Demo:
    path = tmp_path / "crm.db"
    shutil.copyfile(demo_template, path)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "CRMCTL": CRMCTL,
        "CRM_DATABASE_URL": f"sqlite:///{path}",
        "CRM_USER": "admin",
        "CRM_NOW": NOW,
        "CRM_WORKFLOWS": str(ROOT / "workflows.yaml"),
        "LC_ALL": "C",
    }
    return Demo(path, env)


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_each_example_starts_with_a_comment_saying_what_it_does_and_how_to_run_it(
    name: str,
) -> None:
    lines = (EXAMPLES / name).read_text(encoding="utf-8").splitlines()
    if lines[0].startswith("#!"):
        assert lines[0] == "#!/bin/sh" and os.access(EXAMPLES / name, os.X_OK)
        lines = lines[1:]
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    text = "\n".join(header)
    assert len(header) >= 5 and "What it does:" in text and "How to run it" in text, text


# --- crontab ----------------------------------------------------------------------------

SCHEDULE_FIELD = re.compile(r"^[0-9*/,-]+$|^(mon|tue|wed|thu|fri|sat|sun)(-\w+)?$", re.I)
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


@dataclass
class Job:
    schedule: list[str]
    command: str


def crontab() -> tuple[dict[str, str], list[Job]]:
    """The crontab's variables and jobs, as cron reads them."""
    variables: dict[str, str] = {}
    jobs = []
    for line in (EXAMPLES / "crontab").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        assigned = ASSIGNMENT.match(line)
        if assigned:
            variables[assigned[1]] = assigned[2]
            continue
        fields = line.split(None, 5)
        assert len(fields) == 6, f"not a job line: {line!r}"
        schedule, command = fields[:5], fields[5]
        assert all(SCHEDULE_FIELD.match(field) for field in schedule), line
        # cron turns a bare % into a newline: a job must escape each one.
        assert re.search(r"(?<!\\)%", command) is None, f"bare % in {command!r}"
        jobs.append(Job(schedule, command.replace("\\%", "%")))
    return variables, jobs


def run_job(demo: Demo, job: Job, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", "-c", job.command],
        env={**demo.env, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def job_for(jobs: list[Job], words: str) -> Job:
    (job,) = [job for job in jobs if f"$CRMCTL {words}" in job.command]
    return job


def test_crontab_jobs_run_quietly_and_speak_up_when_a_check_fails(
    demo: Demo, tmp_path: Path
) -> None:
    variables, jobs = crontab()
    backups = tmp_path / "backups"
    backups.mkdir()
    ours = {"CRMCTL": CRMCTL, "CRM_DATABASE_URL": demo.env["CRM_DATABASE_URL"],
            "CRM_USER": "admin", "CRM_WORKFLOWS": demo.env["CRM_WORKFLOWS"],
            "BACKUP_DIR": str(backups)}  # fmt: skip
    assert set(variables) == set(ours)  # every variable the crontab sets is replaced here
    assert len(jobs) == 4
    env = {**ours, "SHELL": "/bin/sh"}

    tasks_before = len(demo.json("tasks", "list"))
    workflows = run_job(demo, job_for(jobs, "workflows run --once"), **env)
    assert (workflows.returncode, workflows.stdout, workflows.stderr) == (0, "", "")
    assert len(demo.json("tasks", "list")) > tasks_before  # the rules did their work

    backup = run_job(demo, job_for(jobs, "db backup"), **env)
    assert (backup.returncode, backup.stdout, backup.stderr) == (0, "", "")
    (written,) = backups.glob("crm-*.db")
    assert re.fullmatch(r"crm-(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\.db", written.name)
    with sqlite3.connect(written) as copy:
        companies = copy.execute("SELECT count(*) FROM companies").fetchone()[0]
    assert companies == len(demo.json("companies", "list"))

    overdue = job_for(jobs, "tasks overdue --fail-if-any")
    quiet = run_job(demo, overdue, **env)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    # A week later the follow-up tasks the rules created are past due: cron mails the list.
    late = run_job(demo, overdue, **env, CRM_NOW="2026-12-14T08:00:00+00:00")
    assert late.returncode == 6 and late.stderr == ""
    assert "Kontaktovat novou poptávku" in late.stdout
    assert re.search(r"^error: \d+ overdue task", late.stdout, re.M), late.stdout

    expiring = job_for(jobs, "services expiring")
    found = run_job(demo, expiring, **env)
    assert found.returncode == 6 and found.stderr == ""
    assert "Servisní smlouva CNC" in found.stdout and "Účetní software" in found.stdout
    assert "error: 2 contract(s) end within 90 days" in found.stdout
    none = run_job(demo, expiring, **env, CRM_NOW="2028-01-03T08:00:00+00:00")
    assert (none.returncode, none.stdout, none.stderr) == (0, "", "")


def test_crontab_job_failing_mails_crmctls_error_and_keeps_its_exit_code(
    demo: Demo, tmp_path: Path
) -> None:
    _, jobs = crontab()
    missing = tmp_path / "workflows.yaml"  # e.g. the rules file was moved
    env = {"CRMCTL": CRMCTL, "CRM_WORKFLOWS": str(missing)}
    failed = run_job(demo, job_for(jobs, "workflows run --once"), **env)
    assert failed.returncode == 2  # crmctl's own code for it
    assert failed.stdout.startswith(f"error: cannot read rules file {missing}: ")
    assert failed.stderr == ""


# --- ci-reports.sh ----------------------------------------------------------------------

REPORT_FILES = {"forecast.csv", "forecast.json", "pipeline.csv", "cashflow.csv",
                "funnel.json", "lead-response.csv"}  # fmt: skip


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir()}


def test_ci_reports_exports_diffs_and_fails_on_a_threshold(demo: Demo, tmp_path: Path) -> None:
    first, second, third = (tmp_path / name for name in ("run1", "run2", "run3"))

    done = demo.run("ci-reports.sh", str(first), str(tmp_path / "none"))
    assert done.returncode == 0, done.stderr
    assert "nothing to compare" in done.stdout
    assert set(files(first)) == REPORT_FILES
    # The files are the reports, stamped with the job's fixed clock.
    direct = demo.crmctl("report", "funnel", "--from", YEAR, "--to", YEAR, "-o", "json",
                         "--generated-at").stdout  # fmt: skip
    assert (first / "funnel.json").read_text(encoding="utf-8") == direct
    assert json.loads((first / "forecast.json").read_text())["generated_at"] == NOW
    pipeline = list(csv.DictReader(io.StringIO((first / "pipeline.csv").read_text())))
    assert {row["stage"] for row in pipeline} >= {"poptavka", "nabidka"}

    # The same data and clock: byte-identical files, nothing reported as changed.
    again = demo.run("ci-reports.sh", str(second), str(first))
    assert again.returncode == 0, again.stderr
    assert "no report changed since the previous run" in again.stdout
    assert files(second).pop("changes.diff") == b""
    assert files(second) | {"changes.diff": b""} == files(first) | {"changes.diff": b""}

    # A deal moves on: the diff shows it, and the job still passes.
    demo.crmctl("deals", "move", "5", "nabidka")
    moved = demo.run("ci-reports.sh", str(third), str(second))
    assert moved.returncode == 0, moved.stderr
    assert "report(s) changed since the previous run" in moved.stdout
    assert f"+++ {third}/pipeline.csv" in moved.stdout
    assert (third / "changes.diff").read_text() in moved.stdout


def test_ci_reports_exit_6_when_a_threshold_is_crossed(demo: Demo, tmp_path: Path) -> None:
    win_rate = _funnel_win_rate(demo)  # as the report prints it, e.g. "63.6"
    above = str(int(float(win_rate)) + 1)
    failed = demo.run("ci-reports.sh", str(tmp_path / "out"), MIN_WIN_RATE=above)
    assert failed.returncode == 6, failed.stderr
    assert f"error: --fail-if 'win_rate < {above}' is true: win_rate = {win_rate}" in (
        failed.stderr
    )
    assert set(files(tmp_path / "out")) == REPORT_FILES  # written all the same
    below = str(int(float(win_rate)))
    passed = demo.run("ci-reports.sh", str(tmp_path / "ok"), MIN_WIN_RATE=below)
    assert passed.returncode == 0, passed.stderr

    breaches = demo.run("ci-reports.sh", str(tmp_path / "sla"), MAX_SLA_BREACHES="0")
    assert breaches.returncode == 6
    assert "error: --fail-if 'breaches > 0' is true" in breaches.stderr


def _funnel_win_rate(demo: Demo) -> str:
    report = json.loads(
        demo.crmctl("report", "funnel", "--from", YEAR, "--to", YEAR, "-o", "json").stdout
    )
    (total,) = report["totals"]
    return str(total["win_rate"])


def test_ci_reports_stops_with_crmctls_exit_code(demo: Demo, tmp_path: Path) -> None:
    failed = demo.run("ci-reports.sh", str(tmp_path / "out"), CRM_USER="nikdo")
    expected = demo.crmctl("report", "forecast", code=failed.returncode, CRM_USER="nikdo")
    assert failed.returncode not in (0, 6)
    assert expected.stderr.splitlines()[0] in failed.stderr
    assert "ci-reports: crmctl report forecast failed" in failed.stderr


# --- batch-update.sh --------------------------------------------------------------------


def forgotten(demo: Demo, idle_days: int) -> list[int]:
    """What the script should pick, worked out here from the same JSON."""
    return sorted(
        deal["id"]
        for deal in demo.json("deals", "list")
        if deal["status"] == "open"
        and deal["forecast_category"] != "omitted"
        and deal["idle_days"] > idle_days
        and not deal["contacts"]
    )


def test_batch_update_takes_forgotten_deals_out_of_the_forecast(demo: Demo) -> None:
    expected = forgotten(demo, 60)
    assert len(expected) > 5
    before = {deal["id"]: deal for deal in demo.json("deals", "list")}

    dry = demo.run("batch-update.sh", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout == "ids: " + " ".join(map(str, expected)) + "\n"
    assert f"{len(expected)} deal(s) would change (dry run: nothing written)" in dry.stderr
    assert all(
        deal["forecast_category"] == before[deal["id"]]["forecast_category"]
        for deal in demo.json("deals", "list")
    )

    done = demo.run("batch-update.sh")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ids: " + " ".join(map(str, expected)) + "\n"
    after = {deal["id"]: deal for deal in demo.json("deals", "list")}
    changed = sorted(
        i for i in after if after[i]["forecast_category"] != before[i]["forecast_category"]
    )
    assert changed == expected
    assert {after[i]["forecast_category"] for i in expected} == {"omitted"}
    events = demo.json("timeline", "deal", str(expected[0]))
    assert any("forecast_category" in json.dumps(event) for event in events)

    rerun = demo.run("batch-update.sh")
    assert (rerun.returncode, rerun.stdout) == (0, "")
    assert "no open deal without contacts idle over 60 days" in rerun.stderr


def test_batch_update_leaves_deals_with_contacts_alone(demo: Demo) -> None:
    """jq's part: with every open deal matching --where, those with contacts stay."""
    with_contacts = [
        deal["id"]
        for deal in demo.json("deals", "list", "--where", 'status = "open"')
        if deal["contacts"]
    ]
    assert with_contacts, "the demo has an open deal with a contact person"
    expected = forgotten(demo, -1)
    done = demo.run("batch-update.sh", "-o", "json", IDLE_DAYS="-1")
    assert done.returncode == 0, done.stderr
    changed = sorted(row["id"] for row in json.loads(done.stdout))
    assert changed == expected and not set(changed) & set(with_contacts)


# --- web-form-lead.sh -------------------------------------------------------------------


def test_web_form_adds_leads_from_json(demo: Demo) -> None:
    count = len(demo.json("leads", "list"))
    form = {"name": "Jan Novák", "email": "Jan@Firma.cz", "phone": "603 123 456",
            "text": "Chci nabídku", "utm_source": "google"}  # fmt: skip
    done = demo.run("web-form-lead.sh", stdin=json.dumps(form))
    assert done.returncode == 0, done.stderr
    (lead,) = json.loads(done.stdout)
    assert (lead["source"], lead["status"], lead["owner"]) == ("web", "new", "admin")
    assert (lead["contact_email"], lead["contact_phone"]) == ("jan@firma.cz", "+420603123456")
    assert lead["custom"] == {"utm_source": "google"}
    assert f"1 lead(s) added: #{lead['id']}" in done.stderr

    two = [{"name": "Eva Malá", "firma": "Alfa s.r.o."}, {"email": "petr@beta.cz"}]
    both = demo.run("web-form-lead.sh", stdin=json.dumps(two))
    assert both.returncode == 0, both.stderr
    assert [r["company_name"] for r in json.loads(both.stdout)] == ["Alfa s.r.o.", None]
    assert len(demo.json("leads", "list")) == count + 3


@pytest.mark.parametrize(
    ("form", "code", "status", "message"),
    [
        ({"name": "Jan", "email": "nope"}, 4, "422 Unprocessable Content",
         '-: line 1: field "email": invalid e-mail "nope"'),
        ([{"name": "Jan"}, {"name": "Eva", "IČO": "123"}], 4, "422 Unprocessable Content",
         '-: item 2: field "IČO": invalid IČO "123"'),
        ({"name": "Jan", "owner": "nikdo"}, 3, "404 Not Found",
         "-: line 1: field \"owner\": no user 'nikdo'"),
        ({"text": "hi"}, 4, "422 Unprocessable Content", "-: line 1: a lead needs someone"),
    ],
)  # fmt: skip
def test_web_form_refuses_bad_input_naming_the_field(
    demo: Demo, form: object, code: int, status: str, message: str
) -> None:
    count = len(demo.json("leads", "list"))
    refused = demo.run("web-form-lead.sh", stdin=json.dumps(form))
    assert refused.returncode == code
    assert json.loads(refused.stdout)["error"].startswith(message), refused.stdout
    assert refused.stderr.startswith("error: " + message)

    cgi = demo.run("web-form-lead.sh", stdin=json.dumps(form), REQUEST_METHOD="POST")
    assert cgi.returncode == 0
    head, _, body = cgi.stdout.partition("\r\n\r\n")
    assert head.split("\r\n") == [f"Status: {status}", "Content-Type: application/json"]
    assert json.loads(body)["error"].startswith(message)
    assert len(demo.json("leads", "list")) == count  # nothing written


def test_web_form_as_cgi_answers_201(demo: Demo) -> None:
    cgi = demo.run("web-form-lead.sh", stdin='{"name": "Jan"}', REQUEST_METHOD="POST")
    assert cgi.returncode == 0, cgi.stderr
    head, _, body = cgi.stdout.partition("\r\n\r\n")
    assert head.startswith("Status: 201 Created\r\n")
    assert json.loads(body)[0]["contact_name"] == "Jan"
