"""Document 001 (/api/register/, login/, user/, logout/): one HttpOnly ``jwt`` cookie.

The client is curl with a cookie jar: ``-c cookies.txt`` on login, ``-b cookies.txt``
afterwards, JSON bodies, no CSRF header anywhere.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from pyauth.tokens import AccessToken

pytestmark = pytest.mark.django_db


def login(api: APIClient, password: str) -> Any:
    response = api.post("/api/login/", {"email": "alice@example.com", "password": password})
    assert response.status_code == 200, response.content
    return response


def jwt_only(api: APIClient) -> APIClient:
    """A client holding nothing but the ``jwt`` cookie of ``api`` (no session)."""
    other = APIClient()
    other.cookies["jwt"] = api.cookies["jwt"].value
    return other


def test_documented_flow(api: APIClient, password: str, jwt_claims: Any) -> None:
    response = api.post(
        "/api/register/", {"name": "Alice", "email": "alice@example.com", "password": password}
    )
    assert response.status_code == 201, response.content
    user_id = response.json()["id"]
    assert response.json() == {
        "id": user_id,
        "username": "",
        "email": "alice@example.com",
        "name": "Alice",
    }

    response = login(api, password)
    cookie = response.cookies["jwt"]
    assert cookie.value not in response.content.decode()
    payload = jwt_claims(cookie.value)
    assert payload["id"] == user_id
    assert payload["exp"] - payload["iat"] == 3600
    assert abs(payload["iat"] - time.time()) < 60

    # Only the cookie: GET user/ -b cookies.txt
    client = jwt_only(api)
    response = client.get("/api/user/")
    assert response.status_code == 200
    assert response.json() == {
        "id": user_id,
        "username": "",
        "email": "alice@example.com",
        "name": "Alice",
    }

    response = client.post("/api/logout/")  # no CSRF header, as the document's curl
    assert response.status_code == 200
    assert response.cookies["jwt"].value == ""
    assert response.cookies["jwt"]["max-age"] == 0
    assert client.get("/api/user/").status_code == 401


def test_cookie_attributes(api: APIClient, make_user: Any, password: str) -> None:
    make_user()
    cookie = login(api, password).cookies["jwt"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 3600
    assert cookie["path"] == "/"
    assert cookie["secure"] is True  # DEBUG is off under test


def test_cookie_not_secure_in_debug(
    api: APIClient, make_user: Any, password: str, settings: Any
) -> None:
    settings.DEBUG = True
    make_user()
    cookie = login(api, password).cookies["jwt"]
    assert not cookie["secure"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_token_replayed_after_logout(api: APIClient, make_user: Any, password: str) -> None:
    make_user()
    login(api, password)
    stolen = api.cookies["jwt"].value
    assert api.post("/api/logout/").status_code == 200

    thief = APIClient()
    thief.cookies["jwt"] = stolen
    response = thief.get("/api/user/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_login_wrong_password(api: APIClient, make_user: Any, password: str) -> None:
    make_user()
    response = api.post("/api/login/", {"email": "alice@example.com", "password": "nope"})
    assert response.status_code == 401
    assert "jwt" not in response.cookies
    assert "sessionid" not in response.cookies


def test_user_without_cookie(api: APIClient) -> None:
    response = api.get("/api/user/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_expired_cookie(api: APIClient, make_user: Any) -> None:
    user = make_user()
    token = AccessToken.for_user(user)
    token.set_exp(from_time=datetime.now(UTC) - timedelta(hours=2))
    api.cookies["jwt"] = str(token)
    response = api.get("/api/user/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_tampered_cookie(
    api: APIClient, make_user: Any, password: str, jwt_claims: Any, b64url: Any
) -> None:
    make_user()
    other = make_user(email="mallory@example.com")
    login(api, password)
    header, _payload, signature = api.cookies["jwt"].value.split(".")
    forged = jwt_claims(api.cookies["jwt"].value) | {"user_id": other.pk, "id": other.pk}
    client = APIClient()
    client.cookies["jwt"] = f"{header}.{b64url(forged)}.{signature}"
    response = client.get("/api/user/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_register_duplicate_email(api: APIClient, make_user: Any, password: str) -> None:
    make_user()
    response = api.post(
        "/api/register/", {"name": "A", "email": "alice@example.com", "password": password}
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["A user with that email already exists."]}


def test_register_weak_password(api: APIClient) -> None:
    # The document's sample, "Password123", is on Django's common-passwords list.
    response = api.post(
        "/api/register/",
        {"name": "Alice", "email": "alice@example.com", "password": "Password123"},
    )
    assert response.status_code == 400
    assert response.json() == {"password": ["This password is too common."]}


def test_password_similar_to_email_refused(api: APIClient) -> None:
    response = api.post(
        "/api/register/",
        {"name": "Alice", "email": "alicewonderland@example.com", "password": "alicewonderland"},
    )
    assert response.status_code == 400
    assert "The password is too similar to the email address." in response.json()["password"]


def test_new_login_revokes_the_previous_cookie(
    api: APIClient, make_user: Any, password: str
) -> None:
    make_user()
    login(api, password)
    first = api.cookies["jwt"].value
    login(api, password)
    assert api.cookies["jwt"].value != first
    assert jwt_only(api).get("/api/user/").status_code == 200
    stale = APIClient()
    stale.cookies["jwt"] = first
    assert stale.get("/api/user/").status_code == 401
