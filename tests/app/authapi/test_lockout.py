"""Progressive lockout per account and per IP, unlock by admin and by password reset,
reCAPTCHA demanded after repeated failures (siteverify as a real HTTP server), and
failure counts that stay exact under simultaneous attempts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from django_app.authapi import lockout
from django_app.authapi.models import LockoutCounter
from django_app.authapi.services import reset_uid

LOGIN = "/auth-api/login/"


def login(client: Any, email: str, password: str, **data: Any) -> Any:
    return client.post(LOGIN, {"email": email, "password": password, **data})


def fail(client: Any, email: str, times: int) -> None:
    for _ in range(times):
        assert login(client, email, "Wrong-password-000").status_code == 401


@pytest.mark.parametrize(
    ("failures", "minutes"),
    [(4, None), (5, 1), (6, 2), (7, 4), (8, 8), (9, 15), (10, 15), (60, 15)],
)
def test_waits_grow_and_are_capped(failures: int, minutes: int | None) -> None:
    wait = lockout.wait_after(failures)
    assert wait == (timedelta(minutes=minutes) if minutes is not None else None)


@pytest.mark.django_db
def test_account_locks_after_five_failures_with_the_same_answer(
    browser: Any, make_user: Any, password: str
) -> None:
    user = make_user()
    wrong = login(browser, user.email, "Wrong-password-000")
    fail(browser, user.email, 4)
    locked = login(browser, user.email, password)  # the right password
    assert locked.status_code == 401
    assert locked.content == wrong.content
    assert mail.outbox == []
    counter = LockoutCounter.objects.get(key=f"email:{user.email}")
    assert counter.failures == 5
    assert counter.locked_until is not None
    wait = counter.locked_until - counter.last_failure_at
    assert wait == timedelta(minutes=1)


@pytest.mark.django_db
def test_lock_expires_then_grows(browser: Any, make_user: Any, password: str) -> None:
    user = make_user()
    fail(browser, user.email, 5)
    key = f"email:{user.email}"
    past = timezone.now() - timedelta(seconds=1)
    LockoutCounter.objects.filter(key=key).update(locked_until=past)
    LockoutCounter.objects.filter(key="ip:127.0.0.1").update(locked_until=past)
    fail(browser, user.email, 1)  # failure 6: two minutes
    counter = LockoutCounter.objects.get(key=key)
    assert counter.locked_until - counter.last_failure_at == timedelta(minutes=2)
    LockoutCounter.objects.update(locked_until=past)
    assert login(browser, user.email, password).status_code == 200
    assert not LockoutCounter.objects.filter(key=key).exists()  # success clears the account


@pytest.mark.django_db
def test_stale_counters_are_forgotten(browser: Any, make_user: Any, password: str) -> None:
    user = make_user()
    fail(browser, user.email, 4)
    LockoutCounter.objects.update(last_failure_at=timezone.now() - timedelta(hours=13))
    fail(browser, user.email, 1)
    assert LockoutCounter.objects.get(key=f"email:{user.email}").failures == 1
    assert login(browser, user.email, password).status_code == 200


@pytest.mark.django_db
def test_unknown_accounts_lock_the_same_way(browser: Any) -> None:
    first = login(browser, "ghost@example.com", "Wrong-password-000")
    fail(browser, "ghost@example.com", 4)
    assert LockoutCounter.objects.get(key="email:ghost@example.com").locked_until is not None
    assert login(browser, "ghost@example.com", "x").content == first.content


@pytest.mark.django_db
def test_ip_locks_across_accounts(make_browser: Any, make_user: Any, password: str) -> None:
    user = make_user()
    attacker = make_browser(REMOTE_ADDR="203.0.113.9")
    for i in range(5):
        assert login(attacker, f"victim{i}@example.com", "guess").status_code == 401
    # a different account from that IP is refused even with the right password
    assert login(attacker, user.email, password).status_code == 401
    # while another IP signs in fine
    assert login(make_browser(REMOTE_ADDR="198.51.100.7"), user.email, password).status_code == 200


@pytest.mark.django_db
def test_admin_unlock_service_and_admin_action(
    browser: Any, make_user: Any, password: str, make_browser: Any
) -> None:
    user = make_user()
    fail(make_browser(REMOTE_ADDR="203.0.113.1"), user.email, 5)
    assert login(browser, user.email, password).status_code == 401
    lockout.unlock(user)
    assert login(browser, user.email, password).status_code == 200

    # the admin action on the counters
    fail(make_browser(REMOTE_ADDR="203.0.113.2"), user.email, 5)
    assert login(browser, user.email, password).status_code == 401
    admin_user = make_user(email="root@example.com", is_staff=True, is_superuser=True)
    admin = make_browser()
    admin.force_login(admin_user)
    counter = LockoutCounter.objects.get(key=f"email:{user.email}")
    response = admin.post(
        "/admin/authapi/lockoutcounter/",
        {"action": "unlock", "_selected_action": [counter.pk]},
        format="multipart",
    )
    assert response.status_code == 302
    assert not LockoutCounter.objects.filter(pk=counter.pk).exists()
    assert login(browser, user.email, password).status_code == 200


@pytest.mark.django_db
def test_password_reset_unlocks(
    browser: Any, make_user: Any, password: str, make_browser: Any
) -> None:
    user = make_user()
    fail(make_browser(REMOTE_ADDR="203.0.113.3"), user.email, 5)

    new_password = "Another-quiet-harbour-93"
    response = browser.patch(
        "/auth-api/reset-password/",
        {
            "uid": reset_uid(user),
            "token": default_token_generator.make_token(user),
            "password": new_password,
        },
    )
    assert response.status_code == 200, response.content
    assert login(browser, user.email, new_password).status_code == 200


# --- reCAPTCHA ------------------------------------------------------------------------


@pytest.fixture
def siteverify(httpserver: Any, settings: Any) -> Any:
    settings.RECAPTCHA_SECRET = "test-secret"
    settings.RECAPTCHA_VERIFY_URL = httpserver.url_for("/recaptcha/api/siteverify")
    settings.RECAPTCHA_AFTER_FAILURES = 3
    return httpserver


def _siteverify_answers(server: Any, token: str, success: bool) -> None:
    body: dict[str, Any] = {"success": success}
    if success:
        body.update({"challenge_ts": "2026-01-01T00:00:00Z", "hostname": "localhost"})
    else:
        body["error-codes"] = ["invalid-input-response"]
    server.expect_request(
        "/recaptcha/api/siteverify",
        method="POST",
        data=f"secret=test-secret&response={token}&remoteip=127.0.0.1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ).respond_with_json(body)


@pytest.mark.django_db
def test_recaptcha_demanded_after_failures(
    browser: Any, make_user: Any, password: str, siteverify: Any
) -> None:
    user = make_user()
    fail(browser, user.email, 3)
    demanded = login(browser, user.email, password)
    assert demanded.status_code == 400
    assert demanded.json()["recaptcha_required"] is True
    assert len(siteverify.log) == 0  # no token: siteverify not even asked

    _siteverify_answers(siteverify, "bad-token", success=False)
    refused = login(browser, user.email, password, recaptcha_token="bad-token")
    assert refused.status_code == 400
    assert refused.json()["recaptcha_required"] is True

    _siteverify_answers(siteverify, "good-token", success=True)
    accepted = login(browser, user.email, password, recaptcha_token="good-token")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["otp_required"] is True
    assert len(siteverify.log) == 2


@pytest.mark.django_db
def test_recaptcha_not_demanded_without_secret(
    browser: Any, make_user: Any, password: str, settings: Any
) -> None:
    settings.RECAPTCHA_SECRET = ""
    user = make_user()
    fail(browser, user.email, 4)
    assert login(browser, user.email, password).status_code == 200


@pytest.mark.django_db
def test_recaptcha_unreachable_counts_as_refused(
    browser: Any, make_user: Any, password: str, settings: Any
) -> None:
    settings.RECAPTCHA_SECRET = "test-secret"
    settings.RECAPTCHA_VERIFY_URL = "http://127.0.0.1:9/siteverify"  # discard port: closed
    user = make_user()
    fail(browser, user.email, 3)
    response = login(browser, user.email, password, recaptcha_token="t")
    assert response.status_code == 400
    assert response.json()["recaptcha_required"] is True


# --- concurrency ----------------------------------------------------------------------

THREADS = 6


def test_simultaneous_failures_count_exactly(
    threaded_db: None, make_user: Any, settings: Any, h: Any
) -> None:
    """Every simultaneous wrong-password attempt raises the counters by exactly one."""
    settings.LOCKOUT_THRESHOLD = 100  # count only; no lock in the way
    make_user()

    def attempt(i: int) -> int:
        client = APIClient()  # CSRF not enforced: the lockout is under test
        response = client.post(
            LOGIN, {"email": "alice@example.com", "password": f"Wrong-{i}"}, format="json"
        )
        return int(response.status_code)

    results = h.race(attempt, THREADS)
    assert results == [("ok", 401)] * THREADS, results
    assert LockoutCounter.objects.get(key="email:alice@example.com").failures == THREADS
    assert LockoutCounter.objects.get(key="ip:127.0.0.1").failures == THREADS


def test_threads_share_the_database(threaded_db: None, make_user: Any, h: Any) -> None:
    """The precondition of the race tests (they would pass vacuously otherwise)."""
    from django.contrib.auth import get_user_model

    make_user()
    results = h.race(lambda i: get_user_model().objects.count(), 2)
    assert results == [("ok", 1), ("ok", 1)]
