"""``completion install [bash|zsh|fish]``: the completion script where the shell loads it.

One command for what the README's manual lines do, on a fresh HOME too: the folder is
created, the file written atomically (unchanged when it is already current, so running
it again is harmless), and what the shell's rc file still needs is said, never edited
behind the operator's back (as ``gh completion`` and ``rustup completions`` leave it to
them).  The shell comes from the argument, else from ``$SHELL``.  Where each shell looks:

* bash: bash-completion's per-user folder,
  ``${BASH_COMPLETION_USER_DIR:-${XDG_DATA_HOME:-~/.local/share}/bash-completion}/completions``,
  loaded on the first TAB where bash-completion runs; where it does not (a new account
  without ``~/.bashrc``), one ``source`` line in ``~/.bashrc``;
* zsh: ``~/.zfunc/_onenumber``, autoloaded when ``~/.zfunc`` is on ``fpath`` before
  ``compinit`` in ``${ZDOTDIR:-~}/.zshrc``;
* fish: ``${XDG_CONFIG_HOME:-~/.config}/fish/completions/onenumber.fish``, autoloaded.

Writing the file (what a completion TAB never does) is the only thing here that is
not read-only; the script is the program's own output for ``_ONENUMBER_COMPLETE``, the
same text as ``completions/``.

``--install-completion`` (Typer's option on the root command) does the same.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer import _click
from typer._click.exceptions import UsageError

from onenumber_cli.cli.files import replace_file
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import current
from onenumber_cli.errors import InvalidArgument
from onenumber_cli.i18n import t

app = typer.Typer(cls=LocalizedGroup, help="Shell completion.", no_args_is_help=True)

PROG = "onenumber"
COMPLETE_VAR = "_ONENUMBER_COMPLETE"


class Shell(StrEnum):
    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"


@dataclass
class Installed:
    shell: str
    path: Path
    changed: bool
    rc_file: Path | None = None
    rc_lines: list[str] = field(default_factory=list)  # still to add to rc_file


def script(shell: str) -> str:
    """The completion script the program prints for ``_ONENUMBER_COMPLETE=source_SHELL``
    (the files in ``completions/`` are the same text)."""
    from onenumber_cli.cli import completion
    from onenumber_cli.cli.app import app as root_app

    classes = {"bash": completion.BashComplete, "zsh": completion.ZshComplete,
               "fish": completion.FishComplete}
    command = typer.main.get_command(root_app)
    return classes[shell](command, {}, PROG, COMPLETE_VAR).source() + "\n"  # as echoed


def _home(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("HOME") or Path.home())


def target(shell: str, environ: Mapping[str, str] = os.environ) -> Path:
    home = _home(environ)
    if shell == "bash":
        data = environ.get("XDG_DATA_HOME") or str(home / ".local/share")
        base = environ.get("BASH_COMPLETION_USER_DIR") or f"{data}/bash-completion"
        return Path(base) / "completions" / PROG
    if shell == "zsh":
        return home / ".zfunc" / f"_{PROG}"
    config = environ.get("XDG_CONFIG_HOME") or str(home / ".config")
    return Path(config) / "fish" / "completions" / f"{PROG}.fish"


def _active_lines(path: Path) -> list[str]:
    """The rc file's lines that are not comments (none when it does not exist)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return [line.split("#", 1)[0] for line in text.splitlines()
            if not line.lstrip().startswith("#")]


def rc_needs(shell: str, path: Path, environ: Mapping[str, str] = os.environ
             ) -> tuple[Path | None, list[str]]:
    """The rc file and the lines it still needs for ``path`` to be loaded (none: fish, or
    already there)."""
    home = _home(environ)
    if shell == "bash":
        rc = home / ".bashrc"
        lines = _active_lines(rc)
        if any("bash_completion" in x or "bash-completion" in x or PROG in x for x in lines):
            return rc, []  # bash-completion loads the folder (or the file is sourced)
        return rc, [f"source {_tilde(path, home)}"]
    if shell == "zsh":
        rc = Path(environ.get("ZDOTDIR") or home) / ".zshrc"
        lines = _active_lines(rc)
        needed = []
        if not any(".zfunc" in x and "fpath" in x for x in lines):
            needed.append("fpath+=~/.zfunc")
        if not any("compinit" in x for x in lines):
            needed.append("autoload -Uz compinit && compinit")
        return rc, needed
    return None, []


def _tilde(path: Path, home: Path) -> str:
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def install(shell: str, environ: Mapping[str, str] = os.environ) -> Installed:
    """Write the script for ``shell`` where it is loaded (folders created; the file
    replaced atomically, left alone when already current)."""
    path = target(shell, environ)
    text = script(shell)
    try:
        current_text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        current_text = None
    changed = current_text != text
    if changed:
        try:
            replace_file(path, text, mode=0o644)
        except OSError as error:  # a read-only home, a full disk: said, not an internal error
            raise InvalidArgument("completion_write", path=str(path),
                                  detail=error.strerror or str(error)) from None
    rc_file, rc_lines = rc_needs(shell, path, environ)
    return Installed(shell, path, changed, rc_file, rc_lines)


def detect(ctx: _click.Context, environ: Mapping[str, str] = os.environ) -> str:
    """The shell ``$SHELL`` names; when it names none of bash, zsh, fish (or is unset),
    the shell this program runs under (Typer's detection, from the parent processes);
    a usage error when neither is one of them."""
    shells = {s.value for s in Shell}
    name = Path(environ.get("SHELL") or "").name
    if name in shells:
        return name
    from typer._completion_shared import _get_shell_name

    parent = _get_shell_name()
    if parent in shells:
        return str(parent)
    raise UsageError(t("Cannot tell the shell from $SHELL ({shell}); name it: "
                       "onenumber completion install bash, zsh or fish.",
                       shell=environ.get("SHELL") or "-"), ctx)


def messages(done: Installed) -> list[str]:
    """What was written and what the rc file still needs, for people."""
    if done.changed:
        lines = [t("Wrote the {shell} completion to {path}.", shell=done.shell,
                   path=str(done.path))]
    else:
        lines = [t("The {shell} completion in {path} is already current.", shell=done.shell,
                   path=str(done.path))]
    if done.rc_lines and done.rc_file is not None:
        lines.append(t("Add to {rc} (then open a new shell):", rc=str(done.rc_file)))
        lines += [f"    {line}" for line in done.rc_lines]
        if done.shell == "bash":
            lines.append(t("(Not needed where bash-completion is loaded: it loads the file on "
                           "the first TAB.)"))
    else:
        lines.append(t("Open a new shell: TAB completes onenumber."))
    return lines


@app.command("install", cls=LocalizedCommand)
def install_(
    ctx: typer.Context,
    shell: Annotated[Shell | None, typer.Argument(
        metavar="[bash|zsh|fish]", show_default=False,
        help="The shell (default: the one $SHELL names).")] = None,
) -> None:
    """Install the completion script where the shell loads it, creating the folder; say
    what was written and what to add to the shell's rc file, if anything.  Running it
    again changes nothing.

    Example: onenumber completion install zsh
    """
    run = current(ctx)
    done = install(shell.value if shell else detect(ctx))
    data = {"shell": done.shell, "path": str(done.path), "changed": done.changed,
            "rc_file": str(done.rc_file) if done.rc_file else None,
            "rc_lines": done.rc_lines}

    def table() -> None:
        for line in messages(done):
            run.out.line(line)

    run.out.document(data, table=table)


def install_option(ctx: _click.Context, param: _click.Parameter, value: object) -> object:
    """``--install-completion``: the same as ``completion install`` for the shell
    :func:`detect` finds."""
    if not value or ctx.resilient_parsing:
        return value
    for line in messages(install(detect(ctx))):
        _click.echo(line)
    ctx.exit(0)
    return value
