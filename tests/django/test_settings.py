"""pyauth.settings: defaults, PYAUTH overrides read at call time, SIMPLE_JWT fallback."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings

from pyauth import jwt
from pyauth.settings import DEFAULTS, api_settings
from tests.django.claims import profile_claims


def test_defaults_without_pyauth_or_simple_jwt() -> None:
    assert api_settings.ACCESS_TOKEN_LIFETIME == timedelta(minutes=5)
    assert api_settings.REFRESH_TOKEN_LIFETIME == timedelta(days=1)
    assert api_settings.ROTATE_REFRESH_TOKENS is True
    assert api_settings.BLACKLIST_AFTER_ROTATION is True
    assert api_settings.REUSE_GRACE_SECONDS == 0
    # pyauth.keys is installed: new deployments sign with EdDSA keys from the store.
    assert api_settings.ALGORITHM == "EdDSA"
    assert api_settings.key_source() == "store"
    assert api_settings.AUTH_HEADER_TYPES == ("Bearer",)
    assert api_settings.USER_ID_CLAIM == "user_id"
    assert api_settings.FAMILY_CLAIM == "sid"
    assert api_settings.AUTH_COOKIE_ACCESS == "access_token"
    assert api_settings.AUTH_COOKIE_REFRESH == "refresh_token"
    assert api_settings.AUTH_COOKIE_SAMESITE == "Lax"
    assert api_settings.MAX_TOKEN_BYTES == 8192
    assert set(DEFAULTS) >= {"LEEWAY", "AUDIENCE", "ISSUER", "EXTRA_ACCESS_CLAIMS"}


def test_signing_key_falls_back_to_secret_key_at_call_time(settings: Any) -> None:
    assert api_settings.SIGNING_KEY == settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-" + "x" * 60
    assert api_settings.SIGNING_KEY == "another-secret-key-" + "x" * 60


def test_override_settings_reloads() -> None:
    assert api_settings.ACCESS_TOKEN_LIFETIME == timedelta(minutes=5)
    with override_settings(PYAUTH={"ACCESS_TOKEN_LIFETIME": timedelta(minutes=1)}):
        assert api_settings.ACCESS_TOKEN_LIFETIME == timedelta(minutes=1)
        assert api_settings.REFRESH_TOKEN_LIFETIME == timedelta(days=1)  # still the default
    assert api_settings.ACCESS_TOKEN_LIFETIME == timedelta(minutes=5)


def test_simple_jwt_is_read_when_pyauth_is_absent() -> None:
    simple = {"ACCESS_TOKEN_LIFETIME": timedelta(minutes=42), "AUTH_HEADER_TYPES": ("JWT",)}
    with override_settings(SIMPLE_JWT=simple):
        assert api_settings.ACCESS_TOKEN_LIFETIME == timedelta(minutes=42)
        assert api_settings.AUTH_HEADER_TYPES == ("JWT",)
    with override_settings(SIMPLE_JWT=simple, PYAUTH={}):
        # PYAUTH, even empty, wins over SIMPLE_JWT
        assert api_settings.ACCESS_TOKEN_LIFETIME == timedelta(minutes=5)


def test_cookie_secure_follows_debug(settings: Any) -> None:
    settings.DEBUG = False
    assert api_settings.AUTH_COOKIE_SECURE is True
    settings.DEBUG = True
    assert api_settings.AUTH_COOKIE_SECURE is False
    settings.PYAUTH = {"AUTH_COOKIE_SECURE": True}
    assert api_settings.AUTH_COOKIE_SECURE is True


def test_refresh_cookie_path_defaults_to_cookie_path(settings: Any) -> None:
    assert api_settings.AUTH_COOKIE_REFRESH_PATH == "/"
    settings.PYAUTH = {"AUTH_COOKIE_PATH": "/api/"}
    assert api_settings.AUTH_COOKIE_REFRESH_PATH == "/api/"
    settings.PYAUTH = {"AUTH_COOKIE_REFRESH_PATH": "/api/auth/token/refresh"}
    assert api_settings.AUTH_COOKIE_REFRESH_PATH == "/api/auth/token/refresh"


def test_import_strings_and_leeway(settings: Any) -> None:
    settings.PYAUTH = {
        "EXTRA_ACCESS_CLAIMS": "tests.django.claims.profile_claims",
        "LEEWAY": timedelta(seconds=7),
        "AUTH_HEADER_TYPES": "Token",
    }
    assert api_settings.EXTRA_ACCESS_CLAIMS is profile_claims
    assert api_settings.leeway_seconds() == 7.0
    assert api_settings.AUTH_HEADER_TYPES == ("Token",)
    settings.PYAUTH = {"LEEWAY": 3}
    assert api_settings.leeway_seconds() == 3.0


def test_unknown_setting_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = api_settings.NOT_A_SETTING


def test_key_objects_follow_the_settings(settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "HS256"}  # HS256 with SECRET_KEY, as simplejwt
    first = api_settings.signing_key_object()
    assert first.algorithm == "HS256"
    assert api_settings.signing_key_object() is first  # cached
    token = jwt.encode({"a": 1}, first)
    assert jwt.decode(token, api_settings.verifying_keyset(), algorithms=["HS256"]) == {"a": 1}
    settings.PYAUTH = {"ALGORITHM": "HS512", "SIGNING_KEY": "k" * 64}
    second = api_settings.signing_key_object()
    assert second.algorithm == "HS512"
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(jwt.encode({"a": 1}, first), "k" * 64, algorithms=["HS256"])


def test_asymmetric_keys_from_pem(settings: Any, jwt_keys: Any) -> None:
    material = jwt_keys["ES256"]
    settings.PYAUTH = {
        "ALGORITHM": "ES256",
        "SIGNING_KEY": material.signing,
        "VERIFYING_KEY": material.verifying,
    }
    token = jwt.encode({"a": 1}, api_settings.signing_key_object())
    assert jwt.decode(token, api_settings.verifying_keyset(), algorithms=["ES256"]) == {"a": 1}
    assert not api_settings.verifying_keyset().keys[0].is_private
