"""Device-bound refresh tokens (REFRESH_FINGERPRINT): pyauth's cookie views bind every
refresh cookie to a random fingerprint in a hardened cookie of its own, whose SHA-256
digest is the token's ``fgp`` claim; a refresh without it is refused."""

from __future__ import annotations

import hashlib
import logging
from http.cookies import Morsel
from typing import Any

import pytest
from rest_framework.response import Response
from rest_framework.test import APIClient

from pyauth.lifecycle import fingerprints, services
from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily, jti_digest
from pyauth.tokens import RefreshToken, TokenError
from pyauth.views import fingerprint_cookie_name, set_auth_cookies
from tests.django.conftest import PASSWORD

pytestmark = pytest.mark.django_db

HOST_COOKIE = "__Host-refresh_fgp"
LOGIN = "/api/cookie/login/"
REFRESH = "/api/cookie/refresh/"
LOGOUT = "/api/cookie/logout/"


@pytest.fixture(autouse=True)
def _bound(settings: Any) -> None:
    settings.PYAUTH = {"REFRESH_FINGERPRINT": True}


def login(client: APIClient) -> Any:
    response = client.post(LOGIN, {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def record_of(token: RefreshToken) -> RefreshTokenRecord:
    return RefreshTokenRecord.objects.get(jti_digest=jti_digest(token["jti"]))


def test_login_sets_a_hardened_fingerprint_cookie(api: APIClient, user: Any) -> None:
    response = login(api)
    cookie: Morsel[str] = response.cookies[HOST_COOKIE]
    refresh: Morsel[str] = response.cookies["refresh_token"]
    # __Host-: Secure, Path=/, no Domain; HttpOnly and SameSite as the token cookies.
    assert cookie["secure"] is True and cookie["httponly"] is True
    assert cookie["path"] == "/" and cookie["domain"] == ""
    assert cookie["samesite"] == refresh["samesite"] == "Lax"
    assert cookie["max-age"] == refresh["max-age"]
    # 160 random bits, base32; only its digest is in the token, never the value.
    assert len(cookie.value) == 32 and cookie.value.isalnum()
    token = RefreshToken(refresh.value)
    assert token["fgp"] == sha256(cookie.value)
    assert cookie.value not in refresh.value and cookie.value not in response.content.decode()
    assert "fgp" not in services.refresh(token, fingerprint=cookie.value)[1].payload


def test_domain_setting_never_reaches_the_host_cookie(
    api: APIClient, user: Any, settings: Any
) -> None:
    settings.PYAUTH = {"REFRESH_FINGERPRINT": True, "AUTH_COOKIE_DOMAIN": "example.com"}
    response = login(api)
    assert response.cookies["refresh_token"]["domain"] == "example.com"
    assert response.cookies[HOST_COOKIE]["domain"] == ""


def test_without_secure_the_cookie_has_no_prefix(api: APIClient, user: Any, settings: Any) -> None:
    settings.DEBUG = True  # AUTH_COOKIE_SECURE None: not DEBUG
    assert fingerprint_cookie_name() == "refresh_fgp"
    response = login(api)
    assert HOST_COOKIE not in response.cookies
    cookie = response.cookies["refresh_fgp"]
    assert not cookie["secure"] and cookie["httponly"] is True and cookie["path"] == "/"
    assert api.post(REFRESH).status_code == 200


def test_refresh_with_both_cookies_rotates_the_fingerprint(api: APIClient, user: Any) -> None:
    login(api)
    first = api.cookies[HOST_COOKIE].value
    response = api.post(REFRESH)
    assert response.status_code == 200, response.content
    second = response.cookies[HOST_COOKIE].value
    assert second != first
    assert RefreshToken(api.cookies["refresh_token"].value)["fgp"] == sha256(second)
    assert api.post(REFRESH).status_code == 200


@pytest.mark.parametrize("presented", [None, "", "A" * 32, "x" * 5000])
def test_missing_or_wrong_fingerprint_is_refused_and_burns_nothing(
    api: APIClient, user: Any, presented: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    login(api)
    good = api.cookies[HOST_COOKIE].value
    token = RefreshToken(api.cookies["refresh_token"].value)
    if presented is None:
        del api.cookies[HOST_COOKIE]
    else:
        api.cookies[HOST_COOKIE] = presented
    with caplog.at_level(logging.WARNING, logger="pyauth.lifecycle"):
        response = api.post(REFRESH)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    expected = "missing" if not presented else "does not match"
    assert expected in response.json()["detail"]
    assert (presented is not None and presented != "") == any(
        "wrong device fingerprint" in r.getMessage() for r in caplog.records
    )
    assert good not in caplog.text
    # nothing was burnt: the token is still live, and works with its fingerprint
    assert record_of(token).is_live
    assert not TokenFamily.objects.get(pk=token["sid"]).is_revoked
    api.cookies[HOST_COOKIE] = good
    assert api.post(REFRESH).status_code == 200


def test_a_fingerprint_from_another_login_is_refused(user: Any) -> None:
    alice, mallory = APIClient(), APIClient()
    login(alice)
    login(mallory)  # the same account, another device
    mallory.cookies["refresh_token"] = alice.cookies["refresh_token"].value
    assert mallory.post(REFRESH).status_code == 401


def test_a_replayed_rotated_token_still_revokes_its_family(api: APIClient, user: Any) -> None:
    login(api)
    stolen = api.cookies["refresh_token"].value
    assert api.post(REFRESH).status_code == 200
    thief = APIClient()
    thief.cookies["refresh_token"] = stolen  # without the fingerprint
    assert thief.post(REFRESH).status_code == 401
    assert TokenFamily.objects.get(pk=RefreshToken(stolen)["sid"]).is_revoked
    assert api.post(REFRESH).status_code == 401


def test_unbound_tokens_are_refused_while_the_setting_is_on(
    api: APIClient, user: Any, settings: Any
) -> None:
    """simplejwt-issued tokens, and ours issued before the setting, carry no fgp."""
    unbound, _ = services.issue(user)
    api.cookies["refresh_token"] = str(unbound)
    response = api.post(REFRESH)
    assert response.status_code == 401
    assert "not bound" in response.json()["detail"]
    assert record_of(unbound).is_live  # refused, not burnt
    settings.PYAUTH = {"REFRESH_FINGERPRINT": False}
    assert api.post(REFRESH).status_code == 200


def test_bound_tokens_keep_their_binding_when_the_setting_goes_off(
    api: APIClient, user: Any, settings: Any
) -> None:
    login(api)
    settings.PYAUTH = {"REFRESH_FINGERPRINT": False}
    assert HOST_COOKIE not in api.post(REFRESH).cookies  # no new binding...
    token = RefreshToken(api.cookies["refresh_token"].value)
    assert token["fgp"] == sha256(api.cookies[HOST_COOKIE].value)  # ...the old one kept
    del api.cookies[HOST_COOKIE]
    assert api.post(REFRESH).status_code == 401


def test_a_bound_token_is_refused_by_the_body_refresh(api: APIClient, user: Any) -> None:
    login(api)
    raw = api.cookies["refresh_token"].value
    response = APIClient().post("/api/token/refresh/", {"refresh": raw}, format="json")
    assert response.status_code == 401
    assert record_of(RefreshToken(raw)).is_live


def test_body_flows_are_unchanged(api: APIClient, user: Any) -> None:
    pair = api.post("/api/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert pair.status_code == 200
    assert "fgp" not in RefreshToken(pair.json()["refresh"]).payload
    assert not [name for name in pair.cookies if "fgp" in name]
    response = api.post("/api/token/refresh/", {"refresh": pair.json()["refresh"]}, format="json")
    assert response.status_code == 200
    assert "fgp" not in RefreshToken(response.json()["refresh"]).payload


def test_logout_clears_the_fingerprint(api: APIClient, user: Any) -> None:
    login(api)
    response = api.post(LOGOUT)
    assert response.status_code == 200
    cookie = response.cookies[HOST_COOKIE]
    assert cookie.value == "" and cookie["max-age"] == 0
    assert cookie["secure"] is True and cookie["path"] == "/"  # browsers demand both


def test_set_auth_cookies_needs_the_token_object(user: Any) -> None:
    refresh, access = services.issue(user)
    with pytest.raises(TypeError, match="RefreshToken object"):
        set_auth_cookies(Response(), str(refresh), access)


def test_check_and_bind_directly(user: Any) -> None:
    token, _ = services.issue(user)
    fingerprints.check(token, None)  # unbound, not required
    with pytest.raises(TokenError) as excinfo:
        fingerprints.check(token, None, required=True)
    assert excinfo.value.code == "fingerprint_required"
    value = fingerprints.bind(token)
    assert token["fgp"] == fingerprints.digest(value)
    fingerprints.check(token, value, required=True)
    for wrong, code in ((None, "fingerprint_missing"), (value.lower(), "fingerprint_mismatch")):
        with pytest.raises(TokenError) as excinfo:
            fingerprints.check(token, wrong)
        assert excinfo.value.code == code
    token["fgp"] = 12
    with pytest.raises(TokenError):
        fingerprints.check(token, value)
    assert len({fingerprints.new_fingerprint() for _ in range(100)}) == 100
