"""``config show``: the effective settings and where each one came from."""

from __future__ import annotations

import typer

from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.cli.settings import CONFIGURABLE, config_path, data_dir
from onenumber_cli.i18n import t
from onenumber_cli.storage.location import default_url

app = typer.Typer(cls=LocalizedGroup, help="Configuration.", no_args_is_help=True)


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
