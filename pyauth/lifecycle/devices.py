"""What the sessions list calls a device: a short label such as "Firefox 128 on
Ubuntu" or "Mobile Safari 17.1 on iOS 17.1 (iPhone)", parsed from the user agent a
session was signed in with by ``ua-parser`` (the Python port of uap-core, the rules
Browserscope started and the uap project keeps up to date; ``ua-parser-builtins``
ships them precompiled).

Parsing is done when a list is shown, not when a session starts, so the labels improve
with the rules; answers are cached (the same few user agents come back again and
again). A user agent is the client's own claim: the label describes, it proves nothing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import ua_parser
from django.utils.translation import gettext as _

__all__ = ["describe"]

_GENERIC_DEVICES: Final = frozenset({"Other", "Generic Smartphone", "Generic Feature Phone"})


def _version(*parts: str | None) -> str:
    numbers: list[str] = []
    for part in parts:
        if not part:
            break
        numbers.append(part)
    return ".".join(numbers)


def _named(family: str | None, *version: str | None) -> str:
    if not family or family == "Other":
        return ""
    number = _version(*version)
    return f"{family} {number}" if number else family


@lru_cache(maxsize=1024)
def _parts(user_agent: str) -> tuple[str, str, str]:
    result = ua_parser.parse(user_agent)
    browser = os_name = device = ""
    if result.user_agent is not None:
        agent = result.user_agent
        browser = _named(agent.family, agent.major, agent.minor)
    if result.os is not None:
        system = result.os
        os_name = _named(system.family, system.major, system.minor)
    if result.device is not None and result.device.family not in _GENERIC_DEVICES:
        device = result.device.family or ""
    return browser, os_name, device


def describe(user_agent: str) -> str:
    """A short, human label for the device behind ``user_agent`` ("Unknown device" when
    nothing in it is recognised)."""
    unknown = str(_("Unknown device"))
    if not user_agent:
        return unknown
    browser, os_name, device = _parts(user_agent)
    label: str = browser or os_name
    if browser and os_name:
        label = str(_("%(browser)s on %(os)s") % {"browser": browser, "os": os_name})
    if device and device not in label:
        label = f"{label} ({device})" if label else device
    return label or unknown
