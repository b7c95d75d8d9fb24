"""Who is using Shopper on this machine ("Settings: your name"), kept in QSettings.

Everything an evaluation's history records (created, submitted, reopened...) names this
person; never the operating system's login name. It is asked once, on first need
(ui.dialogs.profile), and can be changed from the Settings menu entry that opens that dialog.
"""

from __future__ import annotations

from shopper.names import clean_name
from ui import settings

YOUR_NAME = settings.Key("profile/your_name", "")


def your_name() -> str:
    """The name set in the profile; else the shopper name last typed on this machine (what
    earlier versions remembered); "" when neither is known."""
    name = YOUR_NAME.get().strip()
    if not name:
        name = settings.SHOPPER_NAME.get().strip()
    return name


def set_your_name(name: str) -> str:
    """Remember `name` (cleaned) as this machine's person; raises ValidationError if empty."""
    cleaned = clean_name(name, "name")
    YOUR_NAME.set(cleaned)
    return cleaned
