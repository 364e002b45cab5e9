"""Effective settings and where each came from.

Precedence for the database: ``--db`` > ``CRM_DATABASE_URL`` > ``crmctl.yaml`` in the
current directory > ``crmctl.yaml`` in the user config directory > an SQLite file in
the user data directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crmctl.clock import DEFAULT_TIMEZONE
from crmctl.errors import UsageError

CONFIG_FILE_NAME = "crmctl.yaml"
APP_NAME = "crmctl"
KNOWN_KEYS = (
    "database_url",
    "timezone",
    "pipelines",
    "documents_dir",
    "documents_max_mb",
    "workflows",
    "smtp_url",
    "policy",
    "mail",
    "business_hours",
    "commissions",
    "language",  # cs (default) or en: the language of report tables, HTML and XLSX
    "payment_days",  # days from close to payment in `report cashflow` (default 14)
    "territories",  # `campaigns launch --assign territory` (issue 19)
)
DEFAULT_DOCUMENTS_MAX_MB = 25


@dataclass(frozen=True)
class Setting:
    value: Any
    source: str


@dataclass
class Settings:
    values: dict[str, Setting] = field(default_factory=dict)
    config_file: Path | None = None
    acting_user: Setting = field(default_factory=lambda: Setting(None, "unset"))
    # The operating-system login, whatever --as says: on SQLite it is who is really acting.
    os_user: str | None = None

    @property
    def database_url(self) -> str:
        return str(self.values["database_url"].value)

    @cached_property
    def timezone(self) -> ZoneInfo:
        name = str(self.values["timezone"].value)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            source = self.values["timezone"].source
            raise UsageError(
                f"unknown time zone {name!r} (from {source}); use an IANA name "
                "such as Europe/Prague"
            ) from None

    @property
    def documents_dir(self) -> Path:
        """Where attached files live: ``documents_dir`` from crmctl.yaml (relative to that
        file), else ``documents/`` beside an SQLite database, else the user data directory."""
        configured = self.values.get("documents_dir")
        if configured is not None and configured.value:
            path = Path(str(configured.value)).expanduser()
            if not path.is_absolute() and self.config_file is not None:
                path = self.config_file.parent / path
            return path
        url = self.database_url
        if url.startswith("sqlite:///") and url.removeprefix("sqlite:///") not in ("", ":memory:"):
            return Path(url.removeprefix("sqlite:///")).parent / "documents"
        return user_data_dir() / "documents"

    @property
    def documents_max_bytes(self) -> int:
        setting = self.values.get("documents_max_mb")
        raw = setting.value if setting is not None else DEFAULT_DOCUMENTS_MAX_MB
        try:
            megabytes = float(raw)
        except (TypeError, ValueError):
            megabytes = -1.0
        if megabytes <= 0:
            source = setting.source if setting is not None else "default"
            raise UsageError(
                f"documents_max_mb {raw!r} (from {source}) is not a positive number of MB"
            )
        return int(megabytes * 1024 * 1024)


def user_config_dir() -> Path:
    import platformdirs  # noqa: PLC0415  (start-up)

    return Path(platformdirs.user_config_dir(APP_NAME))


def user_data_dir() -> Path:
    import platformdirs  # noqa: PLC0415  (start-up)

    return Path(platformdirs.user_data_dir(APP_NAME))


def find_config_file() -> Path | None:
    for candidate in (Path.cwd() / CONFIG_FILE_NAME, user_config_dir() / CONFIG_FILE_NAME):
        if candidate.is_file():
            return candidate
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    import yaml  # noqa: PLC0415  (start-up)

    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise UsageError(f"{where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UsageError(f"{path}: expected a mapping of settings such as 'database_url: ...'")
    unknown = sorted(str(key) for key in loaded if key not in KNOWN_KEYS)
    if unknown:
        raise UsageError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(KNOWN_KEYS)}"
        )
    return loaded


def normalise_database_url(url: str, relative_to: Path | None = None) -> str:
    """Accept a plain file path for SQLite and plain ``postgresql://`` URLs."""
    if "://" not in url:
        path = Path(url).expanduser()
        if relative_to is not None and not path.is_absolute():
            path = relative_to / path
        return f"sqlite:///{path}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and relative_to is not None:
        path = Path(url.removeprefix("sqlite:///")).expanduser()
        if str(path) not in ("", ":memory:") and not path.is_absolute():
            return f"sqlite:///{relative_to / path}"
    return url


def load_settings(db_option: str | None = None, as_option: str | None = None) -> Settings:
    settings = Settings()
    config_path = find_config_file()
    file_values: dict[str, Any] = read_config_file(config_path) if config_path else {}
    settings.config_file = config_path
    for key, value in file_values.items():
        settings.values[key] = Setting(value, f"config file {config_path}")
    config_dir = config_path.parent if config_path else None
    settings.values["database_url"] = _database_setting(db_option, file_values, config_dir)
    if "timezone" not in settings.values:
        settings.values["timezone"] = Setting(
            os.environ.get("CRM_TIMEZONE", DEFAULT_TIMEZONE),
            "CRM_TIMEZONE" if os.environ.get("CRM_TIMEZONE") else "default",
        )
    settings.acting_user = _acting_user_setting(as_option)
    settings.os_user = _os_user()
    return settings


def _database_setting(
    db_option: str | None, file_values: dict[str, Any], config_dir: Path | None
) -> Setting:
    if db_option:
        return Setting(normalise_database_url(db_option), "--db")
    from_env = os.environ.get("CRM_DATABASE_URL")
    if from_env:
        return Setting(normalise_database_url(from_env), "CRM_DATABASE_URL")
    if file_values.get("database_url"):
        url = normalise_database_url(str(file_values["database_url"]), config_dir)
        return Setting(url, f"config file {config_dir / CONFIG_FILE_NAME}")
    default_path = user_data_dir() / "crm.db"
    return Setting(f"sqlite:///{default_path}", "default (user data directory)")


def _acting_user_setting(as_option: str | None) -> Setting:
    if as_option:
        return Setting(as_option, "--as")
    if os.environ.get("CRM_USER"):
        return Setting(os.environ["CRM_USER"], "CRM_USER")
    login = _os_user()
    return Setting(login, "operating-system user") if login else Setting(None, "unset")


def _os_user() -> str | None:
    import getpass  # noqa: PLC0415  (start-up)

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None
