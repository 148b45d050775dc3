"""``config show``: the effective settings and where each one came from."""

from __future__ import annotations

import typer

from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import current
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.cli.settings import config_path, data_dir
from onenumber_cli.i18n import t

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
        db_url = f"sqlite:///{data_dir() / 'onenumber.sqlite'}"
    else:
        db_url = lazy_import("onenumber_cli.storage.engine").masked(settings.db)
    values = {"database_url": db_url, "output": settings.output, "lang": settings.lang,
              "tz": settings.tz, "operator": settings.operator,
              "sqlite_synchronous": settings.sqlite_synchronous}
    sources = {"database_url": settings.sources["db"], **{
        key: settings.sources[key]
        for key in ("output", "lang", "tz", "operator", "sqlite_synchronous")}}
    path = config_path()
    data = {"settings": {key: {"value": value, "source": sources[key]}
                         for key, value in values.items()},
            "config_file": str(path), "config_file_exists": path.exists(),
            "profile": settings.profile, "profile_confirms_changes": settings.confirm_changes}

    def table() -> None:
        rows = [[key, str(value), sources[key]] for key, value in values.items()]
        run.out.table(rows, [t("field.setting"), t("field.value"), t("field.source")])
        missing = "" if path.exists() else f" ({t('value.missing')})"
        run.out.line(f"{t('field.config_file')}: {path}{missing}")
        if settings.profile is not None:
            confirm = f" ({t('field.confirm_changes')})" if settings.confirm_changes else ""
            run.out.line(f"{t('field.profile')}: {settings.profile}{confirm}")

    run.out.document(data, table=table)
