"""pyauth.checks: every check fires on its unsafe setting and stays quiet otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from pyauth.checks import check_settings


def ids() -> set[str]:
    return {m.id for m in check_settings()}


@pytest.fixture(autouse=True)
def _shared_cache(settings: Any) -> None:
    """Check a deployment's settings: DEBUG is off here, so the revocation cache must be
    one every worker shares (W008 otherwise; the test settings keep Django's local-memory
    default, which one test process can use). Checks never connect to it."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }


def test_test_settings_are_clean() -> None:
    assert ids() == set()


def test_checks_are_registered(settings: Any) -> None:
    settings.PYAUTH = {"AUTH_COOKIE_SECURE": False}
    assert "pyauth.E002" in {m.id for m in run_checks(tags=["security"])}
    with pytest.raises(SystemCheckError, match=r"pyauth\.E002"):
        call_command("check")


def test_e001_short_secret_key(settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "HS256"}  # with pyauth.keys installed, the default is EdDSA
    settings.SECRET_KEY = "s" * 31
    assert "pyauth.E001" in ids()
    settings.SECRET_KEY = "s" * 32
    assert "pyauth.E001" not in ids()


def test_e001_short_signing_key_for_the_hash(settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "HS512", "SIGNING_KEY": "k" * 63}
    messages = check_settings()
    assert [m.id for m in messages] == ["pyauth.E001"]
    assert "PYAUTH['SIGNING_KEY']" in messages[0].msg and "64" in messages[0].msg
    settings.PYAUTH = {"ALGORITHM": "HS512", "SIGNING_KEY": "k" * 64}
    assert ids() == set()
    settings.PYAUTH = {"SIGNING_KEY": b"k" * 32}
    assert ids() == set()


def test_e002_insecure_token_cookies_without_debug(settings: Any) -> None:
    settings.PYAUTH = {"AUTH_COOKIE_SECURE": False}
    settings.DEBUG = False
    assert "pyauth.E002" in ids()
    settings.DEBUG = True
    assert "pyauth.E002" not in ids()
    settings.DEBUG = False
    settings.PYAUTH = {}
    assert "pyauth.E002" not in ids()  # None means `not DEBUG`


@pytest.mark.parametrize("name", ["CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"])
def test_e003_cors_wildcard_with_credentials(settings: Any, name: str) -> None:
    setattr(settings, name, True)
    assert "pyauth.E003" not in ids()
    settings.CORS_ALLOW_CREDENTIALS = True
    assert "pyauth.E003" in ids()
    setattr(settings, name, False)
    assert "pyauth.E003" not in ids()


def test_e004_unknown_algorithm(settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "none"}
    assert ids() == {"pyauth.E004"}
    settings.PYAUTH = {"ALGORITHM": "HS1024"}
    assert ids() == {"pyauth.E004"}


def test_e005_key_that_does_not_fit_the_algorithm(settings: Any, jwt_keys: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "RS256", "SIGNING_KEY": settings.SECRET_KEY}
    assert ids() == {"pyauth.E005"}  # SECRET_KEY is no RSA key
    settings.PYAUTH = {"ALGORITHM": "RS256", "SIGNING_KEY": jwt_keys["ES256"].signing}
    assert ids() == {"pyauth.E005"}
    settings.PYAUTH = {
        "ALGORITHM": "RS256",
        "SIGNING_KEY": jwt_keys["RS256"].signing,
        "VERIFYING_KEY": jwt_keys["RS256"].verifying,
    }
    assert ids() == set()


def test_w001_argon2id_not_first(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "pyauth.hashers.PBKDF2SHA256PasswordHasher",
        "pyauth.hashers.Argon2idPasswordHasher",
    ]
    assert ids() == {"pyauth.W001"}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    assert ids() == {"pyauth.W001"}
    settings.PASSWORD_HASHERS = []
    assert ids() == {"pyauth.W001"}
    settings.PASSWORD_HASHERS = ["tests.django.hasher_subclass.FasterArgon2id"]
    assert ids() == set()


def test_w004_django_hasher_shadowing_ours(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "pyauth.hashers.Argon2idPasswordHasher",
        "pyauth.hashers.PBKDF2SHA256PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    assert [m.id for m in check_settings()] == ["pyauth.W004", "pyauth.W004"]
    settings.PASSWORD_HASHERS = [
        "pyauth.hashers.Argon2idPasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",  # before none of ours
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ]
    assert ids() == set()


@pytest.mark.parametrize(
    ("name", "check_id"),
    [("SESSION_COOKIE_SECURE", "pyauth.W002"), ("CSRF_COOKIE_SECURE", "pyauth.W003")],
)
def test_w002_w003_insecure_django_cookies(settings: Any, name: str, check_id: str) -> None:
    settings.DEBUG = False
    setattr(settings, name, False)
    assert ids() == {check_id}
    settings.DEBUG = True
    assert ids() == set()
    settings.DEBUG = False
    setattr(settings, name, True)
    assert ids() == set()


@pytest.mark.parametrize(
    "pyauth",
    [
        {"USER_LOOKUP": "sometimes"},
        {"PASSWORD_HASH_CONCURRENCY": 0},
        {"PASSWORD_HASH_CONCURRENCY": "4"},
        {"REVOCATION_CACHE": "nowhere"},
        {"USER_CLAIM_FIELDS": ("email", "shoe_size")},
    ],
)
def test_e006_request_path_settings(settings: Any, pyauth: dict[str, Any]) -> None:
    settings.PYAUTH = pyauth
    assert "pyauth.E006" in ids()


def test_e006_quiet_on_good_settings(settings: Any) -> None:
    settings.PYAUTH = {
        "USER_LOOKUP": "always",
        "PASSWORD_HASH_CONCURRENCY": 4,
        "USER_CLAIM_FIELDS": ("email", "username"),
    }
    assert "pyauth.E006" not in ids()


def test_w008_per_process_revocation_cache_without_debug(settings: Any) -> None:
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "pyauth.W008" in ids()
    settings.PYAUTH = {"REVOCATION_CACHE": "shared"}
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        },
    }
    assert "pyauth.W008" not in ids()  # only the cache revocation uses counts
    settings.PYAUTH = {}
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert "pyauth.W008" not in ids()
