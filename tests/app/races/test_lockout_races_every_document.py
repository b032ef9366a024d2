"""48 simultaneous wrong-password logins for one account spread over the login endpoints
of documents 000, 001, 004 and 003 (email and username): the account's one counter, and
the client IP's, rise by exactly 48 and the account ends locked on every endpoint.

A counter per endpoint or per identifier would count fewer on each; a lost update
fewer in all.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rest_framework.test import APIClient

from django_app.authapi import lockout
from django_app.authapi.models import LockoutCounter

THREADS = 48
EMAIL = "alice@example.com"
USERNAME = "alice"
ACCOUNT = f"email:{EMAIL}"
IP = "ip:127.0.0.1"
#: (url, identifier field, identifier): the four password logins outside /auth-api/.
LOGINS = [
    ("/api/auth/login", "email", EMAIL),
    ("/api/login/", "email", EMAIL),
    ("/api/login/", "username", USERNAME),
    ("/api/token/", "username", USERNAME),
]


def wrong_login(index: int) -> Any:
    url, field, identifier = LOGINS[index % len(LOGINS)]
    return APIClient().post(
        url, {field: identifier, "password": f"Wrong-password-{index}"}, format="json"
    )


def test_simultaneous_failures_on_every_endpoint_share_one_counter(
    race_db: None, race: Any, make_user: Any, password: str, settings: Any
) -> None:
    settings.LOCKOUT_THRESHOLD = THREADS  # nothing meets a lock before it is counted
    make_user(email=EMAIL, username=USERNAME)

    results = race(wrong_login, list(range(THREADS)))

    assert Counter(response.status_code for response in results) == {401: THREADS}
    for key in (ACCOUNT, IP):
        counter = LockoutCounter.objects.get(key=key)
        assert counter.failures == THREADS, key
        assert counter.locked_until - counter.last_failure_at == lockout.wait_after(THREADS)
    assert LockoutCounter.objects.count() == 2  # no per-endpoint or per-identifier counter

    for url, field, identifier in LOGINS:  # locked: the right password is refused alike
        response = APIClient(REMOTE_ADDR="198.51.100.40").post(
            url, {field: identifier, "password": password}, format="json"
        )
        assert response.status_code == 401, url
    assert LockoutCounter.objects.get(key=ACCOUNT).failures == THREADS
