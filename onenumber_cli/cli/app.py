"""The root command: global options, command groups, and the one error handler."""

from __future__ import annotations

import copy
import importlib
import inspect
import os
import sys
import traceback
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from typer import _click  # Typer 0.28 vendors Click; pinned in pyproject.toml
from typer.main import get_command_from_info, get_group_from_info  # Typer's own builders
from typer.models import CommandInfo, TyperInfo

from onenumber_cli import __version__
from onenumber_cli.cli import completion, invocation
from onenumber_cli.cli.console import Declined, Interrupted
from onenumber_cli.cli.exitcodes import ExitCode, exit_code_for
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.errors import OneNumberError
from onenumber_cli.i18n import t

GLOBAL_OPTIONS = ("db", "output", "lang", "tz", "operator", "quiet", "no_color", "debug",
                  "profile", "fields", "no_input", "no_pager")

# The commands, in the order help lists them: name -> (module in cli/commands, attribute),
# the attribute being a Typer app (a group) or a command function.  A command is built
# (its module imported, its signature turned into Click parameters) only when it is
# used: building all of them costs more than importing Typer.
COMMANDS: dict[str, tuple[str, str]] = {
    "status": ("status", "status"),
    "history": ("status", "history"),
    "audit": ("audit", "audit"),
    "check": ("check", "check"),
    "demo": ("demo", "demo"),
    "devices": ("devices", "app"),
    "option": ("contract", "option_app"),
    "service": ("contract", "service_app"),
    "accounts": ("accounts", "app"),
    "batch": ("batch", "app"),
    "db": ("db", "app"),
    "config": ("config", "app"),
    "help": ("help", "help_"),
}


def _target(name: str) -> Any:
    module, attribute = COMMANDS[name]
    return getattr(importlib.import_module(f"onenumber_cli.cli.commands.{module}"), attribute)


def _walk(command: _click.Command) -> Iterator[_click.Command]:
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _walk(sub)


def _remember(ctx: _click.Context, param: _click.Parameter, value: Any) -> Any:
    source = ctx.get_parameter_source(param.name or "")
    if source is not None and source.name == "COMMANDLINE":
        invocation.current(ctx).remember(param.name or "", value)
    return value


class _LazyCommands(MutableMapping[str, _click.Command]):
    """The root's subcommands: every name of :data:`COMMANDS` is known at once, each
    command is built on first access, with the global options added to it."""

    def __init__(self, shared: list[_click.Parameter]) -> None:
        self._shared = shared
        self._built: dict[str, _click.Command] = {}

    def __getitem__(self, name: str) -> _click.Command:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = self._with_global_options(self._build(name))
        return self._built[name]

    def __setitem__(self, name: str, command: _click.Command) -> None:
        raise TypeError("the command table is fixed: add the command to COMMANDS")

    def __delitem__(self, name: str) -> None:
        raise TypeError("the command table is fixed")

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)

    @staticmethod
    def _build(name: str) -> _click.Command:
        target = _target(name)
        if isinstance(target, typer.Typer):
            return get_group_from_info(TyperInfo(target, name=name),
                                       pretty_exceptions_short=app.pretty_exceptions_short,
                                       suggest_commands=True, rich_markup_mode=None)
        return get_command_from_info(CommandInfo(name=name, cls=LocalizedCommand,
                                                 callback=target),
                                     pretty_exceptions_short=app.pretty_exceptions_short,
                                     rich_markup_mode=None)

    def _with_global_options(self, built: _click.Command) -> _click.Command:
        for command in _walk(built):
            taken = {opt for p in command.params for opt in getattr(p, "opts", ())}
            for param in self._shared:
                if taken & set(getattr(param, "opts", ())):
                    continue  # the command's own option wins (audit --operator filters)
                clone = copy.copy(param)
                clone.expose_value = False
                clone.callback = _remember
                clone.is_eager = True
                command.params.append(clone)
        return built


def _lang_flag(argv: list[str]) -> str | None:
    """The value of the last ``--lang X`` / ``--lang=X`` before a ``--``."""
    found = None
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and index + 1 < len(argv):
            found = argv[index + 1]
        elif arg.startswith("--lang="):
            found = arg.removeprefix("--lang=")
    return found


class OneNumberGroup(LocalizedGroup):
    """Root group.  Three jobs, all here so that ``CliRunner`` sees what users see:

    * subcommands are built lazily (see :data:`COMMANDS`); the root's help lists them
      from their help texts without building them;
    * the global options are accepted after the subcommand too: each command gets a copy
      of them that writes into the invocation when given on the command line;
    * every error is reported and mapped to its exit code in :meth:`invoke`.
    """

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands([p for p in self.params if p.name in GLOBAL_OPTIONS])

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return list(COMMANDS)  # Typer's own version builds every command to list them

    def summary(self, ctx: _click.Context, name: str) -> str | None:
        target = _target(name)
        if isinstance(target, typer.Typer):
            return target.info.help if isinstance(target.info.help, str) else ""
        return inspect.getdoc(target) or ""

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        # The language before any parsing, from a --lang anywhere on the line, else the
        # environment: --help (eager, so it runs before --lang is parsed) and usage
        # errors then speak it too, wherever --lang stands.
        argv = list(args) if args is not None else sys.argv[1:]
        invocation.set_early_language(_lang_flag(argv))
        completion.install()
        return super().main(argv, *rest, **kwargs)

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
        except Interrupted:
            sys.stderr.write(t("msg.interrupted") + "\n")
            raise typer.Exit(ExitCode.INTERRUPTED) from None
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


def installed_version(project: str) -> str | None:
    """An installed project's version, read from the name of its ``.dist-info`` directory
    (``{name}-{version}.dist-info``, the layout pip and every installer write), the
    first found along ``sys.path``.  Importing ``importlib.metadata`` would cost more
    than the rest of ``--version``; it is only the fallback."""
    wanted = project.lower().replace("-", "_")
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            stem = name.removesuffix(".dist-info")
            dist, _, version = stem.partition("-")
            if stem != name and version and dist.lower().replace(".", "_") == wanted:
                return version
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version(project)
    except PackageNotFoundError:
        return None


def _version(value: bool) -> None:
    """First line ``onenumber X.Y.Z`` (for scripts), then what it runs on; nothing here
    imports SQLAlchemy."""
    if value:
        from onenumber_cli.storage.revision import HEAD_REVISION

        sqlalchemy = installed_version("sqlalchemy") or "not installed"
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
    profile: Annotated[str | None, typer.Option(
        "--profile", metavar="NAME",
        help="Use the settings of [profiles.NAME] in the config file (env "
             "ONENUMBER_PROFILE).")] = None,
    fields: Annotated[str | None, typer.Option(
        "--fields", metavar="a,b,...",
        help="Only these fields of each record, in this order (every output format).")
    ] = None,
    no_input: Annotated[bool, typer.Option(
        "--no-input", help="Never prompt: what would be asked is refused instead.")] = False,
    no_pager: Annotated[bool, typer.Option(
        "--no-pager", help="Do not page long output on a terminal.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Operator tool for the One Number Service: contracts, accessory devices, history."""
    run = invocation.current(ctx)
    given = {"db": db, "output": output, "lang": lang, "tz": tz, "operator": operator,
             "quiet": quiet or None, "no_color": no_color or None, "debug": debug or None,
             "profile": profile, "fields": fields, "no_input": no_input or None,
             "no_pager": no_pager or None}
    for name, value in given.items():
        if value is not None and name not in run.flags:
            run.remember(name, value)


def main() -> None:
    app(prog_name="onenumber")
