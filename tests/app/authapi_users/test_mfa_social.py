"""Social sign-in (/auth-api/social-auth/) with two-factor authentication enrolled:
Google and GitHub played by pytest-httpserver on 127.0.0.1 (this folder's conftest),
codes from pyotp. The provider's word is the first factor; the TOTP or recovery code
is the second, and nothing is issued before it."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
from django.contrib.auth import get_user_model
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient

from pyauth.lifecycle.models import TokenFamily
from pyauth.mfa import services
from pyauth.mfa.models import MFAChallenge

from .conftest import Google

pytestmark = pytest.mark.django_db

URL = "/auth-api/social-auth/"
EMAIL = "grace@example.com"


class Clock:
    """The TOTP clock of pyauth.mfa.services, stepped by hand (middle of a step)."""

    def __init__(self) -> None:
        self.now = float((int(time.time()) // 30) * 30 + 15)

    def __call__(self) -> float:
        return self.now

    def advance(self) -> None:
        self.now += 30

    def code(self, secret: str) -> str:
        return str(pyotp.TOTP(secret).at(self.now))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(services, "_clock", fake)
    return fake


@pytest.fixture
def grace(clock: Clock) -> tuple[Any, str, list[str]]:
    """Grace, verified, with 2FA enabled: (user, secret, recovery codes)."""
    user = get_user_model().objects.create_user(
        email=EMAIL, password=None, full_name="Grace Hopper", email_verified=True
    )
    secret = services.start_enrollment(user).secret
    codes = services.confirm(user, clock.code(secret))
    clock.advance()
    return user, secret, codes


def challenge(response: Any) -> str:
    assert response.status_code == 403, response.content
    body = response.json()
    assert body["code"] == "mfa_required"
    assert body["methods"] == ["totp", "recovery_code"]
    assert "access_token" not in response.cookies and "refresh_token" not in response.cookies
    assert TokenFamily.objects.count() == 0
    token: str = body["mfa_token"]
    return token


def test_google_sign_in_asks_for_the_second_factor(
    api: APIClient, google: Google, grace: Any, clock: Clock
) -> None:
    user, secret, _codes = grace
    token = challenge(api.post(URL, {"provider": "google", "token": google.id_token()}))

    response = api.post(URL, {"mfa_token": token, "mfa_code": "000000"})
    assert response.status_code == 401
    assert response.json()["code"] == "mfa_invalid"

    response = api.post(URL, {"mfa_token": token, "mfa_code": clock.code(secret)})
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == EMAIL
    assert response.cookies["access_token"]["httponly"]
    assert api.get(f"/auth-api/users/{user.pk}/").status_code == 200

    response = api.post(URL, {"mfa_token": token, "mfa_code": clock.code(secret)})
    assert response.status_code == 401  # used up


def test_google_one_step_and_replay(google: Google, grace: Any, clock: Clock) -> None:
    _user, secret, _codes = grace
    code = clock.code(secret)
    first = APIClient()
    response = first.post(URL, {"provider": "google", "token": google.id_token(), "mfa_code": code})
    assert response.status_code == 200, response.content
    replay = APIClient()
    response = replay.post(
        URL, {"provider": "google", "token": google.id_token(), "mfa_code": code}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "mfa_invalid"


def test_github_sign_in_with_a_recovery_code(
    api: APIClient, provider_urls: HTTPServer, grace: Any
) -> None:
    _user, _secret, codes = grace
    headers = {"Authorization": "Bearer gho_16C7e42F"}
    provider_urls.expect_request("/user", headers=headers).respond_with_json(
        {"login": "grace", "id": 1, "name": "Grace Hopper", "email": None}
    )
    provider_urls.expect_request("/user/emails", headers=headers).respond_with_json(
        [{"email": EMAIL, "verified": True, "primary": True, "visibility": "public"}]
    )
    token = challenge(api.post(URL, {"provider": "github", "token": "gho_16C7e42F"}))
    response = api.post(URL, {"mfa_token": token, "mfa_code": codes[0]})
    assert response.status_code == 200, response.content
    assert services.enrollment_status(grace[0]).recovery_codes_left == 9


def test_social_token_is_refused_by_other_login_paths(
    api: APIClient, google: Google, grace: Any, clock: Clock
) -> None:
    _user, secret, _codes = grace
    token = challenge(api.post(URL, {"provider": "google", "token": google.id_token()}))
    for path in ("/auth-api/token/", "/api/auth/login", "/api/token/", "/api/login/"):
        response = api.post(path, {"mfa_token": token, "mfa_code": clock.code(secret)})
        assert response.status_code == 401, (path, response.content)
    assert TokenFamily.objects.count() == 0
    assert MFAChallenge.objects.filter(attempts=0).count() == 1


def test_refused_provider_token_makes_no_challenge(
    api: APIClient, google: Google, grace: Any
) -> None:
    response = api.post(URL, {"provider": "google", "token": google.id_token(kid="k3")})
    assert response.status_code == 401
    assert MFAChallenge.objects.count() == 0


def test_social_users_without_2fa_are_unchanged(api: APIClient, google: Google) -> None:
    response = api.post(URL, {"provider": "google", "token": google.id_token()})
    assert response.status_code == 200, response.content
    assert MFAChallenge.objects.count() == 0
