"""An import stopped by Ctrl-C or kill -9 leaves nothing half-written."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from crmctl.importer.pipeline import BACKGROUND_MIN_BYTES, CHUNK_ROWS, QUEUE_CHUNKS
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


# The import's own bookkeeping: its batch record (with the issues found) and its events
# stay on record after an undo; events are append-only.
BOOKKEEPING = ("events", "import_batches", "import_issues")


def assert_nothing_half_written(db_url: str, before: dict[str, Any], env: dict[str, str]) -> None:
    """PostgreSQL imports in one transaction: an interrupted one leaves nothing at all.

    SQLite commits chunk by chunk so that other writers get in (issue 15 item 11): Ctrl-C
    undoes the chunks already committed; after a kill -9 the batch stays `running`, and
    `crmctl import undo` takes it back whole. Either way the data is as before.
    """
    if not db_url.startswith("sqlite"):
        assert snapshot(db_url) == before
        return
    listed = subprocess.run(
        [CRMCTL, "import", "list", "-o", "json"], env=env, capture_output=True, check=True
    )
    for batch in json.loads(listed.stdout):
        if batch["status"] == "running":  # killed: an incomplete batch
            undo = subprocess.run(
                [CRMCTL, "import", "undo", str(batch["id"])], env=env, capture_output=True
            )
            assert undo.returncode == 0, undo.stderr
        else:
            assert batch["status"] == "undone", batch
    after = snapshot(db_url)
    assert {t: rows for t, rows in after.items() if t not in BOOKKEEPING} == {
        t: rows for t, rows in before.items() if t not in BOOKKEEPING
    }


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
    assert_nothing_half_written(db_url, before, env)
    done = subprocess.run(
        [CRMCTL, "import", str(source), "-o", "json"], env=env, capture_output=True, check=False
    )
    assert done.returncode == 0, done.stderr


# Over the pipeline's BACKGROUND_MIN_BYTES (so the reader is forked) in at most
# QUEUE_CHUNKS chunks: the reader sends the whole file at once and then only waits for
# the parent to take it, which is where a reader outlived a killed parent.
WIDE_ROWS = 5_000
WIDE_NOTE = "poznámka " * 30


def wide_list(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Firma", "Jméno", "Příjmení", "E-mail", "Poznámka"])
        for i in range(WIDE_ROWS):
            writer.writerow([f"Firma {i} s.r.o.", "Jan", f"Novák{i}", f"jan{i}@f.cz", WIDE_NOTE])
    assert path.stat().st_size >= BACKGROUND_MIN_BYTES
    assert WIDE_ROWS <= CHUNK_ROWS * (QUEUE_CHUNKS - 1)
    return path


def _reader_pid(process: subprocess.Popen[bytes]) -> int:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _is_running(pid: int) -> bool:
    """Alive and not a zombie (an orphan is reaped by whoever adopts it, maybe late)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_until_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _is_running(pid):
            return True
        time.sleep(0.05)
    return False


def test_item12_killed_import_leaves_no_reader_process(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "CRM_DATABASE_URL": db_url, "CRM_USER": "admin"}
    source = wide_list(tmp_path / "wide.csv")
    before = snapshot(db_url)
    process = subprocess.Popen(
        [CRMCTL, "import", str(source)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_signals_as_in_a_shell,
    )
    _wait_for_reader_process(process)
    reader = _reader_pid(process)
    time.sleep(0.5)  # the reader sends its chunks while the parent writes the first
    if process.poll() is not None:
        pytest.fail("the import finished before it could be killed; make the file bigger")
    process.kill()
    process.wait(timeout=60)
    try:
        # Bounded: a reader that survives its parent never exits at all.
        assert _wait_until_gone(reader, 20), f"reader process {reader} outlived its parent"
    finally:
        if _is_running(reader):
            os.kill(reader, signal.SIGKILL)
    assert_nothing_half_written(db_url, before, env)
