"""get-csrf-token/ and CSRF on every unsafe /auth-api/ request, signed in or not."""

from __future__ import annotations

from typing import Any

import pytest

UNSAFE = [
    ("post", "/auth-api/login/"),
    ("post", "/auth-api/resend-otp/"),
    ("post", "/auth-api/token/"),
    ("post", "/auth-api/token/refresh/"),
    ("post", "/auth-api/logout/"),
    ("post", "/auth-api/verify-email/"),
    ("post", "/auth-api/verify-phone/"),
    ("patch", "/auth-api/verify-phone/"),
    ("post", "/auth-api/reset-password/"),
    ("patch", "/auth-api/reset-password/"),
]


@pytest.mark.django_db
def test_get_csrf_token_sets_the_cookie(csrf_api: Any) -> None:
    response = csrf_api.get("/auth-api/get-csrf-token/")
    assert response.status_code == 200
    token = response.json()["csrfToken"]
    assert token
    assert "csrftoken" in response.cookies
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), UNSAFE)
def test_unsafe_requests_without_csrf_token_are_refused(
    csrf_api: Any, method: str, path: str
) -> None:
    csrf_api.get("/auth-api/get-csrf-token/")  # the cookie alone is not enough
    response = getattr(csrf_api, method)(path, {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed:")


@pytest.mark.django_db
def test_wrong_csrf_token_is_refused(csrf_api: Any) -> None:
    csrf_api.get("/auth-api/get-csrf-token/")
    response = csrf_api.post(
        "/auth-api/login/", {"email": "a@example.com", "password": "x"}, HTTP_X_CSRFTOKEN="A" * 32
    )
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed:")


@pytest.mark.django_db
def test_signed_in_requests_need_the_token_too(browser: Any, make_user: Any, sign_in: Any) -> None:
    user = make_user()
    sign_in(browser, user)
    response = browser.post("/auth-api/verify-email/", {}, HTTP_X_CSRFTOKEN="")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed:")


@pytest.mark.django_db
def test_with_the_token_the_request_goes_through(browser: Any) -> None:
    browser.csrf()
    response = browser.post("/auth-api/login/", {"email": "nobody@example.com", "password": "x"})
    assert response.status_code == 401
