"""``help [COMMAND]...``: the same text as ``COMMAND --help`` (as ``git help`` and
``gh help`` have it)."""

from __future__ import annotations

from typing import Annotated

import typer
from typer import _click


def help_(
    ctx: typer.Context,
    command: Annotated[list[str] | None, typer.Argument(
        metavar="[COMMAND]...", help="The command to explain, e.g. devices unregister.")
    ] = None,
) -> None:
    """Show the help of the program or of a command.

    Example: onenumber help devices unregister
    """
    root = ctx.find_root()
    target_ctx, target = root, root.command
    for name in command or []:
        find = getattr(target, "get_command", None)  # a group
        sub = find(target_ctx, name) if find is not None else None
        if sub is None:
            raise _click.exceptions.UsageError(f"No such command '{name}'.", ctx)
        target_ctx = _click.Context(sub, info_name=name, parent=target_ctx)
        target = sub
    typer.echo(target.get_help(target_ctx))
