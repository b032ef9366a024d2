"""pyauth.authentication through real requests: header and cookie modes, 401 shapes,
revoked families, inactive users, CSRF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from pyauth.authentication import JWTAuthentication
from pyauth.lifecycle import services
from pyauth.tokens import AccessToken, RefreshToken

pytestmark = pytest.mark.django_db

WHOAMI = "/api/whoami/"
COOKIE_WHOAMI = "/api/cookie/whoami/"


def bearer(api: APIClient, token: Any) -> None:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_401(response: Any) -> dict[str, Any]:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    body: dict[str, Any] = response.json()
    return body


def test_bearer_ok(api: APIClient, user: Any) -> None:
    _refresh, access = services.issue(user)
    bearer(api, access)
    response = api.get(WHOAMI)
    assert response.status_code == 200
    assert response.json() == {"username": "alice", "token_type": "access", "sid": access["sid"]}


def test_request_auth_is_the_validated_token(rf: Any, user: Any) -> None:
    access = AccessToken.for_user(user)
    request = rf.get("/", HTTP_AUTHORIZATION=f"Bearer {access}")
    result = JWTAuthentication().authenticate(request)
    assert result is not None
    authed_user, token = result
    assert authed_user == user and isinstance(token, AccessToken)
    assert token["jti"] == access["jti"]


def test_missing_header_gives_none_then_401(api: APIClient, rf: Any) -> None:
    assert JWTAuthentication().authenticate(rf.get("/")) is None
    # another scheme is left to the next authentication class
    assert JWTAuthentication().authenticate(rf.get("/", HTTP_AUTHORIZATION="Basic abc")) is None
    assert JWTAuthentication().authenticate(rf.get("/", HTTP_AUTHORIZATION="")) is None
    body = assert_401(api.get(WHOAMI))
    assert body == {"detail": "Authentication credentials were not provided."}


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer  x y z"])
def test_malformed_header(api: APIClient, header: str) -> None:
    api.credentials(HTTP_AUTHORIZATION=header)
    body = assert_401(api.get(WHOAMI))
    assert body["code"] == "bad_authorization_header"


@pytest.mark.parametrize("raw", ["abc", "a.b.c", "eyJhbGciOiJub25lIn0.e30."])
def test_garbage_token(api: APIClient, raw: str) -> None:
    bearer(api, raw)
    body = assert_401(api.get(WHOAMI))
    assert body["code"] == "token_not_valid"
    assert body["messages"][0]["token_class"] == "AccessToken"


def test_refresh_token_is_not_an_access_token(api: APIClient, user: Any) -> None:
    refresh, _access = services.issue(user)
    bearer(api, refresh)
    body = assert_401(api.get(WHOAMI))
    assert body["code"] == "token_not_valid"
    assert body["messages"][0]["code"] == "token_wrong_type"


def test_expired_token(api: APIClient, user: Any) -> None:
    access = AccessToken.for_user(user)
    access.set_exp(from_time=datetime.now(tz=UTC) - timedelta(hours=1))
    bearer(api, access)
    body = assert_401(api.get(WHOAMI))
    assert body["code"] == "token_not_valid"
    assert body["messages"][0] == {
        "token_class": "AccessToken",
        "token_type": "access",
        "message": "Token is expired",
        "code": "token_expired",
    }


def test_tampered_token(api: APIClient, user: Any) -> None:
    raw = str(AccessToken.for_user(user))
    bearer(api, raw[:-3] + ("AAA" if not raw.endswith("AAA") else "BBB"))
    assert assert_401(api.get(WHOAMI))["code"] == "token_not_valid"


def assert_revoked(response: Any) -> None:
    body = assert_401(response)
    assert body["code"] == "token_not_valid"
    assert body["messages"][0]["code"] == "token_revoked"


@pytest.mark.parametrize("lookup", ["lazy", "always"])
def test_deactivated_user(api: APIClient, user: Any, settings: Any, lookup: str) -> None:
    settings.PYAUTH = {"USER_LOOKUP": lookup}
    _refresh, access = services.issue(user)
    user.is_active = False
    user.save()
    bearer(api, access)
    assert_revoked(api.get(WHOAMI))


@pytest.mark.parametrize("lookup", ["lazy", "always"])
def test_user_inactive_from_the_start(
    api: APIClient, make_user: Any, settings: Any, lookup: str
) -> None:
    """No deactivation wrote a mark: the lazy user refuses when the view loads the row
    (WhoAmI reads the username, which the token does not carry)."""
    settings.PYAUTH = {"USER_LOOKUP": lookup}
    bearer(api, AccessToken.for_user(make_user(is_active=False)))
    body = assert_401(api.get(WHOAMI))
    assert body == {"detail": "User is inactive", "code": "user_inactive"}


@pytest.mark.parametrize("lookup", ["lazy", "always"])
def test_deleted_user_and_token_without_user(
    api: APIClient, user: Any, settings: Any, lookup: str
) -> None:
    settings.PYAUTH = {"USER_LOOKUP": lookup}
    access = AccessToken.for_user(user)
    user.delete()
    bearer(api, access)
    assert_revoked(api.get(WHOAMI))
    ghost = AccessToken()
    ghost["user_id"] = "4242"
    bearer(api, ghost)
    assert assert_401(api.get(WHOAMI))["code"] == "user_not_found"
    anonymous = AccessToken()
    bearer(api, anonymous)
    assert assert_401(api.get(WHOAMI))["code"] == "token_not_valid"


def test_revoked_family_is_refused(api: APIClient, user: Any) -> None:
    _refresh, access = services.issue(user)
    bearer(api, access)
    assert api.get(WHOAMI).status_code == 200
    assert services.revoke_family(access["sid"], "test")
    body = assert_401(api.get(WHOAMI))
    assert body["messages"][0]["code"] == "token_revoked"


def test_unknown_family_is_refused(api: APIClient, user: Any) -> None:
    access = AccessToken.for_user(user)
    access["sid"] = "no-such-family"
    bearer(api, access)
    assert assert_401(api.get(WHOAMI))["code"] == "token_not_valid"


def test_token_without_family_is_accepted(api: APIClient, user: Any) -> None:
    bearer(api, AccessToken.for_user(user))
    assert api.get(WHOAMI).json()["sid"] is None


def test_simplejwt_issued_token_is_accepted(
    api: APIClient, user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rest_framework_simplejwt import state
    from rest_framework_simplejwt.backends import TokenBackend
    from rest_framework_simplejwt.tokens import AccessToken as SimpleAccessToken

    key = "the key both libraries share, comfortably over 32 bytes"
    settings.SIMPLE_JWT = {"SIGNING_KEY": key}
    monkeypatch.setattr(state, "token_backend", TokenBackend("HS256", key))
    bearer(api, SimpleAccessToken.for_user(user))
    assert api.get(WHOAMI).json()["username"] == "alice"
    settings.PYAUTH = {"SIGNING_KEY": "some other key that is also long enough!!"}
    assert_401(api.get(WHOAMI))


def test_custom_header_types_and_name(api: APIClient, user: Any, settings: Any) -> None:
    settings.PYAUTH = {"AUTH_HEADER_TYPES": ("JWT",), "AUTH_HEADER_NAME": "HTTP_X_TOKEN"}
    access = AccessToken.for_user(user)
    api.credentials(HTTP_X_TOKEN=f"JWT {access}")
    assert api.get(WHOAMI).status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    response = api.get(WHOAMI)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'JWT realm="api"'


# --- cookies --------------------------------------------------------------------------


def _cookie_client(user: Any, enforce_csrf: bool = True) -> tuple[APIClient, AccessToken]:
    client = APIClient(enforce_csrf_checks=enforce_csrf)
    _refresh, access = services.issue(user)
    client.cookies["access_token"] = str(access)
    return client, access


def test_cookie_get_needs_no_csrf(user: Any) -> None:
    client, access = _cookie_client(user)
    response = client.get(COOKIE_WHOAMI)
    assert response.status_code == 200
    assert response.json()["sid"] == access["sid"]


def test_cookie_post_without_csrf_is_forbidden(user: Any) -> None:
    client, _access = _cookie_client(user)
    response = client.post(COOKIE_WHOAMI, {"a": 1}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed:")


def test_cookie_post_with_csrf_token(user: Any) -> None:
    client, _access = _cookie_client(user)
    client.cookies[django_settings.CSRF_COOKIE_NAME] = "A" * 32
    response = client.post(
        COOKIE_WHOAMI,
        {"a": 1},
        format="json",
        HTTP_X_CSRFTOKEN="A" * 32,
        HTTP_REFERER="https://testserver/",
        secure=True,
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"username": "alice", "posted": {"a": 1}}
    response = client.post(
        COOKIE_WHOAMI,
        {"a": 1},
        format="json",
        HTTP_X_CSRFTOKEN="B" * 32,
        HTTP_REFERER="https://testserver/",
        secure=True,
    )
    assert response.status_code == 403


def test_cookie_csrf_exempt_subclass(rf: Any, user: Any) -> None:
    from pyauth.authentication import JWTCookieAuthentication

    class Exempt(JWTCookieAuthentication):
        csrf_exempt = True

    access = AccessToken.for_user(user)
    request = rf.post("/", {}, content_type="application/json")
    request.COOKIES["access_token"] = str(access)
    request._dont_enforce_csrf_checks = False
    assert Exempt().authenticate(request) is not None
    from rest_framework.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        JWTCookieAuthentication().authenticate(request)


def test_cookie_name_subclass(rf: Any, user: Any) -> None:
    from pyauth.authentication import JWTCookieAuthentication

    class JwtCookie(JWTCookieAuthentication):
        cookie_name = "jwt"

    access = AccessToken.for_user(user)
    request = rf.get("/")
    request.COOKIES["jwt"] = str(access)
    assert JwtCookie().authenticate(request) is not None
    assert JWTCookieAuthentication().authenticate(request) is None


def test_cookie_with_bad_token_is_401(user: Any) -> None:
    client = APIClient()
    client.cookies["access_token"] = str(RefreshToken.for_user(user))
    assert_401(client.get(COOKIE_WHOAMI))
    client.cookies["access_token"] = "garbage"
    assert_401(client.get(COOKIE_WHOAMI))


def test_cookie_revoked_family(user: Any) -> None:
    client, access = _cookie_client(user)
    services.revoke_token(access)
    assert_401(client.get(COOKIE_WHOAMI))
