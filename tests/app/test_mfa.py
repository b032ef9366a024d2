"""Two-factor authentication in django_app (``--ds=django_app.settings``): enrollment
under ``/api/auth/2fa/<name>`` and ``/auth-api/2fa/<name>/`` signed in as each
document's client is, and every login path gated: 000's ``/api/auth/login``, 003's
``/api/token/``, 001/004's ``/api/login/`` and 002's ``/auth-api/token/`` (after the
mailed code). Social sign-in is in ``authapi_users/test_mfa_social.py``.

Codes come from pyotp. The TOTP clock of pyauth.mfa.services is stepped by hand
(:class:`Clock`): each accepted code burns its 30-second step for good.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from pyauth.lifecycle.models import TokenFamily
from pyauth.mfa import services
from pyauth.mfa.models import MFAChallenge, TOTPDevice

pytestmark = pytest.mark.django_db

EMAIL = "alice@example.com"
TOKEN_CODE_RE = re.compile(r"\b(\d{6})\b")
ISSUED_COOKIES = ("access_token", "refresh_token", "jwt", "sessionid")


class Clock:
    """The TOTP clock of pyauth.mfa.services, stepped by hand (middle of a step)."""

    def __init__(self) -> None:
        self.now = float((int(time.time()) // 30) * 30 + 15)

    def __call__(self) -> float:
        return self.now

    def advance(self, steps: int = 1) -> None:
        self.now += 30 * steps

    def code(self, secret: str, offset: int = 0) -> str:
        return str(pyotp.TOTP(secret).at(self.now + 30 * offset))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(services, "_clock", fake)
    return fake


@dataclass
class Enrolled:
    user: Any
    secret: str
    recovery_codes: list[str]


@pytest.fixture
def enrolled(make_user: Callable[..., Any], clock: Clock) -> Enrolled:
    """alice@example.com (username "alice") with 2FA enabled; the confirming step past."""
    user = make_user(email=EMAIL, username="alice")
    enrollment = services.start_enrollment(user)
    codes = services.confirm(user, clock.code(enrollment.secret))
    clock.advance()
    return Enrolled(user, enrollment.secret, codes)


# --- the login paths ------------------------------------------------------------------


def _mailed_code() -> str:
    match = TOKEN_CODE_RE.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


@dataclass(frozen=True)
class LoginPath:
    """One document's login: where the second step goes, how the first step is made,
    and what a signed-in client can then read."""

    name: str
    url: str
    first: Callable[[APIClient, str, dict[str, Any]], Any]
    check: Callable[[APIClient, Any], None]


def _password_step(url: str, field: str) -> Callable[[APIClient, str, dict[str, Any]], Any]:
    def run(client: APIClient, password: str, extra: dict[str, Any]) -> Any:
        identifier = "alice" if field == "username" else EMAIL
        return client.post(url, {field: identifier, "password": password, **extra})

    return run


def _auth_api_step(client: APIClient, password: str, extra: dict[str, Any]) -> Any:
    response = client.post("/auth-api/login/", {"email": EMAIL, "password": password})
    assert response.status_code == 200, response.content
    return client.post("/auth-api/token/", {"email": EMAIL, "otp": _mailed_code(), **extra})


def _check_doc000(client: APIClient, response: Any) -> None:
    assert response.json() == {"detail": "Login successful"}
    assert response.cookies["access_token"]["httponly"]
    assert client.get("/api/auth/me").json()["email"] == EMAIL


def _check_doc003(client: APIClient, response: Any) -> None:
    body = response.json()
    assert set(body) == {"refresh", "access"}
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert bearer.get("/api/dashboard/").status_code == 200


def _check_shared(client: APIClient, response: Any) -> None:
    body = response.json()
    assert body["message"] == "Login successful"
    assert body["user"]["email"] == EMAIL and body["csrf_token"]
    assert response.cookies["jwt"]["httponly"]
    assert response.cookies["sessionid"].value
    assert client.get("/api/user/").json()["email"] == EMAIL


def _check_auth_api(client: APIClient, response: Any) -> None:
    body = response.json()
    assert body["user"]["email"] == EMAIL
    assert response.cookies["access_token"]["httponly"]
    assert client.get(f"/auth-api/users/{body['user']['id']}/").status_code == 200


PATHS = [
    LoginPath("000", "/api/auth/login", _password_step("/api/auth/login", "email"), _check_doc000),
    LoginPath("003", "/api/token/", _password_step("/api/token/", "username"), _check_doc003),
    LoginPath("001", "/api/login/", _password_step("/api/login/", "email"), _check_shared),
    LoginPath("004", "/api/login/", _password_step("/api/login/", "username"), _check_shared),
    LoginPath("002", "/auth-api/token/", _auth_api_step, _check_auth_api),
]
PATH_IDS = [path.name for path in PATHS]


def assert_challenge(response: Any, families: int = 0) -> str:
    """403 mfa_required with its token, and nothing issued (``families``: the token
    families that existed before)."""
    assert response.status_code == 403, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "mfa_token", "methods"}
    assert body["code"] == "mfa_required"
    assert body["methods"] == ["totp", "recovery_code"]
    for name in ISSUED_COOKIES:
        assert name not in response.cookies or not response.cookies[name].value
    assert "refresh" not in body and "access" not in body
    assert TokenFamily.objects.count() == families
    token: str = body["mfa_token"]
    return token


@pytest.mark.parametrize("path", PATHS, ids=PATH_IDS)
def test_login_asks_for_the_second_factor_then_completes(
    api: APIClient, password: str, enrolled: Enrolled, clock: Clock, path: LoginPath
) -> None:
    token = assert_challenge(path.first(api, password, {}))
    assert api.get("/api/user/").status_code in (401, 403)  # not signed in

    response = api.post(path.url, {"mfa_token": token, "mfa_code": "000000"})
    assert response.status_code == 401
    assert response.json()["code"] == "mfa_invalid"

    response = api.post(path.url, {"mfa_token": token, "mfa_code": clock.code(enrolled.secret)})
    assert response.status_code == 200, response.content
    path.check(api, response)

    # The token is used up, and the step too.
    clock.advance()
    response = api.post(path.url, {"mfa_token": token, "mfa_code": clock.code(enrolled.secret)})
    assert response.status_code == 401


@pytest.mark.parametrize("path", PATHS, ids=PATH_IDS)
def test_login_in_one_step(
    password: str, enrolled: Enrolled, clock: Clock, path: LoginPath
) -> None:
    client = APIClient()
    response = path.first(client, password, {"mfa_code": "123"})
    assert response.status_code == 401
    assert response.json()["code"] == "mfa_invalid"
    assert TokenFamily.objects.count() == 0

    client = APIClient()
    response = path.first(client, password, {"mfa_code": clock.code(enrolled.secret)})
    assert response.status_code == 200, response.content
    path.check(client, response)

    client = APIClient()
    response = path.first(client, password, {"mfa_code": clock.code(enrolled.secret)})
    assert response.status_code == 401  # the same step again: replayed


@pytest.mark.parametrize("path", PATHS, ids=PATH_IDS)
def test_recovery_code_completes_a_login_once(
    api: APIClient, password: str, enrolled: Enrolled, path: LoginPath
) -> None:
    code = enrolled.recovery_codes[3]
    token = assert_challenge(path.first(api, password, {}))
    response = api.post(path.url, {"mfa_token": token, "mfa_code": code})
    assert response.status_code == 200, response.content
    path.check(api, response)

    other = APIClient()
    token = assert_challenge_token(path.first(other, password, {}))
    response = other.post(path.url, {"mfa_token": token, "mfa_code": code})
    assert response.status_code == 401


def assert_challenge_token(response: Any) -> str:
    assert response.status_code == 403, response.content
    token: str = response.json()["mfa_token"]
    return token


@pytest.mark.parametrize("path", PATHS, ids=PATH_IDS)
def test_expired_token_is_refused(
    api: APIClient, password: str, enrolled: Enrolled, clock: Clock, path: LoginPath
) -> None:
    token = assert_challenge(path.first(api, password, {}))
    MFAChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.post(path.url, {"mfa_token": token, "mfa_code": clock.code(enrolled.secret)})
    assert response.status_code == 401
    assert response.json()["code"] == "mfa_invalid"
    assert TokenFamily.objects.count() == 0


def test_token_lives_five_minutes(api: APIClient, password: str, enrolled: Enrolled) -> None:
    before = timezone.now()
    assert_challenge(api.post("/api/token/", {"username": "alice", "password": password}))
    challenge = MFAChallenge.objects.get()
    lifetime = challenge.expires_at - before
    assert timedelta(minutes=4, seconds=59) <= lifetime <= timedelta(minutes=5, seconds=1)


@pytest.mark.parametrize(
    ("issuer", "redeemer"),
    [(PATHS[0], PATHS[1]), (PATHS[1], PATHS[2]), (PATHS[2], PATHS[4]), (PATHS[4], PATHS[0])],
    ids=["000->003", "003->001", "001->002", "002->000"],
)
def test_token_of_another_login_path_is_refused(
    api: APIClient,
    password: str,
    enrolled: Enrolled,
    clock: Clock,
    issuer: LoginPath,
    redeemer: LoginPath,
) -> None:
    token = assert_challenge(issuer.first(api, password, {}))
    code = clock.code(enrolled.secret)
    response = api.post(redeemer.url, {"mfa_token": token, "mfa_code": code})
    assert response.status_code == 401
    assert response.json()["code"] == "mfa_invalid"
    # Not used up by the refusal: it still finishes the login it belongs to.
    response = api.post(issuer.url, {"mfa_token": token, "mfa_code": code})
    assert response.status_code == 200, response.content


def test_token_is_bound_to_its_user(
    api: APIClient, password: str, enrolled: Enrolled, make_user: Any, clock: Clock
) -> None:
    bob = make_user(email="bob@example.com", username="bob")
    bob_secret = services.start_enrollment(bob).secret
    services.confirm(bob, clock.code(bob_secret))
    clock.advance()
    token = assert_challenge(api.post("/api/token/", {"username": "alice", "password": password}))
    # Bob's valid code does not finish Alice's login.
    response = api.post("/api/token/", {"mfa_token": token, "mfa_code": clock.code(bob_secret)})
    assert response.status_code == 401
    assert TokenFamily.objects.count() == 0


def test_five_wrong_codes_kill_the_token_then_the_user_is_locked(
    api: APIClient, password: str, enrolled: Enrolled, clock: Clock
) -> None:
    url = "/api/token/"
    token = assert_challenge(api.post(url, {"username": "alice", "password": password}))
    for _ in range(5):
        response = api.post(url, {"mfa_token": token, "mfa_code": "000000"})
        assert response.status_code == 401
    response = api.post(url, {"mfa_token": token, "mfa_code": clock.code(enrolled.secret)})
    assert response.status_code == 401  # the token is dead

    # Five wrong codes in a row also lock the user's codes for a minute: 429.
    fresh = assert_challenge_token(api.post(url, {"username": "alice", "password": password}))
    response = api.post(url, {"mfa_token": fresh, "mfa_code": clock.code(enrolled.secret)})
    assert response.status_code == 429
    assert response.json()["code"] == "mfa_locked"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert TokenFamily.objects.count() == 0

    TOTPDevice.objects.update(locked_until=timezone.now())  # a minute later
    response = api.post(url, {"mfa_token": fresh, "mfa_code": clock.code(enrolled.secret)})
    assert response.status_code == 200, response.content


def test_wrong_password_never_reaches_the_second_factor(
    api: APIClient, password: str, enrolled: Enrolled, clock: Clock
) -> None:
    response = api.post("/api/login/", {"email": EMAIL, "password": "Wrong-password-1"})
    assert response.status_code == 401
    assert "mfa_token" not in response.json()
    response = api.post(
        "/api/auth/login",
        {"email": EMAIL, "password": "Wrong-password-1", "mfa_code": clock.code(enrolled.secret)},
    )
    assert response.status_code == 401
    assert MFAChallenge.objects.count() == 0
    assert TOTPDevice.objects.get().last_used_step is not None
    # The code was not spent on the refused password.
    response = api.post(
        "/api/auth/login",
        {"email": EMAIL, "password": password, "mfa_code": clock.code(enrolled.secret)},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("path", PATHS, ids=PATH_IDS)
def test_malformed_second_steps_are_400(
    api: APIClient, enrolled: Enrolled, path: LoginPath
) -> None:
    for body in ({"mfa_token": "abc"}, {"mfa_token": "", "mfa_code": "123456"}):
        response = api.post(path.url, body)
        assert response.status_code == 400, response.content
    response = api.post(path.url, {"mfa_token": "x" * 200, "mfa_code": "123456"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", PATHS, ids=PATH_IDS)
def test_users_without_2fa_are_unchanged(
    api: APIClient, password: str, make_user: Any, path: LoginPath
) -> None:
    make_user(email=EMAIL, username="alice")
    response = path.first(api, password, {})
    assert response.status_code == 200, response.content
    path.check(api, response)
    assert MFAChallenge.objects.count() == 0


# --- enrollment under /api/auth/2fa/ ----------------------------------------------------


def _enroll_over_http(client: APIClient, base: str, clock: Clock, **extra: Any) -> str:
    """status -> setup -> qr -> confirm through ``base``; returns the secret."""
    slash = "/" if base.startswith("/auth-api/") else ""
    response = client.get(f"{base}status{slash}")
    assert response.status_code == 200, response.content
    assert response.json() == {"enabled": False, "pending": False, "recovery_codes_left": 0}
    response = client.post(f"{base}setup{slash}", **extra)
    assert response.status_code == 200, response.content
    secret: str = response.json()["secret"]
    assert pyotp.parse_uri(response.json()["otpauth_uri"]).secret == secret
    svg = client.get(f"{base}qr{slash}")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    png = client.get(f"{base}qr{slash}", {"format": "png"})
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    response = client.post(f"{base}confirm{slash}", {"code": clock.code(secret)}, **extra)
    assert response.status_code == 200, response.content
    assert len(response.json()["recovery_codes"]) == 10
    clock.advance()
    return secret


def test_enroll_with_doc000_cookies_needs_csrf(
    csrf_api: APIClient, password: str, make_user: Any, clock: Clock
) -> None:
    make_user(email=EMAIL)
    response = csrf_api.post("/api/auth/login", {"email": EMAIL, "password": password})
    assert response.status_code == 200
    assert csrf_api.post("/api/auth/2fa/setup").status_code == 403  # no X-CSRFToken
    csrf = {"HTTP_X_CSRFTOKEN": csrf_api.cookies["csrftoken"].value}
    secret = _enroll_over_http(csrf_api, "/api/auth/2fa/", clock, **csrf)

    # From now on the same login asks for the code.
    fresh = APIClient()
    response = fresh.post("/api/auth/login", {"email": EMAIL, "password": password})
    token = assert_challenge(response, families=1)
    response = fresh.post("/api/auth/login", {"mfa_token": token, "mfa_code": clock.code(secret)})
    assert response.status_code == 200


def test_enroll_with_a_bearer_token(
    api: APIClient, password: str, make_user: Any, clock: Clock
) -> None:
    make_user(email=EMAIL, username="alice")
    access = api.post("/api/token/", {"username": "alice", "password": password}).json()["access"]
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    secret = _enroll_over_http(client, "/api/auth/2fa/", clock)  # Bearer: no CSRF needed
    response = client.get("/api/auth/2fa/status")
    assert response.json() == {"enabled": True, "pending": False, "recovery_codes_left": 10}
    response = client.post("/api/auth/2fa/disable", {"code": clock.code(secret)})
    assert response.status_code == 200
    assert response.json() == {"enabled": False}


def test_enroll_with_a_doc004_session(
    csrf_api: APIClient, password: str, make_user: Any, clock: Clock
) -> None:
    make_user(email=EMAIL, username="alice")
    response = csrf_api.post("/api/login/", {"username": "alice", "password": password})
    assert response.status_code == 200
    csrf = {"HTTP_X_CSRFTOKEN": response.json()["csrf_token"]}
    assert csrf_api.post("/api/auth/2fa/setup").status_code == 403
    _enroll_over_http(csrf_api, "/api/auth/2fa/", clock, **csrf)


def test_api_prefix_has_no_trailing_slash_and_needs_a_login(api: APIClient, db: Any) -> None:
    assert api.get("/api/auth/2fa/status").status_code in (401, 403)
    assert api.post("/api/auth/2fa/setup").status_code in (401, 403)
    assert api.get("/api/auth/2fa/status/").status_code == 404


# --- enrollment under /auth-api/2fa/ ----------------------------------------------------


def test_auth_api_enrollment_needs_csrf_even_with_a_bearer_token(
    api: APIClient, password: str, make_user: Any, clock: Clock
) -> None:
    make_user(email=EMAIL, username="alice")
    access = api.post("/api/token/", {"username": "alice", "password": password}).json()["access"]
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = client.post("/auth-api/2fa/setup/")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    token = client.get("/auth-api/get-csrf-token/").json()["csrfToken"]
    secret = _enroll_over_http(client, "/auth-api/2fa/", clock, HTTP_X_CSRFTOKEN=token)

    # 002's login now stops after the mailed code.
    browser = APIClient()
    token = assert_challenge(_auth_api_step(browser, password, {}), families=1)
    response = browser.post(
        "/auth-api/token/", {"mfa_token": token, "mfa_code": clock.code(secret)}
    )
    assert response.status_code == 200, response.content


def test_auth_api_enrollment_with_cookies(
    api: APIClient, password: str, make_user: Any, clock: Clock
) -> None:
    make_user(email=EMAIL)
    assert _auth_api_step(api, password, {}).status_code == 200
    client = APIClient(enforce_csrf_checks=True)
    client.cookies = api.cookies
    response = client.post("/auth-api/2fa/setup/")
    assert response.status_code == 403
    token = client.get("/auth-api/get-csrf-token/").json()["csrfToken"]
    secret = _enroll_over_http(client, "/auth-api/2fa/", clock, HTTP_X_CSRFTOKEN=token)
    response = client.post(
        "/auth-api/2fa/recovery-codes/", {"code": clock.code(secret)}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert client.get("/auth-api/2fa/status/").json()["recovery_codes_left"] == 10
    response = client.get("/auth-api/2fa/status")  # 002 keeps its slashes
    assert response.status_code == 301 and response["Location"] == "/auth-api/2fa/status/"


def test_wrong_enrollment_codes_are_400_and_counted(
    api: APIClient, password: str, make_user: Any, clock: Clock
) -> None:
    make_user(email=EMAIL, username="alice")
    access = api.post("/api/token/", {"username": "alice", "password": password}).json()["access"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    secret = client.post("/api/auth/2fa/setup").json()["secret"]
    response = client.post("/api/auth/2fa/confirm", {"code": "1" * 33})
    assert response.status_code == 400  # not a code at all: refused by the serializer
    assert "code" in response.json()
    for junk in ("abc", 12, "000000", "000000", "000000"):  # five wrong codes
        response = client.post("/api/auth/2fa/confirm", {"code": junk})
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "mfa_invalid"
    response = client.post("/api/auth/2fa/confirm", {"code": clock.code(secret)})
    assert response.status_code == 429
    assert response.json()["code"] == "mfa_locked"
    assert response["Retry-After"]
