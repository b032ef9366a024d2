"""Text messages through a pluggable backend, chosen by the SMS_BACKEND setting (a
dotted path, or one of the short names below):

- ``"console"``: writes each message to standard output (development);
- ``"file"``: one file per message in SMS_FILE_PATH;
- ``"locmem"``: appends to :data:`outbox` (tests);
- ``"disabled"``: refuses to send (:class:`SmsNotConfigured`), the default when DEBUG
  is off and nothing else is configured, so codes never end up in production logs.

A real provider is one subclass of :class:`BaseSmsBackend` implementing :meth:`send`.
"""

from __future__ import annotations

import sys
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = [
    "BaseSmsBackend",
    "ConsoleSmsBackend",
    "DisabledSmsBackend",
    "FileSmsBackend",
    "LocmemSmsBackend",
    "SmsMessage",
    "SmsNotConfigured",
    "get_sms_backend",
    "outbox",
    "send_sms",
]


class SmsNotConfigured(Exception):
    """No SMS backend is configured: the message cannot be sent."""


@dataclass(frozen=True)
class SmsMessage:
    """One text message."""

    phone: str
    body: str
    sent_at: datetime = field(default_factory=lambda: datetime.now(UTC))


#: The messages the ``locmem`` backend "sent", oldest first (tests clear it).
outbox: list[SmsMessage] = []
_outbox_lock = threading.Lock()


class BaseSmsBackend:
    """Sends a text message. Subclasses implement :meth:`send`."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def send(self, phone: str, body: str) -> None:
        """Send ``body`` to ``phone``; raise on failure."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Writes messages to standard output, like Django's console mail backend."""

    def send(self, phone: str, body: str) -> None:
        stream = self.options.get("stream") or sys.stdout
        stream.write(f"SMS to {phone}\n{body}\n{'-' * 40}\n")
        stream.flush()


class FileSmsBackend(BaseSmsBackend):
    """Writes each message to its own file in SMS_FILE_PATH."""

    def send(self, phone: str, body: str) -> None:
        directory = self.options.get("path") or getattr(settings, "SMS_FILE_PATH", None)
        if not directory:
            raise ImproperlyConfigured("SMS_FILE_PATH must be set for the file SMS backend.")
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        name = path / f"{stamp}-{uuid.uuid4().hex}.sms"
        name.write_text(f"To: {phone}\n\n{body}\n", encoding="utf-8")


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in :data:`outbox` (for tests)."""

    def send(self, phone: str, body: str) -> None:
        with _outbox_lock:
            outbox.append(SmsMessage(phone=phone, body=body))


class DisabledSmsBackend(BaseSmsBackend):
    """Refuses to send: no SMS provider is configured."""

    def send(self, phone: str, body: str) -> None:
        raise SmsNotConfigured("No SMS backend is configured (set SMS_BACKEND).")


_SHORT_NAMES = {
    "console": ConsoleSmsBackend,
    "file": FileSmsBackend,
    "locmem": LocmemSmsBackend,
    "disabled": DisabledSmsBackend,
}


def get_sms_backend(**options: Any) -> BaseSmsBackend:
    """The backend SMS_BACKEND names (default ``"console"``), read at call time."""
    name = getattr(settings, "SMS_BACKEND", None) or "console"
    cls: Any = _SHORT_NAMES.get(name) or import_string(name)
    if not (isinstance(cls, type) and issubclass(cls, BaseSmsBackend)):
        raise ImproperlyConfigured(f"SMS_BACKEND={name!r} is not an SMS backend class.")
    backend: BaseSmsBackend = cls(**options)
    return backend


def send_sms(phone: str, body: str) -> None:
    """Send one message through the configured backend."""
    get_sms_backend().send(phone, body)
