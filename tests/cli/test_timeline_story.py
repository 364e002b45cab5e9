"""The timeline story on the demo database, as a terminal shows it (issue 20 item 1).

The installed ``crmctl`` runs in a subprocess on ``crmctl init --demo --history`` with a
fixed clock: at ``COLUMNS=80`` and ``120``, in English, ``--compact``, through a pipe (no
width limit) and in a real pseudo-terminal whose window is 80 columns wide (no
``COLUMNS``: the width comes from the terminal). Each screen is compared with its snapshot
in ``tests/cli/snapshots/``, every line must fit the width, and the wrapped screen holds
exactly the words of the unwrapped one: a word cut in two would show up as two new words.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import struct
import subprocess
import sys
import termios
from collections import Counter
from pathlib import Path

import pytest

CRMCTL = shutil.which("crmctl") or str(Path(sys.executable).with_name("crmctl"))
SNAPSHOTS = Path(__file__).parent / "snapshots"
NOW = "2026-12-07T10:00:00+01:00"
COMPANY = ("timeline", "company", "27184315")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The demo database with its sales history, and an environment without a width."""
    path = tmp_path_factory.mktemp("demo") / "crm.db"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("COLUMNS", "LINES", "CRM_LANG", "CRM_TIMEZONE", "CRM_DEBUG")
    }
    env |= {
        "CRM_DATABASE_URL": f"sqlite:///{path}",
        "CRM_USER": "admin",
        "CRM_NOW": NOW,
        "XDG_CONFIG_HOME": str(path.parent / "config"),
        "XDG_DATA_HOME": str(path.parent / "data"),
    }
    made = subprocess.run(
        [CRMCTL, "init", "--demo", "--history", "--admin", "admin"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return env


def run(env: dict[str, str], *args: str, **extra: str) -> str:
    result = subprocess.run(
        [CRMCTL, *args], capture_output=True, text=True, env=env | extra, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def run_in_terminal(env: dict[str, str], *args: str, columns: int) -> str:
    """stdout on a pseudo-terminal ``columns`` wide; what the terminal received."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    process = subprocess.Popen(
        [CRMCTL, *args], stdin=slave, stdout=slave, stderr=subprocess.PIPE, env=env
    )
    os.close(slave)
    received = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side closed
            break
        if not chunk:
            break
        received += chunk
    os.close(master)
    assert process.wait(timeout=60) == 0, process.stderr.read() if process.stderr else ""
    return received.decode("utf-8").replace("\r\n", "\n")


def snapshot(name: str) -> str:
    return (SNAPSHOTS / name).read_text(encoding="utf-8")


def words(text: str) -> Counter[str]:
    """Words as plain spaces and line breaks separate them (a non-breaking space joins)."""
    return Counter(word for word in re.split(r"[ \n]+", text) if word)


def assert_fits(text: str, width: int) -> None:
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert too_long == [], too_long


@pytest.mark.parametrize("width", [80, 120])
def test_demo_company_timeline_fits_the_width_without_cutting_a_word(
    demo: dict[str, str], width: int
) -> None:
    screen = run(demo, *COMPANY, COLUMNS=str(width))
    assert screen == snapshot(f"timeline_company_{width}.txt")
    assert_fits(screen, width)
    assert words(screen) == words(run(demo, *COMPANY))


def test_the_story_reads_by_day_with_local_times_and_names(demo: dict[str, str]) -> None:
    screen = run(demo, *COMPANY, COLUMNS="80").splitlines()
    assert screen[0] == "pondělí 7. prosince 2026"
    assert "středa 2. prosince 2026" in screen
    # No UTC offsets, keys, logins of people who have names, or Python reprs.
    text = "\n".join(screen)
    for absent in ("+00:00", "poptavka", "eva.mala", "True", "{"):
        assert absent not in text
    assert "  11:00  Eva Malá   Fáze: Poptávka → Analýza — obchod Údržba linky" in screen


def test_through_a_pipe_nothing_wraps(demo: dict[str, str]) -> None:
    screen = run(demo, *COMPANY)
    assert screen == snapshot("timeline_company_pipe.txt")
    assert max(len(line) for line in screen.splitlines()) > 80


def test_in_a_terminal_the_width_is_the_terminals(demo: dict[str, str]) -> None:
    screen = run_in_terminal(demo, *COMPANY, columns=80)
    assert screen == snapshot("timeline_company_80.txt")
    assert_fits(screen, 80)
    narrow = run_in_terminal(demo, *COMPANY, columns=50)
    assert_fits(narrow, 50)
    assert words(narrow) == words(screen)


def test_english(demo: dict[str, str]) -> None:
    screen = run(demo, *COMPANY, COLUMNS="80", CRM_LANG="en")
    assert screen == snapshot("timeline_company_80_en.txt")
    assert screen.startswith("Monday 7 December 2026\n")
    assert_fits(screen, 80)
    assert words(screen) == words(run(demo, *COMPANY, CRM_LANG="en"))


def test_compact_is_one_line_per_event_cut_to_the_width(demo: dict[str, str]) -> None:
    screen = run(demo, *COMPANY, "--compact", "--limit", "20", COLUMNS="80")
    assert screen == snapshot("timeline_company_compact_80.txt")
    lines = screen.splitlines()
    assert len(lines) == 20
    assert_fits(screen, 80)
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d  ", line) for line in lines)
    assert any(line.endswith("…") for line in lines)
    whole = run(demo, *COMPANY, "--compact", "--limit", "20").splitlines()
    assert not any(line.endswith("…") for line in whole)
    for cut, full in zip(lines, whole, strict=True):
        assert full.startswith(cut.removesuffix("…").rstrip())


def test_machine_formats_and_fields_keep_the_records(demo: dict[str, str]) -> None:
    as_json = run(demo, *COMPANY, "-o", "json", "--limit", "3", COLUMNS="80")
    assert '"summary": "action added"' in as_json
    columns = run(demo, *COMPANY, "--fields", "kind,summary", "--limit", "2", COLUMNS="80")
    assert columns.splitlines()[0].split() == ["kind", "summary"]


def test_compact_is_for_the_table_only(demo: dict[str, str]) -> None:
    for extra in (("-o", "json"), ("--fields", "id,kind")):
        result = subprocess.run(
            [CRMCTL, *COMPANY, "--compact", *extra],
            capture_output=True, text=True, env=demo, check=False,
        )  # fmt: skip
        assert result.returncode == 2 and result.stdout == ""
        assert result.stderr.startswith("error: invalid value for --compact: --compact is a table")
