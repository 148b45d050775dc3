"""The device picker: ``devices unregister ACCOUNT`` on a terminal without DEVICE.

The registered devices are listed by slot and one is asked for, by slot number, id,
IMEI or name (a name matched as a DEVICE is resolved: ignoring case and width).  An
answer naming none of them is explained and asked again (a typo used to end the command
with exit 3); Ctrl-C interrupts (exit 130) and Ctrl-D cancels (exit 1), as at any prompt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from onenumber_cli.cli.console import ask
from onenumber_cli.i18n import printable, t

if TYPE_CHECKING:
    from onenumber_cli.services import Device


def find(devices: Sequence[Device], answer: str) -> Device | None:
    """The listed device ``answer`` names: a slot number from the list first (what the
    list shows), then an id, an IMEI, a name."""
    from onenumber_cli.domain.names import name_key

    registered = [d for d in devices if d.slot is not None]
    if answer.isascii() and answer.isdigit():
        for device in registered:
            if device.slot == int(answer):
                return device
    for device in registered:
        if answer in (device.id, device.imei):
            return device
    key = name_key(answer)
    for device in registered:
        if name_key(device.name) == key:
            return device
    return None


def pick_device(devices: Sequence[Device]) -> str:
    """The id of the device the operator picks (an empty list: the answer as typed, for
    the command to report as it always has)."""
    registered = sorted((d for d in devices if d.slot is not None),
                        key=lambda d: d.slot or 0)
    for device in registered:  # the id has a fixed width: the name last, as it is
        sys.stderr.write(f"  {device.slot}  {device.id}  {printable(device.name)}\n")
    while True:
        answer = ask(t("Device to unregister (slot number, id, IMEI or name)"))
        if not registered:
            return answer
        found = find(registered, answer)
        if found is not None:
            return found.id
        slots = ", ".join(str(d.slot) for d in registered)
        sys.stderr.write(t("No registered device {answer}: answer with a slot number "
                           "({slots}), an id, an IMEI or a name.", answer=answer,
                           slots=slots) + "\n")
