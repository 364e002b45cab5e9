"""Issue 20 item 8: one progress line on a terminal's stderr, redrawn at most ten times a
second, cleared when done; nothing off a terminal or with quiet.

The line itself is tested with a fake clock; the terminal with real processes: the
installed ``crmctl`` with its stderr on a pseudo-terminal (``os.openpty``), and in a pipe.
"""

from __future__ import annotations

import io
import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from crmctl.cli.console import Console
from crmctl.cli.progress import Progress, progress_for

CRMCTL = shutil.which("crmctl") or str(Path(sys.executable).with_name("crmctl"))


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def terminal() -> Console:
    return Console(io.StringIO(), io.StringIO(), stdout_isatty=True, stderr_isatty=True)


def written(console: Console) -> str:
    return console.stderr.getvalue()  # type: ignore[attr-defined]


def test_total_known_shows_done_total_percent_and_eta() -> None:
    clock, out = Clock(), terminal()
    progress = Progress("launch", "leads", total=200, out=out, clock=clock)
    clock.now += 2.0
    progress(50, 200)  # 25 a second, 150 left: 6 s
    assert written(out) == "\rlaunch: 50/200 leads  25 %  ETA 0:06"


def test_total_unknown_shows_count_and_rate() -> None:
    clock, out = Clock(), terminal()
    progress = Progress("import", "rows", out=out, clock=clock)
    clock.now += 4.0
    progress(12_000, None)
    assert written(out) == "\rimport: 12,000 rows  3,000 rows/s"


def test_at_most_ten_redraws_a_second() -> None:
    clock, out = Clock(), terminal()
    progress = Progress("import", "rows", out=out, clock=clock)
    for step in range(1, 101):  # 100 reports over one second
        clock.now += 0.01
        progress(step, None)
    draws = written(out).count("\r")
    assert 9 <= draws <= 11, written(out)


def test_close_blanks_what_was_drawn() -> None:
    clock, out = Clock(), terminal()
    with Progress("apply", "deals", total=3, out=out, clock=clock) as progress:
        clock.now += 1
        progress(1, 3)
        drawn = len("apply: 1/3 deals  33 %  ETA 0:02")
    assert written(out).endswith("\r" + " " * drawn + "\r")


def test_a_shorter_line_covers_the_longer_one_before() -> None:
    clock, out = Clock(), terminal()
    progress = Progress("import", "rows", out=out, clock=clock)
    clock.now += 0.001
    progress(1_000_000, None)  # a huge rate at first
    first = written(out)
    clock.now += 1000
    progress(1_000_001, None)
    second = written(out)[len(first) :]
    assert len(second) == len(first)


def test_nothing_without_a_work_report_or_off_a_terminal_or_quiet() -> None:
    out = terminal()
    with Progress("import", "rows", out=out):
        pass
    assert written(out) == ""
    piped = Console(io.StringIO(), io.StringIO(), stdout_isatty=False, stderr_isatty=False)
    with Progress("import", "rows", out=piped) as progress:
        progress(10, None)
    assert written(piped) == ""
    quiet = terminal()
    with Progress("import", "rows", out=quiet, quiet=True) as progress:
        progress(10, 20)
    assert written(quiet) == ""


def test_progress_for_follows_the_global_quiet_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--quiet`` (another helper's) lands on the root context's options object."""
    out = terminal()
    monkeypatch.setattr("crmctl.cli.progress.console", lambda: out)

    class Root:
        def __init__(self, obj: object) -> None:
            self.obj = obj

        def find_root(self) -> Root:
            return self

    quiet, loud = SimpleNamespace(quiet=True), SimpleNamespace(db=None)  # no such flag yet
    assert not progress_for(Root(quiet), "import", "rows").enabled
    assert progress_for(Root(loud), "import", "rows").enabled
    assert progress_for(None, "import", "rows").enabled


# --- real processes -------------------------------------------------------------------


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CRM_DATABASE_URL": db_url,
        "CRM_USER": "admin",
        "CRM_NOW": "2026-03-10T09:00:00+01:00",
        "COLUMNS": "100",
    }


def run_on_terminal(args: list[str], env: dict[str, str], stdin: str = "") -> tuple[int, str, str]:
    """``crmctl ARGS`` with stderr on a pseudo-terminal: (exit code, stdout, the screen)."""
    primary, secondary = os.openpty()
    process = subprocess.Popen(
        [CRMCTL, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(stdin.encode())
    process.stdin.close()
    screen = b""
    while True:  # read the terminal until crmctl closes it (EIO on Linux)
        ready, _, _ = select.select([primary], [], [], 60)
        assert ready, "crmctl wrote nothing to the terminal for 60 s"
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        screen += chunk
    os.close(primary)
    stdout = process.stdout.read().decode()
    # The terminal turns each \n into \r\n (onlcr): back to lines, so that a \r left is ours.
    return process.wait(timeout=60), stdout, screen.decode().replace("\r\n", "\n")


def contacts_file(path: Path, rows: int) -> Path:
    lines = [f"Jan;Novák{n};jan{n}@firma{n}.cz" for n in range(rows)]
    path.write_text("Jméno;Příjmení;E-mail\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_drawn_then_cleared(screen: str, start: str) -> None:
    """Lines starting with ``start`` were drawn, then the last one was blanked, before the
    next message, which is not redrawn over."""
    drawn, _, after = screen.rpartition("\r" + " " * 10)
    assert drawn and "\r" + start in drawn, repr(screen)
    last = drawn.rsplit("\r", 1)[1].rstrip(" ")  # a shorter line is padded
    assert last.startswith(start)
    spaces, _, after = (" " * 10 + after).partition("\r")
    assert spaces == " " * len(last), repr(screen)  # as wide as what it covers
    assert "\r" not in after and start not in after, repr(after)


def test_import_on_a_terminal_draws_and_clears_the_line(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = contacts_file(tmp_path / "kontakty.csv", 3000)
    code, stdout, screen = run_on_terminal(["import", str(source)], env)
    assert code == 0, screen
    assert "rows/s" in screen
    assert_drawn_then_cleared(screen, "import: ")
    assert "import #1 done" in screen.splitlines()[-1]  # the report, on a clean line
    assert "created" in stdout


def test_apply_on_a_terminal_shows_the_total(env: dict[str, str], tmp_path: Path) -> None:
    records = [{"name": f"Jan Novák {n}", "emails": [f"jan{n}@example.cz"]} for n in range(30)]
    code, _, screen = run_on_terminal(
        ["contacts", "apply", "-f", "-"], env, stdin=json.dumps(records)
    )
    assert code == 0, screen
    assert "apply: 1/30 contacts  3 %  ETA " in screen  # the first report is drawn at once
    assert_drawn_then_cleared(screen, "apply: ")
    assert "30 contact(s) were created" in screen


def test_campaign_launch_on_a_terminal_shows_leads_of_the_total(
    env: dict[str, str], tmp_path: Path
) -> None:
    rows = [f"Firma {n} s.r.o.,Praha" for n in range(40)]
    source = tmp_path / "firmy.csv"
    source.write_text("Firma,Město\n" + "\n".join(rows) + "\n", encoding="utf-8")
    imported = run_on_terminal(["import", str(source)], env)
    assert imported[0] == 0, imported[2]
    assert run_on_terminal(["campaigns", "add", "Jaro"], env)[0] == 0
    code, stdout, screen = run_on_terminal(
        ["campaigns", "launch", "Jaro", "--where", "id > 0", "-o", "json"], env
    )
    assert code == 0, screen
    assert "launch: 40/40 leads  100 %  ETA 0:00" in screen  # one bulk insert, drawn at once
    assert_drawn_then_cleared(screen, "launch: ")
    assert len(json.loads(stdout)) == 40


def test_mail_import_on_a_terminal_counts_messages(env: dict[str, str]) -> None:
    mbox = Path(__file__).resolve().parents[2] / "examples" / "mail" / "demo.mbox"
    code, stdout, screen = run_on_terminal(["mail", "import", str(mbox), "-o", "json"], env)
    assert code == 0, screen
    read = json.loads(stdout)["read"]
    assert f"mail import: {read:,} messages  " in screen and "messages/s" in screen
    assert_drawn_then_cleared(screen, "mail import: ")


def test_through_a_pipe_nothing_but_the_messages(env: dict[str, str], tmp_path: Path) -> None:
    source = contacts_file(tmp_path / "kontakty.csv", 3000)
    done = subprocess.run([CRMCTL, "import", str(source)], capture_output=True, env=env)
    assert done.returncode == 0, done.stderr
    assert b"\r" not in done.stderr and b"rows/s" not in done.stderr
    assert done.stderr.decode().startswith("import #1 done")
