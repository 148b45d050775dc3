"""Global options and their precedence: flag > environment > config file > default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onenumber_cli.errors import InvalidArgument
from onenumber_cli.i18n import LANGUAGES, language_from_environment

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

OUTPUTS = ("table", "json", "jsonl", "csv", "tsv")
DEFAULT_TZ = "Asia/Tokyo"
ENVIRONMENT = {
    "db": "ONENUMBER_DATABASE_URL",
    "output": "ONENUMBER_OUTPUT",
    "lang": "ONENUMBER_LANG",
    "tz": "ONENUMBER_TZ",
    "operator": "ONENUMBER_OPERATOR",
}
CONFIG_KEYS = {"db": "database_url", "output": "output", "lang": "lang", "tz": "tz",
               "operator": "operator"}


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "onenumber" / "config.toml"


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    from platformdirs import user_data_dir

    override = environ.get("ONENUMBER_DATA_DIR")
    return Path(override) if override else Path(user_data_dir("onenumber", appauthor=False))


def load_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    import tomllib  # only when there is a config file to read

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidArgument("config", path=str(path), detail=str(exc)) from None
    unknown = sorted(set(data) - set(CONFIG_KEYS.values()))
    if unknown:
        raise InvalidArgument("config_keys", path=str(path), keys=", ".join(unknown))
    return data


@dataclass
class Settings:
    """The effective global settings of one invocation, with where each came from."""

    db: str | None = None
    output: str = "table"
    lang: str = "en"
    tz: str = DEFAULT_TZ
    operator: str = ""
    quiet: bool = False
    color: bool = False
    debug: bool = False
    lock_timeout: float | None = None  # None: the storage default
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.tz)

    @property
    def machine(self) -> bool:
        return self.output != "table"


def _choose(name: str, flags: Mapping[str, Any], environ: Mapping[str, str],
            config: Mapping[str, Any], default: Any) -> tuple[Any, str]:
    if flags.get(name) is not None:
        return flags[name], "flag"
    env_name = ENVIRONMENT.get(name)
    if env_name and environ.get(env_name):
        return environ[env_name], f"env {env_name}"
    if name in CONFIG_KEYS and config.get(CONFIG_KEYS[name]) is not None:
        return config[CONFIG_KEYS[name]], "config"
    return default, "default"


def resolve(flags: Mapping[str, Any], environ: Mapping[str, str] = os.environ, *,
            stdout_tty: bool = False) -> Settings:
    """Combine flags, environment, config file and defaults; validate the results."""
    config = load_config(config_path(environ))
    settings = Settings()
    for name, default in (
        ("db", None),
        ("output", "table"),
        ("lang", language_from_environment(environ)),
        ("tz", DEFAULT_TZ),
        ("operator", None),
    ):
        value, source = _choose(name, flags, environ, config, default)
        setattr(settings, name, value)
        settings.sources[name] = source
    if settings.operator is None:
        settings.operator, settings.sources["operator"] = _os_user(), "os user"
    if settings.output not in OUTPUTS:
        raise InvalidArgument("output", value=settings.output, choices=", ".join(OUTPUTS))
    if settings.lang not in LANGUAGES:
        raise InvalidArgument("lang", value=settings.lang, choices=", ".join(LANGUAGES))
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # not needed for --help

    try:
        ZoneInfo(settings.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidArgument("tz", value=settings.tz) from None
    settings.lock_timeout = _lock_timeout(environ.get("ONENUMBER_LOCK_TIMEOUT"))
    settings.quiet = bool(flags.get("quiet"))
    settings.debug = bool(flags.get("debug"))
    no_color = bool(flags.get("no_color")) or "NO_COLOR" in environ
    settings.color = stdout_tty and not no_color
    return settings


def _lock_timeout(raw: str | None) -> float | None:
    """Seconds one attempt waits for an account's lock (env only; for batch jobs)."""
    if not raw:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 600:
        raise InvalidArgument("lock_timeout", value=raw)
    return seconds


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
