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
# Mirrors of storage.engine's (importing it here would load SQLAlchemy for --help);
# tests/unit/test_settings_limits.py keeps them equal.
LOCK_TIMEOUT_RANGE = (0.01, 600.0)
STATEMENT_TIMEOUT_RANGE = (0.1, 86400.0)
SYNCHRONOUS_MODES = ("full", "normal")
DEFAULT_TZ = "Asia/Tokyo"
ENVIRONMENT = {
    "db": "ONENUMBER_DATABASE_URL",
    "output": "ONENUMBER_OUTPUT",
    "lang": "ONENUMBER_LANG",
    "tz": "ONENUMBER_TZ",
    "operator": "ONENUMBER_OPERATOR",
    "sqlite_synchronous": "ONENUMBER_SQLITE_SYNCHRONOUS",
}
CONFIG_KEYS = {"db": "database_url", "output": "output", "lang": "lang", "tz": "tz",
               "operator": "operator", "sqlite_synchronous": "sqlite_synchronous"}
CONFIG_MAX_BYTES = 1 << 20  # a settings file; anything larger is not one


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "onenumber" / "config.toml"


def data_dir(environ: Mapping[str, str] = os.environ) -> Path:
    from platformdirs import user_data_dir

    override = environ.get("ONENUMBER_DATA_DIR")
    return Path(override) if override else Path(user_data_dir("onenumber", appauthor=False))


def load_config(path: Path) -> dict[str, Any]:
    """The config file's settings: a regular file of at most :data:`CONFIG_MAX_BYTES`,
    UTF-8 TOML, known keys, each a string (a FIFO or a device would hang or flood every
    command; a wrong value type would fail later, far from its cause)."""
    import stat

    try:
        status = path.stat()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise InvalidArgument("config", path=str(path), detail=exc.strerror) from None
    if not stat.S_ISREG(status.st_mode):
        raise InvalidArgument("config", path=str(path), detail="not a regular file")
    if status.st_size > CONFIG_MAX_BYTES:
        raise InvalidArgument("config", path=str(path),
                              detail=f"larger than {CONFIG_MAX_BYTES} bytes")
    import tomllib  # only when there is a config file to read

    try:
        with path.open("rb") as handle:
            raw = handle.read(CONFIG_MAX_BYTES + 1)[:CONFIG_MAX_BYTES]
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidArgument("config", path=str(path),
                              detail=f"not UTF-8 (byte {exc.start + 1})") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InvalidArgument("config", path=str(path), detail=str(exc)) from None
    profiles = data.pop("profiles", {})
    _check_table(data, path, "")
    if not isinstance(profiles, dict):
        raise InvalidArgument("config_value", path=str(path), key="profiles",
                              type=type(profiles).__name__)
    for name, table in profiles.items():
        if not isinstance(table, dict):
            raise InvalidArgument("config_value", path=str(path), key=f"profiles.{name}",
                                  type=type(table).__name__)
        _check_table(table, path, f"profiles.{name}.")
    if profiles:
        data[PROFILES] = profiles
    return data


PROFILES = "profiles"  # [profiles.NAME] tables: the same keys, and confirm = true|false


def _check_table(table: dict[str, Any], path: Path, prefix: str) -> None:
    """Known keys, each a string (``confirm`` in a profile: a boolean)."""
    allowed = set(CONFIG_KEYS.values()) | ({"confirm"} if prefix else set())
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise InvalidArgument("config_keys", path=str(path),
                              keys=", ".join(prefix + key for key in unknown))
    for key, value in table.items():
        wanted = bool if key == "confirm" else str
        if not isinstance(value, wanted):
            raise InvalidArgument("config_value", path=str(path), key=prefix + key,
                                  type=type(value).__name__)


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
    statement_timeout: float | None = None  # None: the storage default (reads, PostgreSQL)
    sqlite_synchronous: str = "full"
    sources: dict[str, str] = field(default_factory=dict)
    profile: str | None = None  # the [profiles.NAME] in use
    confirm_changes: bool = False  # the profile asks before every change
    fields: list[str] | None = None  # --fields: chosen columns/keys, in order
    no_input: bool = False
    no_pager: bool = False

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
    profiles: dict[str, dict[str, Any]] = config.pop(PROFILES, {})
    chosen = flags.get("profile") or environ.get("ONENUMBER_PROFILE") or None
    profile: dict[str, Any] = {}
    if chosen is not None:
        if chosen not in profiles:
            raise InvalidArgument("profile", value=chosen,
                                  choices=", ".join(sorted(profiles)) or "-")
        profile = profiles[chosen]
        settings.profile = chosen
        settings.confirm_changes = bool(profile.get("confirm"))
        config = {**config, **{k: v for k, v in profile.items() if k != "confirm"}}
    for name, default in (
        ("db", None),
        ("output", "table"),
        ("lang", language_from_environment(environ)),
        ("tz", DEFAULT_TZ),
        ("operator", None),
        ("sqlite_synchronous", "full"),
    ):
        value, source = _choose(name, flags, environ, config, default)
        if source == "config" and CONFIG_KEYS.get(name) in profile:
            source = f"profile {chosen}"
        setattr(settings, name, value)
        settings.sources[name] = source
    if settings.operator is None:
        settings.operator, settings.sources["operator"] = _os_user(), "os user"
    from onenumber_cli.domain.values import validate_operator

    validate_operator(settings.operator)
    settings.sqlite_synchronous = settings.sqlite_synchronous.strip().lower()
    if settings.sqlite_synchronous not in SYNCHRONOUS_MODES:
        raise InvalidArgument("synchronous", value=settings.sqlite_synchronous,
                              choices=", ".join(SYNCHRONOUS_MODES))
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
    settings.statement_timeout = _seconds(environ.get("ONENUMBER_STATEMENT_TIMEOUT"),
                                          STATEMENT_TIMEOUT_RANGE, "statement_timeout")
    raw_fields = flags.get("fields")
    if raw_fields is not None:
        settings.fields = [f.strip() for f in str(raw_fields).split(",") if f.strip()]
        if not settings.fields:
            raise InvalidArgument("fields", value=raw_fields, choices="-")
    settings.no_input = bool(flags.get("no_input"))
    settings.no_pager = bool(flags.get("no_pager"))
    settings.quiet = bool(flags.get("quiet"))
    settings.debug = bool(flags.get("debug"))
    no_color = bool(flags.get("no_color")) or bool(environ.get("NO_COLOR"))  # no-color.org:
    # set and not empty
    settings.color = stdout_tty and not no_color
    return settings


def _lock_timeout(raw: str | None) -> float | None:
    """Seconds one attempt waits for an account's lock (env only; for batch jobs), within
    :data:`LOCK_TIMEOUT_RANGE` (PostgreSQL counts milliseconds, and 0 means no limit)."""
    return _seconds(raw, LOCK_TIMEOUT_RANGE, "lock_timeout")


def _seconds(raw: str | None, limits: tuple[float, float], name: str) -> float | None:
    """A number of seconds from the environment, within ``limits`` (None when unset)."""
    if not raw:
        return None
    low, high = limits
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not low <= seconds <= high:  # NaN fails both comparisons
        raise InvalidArgument(name, value=raw, low=low, high=high)
    return seconds


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
