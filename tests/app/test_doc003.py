"""Document 003 (/api/register/, token/, token/refresh/, dashboard/): Bearer tokens.

The client posts JSON, keeps the refresh token (refreshing does not rotate it) and
sends ``Authorization: Bearer <access>``; no cookies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from pyauth.lifecycle import services
from pyauth.tokens import AccessToken

pytestmark = pytest.mark.django_db


def obtain(api: APIClient, password: str, username: str = "admin") -> dict[str, str]:
    response = api.post("/api/token/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    body: dict[str, str] = response.json()
    return body


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_documented_flow(api: APIClient, password: str, jwt_claims: Any) -> None:
    response = api.post("/api/register/", {"username": "admin", "password": password})
    assert response.status_code == 201, response.content
    user_id = response.json()["id"]
    assert response.json() == {"id": user_id, "username": "admin", "email": "", "name": ""}

    tokens = obtain(api, password)
    assert set(tokens) == {"refresh", "access"}
    access = jwt_claims(tokens["access"])
    assert {
        "token_type",
        "exp",
        "iat",
        "jti",
        "user_id",
        "full_name",
        "username",
        "email",
        "bio",
        "image",
        "verified",
    } <= set(access)
    assert access["token_type"] == "access"
    assert access["user_id"] == user_id  # a number, as in the document's tokens
    assert access["username"] == "admin"
    assert access["image"] == "default.jpg"
    assert access["verified"] is False
    assert jwt_claims(tokens["refresh"])["token_type"] == "refresh"

    response = bearer(tokens["access"]).get("/api/dashboard/")
    assert response.status_code == 200
    assert response.json() == {"response": "Hey admin, You are seeing a GET response"}

    response = bearer(tokens["access"]).post("/api/dashboard/", {"text": "This is my Text"})
    assert response.status_code == 200
    assert response.json() == {"response": "Hey admin, your text is This is my Text"}

    # token/refresh/ gives a new access token and no new refresh token: the client keeps
    # using the one it has.
    for _ in range(2):
        response = api.post("/api/token/refresh/", {"refresh": tokens["refresh"]})
        assert response.status_code == 200, response.content
        assert set(response.json()) == {"access"}
        new_access = response.json()["access"]
        assert jwt_claims(new_access)["user_id"] == user_id
        assert bearer(new_access).get("/api/dashboard/").status_code == 200


def test_token_by_email(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email="admin@example.com", username="admin")
    assert set(obtain(api, password, username="admin@example.com")) == {"refresh", "access"}
    assert set(obtain(api, password, username="ADMIN")) == {"refresh", "access"}


def test_claims_follow_the_profile(
    api: APIClient, make_user: Any, password: str, jwt_claims: Any
) -> None:
    user = make_user(email="admin@example.com", username="admin", full_name="Ada Admin")
    user.profile.bio = "Hi"
    user.profile.verified = True
    user.profile.save()
    access = jwt_claims(obtain(api, password)["access"])
    assert access["full_name"] == "Ada Admin"
    assert access["email"] == "admin@example.com"
    assert access["bio"] == "Hi"
    assert access["verified"] is True


def test_wrong_password(api: APIClient, make_user: Any) -> None:
    make_user(username="admin")
    response = api.post("/api/token/", {"username": "admin", "password": "admin"})
    assert response.status_code == 401
    assert response.json()["detail"] == "No active account found with the given credentials"


def test_inactive_user_refused_like_a_wrong_password(
    api: APIClient, make_user: Any, password: str
) -> None:
    make_user(username="admin", is_active=False)
    response = api.post("/api/token/", {"username": "admin", "password": password})
    assert response.status_code == 401
    assert response.json()["detail"] == "No active account found with the given credentials"


def test_register_weak_password(api: APIClient) -> None:
    # The document's sample {"username": "admin", "password": "admin"}.
    response = api.post("/api/register/", {"username": "admin", "password": "admin"})
    assert response.status_code == 400
    messages = response.json()["password"]
    assert "This password is too short. It must contain at least 8 characters." in messages
    assert "This password is too common." in messages


def test_register_duplicate_username(api: APIClient, make_user: Any, password: str) -> None:
    make_user(email=None, username="admin")
    response = api.post("/api/register/", {"username": "Admin", "password": password})
    assert response.status_code == 400
    assert response.json() == {"username": ["A user with that username already exists."]}


def test_register_username_with_at_refused(api: APIClient, password: str) -> None:
    response = api.post("/api/register/", {"username": "a@b", "password": password})
    assert response.status_code == 400
    assert "username" in response.json()


def test_dashboard_missing_token(api: APIClient) -> None:
    response = api.get("/api/dashboard/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_dashboard_is_bearer_only(api: APIClient, make_user: Any, password: str) -> None:
    make_user(username="admin")
    assert api.post("/api/login/", {"username": "admin", "password": password}).status_code == 200
    assert api.get("/api/user/").status_code == 200  # session and jwt cookie work there...
    assert api.get("/api/dashboard/").status_code == 401  # ...not here


def test_dashboard_post_needs_text(api: APIClient, make_user: Any, password: str) -> None:
    make_user(username="admin")
    response = bearer(obtain(api, password)["access"]).post("/api/dashboard/", {})
    assert response.status_code == 400
    assert "text" in response.json()


def test_expired_token(make_user: Any) -> None:
    token = AccessToken.for_user(make_user(username="admin"))
    token.set_exp(from_time=datetime.now(UTC) - timedelta(hours=1))
    response = bearer(str(token)).get("/api/dashboard/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_tampered_token(
    api: APIClient, make_user: Any, password: str, jwt_claims: Any, b64url: Any
) -> None:
    make_user(username="admin")
    other = make_user(email="root@example.com", username="root")
    access = obtain(api, password)["access"]
    header, _payload, signature = access.split(".")
    forged = jwt_claims(access) | {"user_id": other.pk, "username": "root"}
    response = bearer(f"{header}.{b64url(forged)}.{signature}").get("/api/dashboard/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_alg_none_refused(
    api: APIClient, make_user: Any, password: str, jwt_claims: Any, b64url: Any
) -> None:
    make_user(username="admin")
    access = obtain(api, password)["access"]
    unsigned = f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(jwt_claims(access))}."
    response = bearer(unsigned).get("/api/dashboard/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_garbage_and_malformed_headers(make_user: Any) -> None:
    assert bearer("not-a-token").get("/api/dashboard/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer a b")
    assert client.get("/api/dashboard/").status_code == 401


def test_refresh_token_is_not_an_access_token(
    api: APIClient, make_user: Any, password: str
) -> None:
    make_user(username="admin")
    tokens = obtain(api, password)
    response = bearer(tokens["refresh"]).get("/api/dashboard/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    # ...and the other way round.
    response = api.post("/api/token/refresh/", {"refresh": tokens["access"]})
    assert response.status_code == 401


def test_revoked_token(api: APIClient, make_user: Any, password: str) -> None:
    user = make_user(username="admin")
    tokens = obtain(api, password)
    assert bearer(tokens["access"]).get("/api/dashboard/").status_code == 200
    services.revoke_user(user, "password changed")
    response = bearer(tokens["access"]).get("/api/dashboard/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401


def test_simplejwt_token_accepted(make_user: Any, settings: Any) -> None:
    from rest_framework_simplejwt.tokens import AccessToken as SimpleJWTAccessToken

    settings.SIMPLE_JWT = {"SIGNING_KEY": settings.SECRET_KEY, "ALGORITHM": "HS256"}
    # django_app signs with EdDSA from the key store; a project moving from simplejwt
    # keeps its HS256 and SECRET_KEY, and then accepts simplejwt's tokens.
    settings.PYAUTH = {**settings.PYAUTH, "SIGNING_KEY_SOURCE": "settings", "ALGORITHM": "HS256"}
    user = make_user(username="admin")
    token = SimpleJWTAccessToken.for_user(user)
    response = bearer(str(token)).get("/api/dashboard/")
    assert response.status_code == 200, response.content
    assert response.json() == {"response": "Hey admin, You are seeing a GET response"}


def test_simplejwt_token_with_another_key_refused(make_user: Any) -> None:
    from rest_framework_simplejwt.backends import TokenBackend
    from rest_framework_simplejwt.tokens import AccessToken as SimpleJWTAccessToken

    token = SimpleJWTAccessToken.for_user(make_user(username="admin"))
    raw = TokenBackend("HS256", "another-key-" * 4).encode(token.payload)
    assert bearer(raw).get("/api/dashboard/").status_code == 401
