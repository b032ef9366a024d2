"""Brute force on every password login, not only /auth-api/ (SECURITY.md "Brute force").

- Progressive lockout per account and per client IP on the login endpoints of
  documents 000 (``/api/auth/login``), 001 and 004 (``/api/login/`` by email and by
  username) and 003 (``/api/token/``), applied by the login backend: one counter per
  account whichever endpoint or identifier is used (and /auth-api/'s too), a locked
  key answered exactly as a wrong password (status, body, headers), waits of 1, 2, 4
  ... minutes, cleared by a successful login, a password reset and the admin's action.
- Two-factor accounts: the password step counts and a locked account never reaches the
  second factor (no 403 mfa_required, no code tried).
- Rate limits: 429 with Retry-After and a JSON detail on login, token, refresh and
  registration of every document, one login budget across them; a cache that is down
  lets requests through with a logged warning, never a 500.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone
from rest_framework.test import APIClient

from django_app.authapi import lockout
from django_app.authapi.models import LockoutCounter
from django_app.authapi.services import reset_uid
from pyauth.lifecycle import revocation
from pyauth.mfa import services as mfa_services

pytestmark = pytest.mark.django_db

EMAIL = "alice@example.com"
USERNAME = "alice"
WRONG = "Wrong-password-000"
ACCOUNT = f"email:{EMAIL}"


@pytest.fixture(autouse=True)
def _no_recaptcha(settings: Any) -> None:
    """No reCAPTCHA demand on /auth-api/login/ (a secret may be in the environment)."""
    settings.RECAPTCHA_SECRET = ""


@pytest.fixture(autouse=True)
def _roomy(settings: Any) -> None:
    """Rate limits the lockout tests never reach (the ``tight`` ones below override)."""
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(rates, "1000/min"),
    }


def client(ip: str = "203.0.113.10") -> APIClient:
    """A client from its own address (so tests choose which IP counters they touch)."""
    return APIClient(REMOTE_ADDR=ip)


@dataclass(frozen=True)
class Login:
    """One document's password login: where, with which identifier field, and what a
    success answers."""

    name: str
    url: str
    field: str  # "email" or "username"
    ok: int = 200

    def post(self, api: APIClient, password: str, identifier: str | None = None) -> Any:
        if identifier is None:
            identifier = EMAIL if self.field == "email" else USERNAME
        return api.post(self.url, {self.field: identifier, "password": password}, format="json")


LOGINS = [
    Login("000", "/api/auth/login", "email"),
    Login("001", "/api/login/", "email"),
    Login("004", "/api/login/", "username"),
    Login("003", "/api/token/", "username"),
]
IDS = [login.name for login in LOGINS]


def fail(login: Login, api: APIClient, times: int, identifier: str | None = None) -> Any:
    """``times`` wrong-password attempts, each a 401; the last answer."""
    response = None
    for _ in range(times):
        response = login.post(api, WRONG, identifier)
        assert response.status_code == 401, response.content
    return response


def same_answer(a: Any, b: Any) -> None:
    """Two answers a client cannot tell apart: status, body, headers and cookies."""
    assert a.status_code == b.status_code
    assert a.content == b.content
    assert dict(a.headers) == dict(b.headers)
    assert {name: c.value for name, c in a.cookies.items()} == {
        name: c.value for name, c in b.cookies.items()
    }


def counter(key: str = ACCOUNT) -> LockoutCounter:
    return LockoutCounter.objects.get(key=key)


def expire_locks() -> None:
    """Move every lock into the past, as if its wait had passed."""
    LockoutCounter.objects.update(locked_until=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def alice(make_user: Callable[..., Any]) -> Any:
    return make_user(email=EMAIL, username=USERNAME)


# --- lockout per account ------------------------------------------------------------------


@pytest.mark.parametrize("login", LOGINS, ids=IDS)
def test_account_locks_after_five_failures_answering_as_a_wrong_password(
    login: Login, alice: Any, password: str
) -> None:
    api = client()
    wrong = fail(login, api, 5)
    assert counter().failures == 5
    assert counter().locked_until is not None

    # From elsewhere (a fresh IP): the right password meets the account's lock ...
    other = client("198.51.100.20")
    locked = login.post(other, password)
    again = login.post(other, WRONG)
    same_answer(locked, again)
    same_answer(locked, wrong)
    # ... and a locked attempt is not a failure: the count and the wait stay.
    assert counter().failures == 5

    expire_locks()
    assert login.post(other, password).status_code == login.ok


@pytest.mark.parametrize("login", LOGINS, ids=IDS)
def test_unknown_accounts_lock_the_same_way(login: Login, alice: Any) -> None:
    """An identifier nobody has is counted (and locked) as an account would be."""
    ghost = "ghost@example.com" if login.field == "email" else "ghost"
    fail(login, client(), 5, ghost)
    key = f"email:{ghost}" if login.field == "email" else "username:ghost"
    assert counter(key).failures == 5
    assert counter(key).locked_until is not None


def test_one_counter_per_account_across_every_login_endpoint(alice: Any, password: str) -> None:
    """Failures on four endpoints, by email and by username, add up on one counter,
    which then locks /auth-api/'s login (document 002) too."""
    api = client()
    for login in LOGINS:
        fail(login, api, 1)
    assert counter().failures == 4
    fail(LOGINS[0], api, 1)
    assert counter().locked_until is not None

    other = client("198.51.100.21")
    for login in LOGINS:
        assert login.post(other, password).status_code == 401, login.name
    response = other.post("/auth-api/login/", {"email": EMAIL, "password": password})
    assert response.status_code == 401
    assert counter().failures == 5


def test_auth_api_failures_lock_the_other_documents(alice: Any, password: str) -> None:
    api = client()
    for _ in range(5):
        response = api.post("/auth-api/login/", {"email": EMAIL, "password": WRONG})
        assert response.status_code == 401
    for login in LOGINS:
        assert login.post(client("198.51.100.22"), password).status_code == 401, login.name


def test_an_account_without_email_is_counted_by_its_id(
    make_user: Callable[..., Any], password: str
) -> None:
    """Document 003 registers ``{username, password}`` only: its counter is the user's."""
    bob = make_user(email=None, username="bob")
    login = Login("003", "/api/token/", "username")
    fail(login, client(), 5, "bob")
    assert counter(f"user:{bob.pk}").failures == 5
    assert login.post(client("198.51.100.23"), password, "bob").status_code == 401
    lockout.unlock(bob)
    assert not LockoutCounter.objects.filter(key=f"user:{bob.pk}").exists()
    assert login.post(client("198.51.100.23"), password, "bob").status_code == 200


@pytest.mark.parametrize("login", LOGINS, ids=IDS)
@pytest.mark.parametrize(
    "identifier",
    ["a" * 5000, "a" * 5000 + "@example.com", "\ud800", "a\u0000b"],
    ids=["long name", "long email", "lone surrogate", "nul"],
)
def test_hostile_identifiers_are_refused_and_counted_not_a_500(
    login: Login, identifier: str
) -> None:
    """The login fields of 000 and 003 have no length limit: an identifier longer than
    the counter key column is counted under its digest (PostgreSQL would refuse the
    over-long key with a 500)."""
    field = json.dumps(identifier)
    body = f'{{"{login.field}": {field}, "password": "{WRONG}"}}'.encode()
    response = client().post(login.url, body, content_type="application/json")
    assert 400 <= response.status_code < 500, response.content
    if response.status_code == 401 and len(identifier) > 320:
        prefix = "email" if "@" in identifier else "username"
        key = LockoutCounter.objects.exclude(key__startswith="ip:").get().key
        assert key.startswith(f"{prefix}:sha256:") and len(key) < 320


# --- progressive waits and reset ------------------------------------------------------------


@pytest.mark.parametrize("login", LOGINS, ids=IDS)
def test_waits_double_after_each_lock_up_to_the_cap(login: Login, alice: Any) -> None:
    api = client()
    fail(login, api, 5)
    waits = []
    for _ in range(6):
        row = counter()
        waits.append(row.locked_until - row.last_failure_at)
        expire_locks()
        fail(login, api, 1)
    row = counter()
    waits.append(row.locked_until - row.last_failure_at)
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 15, 15, 15)]


@pytest.mark.parametrize("login", LOGINS, ids=IDS)
def test_success_forgets_the_account_failures_but_not_the_ip(
    login: Login, alice: Any, password: str
) -> None:
    api = client()
    fail(login, api, 4)
    assert login.post(api, password).status_code == login.ok
    assert not LockoutCounter.objects.filter(key=ACCOUNT).exists()
    # the IP's count stays: one valid account must not clear an attacker's address
    assert counter("ip:203.0.113.10").failures == 4
    fail(login, client("198.51.100.24"), 4)
    assert counter().locked_until is None


# --- lockout per IP ---------------------------------------------------------------------


@pytest.mark.parametrize("login", LOGINS, ids=IDS)
def test_an_ip_locks_across_accounts(
    login: Login, make_user: Callable[..., Any], password: str
) -> None:
    """Five failures against five different accounts lock the address: a sixth account's
    right password is refused from there, and accepted from elsewhere."""
    attacker = client("192.0.2.66")
    for n in range(5):
        make_user(email=f"user{n}@example.com", username=f"user{n}")
        identifier = f"user{n}@example.com" if login.field == "email" else f"user{n}"
        fail(login, attacker, 1, identifier)
    assert counter("ip:192.0.2.66").locked_until is not None
    make_user(email=EMAIL, username=USERNAME)

    same_answer(login.post(attacker, password), login.post(attacker, WRONG))
    assert not LockoutCounter.objects.filter(key=ACCOUNT).exists()  # not counted
    assert login.post(client("198.51.100.25"), password).status_code == login.ok


# --- unlocking ----------------------------------------------------------------------------


@pytest.mark.parametrize("login", LOGINS, ids=IDS)
def test_a_password_reset_unlocks(login: Login, alice: Any) -> None:
    fail(login, client(), 5)
    new_password = "Another-quiet-harbour-93"
    response = client("198.51.100.26").patch(
        "/auth-api/reset-password/",
        {
            "uid": reset_uid(alice),
            "token": default_token_generator.make_token(alice),
            "password": new_password,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert not LockoutCounter.objects.filter(key=ACCOUNT).exists()
    assert login.post(client("198.51.100.26"), new_password).status_code == login.ok


@pytest.mark.parametrize("login", LOGINS, ids=IDS)
def test_the_admin_unlock_action_unlocks(
    login: Login, alice: Any, password: str, make_user: Callable[..., Any]
) -> None:
    fail(login, client(), 5)
    admin = APIClient()
    admin.force_login(make_user(email="root@example.com", is_staff=True, is_superuser=True))
    response = admin.post(
        "/admin/authapi/lockoutcounter/",
        {"action": "unlock", "_selected_action": [counter().pk]},
        format="multipart",
    )
    assert response.status_code == 302
    assert not LockoutCounter.objects.filter(key=ACCOUNT).exists()
    assert login.post(client("198.51.100.27"), password).status_code == login.ok


# --- two-factor accounts --------------------------------------------------------------------


@pytest.mark.parametrize("login", LOGINS, ids=IDS)
def test_a_locked_two_factor_account_never_reaches_the_second_factor(
    login: Login, alice: Any, password: str
) -> None:
    """Wrong passwords of an enrolled account count like any other; once locked, the
    right password gets the wrong password's 401, not 403 mfa_required (which would
    confirm the password), even with a valid code sent along."""
    enrollment = mfa_services.start_enrollment(alice)
    totp = pyotp.TOTP(enrollment.secret)
    mfa_services.confirm(alice, totp.now())
    api = client()
    unlocked = login.post(client("198.51.100.28"), password)
    assert unlocked.status_code == 403  # the password step passed: mfa_required
    assert unlocked.json()["code"] == "mfa_required"

    wrong = fail(login, api, 5)
    other = client("198.51.100.29")
    same_answer(login.post(other, password), wrong)
    identifier = EMAIL if login.field == "email" else USERNAME
    one_step = other.post(
        login.url,
        {login.field: identifier, "password": password, "mfa_code": "000000"},
        format="json",
    )
    same_answer(one_step, wrong)
    assert counter().failures == 5


# --- rate limits ---------------------------------------------------------------------------


@pytest.fixture
def tight(settings: Any, _roomy: None) -> None:
    """Two requests a minute in every auth_* scope."""
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rates.update({scope: "2/min" for scope in rates if scope.startswith("auth_")})
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


THROTTLED = [
    ("/api/auth/register", {"email": "x@example.com", "password": "x", "confirm_password": "y"}),
    ("/api/auth/login", {"email": EMAIL, "password": WRONG}),
    ("/api/auth/token/refresh", {}),
    ("/api/register/", {"username": "x", "password": "x"}),
    ("/api/login/", {"email": EMAIL, "password": WRONG}),
    ("/api/token/", {"username": USERNAME, "password": WRONG}),
    ("/api/token/refresh/", {"refresh": "not-a-token"}),
]


@pytest.mark.parametrize(("url", "body"), THROTTLED, ids=[url for url, _ in THROTTLED])
def test_third_call_is_429_with_retry_after(tight: None, url: str, body: Any) -> None:
    api = client()
    for _ in range(2):
        assert api.post(url, body, format="json").status_code != 429
    response = api.post(url, body, format="json")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    # another client (IP) is not held back
    assert client("198.51.100.30").post(url, body, format="json").status_code != 429


def test_one_login_budget_across_documents(tight: None, alice: Any, password: str) -> None:
    api = client()
    assert LOGINS[0].post(api, WRONG).status_code == 401
    assert LOGINS[3].post(api, WRONG).status_code == 401
    assert LOGINS[1].post(api, password).status_code == 429
    assert api.post("/auth-api/login/", {"email": EMAIL, "password": password}).status_code == 429
    # refresh and registration have budgets of their own
    assert api.post("/api/token/refresh/", {"refresh": "x"}, format="json").status_code == 401


def test_a_throttled_attempt_is_not_counted(tight: None, alice: Any) -> None:
    api = client()
    fail(LOGINS[0], api, 2)
    assert LOGINS[0].post(api, WRONG).status_code == 429
    assert counter().failures == 2


def test_the_rates_come_from_the_settings(settings: Any) -> None:
    """Defaults a deployment overrides with THROTTLE_AUTH_* (as the load tests do)."""
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    for scope in ("auth_login", "auth_register", "auth_refresh"):
        assert rates[scope]


# --- the cache down -----------------------------------------------------------------------


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
def cache_down(settings: Any, tight: None) -> Iterator[None]:
    """Django's cache on a Redis nobody listens for (connections refused)."""
    original = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_dead_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    from django.core.cache import cache

    with pytest.raises(Exception, match=r"(?i)connect|refused"):
        cache.get("anything")
    revocation.clear_memo()
    yield
    settings.CACHES = original
    revocation.clear_memo()


@pytest.mark.parametrize(("url", "body"), THROTTLED, ids=[url for url, _ in THROTTLED])
def test_throttles_fail_open_with_a_warning_when_the_cache_is_down(
    cache_down: None, caplog: Any, url: str, body: Any
) -> None:
    api = client()
    with caplog.at_level(logging.WARNING, logger="django_app.authapi"):
        statuses = [api.post(url, body, format="json").status_code for _ in range(3)]
    assert all(400 <= status < 500 and status != 429 for status in statuses), statuses
    assert any("cache is unreachable" in record.getMessage() for record in caplog.records)


def test_the_lockout_still_counts_when_the_cache_is_down(
    cache_down: None, alice: Any, password: str
) -> None:
    api = client()
    for login in LOGINS:
        fail(login, api, 1)
    fail(LOGINS[0], api, 1)
    for login in LOGINS:
        assert login.post(client("198.51.100.31"), password).status_code == 401
    expire_locks()
    assert LOGINS[2].post(client("198.51.100.31"), password).status_code == 200


# --- the schema ---------------------------------------------------------------------------


def test_the_schema_documents_429_with_retry_after_on_each_throttled_endpoint() -> None:
    """Each limit is in the OpenAPI document, with a body the throttle's
    ``{"detail"}`` fits (schemathesis checks answers against it)."""
    schema = APIClient().get("/api/schema/?format=json").json()
    for url, _body in THROTTLED:
        answer = schema["paths"][url]["post"]["responses"]["429"]
        assert "Retry-After" in answer["headers"], url
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert "detail" in component["properties"], url
        assert set(component.get("required", [])) <= {"detail"}, url
