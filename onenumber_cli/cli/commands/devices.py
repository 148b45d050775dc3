"""``devices``: list, show, register, rename, unregister accessory devices."""

from __future__ import annotations

from contextlib import closing
from typing import TYPE_CHECKING, Annotated

import typer

from onenumber_cli.cli.commands import many
from onenumber_cli.cli.commands.common import (
    MAX_LIMIT,
    Account,
    DeviceRef,
    DryRun,
    OptionalDeviceRef,
    Yes,
    ask_device,
    confirmed_change,
    make_change,
    time_option,
)
from onenumber_cli.cli.helptext import LocalizedCommand, LocalizedGroup
from onenumber_cli.cli.invocation import current, services
from onenumber_cli.cli.lazy import lazy_import
from onenumber_cli.cli.views import (
    DEVICE_COLUMNS,
    SEARCH_COLUMNS,
    confirmation,
    show_device,
    show_devices,
)
from onenumber_cli.domain.values import Plan, Status

if TYPE_CHECKING:
    from onenumber_cli import search as search_core
    from onenumber_cli.services import ChangeResult, Contract
else:  # loaded when the command runs: help and completion never import SQLAlchemy
    search_core = lazy_import("onenumber_cli.search")

app = typer.Typer(cls=LocalizedGroup, help="Accessory devices of an account.", no_args_is_help=True)


@app.command("list", cls=LocalizedCommand)
def list_(ctx: typer.Context, accounts: many.Accounts) -> None:
    """List the registered devices, by slot.

    Several accounts, or - (one a line on stdin), answer in one call: each device with
    its account.

    Example: onenumber devices list demo-multi -o json
    """
    run = current(ctx)
    account = many.single(accounts)
    if account is not None:
        devices = services.list_devices(run.database(), account)
        if run.settings.machine:
            run.out.records((d.to_dict() for d in devices), DEVICE_COLUMNS)
        else:
            show_devices(run.out, devices)
        return

    def block(account: str, view: Contract) -> None:
        many.heading(run, account)
        show_devices(run.out, view.devices)

    many.stream(run, accounts, services.status_in,
                records=lambda account, view: many.with_account(account, view.devices),
                columns=(many.ACCOUNT_COLUMN, *DEVICE_COLUMNS), block=block)


@app.command("search", cls=LocalizedCommand)
def search(
    ctx: typer.Context,
    device_type: Annotated[str | None, typer.Option(
        "--type", metavar="TYPE",
        help="Devices of this type (compared as names are: case and width ignored).")] = None,
    name: Annotated[str | None, typer.Option(
        "--name", metavar="PATTERN",
        help="The name, case and width ignored; * and ? match any characters / one.")
    ] = None,
    imei: Annotated[str | None, typer.Option(
        "--imei", metavar="IMEI", help="The device with this IMEI (which account holds it).")
    ] = None,
    plan: Annotated[Plan | None, typer.Option("--plan", help="Only accounts on this plan.")
                    ] = None,
    status: Annotated[Status | None, typer.Option(
        "--status", help="Only accounts in this state.")] = None,
    since: Annotated[str | None, typer.Option(
        "--registered-since", metavar="TIME", help="Registered at or after TIME.")] = None,
    until: Annotated[str | None, typer.Option(
        "--registered-until", metavar="TIME", help="Registered before TIME.")] = None,
    account_prefix: Annotated[str | None, typer.Option(
        "--account-prefix", metavar="PREFIX", help="Only accounts whose id starts so.")
    ] = None,
    include_unregistered: Annotated[bool, typer.Option(
        "--include-unregistered",
        help="Devices no longer registered too (with unregistered_at).")] = False,
    limit: Annotated[int | None, typer.Option(
        "--limit", min=1, max=MAX_LIMIT, metavar="N", help="At most N devices.")] = None,
) -> None:
    """Find devices across all accounts (streams; filters combine with AND).

    Each result is a device object plus its account: the output of -o csv is a batch
    file for batch apply --action (id is the device).

    Example: onenumber devices search --type "Apple Watch SE" --name "apple watch se" -o csv
    """
    run = current(ctx)
    found = search_core.SearchFilter(
        type=device_type, name=name, imei=imei, plan=plan.value if plan else None,
        status=status.value if status else None,
        registered_since=time_option(run, since), registered_until=time_option(run, until),
        account_prefix=account_prefix, include_unregistered=include_unregistered,
        limit=limit)
    columns = [c for c in SEARCH_COLUMNS if c.key in search_core.fields(found)]
    # closed even when the output stops early (a cell cp932 cannot hold): the read
    # transaction ends at once, not when the generator is collected
    with closing(search_core.rows(run.database(), found)) as rows:
        run.out.tuples(rows, columns, record=search_core.record)


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
    yes: Yes = False,  # read by a profile with confirm = true (Invocation.before_change)
) -> None:
    """Register an accessory device in the lowest free slot.

    Example: onenumber devices register demo-multi --type "Apple Watch Ultra" --name 登山用
    """
    run = current(ctx)
    when = time_option(run, at, allow_future=False)
    make_change(run, services.REGISTER.bind(run.actor(), account, device_type, name=name,
                                            imei=imei, at=when, replace=replace),
                dry_run=dry_run)


@app.command("rename", cls=LocalizedCommand)
def rename(ctx: typer.Context, account: Account, device: DeviceRef,
           new_name: Annotated[str, typer.Argument(
               metavar="NEW_NAME",
               help="The new name (1-30 characters; letters, digits, spaces and - _ . +).")],
           dry_run: DryRun = False, yes: Yes = False) -> None:
    """Rename a registered device (the only field that can change).

    Example: onenumber devices rename demo-multi "Apple Watch SE" 通勤用
    """
    run = current(ctx)
    make_change(run, services.RENAME.bind(run.actor(), account, device, new_name),
                dry_run=dry_run)


@app.command("unregister", cls=LocalizedCommand)
def unregister(ctx: typer.Context, account: Account, device: OptionalDeviceRef = None,
               yes: Yes = False, dry_run: DryRun = False) -> None:
    """Remove a device's One Number registration (cannot be undone).

    Without DEVICE, on a terminal, the registered devices are listed and one is asked
    for (never without a terminal, nor with --no-input).

    Example: onenumber devices unregister demo-multi BMW --yes
    """
    run = current(ctx)
    if device is None:
        device = ask_device(run, ctx, services.list_devices(run.database(), account))

    def preview(planned: ChangeResult) -> None:
        assert planned.device is not None
        confirmation(run.out, planned.device)

    confirmed_change(run, lambda actor: services.UNREGISTER.bind(actor, account, device),
                     yes=yes, dry_run=dry_run, command="devices unregister", preview=preview)
