"""login/ -> mailed code -> token/ -> cookies; resend-otp/; token/refresh/; logout/;
the superuser created by ``createsuperuser --noinput`` signing in the same way."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from django_app.authapi import services
from django_app.authapi.models import OneTimeCode
from pyauth import _core
from pyauth.lifecycle.models import TokenFamily

LOGIN = "/auth-api/login/"
TOKEN = "/auth-api/token/"
RESEND = "/auth-api/resend-otp/"
REFRESH = "/auth-api/token/refresh/"
LOGOUT = "/auth-api/logout/"

pytestmark = pytest.mark.django_db


def login(browser: Any, email: str, password: str) -> Any:
    return browser.post(LOGIN, {"email": email, "password": password})


def test_login_mails_a_code_and_gives_no_token(
    browser: Any, make_user: Any, password: str, h: Any
) -> None:
    user = make_user()
    response = login(browser, user.email, password)
    assert response.status_code == 200
    body = response.json()
    assert body["otp_required"] is True
    assert "access_token" not in response.cookies and "refresh_token" not in response.cookies
    assert "access" not in body and "refresh" not in body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    code = h.code_in(mail.outbox[0].body)
    # stored only as a keyed digest bound to the user and purpose (not a plain hash)
    record = OneTimeCode.objects.get(user=user)
    assert record.digest == services.code_digest(code, user, "login")
    assert record.digest != hashlib.sha256(code.encode()).hexdigest()
    assert code not in {record.digest, record.target}
    assert record.expires_at - record.created_at == timedelta(minutes=5)


def test_token_sets_http_only_cookies(browser: Any, make_user: Any, password: str, h: Any) -> None:
    user = make_user()
    login(browser, user.email, password)
    response = browser.post(TOKEN, {"email": user.email, "otp": h.last_code(user.email)})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["email"] == user.email
    assert body["user"]["role"] == "user"
    assert {"email_verified", "phone_verified", "image", "date_joined"} <= body["user"].keys()
    access = response.cookies["access_token"]
    refresh = response.cookies["refresh_token"]
    for cookie in (access, refresh):
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["secure"] is True  # DEBUG is off in tests
    assert refresh["path"] == "/auth-api/"
    assert "access" not in body and "refresh" not in body
    # the cookie authenticates /auth-api/ (and the CSRF token was rotated at login)
    assert browser.post("/auth-api/verify-email/").status_code == 200


def test_debug_cookies_are_not_secure(
    browser: Any, make_user: Any, password: str, h: Any, settings: Any
) -> None:
    settings.DEBUG = True
    user = make_user()
    login(browser, user.email, password)
    response = browser.post(TOKEN, {"email": user.email, "otp": h.last_code(user.email)})
    assert response.cookies["access_token"]["secure"] == ""


def test_wrong_password_unknown_and_inactive_accounts_answer_alike(
    browser: Any, make_user: Any, password: str
) -> None:
    make_user()
    make_user(email="idle@example.com", is_active=False)
    answers = [
        login(browser, "alice@example.com", password + "x"),
        login(browser, "nobody@example.com", password),
        login(browser, "idle@example.com", password),
    ]
    assert {a.status_code for a in answers} == {401}
    assert len({a.content for a in answers}) == 1
    assert mail.outbox == []


def test_unknown_account_costs_a_password_hash(
    browser: Any, make_user: Any, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dummy hash: an unknown account costs the same Argon2id work as a wrong
    password. Counted at the core's entry points, not timed."""
    make_user()
    calls: list[str] = []
    for name in ("hash_argon2id", "verify_password"):
        real = getattr(_core, name)

        def counting(*args: Any, _real: Any = real, _name: str = name) -> Any:
            calls.append(_name)
            return _real(*args)

        monkeypatch.setattr(_core, name, counting)
    login(browser, "alice@example.com", password + "x")
    known = list(calls)
    calls.clear()
    login(browser, "ghost@example.com", password)
    assert known and len(calls) == len(known), (known, calls)


@pytest.mark.parametrize("otp", ["000000", "12345", "abcdef", ""])
def test_wrong_code_is_refused(browser: Any, make_user: Any, password: str, otp: str) -> None:
    user = make_user()
    login(browser, user.email, password)
    real = OneTimeCode.objects.get(user=user)
    if otp and services.code_digest(otp, user, "login") == real.digest:
        # the random code is the guess (one chance in a million): guess another
        otp = f"{(int(otp) + 1) % 1_000_000:06d}"
    response = browser.post(TOKEN, {"email": user.email, "otp": otp})
    assert response.status_code in (400, 401)
    assert "access_token" not in response.cookies


def test_code_for_another_email_is_refused(
    browser: Any, make_user: Any, password: str, h: Any
) -> None:
    alice = make_user()
    bob = make_user(email="bob@example.com")
    login(browser, alice.email, password)
    response = browser.post(TOKEN, {"email": bob.email, "otp": h.last_code(alice.email)})
    assert response.status_code == 401


def test_code_works_once(browser: Any, make_user: Any, password: str, h: Any) -> None:
    user = make_user()
    login(browser, user.email, password)
    code = h.last_code(user.email)
    assert browser.post(TOKEN, {"email": user.email, "otp": code}).status_code == 200
    again = browser.post(TOKEN, {"email": user.email, "otp": code})
    assert again.status_code == 401
    assert again.json()["code"] == "otp_invalid"


def test_expired_code_is_refused(browser: Any, make_user: Any, password: str, h: Any) -> None:
    user = make_user()
    login(browser, user.email, password)
    OneTimeCode.objects.filter(user=user).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = browser.post(TOKEN, {"email": user.email, "otp": h.last_code(user.email)})
    assert response.status_code == 401


def test_five_wrong_tries_exhaust_the_code(
    browser: Any, make_user: Any, password: str, h: Any
) -> None:
    user = make_user()
    login(browser, user.email, password)
    code = h.last_code(user.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert browser.post(TOKEN, {"email": user.email, "otp": wrong}).status_code == 401
    assert browser.post(TOKEN, {"email": user.email, "otp": code}).status_code == 401


def test_four_wrong_tries_leave_the_fifth(
    browser: Any, make_user: Any, password: str, h: Any
) -> None:
    user = make_user()
    login(browser, user.email, password)
    code = h.last_code(user.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(4):
        browser.post(TOKEN, {"email": user.email, "otp": wrong})
    assert browser.post(TOKEN, {"email": user.email, "otp": code}).status_code == 200


def test_resend_otp_replaces_the_code(browser: Any, make_user: Any, password: str, h: Any) -> None:
    user = make_user()
    login(browser, user.email, password)
    first = h.last_code(user.email)
    response = browser.post(RESEND, {"email": user.email})
    assert response.status_code == 200
    assert len(mail.outbox) == 2
    second = h.last_code(user.email)
    if first != second:
        assert browser.post(TOKEN, {"email": user.email, "otp": first}).status_code == 401
    assert browser.post(TOKEN, {"email": user.email, "otp": second}).status_code == 200


def test_resend_otp_answers_alike_and_mails_nobody_without_pending_login(
    browser: Any, make_user: Any
) -> None:
    make_user()
    known = browser.post(RESEND, {"email": "alice@example.com"})
    unknown = browser.post(RESEND, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert mail.outbox == []


def test_refresh_rotates_and_a_replay_revokes_the_family(
    browser: Any, make_user: Any, sign_in: Any
) -> None:
    user = make_user()
    sign_in(browser, user)
    old_refresh = browser.cookies["refresh_token"].value
    response = browser.post(REFRESH)
    assert response.status_code == 200, response.content
    new_refresh = response.cookies["refresh_token"]
    assert new_refresh.value != old_refresh
    assert new_refresh["path"] == "/auth-api/"
    assert new_refresh["httponly"] is True

    browser.cookies["refresh_token"] = old_refresh  # the stolen copy
    replay = browser.post(REFRESH)
    assert replay.status_code == 401
    family = TokenFamily.objects.get(user=user)
    assert family.revoked_at is not None
    browser.cookies["refresh_token"] = new_refresh.value  # the family is dead
    assert browser.post(REFRESH).status_code == 401


def test_refresh_without_cookie_is_401(browser: Any) -> None:
    assert browser.post(REFRESH).status_code == 401


def test_logout_blacklists_and_clears(browser: Any, make_user: Any, sign_in: Any) -> None:
    user = make_user()
    sign_in(browser, user)
    refresh = browser.cookies["refresh_token"].value
    access = browser.cookies["access_token"].value
    response = browser.post(LOGOUT)
    assert response.status_code == 200
    assert response.cookies["refresh_token"].value == ""
    assert response.cookies["refresh_token"]["path"] == "/auth-api/"
    assert response.cookies["access_token"].value == ""
    assert TokenFamily.objects.get(user=user).revoked_at is not None
    browser.cookies["refresh_token"] = refresh
    assert browser.post(REFRESH).status_code == 401
    # the access token of the revoked family is refused too
    browser.cookies["access_token"] = access
    assert browser.post("/auth-api/verify-email/").status_code == 401
    assert browser.post(LOGOUT).status_code == 200  # twice is fine


def test_superuser_from_createsuperuser_signs_in_with_otp(
    browser: Any, monkeypatch: Any, password: str, h: Any
) -> None:
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "Root@Example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    call_command("createsuperuser", "--noinput", verbosity=0)
    response = login(browser, "root@example.com", password)
    assert response.status_code == 200
    assert response.json()["otp_required"] is True
    response = browser.post(
        TOKEN, {"email": "root@example.com", "otp": h.last_code("root@example.com")}
    )
    assert response.status_code == 200
    assert response.json()["user"]["role"] == "superuser"


def test_one_code_submitted_at_once_succeeds_once(
    threaded_db: None, make_user: Any, password: str, h: Any
) -> None:
    from rest_framework.test import APIClient

    user = make_user()
    assert (
        APIClient()
        .post(LOGIN, {"email": user.email, "password": password}, format="json")
        .status_code
        == 200
    )
    code = h.last_code(user.email)

    def submit(i: int) -> int:
        response = APIClient().post(TOKEN, {"email": user.email, "otp": code}, format="json")
        return int(response.status_code)

    results = h.race(submit, 6)
    assert sorted(results) == sorted([("ok", 200)] + [("ok", 401)] * 5), results
    assert TokenFamily.objects.filter(user=user).count() == 1


def test_simultaneous_wrong_codes_never_exceed_five_tries(
    threaded_db: None, make_user: Any, password: str, h: Any
) -> None:
    from rest_framework.test import APIClient

    user = make_user()
    APIClient().post(LOGIN, {"email": user.email, "password": password}, format="json")
    code = h.last_code(user.email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    def submit(i: int) -> int:
        return int(
            APIClient().post(TOKEN, {"email": user.email, "otp": wrong}, format="json").status_code
        )

    assert h.race(submit, 8) == [("ok", 401)] * 8
    assert OneTimeCode.objects.get(user=user).attempts == 5
