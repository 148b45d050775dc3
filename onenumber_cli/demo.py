"""The seed's two example customers, so a newcomer sees the product at once.

* ``demo-single``: One Number Service only, one BMW registered on 2021-07-20 (screen 1).
* ``demo-multi``: with the Multi-device option, BMW, Apple Watch Series 6 and Apple Watch
  SE registered (3 / 5, screen 2), and a history whose newest entries are the seed's
  screen 3: BMW registered 2022-09-12 16:43, AW7 registered 14:17 (the Series 6, under
  the name it had then), ON01 unregistered 2022-09-07 21:26.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from onenumber_cli import services
from onenumber_cli.domain.imei import luhn_check_digit
from onenumber_cli.errors import AccountNotFound, ConfirmationRequired
from onenumber_cli.storage import removal
from onenumber_cli.storage.engine import Database

SINGLE = "demo-single"
MULTI = "demo-multi"
ACCOUNTS = (SINGLE, MULTI)
_TOKYO = ZoneInfo("Asia/Tokyo")
_IMEI_BODY = "35693803564380"
DEMO_IMEI = _IMEI_BODY + str(luhn_check_digit(_IMEI_BODY))


def _jst(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=_TOKYO)


def load(db: Database, actor: services.Actor, *, force: bool = False) -> bool:
    """Load the demo customers; False (and nothing written) when they already exist.

    A database that holds other accounts is a real one (a team's shared database): demo
    customers are not loaded into it unless ``force`` (:func:`remove` takes them out)."""
    try:
        services.get_status(db, SINGLE)
        return False
    except AccountNotFound:
        pass
    others = removal.other_accounts(db, ACCOUNTS)
    if others and not force:
        raise ConfirmationRequired("demo", url=db.display_url(), count=others)
    services.service_subscribe(db, actor, SINGLE)
    services.register_device(db, actor, SINGLE, "BMW", at=_jst("2021-07-20T10:00"))

    services.service_subscribe(db, actor, MULTI, multi=True)
    services.register_device(db, actor, MULTI, "Apple Watch SE", at=_jst("2021-07-20T10:00"))
    on01 = services.register_device(db, actor, MULTI, "Wear OS watch", name="ON01",
                                    at=_jst("2021-07-20T10:30"))
    assert on01.device is not None
    services.unregister_device(db, actor, MULTI, on01.device.id, at=_jst("2022-09-07T21:26"))
    services.register_device(db, actor, MULTI, "Apple Watch Series 6", name="AW7",
                             imei=DEMO_IMEI, at=_jst("2022-09-12T14:17"))
    services.register_device(db, actor, MULTI, "BMW", at=_jst("2022-09-12T16:43"))
    services.rename_device(db, actor, MULTI, "AW7", "Apple Watch Series 6")
    return True


def remove(db: Database) -> dict[str, int]:
    """Delete the demo accounts and everything of theirs (history and audit of those
    accounts only); rows deleted per table.  Nothing else is touched."""
    return removal.remove_accounts(db, ACCOUNTS)
