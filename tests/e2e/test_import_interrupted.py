"""An import stopped by Ctrl-C or kill -9 leaves nothing half-written."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import snapshot
from tests.e2e.test_installed_cli import CRMCTL

ROWS = 40_000


def big_list(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Firma", "Jméno", "Příjmení", "E-mail", "Telefon"])
        for i in range(ROWS):
            writer.writerow([f"Firma {i // 4} s.r.o.", "Jan", f"Novák{i}", f"jan{i}@f.cz", ""])
    return path


def _signals_as_in_a_shell() -> None:
    # A terminal's Ctrl-C reaches a process whose SIGINT is neither ignored nor blocked;
    # the test runner's own state (inherited by default) must not decide the outcome.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def _wait_for_reader_process(process: subprocess.Popen[bytes]) -> None:
    """The import forks its reader once it is under way: start-up is over (slow under load)."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if children.exists() and children.read_text().strip():
            return
        time.sleep(0.05)
    pytest.fail("the import never started its reader process")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_import_writes_nothing(
    db_url: str, tmp_path: Path, stop: signal.Signals
) -> None:
    env = {**os.environ, "CRM_DATABASE_URL": db_url, "CRM_USER": "admin"}
    source = big_list(tmp_path / "big.csv")
    before = snapshot(db_url)
    process = subprocess.Popen(
        [CRMCTL, "import", str(source)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_signals_as_in_a_shell,
    )
    _wait_for_reader_process(process)
    time.sleep(0.5)  # into the rows
    if process.poll() is not None:
        pytest.fail("the import finished before it could be interrupted; make the file bigger")
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    if stop == signal.SIGINT:
        assert process.returncode == 130
        assert b"rolled back" in stderr
    assert snapshot(db_url) == before
    done = subprocess.run(
        [CRMCTL, "import", str(source), "-o", "json"], env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr
