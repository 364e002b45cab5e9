"""Issue 20 item 4: `crmctl completion bash|zsh|fish` and what Tab offers.

The bash script is sourced in a real ``bash`` whose completion function is called with
``COMP_WORDS``/``COMP_CWORD`` as bash sets them; it runs the installed ``crmctl`` console
script, so the whole path (script → console script → stdlib engine → database) is real.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crmctl.cli import app
from crmctl.cli.completion_tree import command_tree
from crmctl.completion import engine, values
from tests.conftest import Crm

BIN = Path(sys.executable).parent
CRMCTL = BIN / "crmctl"
LOGINS = ["admin", "eva.mala", "petr.kral"]

# (command line up to the cursor, what COMPREPLY must hold) against the database below.
WITH_DATABASE: list[tuple[list[str], list[str]]] = [
    (["de"], ["deals"]),
    (["deals", "mo"], ["move"]),
    (["deals", "add", "--owner", ""], LOGINS),
    (["deals", "add", "--owner", "e"], ["eva.mala"]),
    (["--as", "p"], ["petr.kral"]),
    (["contacts", "--as", ""], LOGINS),
    (["leads", "assign", "5", ""], LOGINS),  # LOGIN, the second argument
    (["campaigns", "launch", "1", "--assign", "a"], ["admin"]),
    (["tasks", "list", "--team", ""], ["Obchod\\ Morava", "Obchod\\ Praha"]),
    (["deals", "add", "--stage", "na"], ["nabidka"]),
    (["deals", "move", "3", "j"], ["jednani"]),
    (["leads", "convert", "1", "--pipeline", ""], ["default"]),
    (["deals", "list", "--where", "sta"], ["stage", "status", "stage_entered_at"]),
    (["deals", "list", "-o", "js"], ["json", "jsonl"]),
    (["deals", "update", "--where", '\'stage = "x" and own'], ['stage = "x" and owner']),
    (["tasks", "list", "--owner", "=", "pe"], ["petr.kral"]),  # bash splits `--owner=pe`
    (["completion", ""], ["bash", "zsh", "fish"]),
]


@pytest.fixture
def sqlite_crm(tmp_path: Path, sqlite_template: Path) -> Crm:
    path = tmp_path / "crm.db"
    shutil.copyfile(sqlite_template, path)
    crm = Crm(f"sqlite:///{path}")
    crm("teams", "add", "Obchod Praha")
    crm("teams", "add", "Obchod Morava")
    crm("users", "add", "eva.mala", "--team", "Obchod Morava")
    crm("users", "add", "petr.kral", "--team", "Obchod Praha")
    crm("users", "add", "gone")
    crm("users", "edit", "gone", "--inactive")
    crm("deals", "add", "--title", "Licence", "--stage", "jednani")
    return crm


def bash_complete(script: Path, words: list[str], env: dict[str, str]) -> list[str]:
    """COMPREPLY of the sourced script's completion function for `crmctl WORDS`."""
    quoted = " ".join(_bash_quote(word) for word in ["crmctl", *words])
    program = (
        f"source {script}\nCOMP_WORDS=({quoted})\nCOMP_CWORD={len(words)}\n"
        '_crmctl_complete\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=30,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return [line for line in result.stdout.splitlines() if line]


def _bash_quote(word: str) -> str:
    return "'" + word.replace("'", "'\\''") + "'"


def _env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("CRM_")}
    return {**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", **extra}


@pytest.fixture
def bash_script(tmp_path: Path) -> Path:
    result = subprocess.run(
        [str(CRMCTL), "completion", "bash"], capture_output=True, text=True, check=True
    )
    path = tmp_path / "crmctl.bash"
    path.write_text(result.stdout, encoding="utf-8")
    return path


@pytest.mark.parametrize(("words", "expected"), WITH_DATABASE, ids=lambda v: repr(v))
def test_bash_completes_with_a_database(
    sqlite_crm: Crm, bash_script: Path, words: list[str], expected: list[str]
) -> None:
    env = _env(CRM_DATABASE_URL=sqlite_crm.url)
    assert bash_complete(bash_script, words, env) == expected


def test_bash_completes_the_db_named_on_the_line(sqlite_crm: Crm, bash_script: Path) -> None:
    path = sqlite_crm.url.removeprefix("sqlite:///")
    words = ["--db", path, "deals", "add", "--owner", "p"]
    assert bash_complete(bash_script, words, _env()) == ["petr.kral"]


# Without a reachable database: commands and options still complete, values are silent.
WITHOUT_DATABASE: list[tuple[list[str], list[str]]] = [
    (["tas"], ["tasks"]),
    (["tasks", "o"], ["overdue"]),
    (["tasks", "overdue", "--fail"], ["--fail-if-any"]),
    (["deals", "add", "--owner", ""], []),
    (["tasks", "list", "--team", ""], []),
    (["deals", "move", "3", ""], list(values.DEFAULT_STAGES)),
    (["deals", "list", "--where", "idle"], ["idle_days"]),
    (["report", "forecast", "-o", "x"], ["xlsx"]),
    (["companies", "list", "--ids", "--where", "ci"], ["city"]),
    (["import", "run", "--unmapped", ""], ["custom", "ignore"]),
    (["tasks", "add", "Zavolat", "--priority", "h"], ["high"]),  # choices from the help
    (["deals", "list", "--"], []),  # checked below: every option of the command
]


@pytest.mark.parametrize(("words", "expected"), WITHOUT_DATABASE, ids=lambda v: repr(v))
def test_bash_completes_without_a_database(
    tmp_path: Path, bash_script: Path, words: list[str], expected: list[str]
) -> None:
    env = _env(CRM_DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'crm.db'}")
    got = bash_complete(bash_script, words, env)
    if words[-1] == "--":
        assert {"--where", "--ids", "--quiet", "--as", "--db", "--format"} <= set(got)
        # `--output` is offered as the file it is (issue 20 item 7), once.
        assert got.count("--output") == 1 and "--excel" in got
    else:
        assert got == expected
    assert not (tmp_path / "missing").exists()  # nothing created where nothing was


def test_a_completion_request_prints_nothing_else_and_exits_0(tmp_path: Path) -> None:
    env = _env(_CRMCTL_COMPLETE="bash", CRM_DATABASE_URL="postgresql://nobody@127.0.0.1:1/x")
    result = subprocess.run(
        [str(CRMCTL), "deals", "add", "--owner", ""], capture_output=True, text=True, env=env
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_file_options_ask_the_shell_for_file_names(tmp_path: Path, bash_script: Path) -> None:
    (tmp_path / "adresar.csv").write_text("name\n", encoding="utf-8")
    got = bash_complete(bash_script, ["import", "run", "adr"], _env())
    assert got == ["adresar.csv"]


def test_postgres_values_come_from_the_cache_a_read_command_refreshed(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    crm = Crm(postgres_url)
    crm("users", "add", "eva.mala")
    env = {**os.environ, "CRM_DATABASE_URL": postgres_url}
    assert engine.complete(["deals", "add", "--owner", ""], env) == []  # no cache yet
    crm("companies", "list")
    assert engine.complete(["deals", "add", "--owner", ""], env) == ["admin", "eva.mala"]
    assert values.cache_is_fresh(postgres_url)


def test_where_offers_fields_after_and_or_not_only() -> None:
    def where(text: str) -> list[str]:
        return engine.complete(["deals", "list", "--where", text], {}, shell="zsh")

    assert "owner" in where("")
    assert where("stage = ") == []  # a value is expected here, not a field
    assert where('stage = "x" or idl') == ['stage = "x" or idle_days']
    assert where("not (own") == ["not (owner"]
    assert where("'value > 1 AND probability_o") == ["value > 1 AND probability_overridden"]


def test_the_shipped_tree_is_the_one_the_app_generates() -> None:
    shipped = json.loads(engine.TREE_FILE.read_text(encoding="utf-8"))
    assert shipped == command_tree(app), "run: python scripts/completion_tree.py"


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_each_script_is_printed_and_parses(shell: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(CRMCTL), "completion", shell], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and "_CRMCTL_COMPLETE" in result.stdout
    assert "crmctl" in result.stdout.splitlines()[-1]  # registers itself for `crmctl`
    if _shell_present(shell):  # zsh and fish: installed by .ci/run, maybe not elsewhere
        path = tmp_path / f"crmctl.{shell}"
        path.write_text(result.stdout, encoding="utf-8")
        check = [shell, "-n", str(path)]
        assert subprocess.run(check, capture_output=True, check=False).returncode == 0


def test_an_unknown_shell_is_a_usage_error() -> None:
    result = subprocess.run(
        [str(CRMCTL), "completion", "pwsh"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == (
        "error: unknown shell 'pwsh'; choose bash, zsh or fish"
    )


def test_zsh_and_fish_scripts_complete_in_their_shells(sqlite_crm: Crm, tmp_path: Path) -> None:
    """Where zsh or fish is installed: the zsh function with `compadd` recorded (words and
    CURRENT as zsh sets them), fish through `complete -C` itself."""
    env = _env(CRM_DATABASE_URL=sqlite_crm.url)
    if _shell_present("zsh"):
        script = tmp_path / "crmctl.zsh"
        script.write_text(_script("zsh"), encoding="utf-8")
        program = (
            'compdef() { :; }\ncompadd() { shift 2; print -l -- "$@"; }\n'
            f"source {script}\nwords=(crmctl tasks list --team '')\nCURRENT=5\n_crmctl\n"
        )
        result = subprocess.run(
            ["zsh", "-f", "-c", program], capture_output=True, text=True, env=env
        )
        assert result.stdout.splitlines() == ["Obchod Morava", "Obchod Praha"], result.stderr
    if _shell_present("fish"):
        script = tmp_path / "crmctl.fish"
        script.write_text(_script("fish"), encoding="utf-8")
        program = f"source {script}; complete -C'crmctl deals add --owner p'"
        result = subprocess.run(["fish", "-c", program], capture_output=True, text=True, env=env)
        assert result.stdout.splitlines() == ["petr.kral"], result.stderr


def _shell_present(shell: str) -> bool:
    """Whether ``shell`` can be run; under CI (which installs it) its absence fails."""
    if shutil.which(shell):
        return True
    if os.environ.get("CI") == "true":
        pytest.fail(f"{shell} is not installed; .ci/run installs it (apt-get install {shell})")
    return False


def _script(shell: str) -> str:
    return subprocess.run(
        [str(CRMCTL), "completion", shell], capture_output=True, text=True, check=True
    ).stdout
