"""50 simultaneous wrong-password logins for one account under /auth-api/ (the lockout
every login endpoint shares, django_app.authapi.lockout): the failure count rises by
exactly 50 and the account ends locked.

A lost update (read-increment-write in Python instead of ``failures = failures + 1`` in
one UPDATE under the row lock) would count fewer; a lock computed from a stale count
would come out shorter than the count says.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from django_app.authapi import lockout
from django_app.authapi.models import LockoutCounter

THREADS = 50
LOGIN = "/auth-api/login/"
EMAIL = "alice@example.com"
ACCOUNT = f"email:{EMAIL}"
IP = "ip:127.0.0.1"  # the test client's REMOTE_ADDR: every attempt counts against it too


def wrong_login(index: int) -> Any:
    # CSRF is not enforced: the lockout is under test, and test_csrf covers the rest.
    return APIClient().post(
        LOGIN, {"email": EMAIL, "password": f"Wrong-password-{index}"}, format="json"
    )


def test_fifty_simultaneous_failures_count_fifty_and_lock(
    race_db: None, race: Any, make_user: Any, password: str, settings: Any
) -> None:
    """The threshold is set to 50, so no attempt can meet a lock before it is counted:
    the count must come out at exactly 50 (lost updates count fewer) and the 50th
    failure must lock the account."""
    settings.LOCKOUT_THRESHOLD = THREADS
    make_user(email=EMAIL)

    results = race(wrong_login, list(range(THREADS)))

    assert Counter(response.status_code for response in results) == {401: THREADS}
    assert len({response.content for response in results}) == 1  # one answer for all
    for key in (ACCOUNT, IP):
        counter = LockoutCounter.objects.get(key=key)
        assert counter.failures == THREADS, key
        # the lock the 50th failure earns, from that failure's own time: 1 minute
        assert counter.locked_until - counter.last_failure_at == lockout.wait_after(THREADS)
        assert counter.locked_until > timezone.now()
    assert lockout.status([ACCOUNT]).locked

    # Locked: even the right password gets the wrong password's answer, and is not
    # counted (a lock is not a failure) nor mailed a code.
    right = APIClient().post(LOGIN, {"email": EMAIL, "password": password}, format="json")
    assert right.status_code == 401
    assert right.content == results[0].content
    assert LockoutCounter.objects.get(key=ACCOUNT).failures == THREADS
    assert mail.outbox == []


def test_fifty_simultaneous_failures_at_the_default_threshold_lock(
    race_db: None, race: Any, make_user: Any, password: str
) -> None:
    """With the default threshold (5) attempts that arrive after the fifth failure meet
    the lock and are answered without being counted (a locked attempt is not a
    failure), so the count lies between 5 and 50; the account is locked either way."""
    make_user(email=EMAIL)

    results = race(wrong_login, list(range(THREADS)))

    assert Counter(response.status_code for response in results) == {401: THREADS}
    counter = LockoutCounter.objects.get(key=ACCOUNT)
    assert lockout.wait_after(5) is not None
    assert 5 <= counter.failures <= THREADS
    assert counter.locked_until - counter.last_failure_at == lockout.wait_after(counter.failures)
    assert LockoutCounter.objects.get(key=IP).failures == counter.failures
    right = APIClient().post(LOGIN, {"email": EMAIL, "password": password}, format="json")
    assert right.status_code == 401
    assert mail.outbox == []


def test_fifty_simultaneous_record_failure_calls_are_exact(race_db: None, race: Any) -> None:
    """The counter itself, at the default threshold: 50 simultaneous failures count 50
    on each key, and the lock is the one the 50th failure earns (the cap, 15 minutes),
    measured from that failure: the increment, the read-back and the lock are one
    transaction under the row lock."""
    keys = [lockout.account_key(EMAIL), lockout.ip_key("192.0.2.7")]

    race(lambda _: lockout.record_failure(keys), list(range(THREADS)))

    for key in keys:
        counter = LockoutCounter.objects.get(key=key)
        assert counter.failures == THREADS, key
        assert counter.locked_until - counter.last_failure_at == timedelta(minutes=15)
    assert lockout.status(keys).locked
    assert lockout.status(keys).failures == THREADS
