"""``devices``: list, show, register, rename, unregister accessory devices."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from onenumber_cli.cli.commands.common import (
    Account,
    DeviceRef,
    DryRun,
    Yes,
    confirmed_change,
    report,
    time_option,
)
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import current, services
from onenumber_cli.cli.views import (
    DEVICE_COLUMNS,
    confirmation,
    show_device,
    show_devices,
)

if TYPE_CHECKING:
    from onenumber_cli.services import ChangeResult

app = typer.Typer(cls=LocalizedGroup, help="Accessory devices of an account.", no_args_is_help=True)


@app.command("list", cls=LocalizedCommand)
def list_(ctx: typer.Context, account: Account) -> None:
    """List the registered devices, by slot.

    Example: onenumber devices list demo-multi -o json
    """
    run = current(ctx)
    devices = services.list_devices(run.database(), account)
    if run.settings.machine:
        run.out.records((d.to_dict() for d in devices), DEVICE_COLUMNS)
    else:
        show_devices(run.out, devices)


@app.command("show", cls=LocalizedCommand)
def show(ctx: typer.Context, account: Account, device: DeviceRef) -> None:
    """Show one device (also an unregistered one, by id).

    Example: onenumber devices show demo-multi BMW
    """
    run = current(ctx)
    found = services.show_device(run.database(), account, device)
    run.out.document(found.to_dict(), table=lambda: show_device(run.out, found),
                     rows=([found.to_dict()], DEVICE_COLUMNS))


@app.command("register", cls=LocalizedCommand)
def register(
    ctx: typer.Context,
    account: Account,
    device_type: Annotated[str, typer.Option(
        "--type", metavar="TYPE", help="Device type, e.g. 'Apple Watch SE' (fixed).")],
    name: Annotated[str | None, typer.Option(
        "--name", metavar="NAME", help="Device name (default: derived from the type).")] = None,
    imei: Annotated[str | None, typer.Option(
        "--imei", metavar="IMEI", help="15-digit IMEI with a valid check digit.")] = None,
    at: Annotated[str | None, typer.Option(
        "--at", metavar="TIME", help="Registration time (ISO 8601; default: now).")] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="On a full one-number contract, switch to this device.")] = False,
    dry_run: DryRun = False,
) -> None:
    """Register an accessory device in the lowest free slot.

    Example: onenumber devices register demo-multi --type "Apple Watch Ultra" --name 登山用
    """
    run = current(ctx)
    result = services.register_device(
        run.database(), run.actor(), account, device_type, name=name, imei=imei,
        at=time_option(run, at, allow_future=False), replace=replace, dry_run=dry_run,
    )
    report(run, result)


@app.command("rename", cls=LocalizedCommand)
def rename(ctx: typer.Context, account: Account, device: DeviceRef,
           new_name: Annotated[str, typer.Argument(
               metavar="NEW_NAME",
               help="The new name (1-30 characters; letters, digits, spaces and - _ . +).")],
           dry_run: DryRun = False) -> None:
    """Rename a registered device (the only field that can change).

    Example: onenumber devices rename demo-multi "Apple Watch SE" 通勤用
    """
    run = current(ctx)
    report(run, services.rename_device(run.database(), run.actor(), account, device, new_name,
                                       dry_run=dry_run))


@app.command("unregister", cls=LocalizedCommand)
def unregister(ctx: typer.Context, account: Account, device: DeviceRef, yes: Yes = False,
               dry_run: DryRun = False) -> None:
    """Remove a device's One Number registration (cannot be undone).

    Example: onenumber devices unregister demo-multi BMW --yes
    """
    run = current(ctx)
    db = run.database()

    def preview(planned: ChangeResult) -> None:
        assert planned.device is not None
        confirmation(run.out, planned.device)

    confirmed_change(
        run, yes=yes, dry_run=dry_run, command="devices unregister", preview=preview,
        change=lambda dry: services.unregister_device(db, run.actor(), account, device,
                                                      dry_run=dry),
    )
