"""Document 004 (/api/register/, login/, user/, logout/): Django sessions with CSRF, and a
front end at http://localhost:3000 calling with credentials (CORS).

The client is curl with a cookie jar (or a browser): login returns the CSRF token in its
body, later unsafe requests send it back as X-CSRFToken.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

FRONTEND = "http://localhost:3000"


def login(api: APIClient, password: str, username: str = "testuser") -> Any:
    response = api.post("/api/login/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response


def session_only(api: APIClient) -> None:
    """Drop the ``jwt`` cookie, so only the session authenticates ``api``."""
    del api.cookies["jwt"]


def test_documented_flow(csrf_api: APIClient, password: str) -> None:
    api = csrf_api  # a browser's view: CSRF checks on
    response = api.post(
        "/api/register/",
        {
            "username": "testuser",
            "email": "test@example.com",
            "password": password,
            "password2": password,
        },
    )
    assert response.status_code == 201, response.content
    user = {"id": response.json()["id"], "username": "testuser", "email": "test@example.com"}
    assert response.json() == user | {"name": ""}

    response = login(api, password)
    body = response.json()
    assert body["message"] == "Login successful"
    assert body["user"] == user | {"name": ""}
    assert body["csrf_token"]
    assert "sessionid" in response.cookies
    assert response.cookies["sessionid"]["httponly"] is True
    assert response.cookies["sessionid"]["samesite"] == "Lax"
    session_only(api)

    response = api.get("/api/user/")
    assert response.status_code == 200
    assert response.json() == user | {"name": ""}
    assert api.get("/api/protected/").json() == user | {"name": ""}

    response = api.post("/api/logout/", HTTP_X_CSRFTOKEN=body["csrf_token"])
    assert response.status_code == 200
    assert response.json() == {"message": "Logout successful"}

    response = api.get("/api/user/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_login_by_email_too(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="test@example.com", username="testuser")
    response = api.post("/api/login/", {"username": "test@example.com", "password": password})
    assert response.status_code == 200
    assert response.json()["user"]["username"] == "testuser"


def test_login_wrong_password(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="test@example.com", username="testuser")
    response = api.post("/api/login/", {"username": "testuser", "password": "theirpassword"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"]
    assert "sessionid" not in response.cookies
    unknown = api.post("/api/login/", {"username": "nobody", "password": password})
    assert (unknown.status_code, unknown.json()) == (401, response.json())


def test_login_needs_an_identifier(api: APIClient, password: str) -> None:
    response = api.post("/api/login/", {"password": password})
    assert response.status_code == 400


def test_register_mismatched_password2(api: APIClient, password: str) -> None:
    response = api.post(
        "/api/register/",
        {
            "username": "testuser",
            "email": "test@example.com",
            "password": password,
            "password2": password[::-1],
        },
    )
    assert response.status_code == 400
    assert response.json() == {"password2": ["Passwords do not match."]}


def test_register_weak_password(api: APIClient) -> None:
    # The document's sample "password123" is on Django's common-passwords list.
    response = api.post(
        "/api/register/",
        {
            "username": "testuser",
            "email": "test@example.com",
            "password": "password123",
            "password2": "password123",
        },
    )
    assert response.status_code == 400
    assert "This password is too common." in response.json()["password"]


def test_register_duplicates(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="test@example.com", username="testuser")
    data = {"username": "other", "email": "TEST@example.com", "password": password}
    response = api.post("/api/register/", data)
    assert response.status_code == 400
    assert response.json() == {"email": ["A user with that email already exists."]}
    data = {"username": "TestUser", "email": "other@example.com", "password": password}
    response = api.post("/api/register/", data)
    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}


def test_register_needs_an_identifier(api: APIClient, password: str) -> None:
    response = api.post("/api/register/", {"password": password, "name": "Nobody"})
    assert response.status_code == 400


def test_session_post_without_csrf_token_refused(
    csrf_api: APIClient, make_user: Any, password: str
) -> None:
    make_user(email="test@example.com", username="testuser")
    token = login(csrf_api, password).json()["csrf_token"]
    session_only(csrf_api)
    response = csrf_api.patch("/api/profile/", {"bio": "hello"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    response = csrf_api.patch("/api/profile/", {"bio": "hello"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["bio"] == "hello"


def test_jwt_cookie_post_without_csrf_token_refused(
    csrf_api: APIClient, make_user: Any, password: str
) -> None:
    make_user(email="test@example.com", username="testuser")
    token = login(csrf_api, password).json()["csrf_token"]
    del csrf_api.cookies["sessionid"]  # only the jwt cookie (and csrftoken) remain
    response = csrf_api.patch("/api/profile/", {"bio": "hello"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    response = csrf_api.patch("/api/profile/", {"bio": "hello"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_access_cookie_post_without_csrf_token_refused(
    csrf_api: APIClient, make_user: Any, password: str
) -> None:
    make_user(email="test@example.com")
    response = csrf_api.post("/api/auth/login", {"email": "test@example.com", "password": password})
    assert response.status_code == 200
    assert csrf_api.get("/api/profile/").status_code == 200  # safe methods need no token
    response = csrf_api.patch("/api/profile/", {"bio": "hello"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")


def test_bearer_post_needs_no_csrf_token(
    csrf_api: APIClient, make_user: Any, password: str
) -> None:
    make_user(email="test@example.com", username="testuser")
    response = csrf_api.post("/api/token/", {"username": "testuser", "password": password})
    csrf_api.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert csrf_api.patch("/api/profile/", {"bio": "hello"}).status_code == 200


def test_logout_needs_no_csrf_header(csrf_api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="test@example.com", username="testuser")
    login(csrf_api, password)
    assert csrf_api.post("/api/logout/").status_code == 200
    assert csrf_api.get("/api/user/").status_code == 401


def test_cors_from_the_frontend(api: APIClient, make_user: Any, password: str) -> None:
    preflight = api.options(
        "/api/login/",
        HTTP_ORIGIN=FRONTEND,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type, x-csrftoken",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == FRONTEND
    assert preflight["Access-Control-Allow-Credentials"] == "true"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    assert "x-csrftoken" in preflight["Access-Control-Allow-Headers"]

    make_user(email="test@example.com", username="testuser")
    response = api.post(
        "/api/login/", {"username": "testuser", "password": password}, HTTP_ORIGIN=FRONTEND
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == FRONTEND
    assert response["Access-Control-Allow-Credentials"] == "true"


def test_cors_from_an_unknown_origin(api: APIClient, make_user: Any, password: str) -> None:
    evil = "http://evil.example"
    preflight = api.options(
        "/api/login/",
        HTTP_ORIGIN=evil,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert "Access-Control-Allow-Origin" not in preflight
    assert "Access-Control-Allow-Credentials" not in preflight

    make_user(email="test@example.com", username="testuser")
    login(api, password)
    response = api.get("/api/user/", HTTP_ORIGIN=evil)
    assert "Access-Control-Allow-Origin" not in response


def test_frontend_origin_is_csrf_trusted(
    csrf_api: APIClient, make_user: Any, password: str
) -> None:
    make_user(email="test@example.com", username="testuser")
    token = login(csrf_api, password).json()["csrf_token"]
    session_only(csrf_api)
    ok = csrf_api.patch("/api/profile/", {"bio": "x"}, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN=FRONTEND)
    assert ok.status_code == 200
    evil = csrf_api.patch(
        "/api/profile/", {"bio": "x"}, HTTP_X_CSRFTOKEN=token, HTTP_ORIGIN="http://evil.example"
    )
    assert evil.status_code == 403
