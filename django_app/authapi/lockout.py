"""Progressive lockout of password logins, per account and per client IP (Keycloak's
"brute force detection"): after LOCKOUT_THRESHOLD failures, each further attempt waits
LOCKOUT_BASE_WAIT, doubling with every further failure (1, 2, 4, 8 minutes) up to
LOCKOUT_MAX_WAIT (15 minutes). While a key is locked even the right password is
refused with the answer a wrong one gets. A counter is forgotten LOCKOUT_RESET_AFTER
its last failure; a successful login clears the account's counter (not the IP's, or
one valid account would clear an attacker's IP); an admin's :func:`unlock` and a
password reset clear the account's.

Accounts are counted by the normalised email typed, whether or not such an account
exists, so a lock (and the reCAPTCHA demand) says nothing about existence.

Counters live in the database and are raised with a single ``UPDATE ... SET failures
= failures + 1`` inside a transaction (the row lock serialises concurrent failures on
PostgreSQL; SQLite serialises writers), so simultaneous failures all count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from django_app.accounts.models import normalize_email
from django_app.authapi.models import LockoutCounter

__all__ = [
    "Status",
    "account_key",
    "client_ip",
    "ip_key",
    "record_failure",
    "reset_account",
    "status",
    "unlock",
    "wait_after",
]


def _threshold() -> int:
    return int(getattr(settings, "LOCKOUT_THRESHOLD", 5))


def _base_wait() -> timedelta:
    wait: timedelta = getattr(settings, "LOCKOUT_BASE_WAIT", timedelta(minutes=1))
    return wait


def _max_wait() -> timedelta:
    wait: timedelta = getattr(settings, "LOCKOUT_MAX_WAIT", timedelta(minutes=15))
    return wait


def _reset_after() -> timedelta:
    after: timedelta = getattr(settings, "LOCKOUT_RESET_AFTER", timedelta(hours=12))
    return after


def account_key(email: str | None) -> str:
    """The counter key of an account, from the email typed at login."""
    return f"email:{normalize_email(email) or ''}"


def ip_key(ip: str) -> str:
    """The counter key of a client IP."""
    return f"ip:{ip}"


def client_ip(request: Any) -> str:
    """The client's address: REMOTE_ADDR (put a proxy's X-Forwarded-For there with a
    trusted middleware, never by reading the header here)."""
    django_request = getattr(request, "_request", request)
    return str(django_request.META.get("REMOTE_ADDR") or "unknown")


def wait_after(failures: int) -> timedelta | None:
    """The lock that follows the ``failures``-th failure (None below the threshold)."""
    over = failures - _threshold()
    if over < 0:
        return None
    base: timedelta = _base_wait()
    cap: timedelta = _max_wait()
    if over >= 32:  # 2**32 minutes is past any cap
        return cap
    wait: timedelta = min(base * (2**over), cap)
    return wait


@dataclass(frozen=True)
class Status:
    """Where the keys of one login attempt stand."""

    locked: bool
    failures: int  # the larger of the account's and the IP's live counts


def status(keys: list[str], now: datetime | None = None) -> Status:
    """Whether any of ``keys`` is locked now, and the largest live failure count."""
    now = now or timezone.now()
    stale = now - _reset_after()
    locked = False
    failures = 0
    for counter in LockoutCounter.objects.filter(key__in=keys):
        if counter.last_failure_at is not None and counter.last_failure_at < stale:
            continue
        failures = max(failures, counter.failures)
        if counter.locked_until is not None and counter.locked_until > now:
            locked = True
    return Status(locked=locked, failures=failures)


def _ensure(key: str) -> None:
    if LockoutCounter.objects.filter(key=key).exists():
        return
    try:
        with transaction.atomic():
            LockoutCounter.objects.create(key=key)
    except IntegrityError:
        pass  # created by a concurrent failure


def record_failure(keys: list[str], now: datetime | None = None) -> None:
    """Count one failure against each key, locking those that reach the threshold."""
    now = now or timezone.now()
    stale = now - _reset_after()
    for key in keys:
        _ensure(key)
        with transaction.atomic():
            rows = LockoutCounter.objects.filter(key=key)
            # Writes first: on SQLite the first write takes the database's write lock,
            # so the read below can never need an upgrade that deadlocks.
            rows.filter(last_failure_at__lt=stale).update(failures=0, locked_until=None)
            rows.update(failures=F("failures") + 1, last_failure_at=now)
            failures = rows.values_list("failures", flat=True).get()
            wait = wait_after(failures)
            if wait is not None:
                rows.update(locked_until=now + wait)


def reset_account(email: str | None) -> None:
    """Forget the failures of the account ``email`` names (successful login)."""
    LockoutCounter.objects.filter(key=account_key(email)).delete()


def unlock(user: Any) -> None:
    """Unlock ``user``'s account (admin action, password reset)."""
    reset_account(user.email)
