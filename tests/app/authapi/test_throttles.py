"""429 with Retry-After on the costly endpoints, each scope counted on its own."""

from __future__ import annotations

from typing import Any

import pytest

from django_app.authapi import throttles

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings: Any) -> None:
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    rates.update({scope: "2/min" for scope in rates if scope.startswith("auth_")})
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/auth-api/login/", {"email": "a@example.com", "password": "x"}),
        ("post", "/auth-api/resend-otp/", {"email": "a@example.com"}),
        ("post", "/auth-api/token/", {"email": "a@example.com", "otp": "123456"}),
        ("post", "/auth-api/reset-password/", {"email": "a@example.com"}),
        ("get", "/auth-api/verify-email/", {"token": "x"}),
    ],
)
def test_third_call_is_429(browser: Any, tight: None, method: str, path: str, body: Any) -> None:
    for _ in range(2):
        assert getattr(browser, method)(path, body).status_code != 429
    response = getattr(browser, method)(path, body)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_scopes_are_separate(browser: Any, tight: None) -> None:
    for _ in range(3):
        browser.post("/auth-api/login/", {"email": "a@example.com", "password": "x"})
    assert browser.post("/auth-api/reset-password/", {"email": "a@example.com"}).status_code == 200


def test_every_scope_has_a_rate(settings: Any) -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    for scope in (
        "auth_login",
        "auth_otp",
        "auth_token",
        "auth_reset",
        "auth_verify",
        "auth_register",
        "auth_social",
    ):
        assert rates[scope]
        assert throttles.throttle_for(scope).fixed_scope == scope
