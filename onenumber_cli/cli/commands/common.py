"""Pieces every command module shares: option types, confirmation, result output."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from typer._click.exceptions import MissingParameter

from onenumber_cli.cli.console import Declined, confirm, terminal
from onenumber_cli.cli.invocation import Invocation, services
from onenumber_cli.cli.views import RESULT_COLUMNS, result_row, result_text, show_result
from onenumber_cli.domain.values import parse_time
from onenumber_cli.errors import ConfirmationRequired
from onenumber_cli.i18n import t

if TYPE_CHECKING:
    from onenumber_cli.services import Actor, Change, ChangeResult, Device

Account = Annotated[str, typer.Argument(
    metavar="ACCOUNT", help="The customer's d-account ID.")]
DeviceRef = Annotated[str, typer.Argument(
    metavar="DEVICE", help="Device id, IMEI, or current name (an id always wins).")]
OptionalDeviceRef = Annotated[str | None, typer.Argument(
    metavar="[DEVICE]", show_default=False,
    help="Device id, IMEI, or current name (an id always wins); asked for on a terminal "
         "when left out.")]
MAX_LIMIT = 2**31 - 1  # a --limit both backends can bind (PostgreSQL's LIMIT is a bigint)
DryRun = Annotated[bool, typer.Option(
    "--dry-run", help="Check everything and report what would change; write nothing.")]
Yes = Annotated[bool, typer.Option(
    "--yes", "-y", help="Do not ask for confirmation (needed when not on a terminal).")]


def time_option(run: Invocation, raw: str | None, *, allow_future: bool = True
                ) -> datetime | None:
    if raw is None:
        return None
    return parse_time(raw, run.settings.zone, allow_future=allow_future)


def make_change(run: Invocation, change: Change, *, dry_run: bool) -> None:
    """Run one change of the action table (or its dry run) and report it."""
    result = services.perform(run.database(), change, dry_run=dry_run)
    if result.changed and not dry_run:
        run.committed = t("Committed before that: {change}", change=result_text(result))
    report(run, result)


def confirmed_change(run: Invocation, bind: Callable[[Actor], Change], *, yes: bool,
                     dry_run: bool, command: str,
                     preview: Callable[[ChangeResult], None]) -> None:
    """A change that cannot be undone: plan it, ask, apply it, report it.

    ``bind`` makes the change for its actor.  This command's own prompt is the one
    confirmation (a profile's ``confirm = true`` does not ask a second time): it is
    claimed before the actor is asked for.  The change is first planned as a dry run, so
    a rule refusal is reported as such (not as a missing ``--yes``) and a no-op asks
    nothing.  Then, on a terminal, the target (profile, database) is named, ``preview``
    shown and the operator asked; without a terminal, or with ``--no-input``, it is
    refused (exit 2) naming ``--yes``.
    """
    if not (yes or dry_run):
        run.confirmed = True  # this prompt is the confirmation a profile may ask for
    change = bind(run.actor())
    if not (yes or dry_run):
        planned = services.perform(run.database(), change, dry_run=True)
        if planned.changed:
            if run.settings.no_input:
                raise ConfirmationRequired("no_input", command=command)
            if not terminal.interactive():
                raise ConfirmationRequired(command=command)
            preview(planned)
            if not confirm(t("Proceed?")):
                raise Declined()
    make_change(run, change, dry_run=dry_run)


def report(run: Invocation, result: ChangeResult) -> None:
    run.out.document(result.to_dict(), table=lambda: show_result(run.out, result),
                     rows=([result_row(result)], RESULT_COLUMNS))


def ask_device(run: Invocation, ctx: typer.Context, devices: Sequence[Device]) -> str:
    """DEVICE left out: on a terminal, ask for it among the registered devices; without
    one (or with --no-input) it is the usage error it always was (exit 2)."""
    if run.settings.no_input or not terminal.interactive():
        raise MissingParameter(ctx=ctx, param_hint="'[DEVICE]'", param_type="argument")
    run.announce_target()
    from onenumber_cli.cli.picker import pick_device

    return pick_device(devices)
