"""The root command: global options, command groups, and the one error handler."""

from __future__ import annotations

import copy
import sys
import traceback
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from typer import _click  # Typer 0.28 vendors Click; pinned in pyproject.toml

from onenumber_cli import __version__
from onenumber_cli.cli import invocation
from onenumber_cli.cli.console import Declined
from onenumber_cli.cli.exitcodes import ExitCode, exit_code_for
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.errors import OneNumberError
from onenumber_cli.i18n import t

GLOBAL_OPTIONS = ("db", "output", "lang", "tz", "operator", "quiet", "no_color", "debug")


def _walk(command: _click.Command) -> Iterator[_click.Command]:
    for sub in getattr(command, "commands", {}).values():
        yield sub
        yield from _walk(sub)


def _remember(ctx: _click.Context, param: _click.Parameter, value: Any) -> Any:
    source = ctx.get_parameter_source(param.name or "")
    if source is not None and source.name == "COMMANDLINE":
        invocation.current(ctx).remember(param.name or "", value)
    return value


class OneNumberGroup(LocalizedGroup):
    """Root group.  Two jobs, both here so that ``CliRunner`` sees what users see:

    * the global options are accepted after the subcommand too: each command gets a copy
      of them that writes into the invocation when given on the command line;
    * every error is reported and mapped to its exit code in :meth:`invoke`.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        shared = [p for p in self.params if p.name in GLOBAL_OPTIONS]
        for command in _walk(self):
            taken = {opt for p in command.params for opt in getattr(p, "opts", ())}
            for param in shared:
                if taken & set(getattr(param, "opts", ())):
                    continue  # the command's own option wins (audit --operator filters)
                clone = copy.copy(param)
                clone.expose_value = False
                clone.callback = _remember
                clone.is_eager = True
                command.params.append(clone)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # The language from the environment, before any parsing: help and usage errors
        # then speak it too (a --lang flag, once parsed, overrides it).
        invocation.set_early_language()
        return super().main(*args, **kwargs)

    def invoke(self, ctx: _click.Context) -> Any:
        run = invocation.current(ctx)
        try:
            return super().invoke(ctx)
        except OneNumberError as error:
            self._report(run, error)
            raise typer.Exit(exit_code_for(error)) from None
        except Declined:
            run.out.message(t("msg.declined"))
            raise typer.Exit(ExitCode.FAILURE) from None
        except (typer.Exit, typer.Abort, _click.ClickException, KeyboardInterrupt,
                BrokenPipeError):
            raise  # Typer's main() handles these (a closed pipe ends quietly)
        except Exception:
            if run.flags.get("debug"):
                raise
            sys.stderr.write(t("error.internal") + "\n" + t("hint.internal") + "\n")
            raise typer.Exit(ExitCode.FAILURE) from None
        finally:
            run.close()

    @staticmethod
    def _report(run: invocation.Invocation, error: OneNumberError) -> None:
        if run.flags.get("debug"):
            traceback.print_exc(file=sys.stderr)
        try:
            out = run.out
        except OneNumberError:  # the settings themselves are broken: no formatter to use
            sys.stderr.write(f"{t('label.error')}: {error.message}\n")
            sys.stderr.write(f"{t('label.hint')}: {error.hint}\n")
            return
        out.error(error)


app = typer.Typer(
    cls=OneNumberGroup,
    name="onenumber",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    """First line ``onenumber X.Y.Z`` (for scripts), then what it runs on; nothing here
    imports SQLAlchemy."""
    if value:
        from importlib.metadata import PackageNotFoundError, version

        from onenumber_cli.storage.revision import HEAD_REVISION

        try:
            sqlalchemy = version("sqlalchemy")
        except PackageNotFoundError:  # pragma: no cover - a broken installation
            sqlalchemy = "not installed"
        python = ".".join(str(part) for part in sys.version_info[:3])
        typer.echo(f"onenumber {__version__}")
        typer.echo(f"Python {python}, SQLAlchemy {sqlalchemy}, database schema {HEAD_REVISION}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", metavar="URL",
        help="Database URL (env ONENUMBER_DATABASE_URL; default: a SQLite file in the user "
             "data directory).")] = None,
    output: Annotated[str | None, typer.Option(
        "--output", "-o", metavar="FORMAT",
        help="table, json, jsonl, csv or tsv (env ONENUMBER_OUTPUT).")] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="ja|en", help="Language (default from LANG/LC_ALL).")] = None,
    tz: Annotated[str | None, typer.Option(
        "--tz", metavar="ZONE", help="Time zone for display and input (default Asia/Tokyo).")
    ] = None,
    operator: Annotated[str | None, typer.Option(
        "--operator", metavar="NAME",
        help="Who makes the change, for the audit log (env ONENUMBER_OPERATOR; default: "
             "the OS user).")] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Only data and errors.")] = False,
    no_color: Annotated[bool, typer.Option(
        "--no-color", help="No colour (also NO_COLOR).")] = False,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Show tracebacks and SQL on stderr.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Operator tool for the One Number Service: contracts, accessory devices, history."""
    run = invocation.current(ctx)
    given = {"db": db, "output": output, "lang": lang, "tz": tz, "operator": operator,
             "quiet": quiet or None, "no_color": no_color or None, "debug": debug or None}
    for name, value in given.items():
        if value is not None and name not in run.flags:
            run.remember(name, value)


def _register_commands() -> None:
    from onenumber_cli.cli.commands import (
        accounts,
        audit,
        batch,
        check,
        config,
        contract,
        db,
        demo,
        devices,
        status,
    )

    app.command("status", cls=LocalizedCommand)(status.status)
    app.command("history", cls=LocalizedCommand)(status.history)
    app.add_typer(devices.app, name="devices")
    app.add_typer(contract.option_app, name="option")
    app.add_typer(contract.service_app, name="service")
    app.add_typer(accounts.app, name="accounts")
    app.add_typer(batch.app, name="batch")
    app.command("audit", cls=LocalizedCommand)(audit.audit)
    app.command("check", cls=LocalizedCommand)(check.check)
    app.add_typer(db.app, name="db")
    app.add_typer(config.app, name="config")
    app.command("demo", cls=LocalizedCommand)(demo.demo)


_register_commands()


def main() -> None:
    app(prog_name="onenumber")
