"""pyauth.views over HTTP: simplejwt's four endpoints and the cookie mode."""

from __future__ import annotations

from http.cookies import Morsel
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from pyauth.lifecycle import services
from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily, jti_digest
from pyauth.tokens import AccessToken, RefreshToken
from tests.django.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NO_ACCOUNT = {"detail": "No active account found with the given credentials"}


def obtain(api: APIClient, username: str = "alice", password: str = PASSWORD) -> Any:
    return api.post("/api/token/", {"username": username, "password": password}, format="json")


def test_obtain_pair(api: APIClient, user: Any) -> None:
    response = obtain(api)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"refresh", "access"}
    refresh, access = RefreshToken(body["refresh"]), AccessToken(body["access"])
    assert refresh["sid"] == access["sid"]
    assert access["user_id"] == str(user.pk)
    assert TokenFamily.objects.filter(pk=refresh["sid"], user=user).exists()


def test_obtain_pair_failures(api: APIClient, user: Any, make_user: Any) -> None:
    for username, password in (("alice", "wrong"), ("nobody", PASSWORD), ("alice", "")):
        response = obtain(api, username, password)
        if password == "":
            assert response.status_code == 400  # a field error
            continue
        assert response.status_code == 401
        assert response.json() == NO_ACCOUNT
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    make_user("carol", is_active=False)
    assert obtain(api, "carol").json() == NO_ACCOUNT
    assert api.post("/api/token/", {"username": "alice"}, format="json").status_code == 400
    assert TokenFamily.objects.count() == 0


def test_inactive_user_refused_even_by_a_backend_that_allows_it(
    api: APIClient, make_user: Any, settings: Any
) -> None:
    settings.AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.AllowAllUsersModelBackend"]
    make_user("carol", is_active=False)
    response = obtain(api, "carol")
    assert response.status_code == 401 and response.json() == NO_ACCOUNT


def test_password_is_not_trimmed(api: APIClient, make_user: Any) -> None:
    make_user("dave", password=" spaced out ")
    assert obtain(api, "dave", "spaced out").status_code == 401
    assert obtain(api, "dave", " spaced out ").status_code == 200


def test_unknown_user_still_hashes(api: APIClient, user: Any, monkeypatch: Any) -> None:
    from pyauth import passwords

    calls: list[str] = []
    real_hash = passwords.hash

    def spy(password: Any, *args: Any) -> str:
        calls.append("hash")
        return real_hash(password, *args)

    monkeypatch.setattr(passwords, "hash", spy)
    assert obtain(api, "nobody").status_code == 401
    assert calls == ["hash"]


def test_json_bodies_only(api: APIClient, user: Any) -> None:
    response = api.post(
        "/api/token/", {"username": "alice", "password": PASSWORD}, format="multipart"
    )
    assert response.status_code == 415
    response = api.post(
        "/api/token/",
        "username=alice&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415


def test_refresh_rotates(api: APIClient, user: Any) -> None:
    first = obtain(api).json()
    response = api.post("/api/token/refresh/", {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert RefreshToken(body["refresh"])["sid"] == RefreshToken(first["refresh"])["sid"]
    # the first refresh token again: refused, and the family with it
    replay = api.post("/api/token/refresh/", {"refresh": first["refresh"]}, format="json")
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_not_valid"
    assert replay["WWW-Authenticate"] == 'Bearer realm="api"'
    again = api.post("/api/token/refresh/", {"refresh": body["refresh"]}, format="json")
    assert again.status_code == 401


def test_refresh_without_rotation(api: APIClient, user: Any, settings: Any) -> None:
    first = obtain(api).json()
    for _ in range(2):
        response = api.post(
            "/api/token/refresh/static/", {"refresh": first["refresh"]}, format="json"
        )
        assert response.status_code == 200
        assert set(response.json()) == {"access"}
    settings.PYAUTH = {"ROTATE_REFRESH_TOKENS": False}
    response = api.post("/api/token/refresh/", {"refresh": first["refresh"]}, format="json")
    assert set(response.json()) == {"access"}


def test_refresh_failures(api: APIClient, user: Any) -> None:
    pair = obtain(api).json()
    for bad in (pair["access"], "garbage", ""):
        response = api.post("/api/token/refresh/", {"refresh": bad}, format="json")
        assert response.status_code == (400 if bad == "" else 401)
    user.is_active = False
    user.save()
    response = api.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 401
    assert response.json() == {"detail": "No active account found for the given token."}


@pytest.mark.django_db(transaction=True)
def test_revocation_survives_atomic_requests(
    api: APIClient, user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ATOMIC_REQUESTS, DRF rolls back the request's transaction on an error
    answer; the views opt out so that a replay's revocation is committed."""
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    first = obtain(api).json()
    api.post("/api/token/refresh/", {"refresh": first["refresh"]}, format="json")
    replay = api.post("/api/token/refresh/", {"refresh": first["refresh"]}, format="json")
    assert replay.status_code == 401
    assert TokenFamily.objects.get(pk=RefreshToken(first["refresh"])["sid"]).revoked_at


def test_verify(api: APIClient, user: Any) -> None:
    pair = obtain(api).json()
    for token in (pair["access"], pair["refresh"]):
        response = api.post("/api/token/verify/", {"token": token}, format="json")
        assert response.status_code == 200 and response.json() == {}
    assert api.post("/api/token/verify/", {"token": "x.y.z"}, format="json").status_code == 401
    api.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    rotated = api.post("/api/token/verify/", {"token": pair["refresh"]}, format="json")
    assert rotated.status_code == 401
    assert (
        api.post("/api/token/verify/", {"token": pair["access"]}, format="json").status_code == 200
    )
    services.revoke_family(AccessToken(pair["access"])["sid"])
    revoked = api.post("/api/token/verify/", {"token": pair["access"]}, format="json")
    assert revoked.status_code == 401
    assert revoked.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}


def test_blacklist(api: APIClient, user: Any) -> None:
    pair = obtain(api).json()
    response = api.post("/api/token/blacklist/", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 200 and response.json() == {}
    refreshed = api.post("/api/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert refreshed.status_code == 401
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api.get("/api/whoami/").status_code == 401
    api.credentials()
    wrong_type = api.post("/api/token/blacklist/", {"refresh": pair["access"]}, format="json")
    assert wrong_type.status_code == 401


# --- cookie mode ----------------------------------------------------------------------


def cookie_login(client: APIClient, password: str = PASSWORD) -> Any:
    return client.post(
        "/api/cookie/login/", {"username": "alice", "password": password}, format="json"
    )


def assert_token_cookie(morsel: Morsel[str], secure: bool = True, path: str = "/") -> None:
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert bool(morsel["secure"]) is secure
    assert morsel["path"] == path
    assert int(morsel["max-age"]) > 0


def test_cookie_login_sets_cookies_and_no_tokens_in_body(user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    response = cookie_login(client)
    assert response.status_code == 200
    access = response.cookies["access_token"]
    refresh = response.cookies["refresh_token"]
    assert_token_cookie(access)
    assert_token_cookie(refresh)
    assert int(access["max-age"]) == 300 and int(refresh["max-age"]) == 86400
    assert access.value not in response.content.decode()
    assert refresh.value not in response.content.decode()
    assert "access" not in response.json() and "refresh" not in response.json()
    assert AccessToken(access.value)["sid"] == RefreshToken(refresh.value)["sid"]
    assert "csrftoken" in response.cookies  # for X-CSRFToken on the next unsafe request
    assert client.get("/api/cookie/whoami/").json()["username"] == "alice"


def test_cookie_login_failure_sets_nothing(user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    response = cookie_login(client, "wrong")
    assert response.status_code == 401 and response.json() == NO_ACCOUNT
    assert "access_token" not in response.cookies


def test_cookie_attributes_follow_settings(user: Any, settings: Any) -> None:
    settings.DEBUG = True
    settings.PYAUTH = {"AUTH_COOKIE_REFRESH_PATH": "/api/cookie/refresh/"}
    response = cookie_login(APIClient())
    assert_token_cookie(response.cookies["access_token"], secure=False)
    assert_token_cookie(
        response.cookies["refresh_token"], secure=False, path="/api/cookie/refresh/"
    )
    settings.DEBUG = False
    settings.PYAUTH = {
        "AUTH_COOKIE_SAMESITE": "Strict",
        "AUTH_COOKIE_DOMAIN": "example.com",
        "AUTH_COOKIE_ACCESS": "a",
        "AUTH_COOKIE_REFRESH": "r",
    }
    response = cookie_login(APIClient())
    assert response.cookies["a"]["samesite"] == "Strict"
    assert response.cookies["r"]["domain"] == "example.com"
    assert response.cookies["a"]["secure"] is True


def test_cookie_refresh_without_body_or_csrf(user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    login = cookie_login(client)
    old_refresh = login.cookies["refresh_token"].value
    response = client.post("/api/cookie/refresh/")
    assert response.status_code == 200
    assert response.json() == {"detail": "Access token refreshed successfully"}
    new_refresh = response.cookies["refresh_token"].value
    new_access = response.cookies["access_token"].value
    assert new_refresh != old_refresh
    assert new_refresh not in response.content.decode()
    assert new_access not in response.content.decode()
    assert_token_cookie(response.cookies["refresh_token"])
    assert client.get("/api/cookie/whoami/").status_code == 200
    # a stolen copy of the old cookie, replayed: refused, and the session with it
    thief = APIClient()
    thief.cookies["refresh_token"] = old_refresh
    assert thief.post("/api/cookie/refresh/").status_code == 401
    assert client.get("/api/cookie/whoami/").status_code == 401


def test_cookie_refresh_without_cookie(user: Any) -> None:
    response = APIClient().post("/api/cookie/refresh/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_cookie_logout(user: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    login = cookie_login(client)
    access = login.cookies["access_token"].value
    refresh = login.cookies["refresh_token"].value
    response = client.post("/api/cookie/logout/")  # no CSRF token needed
    assert response.status_code == 200
    for name in ("access_token", "refresh_token"):
        morsel = response.cookies[name]
        assert morsel.value == "" and int(morsel["max-age"]) == 0
    assert response.cookies["access_token"]["samesite"] == "Lax"
    sid = AccessToken(access)["sid"]
    assert TokenFamily.objects.get(pk=sid).revoked_at is not None
    assert RefreshTokenRecord.objects.get(
        jti_digest=jti_digest(RefreshToken(refresh)["jti"])
    ).blacklisted_at
    # a copy of the cookies kept from before the logout is worthless
    replay = APIClient()
    replay.cookies["access_token"] = access
    replay.cookies["refresh_token"] = refresh
    assert replay.get("/api/cookie/whoami/").status_code == 401
    assert replay.post("/api/cookie/refresh/").status_code == 401
    # logging out again, or without cookies, is fine
    assert APIClient().post("/api/cookie/logout/").status_code == 200
    junk = APIClient()
    junk.cookies["refresh_token"] = "junk"
    assert junk.post("/api/cookie/logout/").status_code == 200


def test_cookie_logout_with_only_an_access_cookie(user: Any) -> None:
    client = APIClient()
    login = cookie_login(client)
    del client.cookies["refresh_token"]
    assert client.post("/api/cookie/logout/").status_code == 200
    sid = AccessToken(login.cookies["access_token"].value)["sid"]
    assert services.is_revoked(sid)
