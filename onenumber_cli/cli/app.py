"""The root command: global options, command groups, and the one error handler."""

from __future__ import annotations

import copy
import importlib
import inspect
import sys
import traceback
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from typer import _click  # Typer 0.28 vendors Click; pinned in pyproject.toml
from typer.main import get_command_from_info, get_group_from_info  # Typer's own builders
from typer.models import CommandInfo, TyperInfo

from onenumber_cli import __version__
from onenumber_cli.cli import clicktext, completion, invocation
from onenumber_cli.cli.console import Declined, Interrupted
from onenumber_cli.cli.exitcodes import ExitCode, exit_code_for
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.settings import GLOBAL_OPTIONS, OPTION
from onenumber_cli.errors import OneNumberError, OutputFailed
from onenumber_cli.i18n import t

# The global options that are flags: copied onto every command (see _LazyCommands).
FLAGGED = frozenset(option.name for option in GLOBAL_OPTIONS if option.flags)

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
    "completion": ("completion", "app"),
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


def _install_completion(ctx: _click.Context, param: _click.Parameter, value: Any) -> Any:
    from onenumber_cli.cli.commands.completion import install_option

    return install_option(ctx, param, value)


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
        self.commands = _LazyCommands([p for p in self.params if p.name in FLAGGED])

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
        clicktext.install()
        for param in self.params:  # Typer appends --install-completion after __init__
            if param.name == "install_completion":
                param.callback = _install_completion  # as `completion install`
        return super().main(argv, *rest, **kwargs)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: _click.Context | None = None, **extra: Any) -> _click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except _click.ClickException as error:  # the root's own options: in the language
            raise clicktext.localized(error) from None

    def invoke(self, ctx: _click.Context) -> Any:
        run = invocation.current(ctx)
        try:
            try:
                result = super().invoke(ctx)
            except typer.Exit:
                _flush_stdout()
                raise
            _flush_stdout()  # a full disk is found here, not at the process's exit
            return result
        except OneNumberError as error:
            code = exit_code_for(error)
            if run.committed is not None and code == ExitCode.USAGE:
                code = ExitCode.FAILURE  # exit 2 means nothing was written: never after a commit
            if isinstance(error, OutputFailed):
                _silence_stdout()
            quiet = (isinstance(error, OutputFailed) and error.reason == "closed"
                     and run.committed is None)  # `| head`: a reader's usual end
            if not quiet:
                self._report(run, error, committed=run.committed)
            raise typer.Exit(code) from None
        except Declined:
            run.out.message(t("Cancelled; nothing was changed."))
            raise typer.Exit(ExitCode.FAILURE) from None
        except Interrupted:
            _to_stderr(t("Interrupted; nothing was changed."))
            raise typer.Exit(ExitCode.INTERRUPTED) from None
        except _click.ClickException as error:  # Typer's main() shows it
            raise clicktext.localized(error) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt, BrokenPipeError):
            raise  # Typer's main() handles these (a closed pipe ends quietly)
        except Exception:
            if run.flags.get("debug"):
                raise
            _to_stderr(t("error: an unexpected internal error occurred."))
            _to_stderr(t("hint: run again with --debug to see the traceback, and report it."))
            raise typer.Exit(ExitCode.FAILURE) from None
        finally:
            run.close()

    @staticmethod
    def _report(run: invocation.Invocation, error: OneNumberError, *,
                committed: str | None = None) -> None:
        """The error, in the output's language and format, and what was committed before
        it (if anything)."""
        if run.flags.get("debug"):
            traceback.print_exc(file=sys.stderr)
        try:
            out = run.out
        except OneNumberError:  # the settings themselves are broken: no formatter to use
            from onenumber_cli.i18n.errors import render

            message, hint = render(error)
            _to_stderr(t("error") + f": {message}")
            _to_stderr(t("hint") + f": {hint}")
            if committed:
                _to_stderr(committed)
            return
        out.error(error, committed=committed)


def _flush_stdout() -> None:
    """What the command wrote, out now: a failure is then an OutputFailed the handler
    reports (with what was committed), not an error at the interpreter's exit."""
    from onenumber_cli.cli.output import Guarded

    Guarded(sys.stdout).flush()


def _silence_stdout() -> None:
    """After stdout failed: whatever is still buffered goes to /dev/null, so the exit's
    final flush cannot fail again (Python's own advice for a closed pipe)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to do
        pass


def _to_stderr(text: str) -> None:
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # AttributeError: descriptor 2 closed
        pass  # stderr is gone too: the exit code is all that is left to say it


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
        from onenumber_cli.storage.revision import HEAD_REVISION
        from onenumber_cli.versions import installed_version

        sqlalchemy = installed_version("sqlalchemy") or "not installed"
        python = ".".join(str(part) for part in sys.version_info[:3])
        typer.echo(f"onenumber {__version__}")
        typer.echo(f"Python {python}, SQLAlchemy {sqlalchemy}, database schema {HEAD_REVISION} "
                   "(the program's; newer schemas too where their migrations allow it)")
        raise typer.Exit()


def root(ctx: typer.Context, **given: Any) -> None:
    """Operator tool for the One Number Service: contracts, accessory devices, history."""
    run = invocation.current(ctx)
    for name, value in given.items():
        if name in OPTION and value is not None and value is not False \
                and name not in run.flags:
            run.remember(name, value)


def _root_parameters() -> list[inspect.Parameter]:
    """The root's parameters: the context, one option per entry of
    :data:`~onenumber_cli.cli.settings.GLOBAL_OPTIONS` that has a flag (a value option
    defaults to None, an on/off flag to False: neither is remembered), and --version."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=typer.Context)]
    for option in GLOBAL_OPTIONS:
        if not option.flags:
            continue
        if option.is_flag:
            annotation: Any = Annotated[bool, typer.Option(*option.flags, help=option.help)]
            default: Any = False
        else:
            annotation = Annotated[str | None, typer.Option(*option.flags,
                                                            metavar=option.metavar,
                                                            help=option.help)]
            default = None
        parameters.append(inspect.Parameter(option.name, keyword, default=default,
                                            annotation=annotation))
    parameters.append(inspect.Parameter(
        "version", keyword, default=False,
        annotation=Annotated[bool, typer.Option("--version", callback=_version,
                                                is_eager=True,
                                                help="Show the version and exit.")]))
    return parameters


# Typer reads the callback's signature: it is built from the one table of global options.
_signature = inspect.Signature(_root_parameters())
root.__signature__ = _signature  # type: ignore[attr-defined]
root.__annotations__ = {p.name: p.annotation for p in _signature.parameters.values()}
app.callback()(root)


def main() -> None:
    app(prog_name="onenumber")
