"""Progressive lockout of password logins, per account and per client IP (Keycloak's
"brute force detection"): after LOCKOUT_THRESHOLD failures, each further attempt waits
LOCKOUT_BASE_WAIT, doubling with every further failure (1, 2, 4, 8 minutes) up to
LOCKOUT_MAX_WAIT (15 minutes). While a key is locked even the right password is
refused with the answer a wrong one gets. A counter is forgotten LOCKOUT_RESET_AFTER
its last failure; a successful login clears the account's counter (not the IP's, or
one valid account would clear an attacker's IP); an admin's :func:`unlock` and a
password reset clear the account's.

Every password login of the reference backend (the documents' login and token
endpoints, pyauth's token views, the admin) goes through Django's ``authenticate`` and so
through :class:`django_app.accounts.backends.EmailOrUsernameBackend`, which applies this
lockout (:func:`guarded_check`): one counter per account, whichever endpoint or
identifier (email or username) was used, and one per client IP.

An existing account is counted under its email (``email:<address>``, or ``user:<id>``
when it has none), whatever identifier was typed; an unknown identifier under itself
(``email:<address>`` or ``username:<name>``), so a lock (and the reCAPTCHA demand) says
nothing about existence.

Counters live in the database and are raised with a single ``UPDATE ... SET failures
= failures + 1`` inside a transaction (the row lock serialises concurrent failures on
PostgreSQL; SQLite serialises writers), so simultaneous failures all count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from django_app.accounts.models import normalize_email, normalize_username
from django_app.authapi.models import LockoutCounter

__all__ = [
    "Status",
    "account_key",
    "account_key_for",
    "client_ip",
    "guarded_check",
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


def _bounded(prefix: str, value: str) -> str:
    """``prefix:value``, or ``prefix:sha256:<hex>`` when that would not fit the key
    column: an identifier that long names no account (the login fields of some
    endpoints have no length limit of their own), yet still counts, under its digest."""
    key = f"{prefix}:{value}"
    if len(key) <= LockoutCounter._meta.get_field("key").max_length:
        return key
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}:sha256:{digest}"


def account_key(email: str | None) -> str:
    """The counter key of an account, from the email typed at login."""
    return _bounded("email", normalize_email(email) or "")


def account_key_for(identifier: str, user: Any | None) -> str:
    """The counter key of the account a login names: the user's own key when ``user``
    exists (so email and username logins share one counter), else the identifier's."""
    if user is not None:
        return account_key(user.email) if user.email else f"user:{user.pk}"
    if "@" in identifier:
        return account_key(identifier)
    return _bounded("username", (normalize_username(identifier) or "").casefold())


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
    LockoutCounter.objects.filter(key=account_key_for("", user)).delete()


def guarded_check(
    request: Any, identifier: str, user: Any | None, check: Callable[[], bool]
) -> bool:
    """Run one password check under the lockout; True when it may log ``user`` in.

    ``check`` does the password work (hashing even for an unknown account) and says
    whether it succeeded; it runs whether or not a key is locked, so a locked attempt
    costs and answers what a wrong password does. While locked the answer is False and
    nothing is counted (a lock is not a failure; Keycloak's rule). Otherwise a failure
    counts against the account and the client IP (when there is a request), and a
    success forgets the account's failures.
    """
    account = account_key_for(identifier, user)
    keys = [account] if request is None else [account, ip_key(client_ip(request))]
    locked = status(keys).locked
    succeeded = check()
    if locked:
        return False
    if not succeeded:
        record_failure(keys)
        return False
    LockoutCounter.objects.filter(key=account).delete()
    return True
