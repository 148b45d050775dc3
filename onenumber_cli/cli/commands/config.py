"""``config show``: the effective settings and where each one came from; ``config set``,
``unset``, ``use`` and ``profiles``: the config file, edited (cli/configfile.py)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import Invocation, current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.cli.output import Column
from onenumber_cli.cli.settings import (
    CONFIG_KEYS,
    CONFIGURABLE,
    DEFAULT_PROFILE,
    OUTPUTS,
    PROFILES,
    checked_setting,
    config_path,
    data_dir,
    load_config,
)
from onenumber_cli.errors import InvalidArgument, OneNumberError
from onenumber_cli.i18n import N_, t
from onenumber_cli.storage.location import default_url

if TYPE_CHECKING:
    from onenumber_cli.cli.output import Output

app = typer.Typer(cls=LocalizedGroup, help="Configuration.", no_args_is_help=True)

PROFILE_COLUMNS = [Column("profile", N_("Profile")), Column("current", N_("Current")),
                   Column("default", N_("Default")), Column("confirm", N_("Confirm")),
                   Column("settings", N_("Settings"))]


@app.command("show", cls=LocalizedCommand)
def show(ctx: typer.Context) -> None:
    """Show the effective settings (flag > environment > config file > default) and the
    source of each; passwords in the database URL are masked.

    Example: onenumber config show -o json
    """
    run = current(ctx)
    settings = run.settings
    if settings.db is None:
        db_url = default_url(data_dir())
    else:
        db_url = lazy_import("onenumber_cli.storage.engine").masked(settings.db)
    values = {option.config: db_url if option.name == "db" else getattr(settings, option.name)
              for option in CONFIGURABLE if option.config}
    sources = {option.config: settings.sources[option.name]
               for option in CONFIGURABLE if option.config}
    path = config_path()
    data = {"settings": {key: {"value": value, "source": sources[key]}
                         for key, value in values.items()},
            "config_file": str(path), "config_file_exists": path.exists(),
            "profile": settings.profile, "profile_confirms_changes": settings.confirm_changes}

    def table() -> None:
        rows = [[key, str(value), sources[key]] for key, value in values.items()]
        run.out.table(rows, [t("Setting"), t("Value"), t("Source")])
        missing = "" if path.exists() else " (" + t("not present") + ")"
        run.out.line(t("Config file") + f": {path}{missing}")
        if settings.profile is not None:
            confirmed = " (" + t("every change is confirmed") + ")"
            confirm = confirmed if settings.confirm_changes else ""
            run.out.line(t("Profile") + f": {settings.profile}{confirm}")

    run.out.document(data, table=table)


# -- config set / unset / profiles / use: editing the file (cli/configfile.py) ----------

SETTING_KEYS = frozenset(key for key in CONFIG_KEYS if key is not None)
ProfileOption = Annotated[str | None, typer.Option(
    "--profile", metavar="NAME",
    help="Edit the [profiles.NAME] table (created if missing) instead of the top level.")]


def _output(run: Invocation) -> Output:
    """The invocation's output; when the settings themselves are broken (the file being
    fixed may be why), a plain one, so the command that repairs them still runs."""
    try:
        return run.out
    except OneNumberError:
        from onenumber_cli.cli.output import Output
        from onenumber_cli.cli.settings import Settings
        from onenumber_cli.i18n import get_language

        chosen = run.flags.get("output")
        return Output(Settings(lang=get_language(),
                               output=chosen if chosen in OUTPUTS else "table"))


def _current_file() -> tuple[Path, str, dict[str, Any]]:
    """The config file's path, text and settings (checked as every command reads them:
    a broken file is refused here too, before anything is written)."""
    path = config_path()
    data = load_config(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    except OSError as error:
        raise InvalidArgument("config", path=str(path), detail=error.strerror) from None
    return path, text, data


def _checked(key: str, value: str, profile: str | None, profiles: dict[str, Any]
             ) -> str | bool:
    """``value`` for ``key`` as every command would accept it (the same refusals:
    :func:`~onenumber_cli.cli.settings.checked_setting`)."""
    keys = sorted(SETTING_KEYS | ({"confirm"} if profile else {DEFAULT_PROFILE}))
    if key not in keys:
        raise InvalidArgument("config_key", value=key, choices=", ".join(keys))
    if key == "confirm":
        if value not in ("true", "false"):
            raise InvalidArgument("config_confirm", value=value, choices="true, false")
        return value == "true"
    value = checked_setting(key, value)
    if key == DEFAULT_PROFILE and value not in profiles:
        raise InvalidArgument("profile", value=value, choices=", ".join(sorted(profiles)) or "-")
    if not value:
        raise InvalidArgument("config_empty", key=key)
    return value


def _save(run: Invocation, key: str, value: str | bool | None, profile: str | None) -> None:
    from onenumber_cli.cli import configfile

    out = _output(run)
    path, text, data = _current_file()
    table: tuple[str, ...] = (PROFILES, profile) if profile else ()
    current = data.get(PROFILES, {}).get(profile, {}) if profile else data
    present = profile is None or profile in data.get(PROFILES, {})
    changed = current.get(key) != value or (value is not None and not present) \
        or (value is None and key in current)
    if value is None:
        changed = key in current
    kept = True
    if changed:
        edited = configfile.edit(text, table, key, value)
        configfile.write(path, edited.text)
        kept = edited.kept_comments
    where = t("profile {profile}", profile=profile) if profile else t("the top level")
    shown = value if not isinstance(value, bool) else ("true" if value else "false")
    document = {"changed": changed, "config_file": str(path), "profile": profile,
                "key": key, "value": shown, "comments_kept": kept}

    def table_() -> None:
        if value is None:
            out.message(t("Removed {key} from {where} of {path}.", key=key, where=where,
                          path=str(path)) if changed else
                        t("{key} is not set in {where} of {path}; nothing to remove.",
                          key=key, where=where, path=str(path)))
        else:
            out.message(t("Set {key} = {value} in {where} of {path}.", key=key,
                          value=shown, where=where, path=str(path)) if changed else
                        t("{key} is already {value} in {where} of {path}.", key=key,
                          value=shown, where=where, path=str(path)))
        if not kept:
            out.message(t("The file was written anew from its settings: its comments could "
                          "not be kept (a layout this command does not edit in place)."))

    out.document(document, table=table_)


@app.command("set", cls=LocalizedCommand)
def set_(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY", help="A setting of config show "
                                       "(confirm in a profile; profile at the top level).")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="Its value.")],
    profile: ProfileOption = None,
) -> None:
    """Set a setting in the config file (created, mode 0600; comments kept), checked as
    every command would read it.

    Example: onenumber config set output json --profile prod
    """
    run = current(ctx)
    _path, _text, data = _current_file()
    checked = _checked(key, value, profile, data.get(PROFILES, {}))
    _save(run, key, checked, profile)


@app.command("unset", cls=LocalizedCommand)
def unset(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(metavar="KEY", help="The setting to remove.")],
    profile: ProfileOption = None,
) -> None:
    """Remove a setting from the config file (the default applies again).

    Example: onenumber config unset tz --profile prod
    """
    run = current(ctx)
    keys = SETTING_KEYS | ({"confirm"} if profile else {DEFAULT_PROFILE})
    if key not in keys:
        raise InvalidArgument("config_key", value=key, choices=", ".join(sorted(keys)))
    _save(run, key, None, profile)


@app.command("use", cls=LocalizedCommand)
def use(
    ctx: typer.Context,
    profile: Annotated[str, typer.Argument(metavar="PROFILE",
                                           help="A profile of the config file.")],
) -> None:
    """Make PROFILE the default profile (used when neither --profile nor
    ONENUMBER_PROFILE names one).

    Example: onenumber config use prod
    """
    run = current(ctx)
    _path, _text, data = _current_file()
    _save(run, DEFAULT_PROFILE, _checked(DEFAULT_PROFILE, profile, None,
                                         data.get(PROFILES, {})), None)


@app.command("profiles", cls=LocalizedCommand)
def profiles(ctx: typer.Context) -> None:
    """List the profiles of the config file; the one in use is marked with *.

    Example: onenumber config profiles -o json
    """
    run = current(ctx)
    out = _output(run)
    _path, _text, data = _current_file()
    default = data.get(DEFAULT_PROFILE)
    try:
        in_use = run.settings.profile
    except OneNumberError:
        in_use = None
    rows = [{"profile": name, "current": name == in_use, "default": name == default,
             "confirm": bool(table.get("confirm")),
             "settings": {k: v for k, v in table.items() if k != "confirm"}}
            for name, table in sorted(data.get(PROFILES, {}).items())]
    if out.settings.machine:
        out.records(rows, PROFILE_COLUMNS)
        return
    if not rows:
        out.message(t("No profiles in {path}.", path=str(config_path())))
        return
    for row in rows:
        mark = "*" if row["current"] else " "
        notes = [t("default")] if row["default"] else []
        if row["confirm"]:
            notes.append(t("every change is confirmed"))
        extra = f"  ({', '.join(notes)})" if notes else ""
        out.line(f"{mark} {row['profile']}{extra}")
