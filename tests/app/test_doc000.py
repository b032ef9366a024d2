"""Document 000 (/api/auth/...): HttpOnly access and refresh cookies, Postman's cookie jar.

The client: register {email, password, confirm_password}; login {email, password} and
let the cookie jar keep ``access_token`` and ``refresh_token``; GET me; POST
token/refresh with no body; POST logout.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register"
LOGIN = "/api/auth/login"
ME = "/api/auth/me"
REFRESH = "/api/auth/token/refresh"
LOGOUT = "/api/auth/logout"


def login(api: APIClient, password: str, email: str = "test@example.com") -> Any:
    response = api.post(LOGIN, {"email": email, "password": password})
    assert response.status_code == 200, response.content
    return response


def test_documented_flow(api: APIClient, password: str) -> None:
    response = api.post(
        REGISTER,
        {"email": "test@example.com", "password": password, "confirm_password": password},
    )
    assert response.status_code == 201, response.content
    user_id = response.json()["id"]
    assert response.json() == {"id": user_id, "email": "test@example.com"}

    response = login(api, password)
    assert {"access_token", "refresh_token"} <= set(response.cookies)
    body = response.content.decode()
    assert response.cookies["access_token"].value not in body
    assert response.cookies["refresh_token"].value not in body

    response = api.get(ME)
    assert response.status_code == 200
    assert response.json() == {"id": user_id, "email": "test@example.com"}

    old_access = api.cookies["access_token"].value
    old_refresh = api.cookies["refresh_token"].value
    response = api.post(REFRESH)  # no body: the refresh cookie is all it needs
    assert response.status_code == 200, response.content
    assert response.json() == {"detail": "Access token refreshed successfully"}
    assert api.cookies["access_token"].value != old_access
    assert api.cookies["refresh_token"].value != old_refresh  # rotated
    assert api.get(ME).status_code == 200

    response = api.post(LOGOUT)
    assert response.status_code == 200
    for name in ("access_token", "refresh_token"):
        assert response.cookies[name].value == ""
        assert response.cookies[name]["max-age"] == 0
    assert api.get(ME).status_code == 401


def test_cookie_attributes(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="test@example.com")
    response = login(api, password)
    access, refresh = response.cookies["access_token"], response.cookies["refresh_token"]
    for cookie in (access, refresh):
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
        assert cookie["secure"] is True  # DEBUG is off under test
    assert access["path"] == "/"
    assert refresh["path"] == "/api/auth/"  # only token/refresh and logout receive it


def test_cookies_not_secure_in_debug(
    api: APIClient, make_user: Any, password: str, settings: Any
) -> None:
    settings.DEBUG = True
    make_user(email="test@example.com")
    response = login(api, password)
    assert not response.cookies["access_token"]["secure"]
    assert not response.cookies["refresh_token"]["secure"]
    assert response.cookies["access_token"]["httponly"] is True


def test_register_duplicate_email(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="test@example.com")
    response = api.post(
        REGISTER,
        {"email": "Test@Example.com", "password": password, "confirm_password": password},
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["A user with that email already exists."]}


def test_register_mismatched_confirmation(api: APIClient, password: str) -> None:
    response = api.post(
        REGISTER,
        {"email": "test@example.com", "password": password, "confirm_password": password + "x"},
    )
    assert response.status_code == 400
    assert response.json() == {"confirm_password": ["Passwords do not match."]}


def test_register_weak_password(api: APIClient) -> None:
    # The document's own sample password is on Django's common-passwords list.
    response = api.post(
        REGISTER,
        {"email": "test@example.com", "password": "test1234", "confirm_password": "test1234"},
    )
    assert response.status_code == 400
    messages = response.json()["password"]
    assert messages == ["This password is too common."]


def test_register_needs_email(api: APIClient, password: str) -> None:
    response = api.post(REGISTER, {"password": password, "confirm_password": password})
    assert response.status_code == 400
    assert "email" in response.json()


def test_login_wrong_password(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="test@example.com")
    response = api.post(LOGIN, {"email": "test@example.com", "password": password + "x"})
    assert response.status_code == 401
    assert response.json()["detail"] == "No active account found with the given credentials"
    assert "access_token" not in response.cookies
    unknown = api.post(LOGIN, {"email": "nobody@example.com", "password": password})
    assert unknown.status_code == 401
    assert unknown.json() == response.json()


def test_me_without_cookie(api: APIClient) -> None:
    response = api.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_refresh_without_cookie(api: APIClient) -> None:
    assert api.post(REFRESH).status_code == 401


def test_rotated_refresh_replayed_revokes_family(
    api: APIClient, make_user: Any, password: str
) -> None:
    make_user(email="test@example.com")
    login(api, password)
    stolen = api.cookies["refresh_token"].value
    assert api.post(REFRESH).status_code == 200
    current = api.cookies["refresh_token"].value

    thief = APIClient()
    thief.cookies["refresh_token"] = stolen
    assert thief.post(REFRESH).status_code == 401  # reuse of a rotated token...
    api.cookies["refresh_token"] = current
    assert api.post(REFRESH).status_code == 401  # ...revoked the whole family
    assert api.get(ME).status_code == 401  # access tokens of the family included


def test_refresh_replayed_after_logout(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="test@example.com")
    login(api, password)
    refresh = api.cookies["refresh_token"].value
    access = api.cookies["access_token"].value
    assert api.post(LOGOUT).status_code == 200

    replay = APIClient()
    replay.cookies["refresh_token"] = refresh
    assert replay.post(REFRESH).status_code == 401
    replay.cookies["access_token"] = access
    assert replay.get(ME).status_code == 401


def test_access_token_is_not_a_refresh_token(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="test@example.com")
    login(api, password)
    api.cookies["refresh_token"] = api.cookies["access_token"].value
    assert api.post(REFRESH).status_code == 401


def test_refresh_and_logout_need_no_csrf(
    csrf_api: APIClient, make_user: Any, password: str
) -> None:
    make_user(email="test@example.com")
    login(csrf_api, password)
    assert csrf_api.post(REFRESH).status_code == 200
    assert csrf_api.post(LOGOUT).status_code == 200
