"""Values from the database for completion: logins, team names, stage and pipeline keys.

The database is found as the CLI finds it (``--db`` on the line, ``CRM_DATABASE_URL``,
``crmctl.yaml`` in the current then the user config directory, the SQLite file in the user
data directory). An SQLite database is read directly with the standard ``sqlite3``,
read-only (a missing file is never created). Any other database (PostgreSQL) would need
psycopg, whose import alone takes ~250 ms: its values come from a small cache file that
normal commands refresh (``crmctl.cli.common``, at most once an hour). Stages and
pipelines also come from ``pipelines:`` in crmctl.yaml, else the built-in default pipeline.
Whatever fails (no database, no file, a locked or foreign file) yields nothing.
"""

import hashlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

KINDS = ("logins", "teams", "stages", "pipelines")
CONFIG_FILE_NAME = "crmctl.yaml"
CACHE_MAX_AGE = 3600  # seconds: how stale a PostgreSQL cache may get before a refresh
# Stage and pipeline keys of the built-in default pipeline (crmctl.services.pipelines).
DEFAULT_STAGES = ("poptavka", "analyza", "nabidka", "jednani", "vyhrano", "prohrano")
DEFAULT_PIPELINES = ("default",)

QUERIES = {
    "logins": "SELECT login FROM users WHERE active ORDER BY login",
    "teams": "SELECT name FROM teams ORDER BY name",
    "stages": "SELECT DISTINCT stage FROM deals ORDER BY stage",
    "pipelines": "SELECT DISTINCT pipeline FROM deals ORDER BY pipeline",
}


def read(kind: str, db: str | None, environ: dict[str, str]) -> list[str]:
    try:
        url, config = _database(db, environ)
        found = _configured(kind, config)
        found += _from_database(kind, url) if url.startswith("sqlite") else _cached(kind, url)
    except Exception:  # a Tab never shows an error: nothing to offer
        return []
    return list(dict.fromkeys(found))  # configured first, no repeats


def _database(db: str | None, environ: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The database URL and the config file's settings, as crmctl.config resolves them."""
    config_path = _config_file()
    config = _load_yaml(config_path) if config_path else {}
    if db:
        return _normalised(db, None), config
    if environ.get("CRM_DATABASE_URL"):
        return _normalised(environ["CRM_DATABASE_URL"], None), config
    if config_path is not None and config.get("database_url"):
        return _normalised(str(config["database_url"]), config_path.parent), config
    import platformdirs  # noqa: PLC0415  (only when no database is named)

    return f"sqlite:///{Path(platformdirs.user_data_dir('crmctl')) / 'crm.db'}", config


def _config_file() -> Path | None:
    candidate = Path.cwd() / CONFIG_FILE_NAME
    if candidate.is_file():
        return candidate
    import platformdirs  # noqa: PLC0415  (only when the current directory has none)

    candidate = Path(platformdirs.user_config_dir("crmctl")) / CONFIG_FILE_NAME
    return candidate if candidate.is_file() else None


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml  # noqa: PLC0415  (only when a config file exists)

    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _normalised(url: str, relative_to: Path | None) -> str:
    """Like ``crmctl.config.normalise_database_url``: a plain path is an SQLite file."""
    if "://" not in url:
        path = Path(url).expanduser()
        if relative_to is not None and not path.is_absolute():
            path = relative_to / path
        return f"sqlite:///{path}"
    if url.startswith(("postgresql://", "postgres://")):  # the cache is kept under this name
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and relative_to is not None:
        path = Path(url.removeprefix("sqlite:///")).expanduser()
        if not path.is_absolute():
            return f"sqlite:///{relative_to / path}"
    return url


def _configured(kind: str, config: dict[str, Any]) -> list[str]:
    pipelines = config.get("pipelines")
    if kind not in ("stages", "pipelines"):
        return []
    if not isinstance(pipelines, dict) or not pipelines:
        return list(DEFAULT_STAGES if kind == "stages" else DEFAULT_PIPELINES)
    if kind == "pipelines":
        return [str(key) for key in pipelines]
    return [
        str(stage["key"])
        for pipeline in pipelines.values()
        if isinstance(pipeline, dict)
        for stage in pipeline.get("stages") or []
        if isinstance(stage, dict) and "key" in stage
    ]


def _from_database(kind: str, url: str) -> list[str]:
    path = url.split("///", 1)[1].split("?", 1)[0]
    if not path or path == ":memory:" or not Path(path).is_file():
        return []
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True, timeout=0.05)
    try:
        return [str(row[0]) for row in connection.execute(QUERIES[kind]) if row[0] is not None]
    finally:
        connection.close()


def cache_path(url: str) -> Path:
    """Where a non-SQLite database's values are kept: one small JSON file per URL."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    return Path(base) / "crmctl" / f"completion-{digest}.json"


def _cached(kind: str, url: str) -> list[str]:
    data = json.loads(cache_path(url).read_text(encoding="utf-8"))
    return [str(item) for item in data.get(kind, [])]


def cache_is_fresh(url: str, now: float | None = None) -> bool:
    try:
        age = (time.time() if now is None else now) - cache_path(url).stat().st_mtime
    except OSError:
        return False
    return age < CACHE_MAX_AGE


def write_cache(url: str, found: dict[str, list[str]]) -> None:
    """Keep the values for the next Tab; written whole, then renamed into place."""
    path = cache_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(found, ensure_ascii=False), encoding="utf-8")
    temporary.replace(path)
