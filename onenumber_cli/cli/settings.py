"""Global options and their precedence: flag > environment > config file > default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onenumber_cli.errors import InvalidArgument, ValueKind
from onenumber_cli.i18n import LANGUAGES, language_from_environment
from onenumber_cli.spreadsheet import CSV_ENCODINGS

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from onenumber_cli.cli.query import Query

OUTPUTS = ("table", "json", "jsonl", "csv", "tsv", "xlsx")
# Mirrors of storage.engine's (importing it here would load SQLAlchemy for --help);
# tests/unit/test_settings_limits.py keeps them equal.
LOCK_TIMEOUT_RANGE = (0.01, 600.0)
STATEMENT_TIMEOUT_RANGE = (0.1, 86400.0)
COMMIT_TIMEOUT_RANGE = (0.1, 86400.0)
RECONNECT_TIMEOUT_RANGE = (0.0, 3600.0)
SYNCHRONOUS_MODES = ("full", "normal")
DEFAULT_TZ = "Asia/Tokyo"


@dataclass(frozen=True)
class GlobalOption:
    """One global setting: its command line option (if it has one), environment variable
    and config file key (if any).  :data:`GLOBAL_OPTIONS` is the one list of them: the
    root command declares its options from it (and copies them onto every command),
    :func:`resolve` reads the environment and the config file through it, ``config
    show`` lists the settings that have a config key."""

    name: str  # the key in the invocation's flags, and the attribute of Settings
    flags: tuple[str, ...] = ()  # () for a setting without a command line option
    help: str = ""
    metavar: str | None = None  # None for an on/off flag
    env: str | None = None
    config: str | None = None  # the key in config.toml and in [profiles.NAME]
    default: str | None = None

    @property
    def is_flag(self) -> bool:
        return self.metavar is None


GLOBAL_OPTIONS: tuple[GlobalOption, ...] = (
    GlobalOption("db", ("--db",), "Database URL (env ONENUMBER_DATABASE_URL; default: a SQLite "
                 "file in the user data directory).", "URL", env="ONENUMBER_DATABASE_URL",
                 config="database_url"),
    GlobalOption("output", ("--output", "-o"),
                 "table, json, jsonl, csv, tsv or xlsx (env ONENUMBER_OUTPUT; xlsx to a file: "
                 "> f.xlsx).", "FORMAT",
                 env="ONENUMBER_OUTPUT", config="output", default="table"),
    # default: from LANG/LC_ALL (resolve)
    GlobalOption("lang", ("--lang",), "Language (default from LANG/LC_ALL).", "ja|en",
                 env="ONENUMBER_LANG", config="lang"),
    GlobalOption("tz", ("--tz",), "Time zone for display and input (default Asia/Tokyo).",
                 "ZONE", env="ONENUMBER_TZ", config="tz", default=DEFAULT_TZ),
    GlobalOption("operator", ("--operator",), "Who makes the change, for the audit log (env "
                 "ONENUMBER_OPERATOR; default: the OS user).", "NAME",
                 env="ONENUMBER_OPERATOR", config="operator"),
    GlobalOption("quiet", ("--quiet", "-q"), "Only data and errors."),
    GlobalOption("no_color", ("--no-color",), "No colour (also NO_COLOR)."),
    GlobalOption("debug", ("--debug",), "Show tracebacks and SQL on stderr."),
    GlobalOption("profile", ("--profile",), "Use the settings of [profiles.NAME] in the "
                 "config file (env ONENUMBER_PROFILE).", "NAME", env="ONENUMBER_PROFILE"),
    GlobalOption("fields", ("--fields",), "Only these fields of each record, in this order "
                 "(every output format).", "a,b,..."),
    GlobalOption("query", ("--query",), "A JMESPath expression applied to the JSON output "
                 "(as aws --query; with -o jsonl, to each line).", "EXPR"),
    GlobalOption("no_input", ("--no-input",),
                 "Never prompt: what would be asked is refused instead."),
    GlobalOption("no_pager", ("--no-pager",), "Do not page long output on a terminal."),
    GlobalOption("sqlite_synchronous", env="ONENUMBER_SQLITE_SYNCHRONOUS",
                 config="sqlite_synchronous", default="full"),
    GlobalOption("csv_encoding", ("--csv-encoding",), "csv/tsv output: utf-8 (default), or "
                 "utf-8-sig or cp932 for spreadsheets, cells they would run or change marked "
                 "with ' (env ONENUMBER_CSV_ENCODING).", "ENCODING",
                 env="ONENUMBER_CSV_ENCODING", config="csv_encoding", default="utf-8"),
)
OPTION = {option.name: option for option in GLOBAL_OPTIONS}
# The settings that come from flag, environment, config file or default, in this order.
CONFIGURABLE = tuple(option for option in GLOBAL_OPTIONS if option.config)
CONFIG_KEYS = frozenset(option.config for option in CONFIGURABLE)
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
    UTF-8 TOML (a byte order mark, as Windows Notepad writes, is skipped), known keys,
    each a string (a FIFO or a device would hang or flood every command; a wrong value
    type would fail later, far from its cause).  Whatever the file holds, the only error
    is :class:`InvalidArgument` naming the file (and the line where there is one)."""
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
        text = raw.decode("utf-8-sig")  # UTF-8, with or without a byte order mark
        data = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InvalidArgument("config", path=str(path),
                              detail=f"not UTF-8 (at line {line}, byte {exc.start + 1})"
                              ) from None
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise InvalidArgument("config", path=str(path),
                              detail=f"nested too deeply (at line {_deep_line(text)})"
                              ) from None
    except OSError as exc:
        raise InvalidArgument("config", path=str(path), detail=exc.strerror) from None
    except ValueError as exc:  # TOMLDecodeError (it names the line), or a value tomllib
        # cannot convert (an integer of more than 4300 digits)
        raise InvalidArgument("config", path=str(path), detail=str(exc)) from None
    profiles = data.pop(PROFILES, {})
    _check_table(data, path, "")
    if not isinstance(profiles, dict):
        raise InvalidArgument("config_table", path=str(path), key=PROFILES,
                              given=value_kind(profiles), expected=ValueKind.TABLE)
    for name, table in profiles.items():
        if not isinstance(table, dict):
            raise InvalidArgument("config_table", path=str(path), key=f"{PROFILES}.{name}",
                                  given=value_kind(table), expected=ValueKind.TABLE)
        _check_table(table, path, f"{PROFILES}.{name}.")
    if profiles:
        data[PROFILES] = profiles
    return data


MAX_NESTING = 50  # where a too deeply nested file is reported: the line this depth is passed


def _deep_line(text: str) -> int:
    """The line where the brackets and braces of ``text`` first nest more than
    :data:`MAX_NESTING` deep (counted without regard to strings: only asked of a file
    that tomllib could not parse for its nesting)."""
    depth = 0
    line = 1
    for char in text:
        if char == "\n":
            line += 1
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
    return line


PROFILES = "profiles"  # [profiles.NAME] tables: the same keys, and confirm = true|false
CONFIRM = "confirm"
DEFAULT_PROFILE = "profile"  # top level: the profile used when no --profile/env names one


def known_keys(prefix: str = "") -> str:
    """The keys a table of the config file may have, in the order of :data:`GLOBAL_OPTIONS`
    (``confirm`` too in a profile, ``profile`` at the top): what the error about an unknown
    key lists."""
    keys = [str(option.config) for option in CONFIGURABLE]
    return ", ".join(keys + ([CONFIRM] if prefix else [DEFAULT_PROFILE]))


def _check_table(table: dict[str, Any], path: Path, prefix: str) -> None:
    """Known keys, each a string (``confirm`` in a profile: a boolean)."""
    allowed = CONFIG_KEYS | ({CONFIRM} if prefix else {DEFAULT_PROFILE})
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise InvalidArgument("config_keys", path=str(path),
                              keys=", ".join(prefix + key for key in unknown),
                              known=known_keys(prefix))
    for key, value in table.items():
        if key == CONFIRM:
            if not isinstance(value, bool):
                raise InvalidArgument("config_bool", path=str(path), key=prefix + key,
                                      given=value_kind(value), expected=ValueKind.BOOLEAN)
        elif not isinstance(value, str):
            raise InvalidArgument("config_value", path=str(path), key=prefix + key,
                                  given=value_kind(value), expected=ValueKind.STRING)


def value_kind(value: object) -> ValueKind:
    """What kind of TOML value ``value`` is (what tomllib makes of it)."""
    import datetime

    if isinstance(value, str):
        return ValueKind.STRING
    if isinstance(value, bool):  # before int: a bool is an int
        return ValueKind.BOOLEAN
    if isinstance(value, int | float):
        return ValueKind.NUMBER
    if isinstance(value, dict):
        return ValueKind.TABLE
    if isinstance(value, list):
        return ValueKind.ARRAY
    if isinstance(value, datetime.date | datetime.time):
        return ValueKind.DATETIME
    return ValueKind.OTHER


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
    commit_timeout: float | None = None  # None: the storage default (changes, PostgreSQL)
    reconnect_timeout: float | None = None  # None: the storage default (a lost connection)
    sqlite_synchronous: str = "full"
    csv_encoding: str = "utf-8"  # csv/tsv output; a spreadsheet encoding neutralises cells
    sources: dict[str, str] = field(default_factory=dict)
    profile: str | None = None  # the [profiles.NAME] in use
    confirm_changes: bool = False  # the profile asks before every change
    fields: list[str] | None = None  # --fields: chosen columns/keys, in order
    no_input: bool = False
    no_pager: bool = False
    query: Query | None = None  # --query, compiled (cli/query.py)

    @property
    def zone(self) -> ZoneInfo:
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.tz)

    @property
    def machine(self) -> bool:
        return self.output != "table"


def _choose(option: GlobalOption, flags: Mapping[str, Any], environ: Mapping[str, str],
            config: Mapping[str, Any], default: Any) -> tuple[Any, str]:
    if flags.get(option.name) is not None:
        return flags[option.name], "flag"
    if option.env and environ.get(option.env):
        return environ[option.env], f"env {option.env}"
    if option.config and config.get(option.config) is not None:
        return config[option.config], "config"
    return default, "default"


# The settings whose values are checked (and the order they are), wherever they come from.
CHECKED_SETTINGS = ("operator", "sqlite_synchronous", "csv_encoding", "output", "lang", "tz")


def checked_setting(name: str, value: str) -> str:
    """``value`` for the setting ``name`` (one of :data:`CHECKED_SETTINGS`; any other is
    returned as it is), as every command accepts it, or the refusal every command gives:
    for a flag, the environment and the config file alike, and for ``config set``."""
    if name == "operator":
        from onenumber_cli.domain.values import validate_operator

        validate_operator(value)
    elif name == "sqlite_synchronous":
        value = value.strip().lower()
        if value not in SYNCHRONOUS_MODES:
            raise InvalidArgument("synchronous", value=value,
                                  choices=", ".join(SYNCHRONOUS_MODES))
    elif name == "csv_encoding" and value not in CSV_ENCODINGS:
        raise InvalidArgument("encoding", value=value, choices=", ".join(CSV_ENCODINGS))
    elif name == "output" and value not in OUTPUTS:
        raise InvalidArgument("output", value=value, choices=", ".join(OUTPUTS))
    elif name == "lang" and value not in LANGUAGES:
        raise InvalidArgument("lang", value=value, choices=", ".join(LANGUAGES))
    elif name == "tz":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # not needed for --help

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidArgument("tz", value=value) from None
    return value


def resolve(flags: Mapping[str, Any], environ: Mapping[str, str] = os.environ, *,
            stdout_tty: bool = False) -> Settings:
    """Combine flags, environment, config file and defaults; validate the results."""
    config = load_config(config_path(environ))
    settings = Settings()
    profiles: dict[str, dict[str, Any]] = config.pop(PROFILES, {})
    default_profile = config.pop(DEFAULT_PROFILE, None)  # `config use PROFILE` writes it
    chosen = (flags.get("profile") or environ.get(str(OPTION["profile"].env))
              or default_profile or None)
    profile: dict[str, Any] = {}
    if chosen is not None:
        if chosen not in profiles:
            raise InvalidArgument("profile", value=chosen,
                                  choices=", ".join(sorted(profiles)) or "-")
        profile = profiles[chosen]
        settings.profile = chosen
        settings.confirm_changes = bool(profile.get("confirm"))
        config = {**config, **{k: v for k, v in profile.items() if k != "confirm"}}
    for option in CONFIGURABLE:
        default = (language_from_environment(environ) if option.name == "lang"
                   else option.default)
        value, source = _choose(option, flags, environ, config, default)
        if source == "config" and option.config in profile:
            source = f"profile {chosen}"
        setattr(settings, option.name, value)
        settings.sources[option.name] = source
    if settings.operator is None:
        settings.operator, settings.sources["operator"] = _os_user(), "os user"
    for name in CHECKED_SETTINGS:
        setattr(settings, name, checked_setting(name, getattr(settings, name)))
    if settings.output == "xlsx" and stdout_tty:  # a workbook is bytes: never to a terminal
        raise InvalidArgument("xlsx_terminal")
    settings.lock_timeout = _lock_timeout(environ.get("ONENUMBER_LOCK_TIMEOUT"))
    settings.statement_timeout = _seconds(environ.get("ONENUMBER_STATEMENT_TIMEOUT"),
                                          STATEMENT_TIMEOUT_RANGE, "statement_timeout")
    settings.commit_timeout = _seconds(environ.get("ONENUMBER_COMMIT_TIMEOUT"),
                                       COMMIT_TIMEOUT_RANGE, "commit_timeout")
    settings.reconnect_timeout = _seconds(environ.get("ONENUMBER_RECONNECT_TIMEOUT"),
                                          RECONNECT_TIMEOUT_RANGE, "reconnect_timeout")
    raw_fields = flags.get("fields")
    if raw_fields is not None:
        # none named ("," or ""): refused where the output's field names are known
        settings.fields = [f.strip() for f in str(raw_fields).split(",") if f.strip()]
    raw_query = flags.get("query")
    if raw_query is not None:
        if settings.output not in ("json", "jsonl"):
            if settings.sources.get("output") == "flag":
                raise InvalidArgument("query_output", value=settings.output)
            settings.output, settings.sources["output"] = "json", "--query"
        from onenumber_cli.cli.query import Query  # imports jmespath: only with --query

        settings.query = Query(str(raw_query))
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
