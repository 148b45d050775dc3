"""``option`` and ``service``: the Multi-device option and the service itself."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from onenumber_cli.cli.commands.common import (
    Account,
    DryRun,
    Yes,
    confirmed_change,
    make_change,
)
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import current, services
from onenumber_cli.i18n import t

if TYPE_CHECKING:
    from onenumber_cli.services import ChangeResult

option_app = typer.Typer(cls=LocalizedGroup, help="The Multi-device option (up to 5 devices).",
                         no_args_is_help=True)
service_app = typer.Typer(cls=LocalizedGroup, help="The One Number Service contract itself.",
                          no_args_is_help=True)


@option_app.command("subscribe", cls=LocalizedCommand)
def option_subscribe(ctx: typer.Context, account: Account, dry_run: DryRun = False,
                     yes: Yes = False) -> None:
    """Subscribe to the Multi-device option (550 JPY a month, tax included).

    Example: onenumber option subscribe demo-single
    """
    run = current(ctx)
    make_change(run, services.OPTION_SUBSCRIBE.bind(run.actor(), account), dry_run=dry_run)


@option_app.command("cancel", cls=LocalizedCommand)
def option_cancel(ctx: typer.Context, account: Account, yes: Yes = False,
                  dry_run: DryRun = False) -> None:
    """Cancel the Multi-device option (at most 1 device may remain registered).

    Example: onenumber option cancel demo-multi --yes
    """
    run = current(ctx)
    confirmed_change(
        run, lambda actor: services.OPTION_CANCEL.bind(actor, account), yes=yes,
        dry_run=dry_run,
        command="option cancel",
        preview=lambda _: run.out.message(t("Cancel the Multi-device option of {account}? The plan "
                                            "returns to One Number Service (1 "
                                            "device).", account=account)),
    )


@service_app.command("subscribe", cls=LocalizedCommand)
def service_subscribe(
    ctx: typer.Context,
    account: Account,
    multi: Annotated[bool, typer.Option(
        "--multi", help="Subscribe with the Multi-device option.")] = False,
    dry_run: DryRun = False,
    yes: Yes = False,  # read by a profile with confirm = true (Invocation.before_change)
) -> None:
    """Create a contract, or reactivate a cancelled one (history is kept).

    Example: onenumber service subscribe new-customer --multi
    """
    run = current(ctx)
    make_change(run, services.SERVICE_SUBSCRIBE.bind(run.actor(), account, multi=multi),
                dry_run=dry_run)


@service_app.command("cancel", cls=LocalizedCommand)
def service_cancel(ctx: typer.Context, account: Account, yes: Yes = False,
                   dry_run: DryRun = False) -> None:
    """Cancel the service: unregisters the last device and ends the option.

    Example: onenumber service cancel demo-single --yes
    """
    run = current(ctx)

    def preview(planned: ChangeResult) -> None:
        names = ", ".join(d.name for d in planned.removed) or "-"
        run.out.message(t("Cancel One Number Service for {account}? This unregisters: "
                          "{devices}.", account=account, devices=names))

    confirmed_change(run, lambda actor: services.SERVICE_CANCEL.bind(actor, account),
                     yes=yes, dry_run=dry_run, command="service cancel", preview=preview)
