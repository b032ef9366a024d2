"""pyauth.E012, E013, E014, W006 and W007: configuration mistakes reported by
``manage.py check`` with an id, where they would otherwise be a stack trace at the first
login or request (or a silent weakening)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from pyauth.checks import check_settings


def found(check_id: str) -> list[str]:
    """The messages of ``check_id`` that check_settings gives now."""
    return [m.msg for m in check_settings() if m.id == check_id]


def test_the_test_settings_raise_none_of_them() -> None:
    ids = {m.id for m in check_settings()}
    assert not ids & {"pyauth.E012", "pyauth.E013", "pyauth.E014", "pyauth.W006", "pyauth.W007"}


# --- E012 -------------------------------------------------------------------------------


def test_e012_lifecycle_not_installed(settings: Any) -> None:
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS if a != "pyauth.lifecycle"]
    (message,) = found("pyauth.E012")
    assert "pyauth.lifecycle" in message
    with pytest.raises(SystemCheckError, match=r"pyauth\.E012"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


# --- E013 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PYAUTH", ["ACCESS_TOKEN_LIFETIME"]),
        ("PYAUTH", "HS256"),
        ("PYAUTH", 5),
        ("SIMPLE_JWT", ["ACCESS_TOKEN_LIFETIME"]),
        # not an int: simplejwt's own setting_changed receiver (when simplejwt was
        # imported by another test) raises on one
        ("SIMPLE_JWT", "HS256"),
    ],
)
def test_e013_settings_not_a_dict_is_reported_not_raised(
    settings: Any, name: str, value: Any
) -> None:
    if name == "SIMPLE_JWT":
        settings.PYAUTH = None
    setattr(settings, name, value)
    messages = check_settings()
    assert [m.id for m in messages] == ["pyauth.E013"]
    assert name in messages[0].msg and type(value).__name__ in messages[0].msg
    with pytest.raises(SystemCheckError, match=r"pyauth\.E013"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize(
    ("pyauth", "fragment"),
    [
        ({"ACCESS_TOKEN_LIFETIME": 300}, "ACCESS_TOKEN_LIFETIME is 300; use a positive timedelta"),
        ({"REFRESH_TOKEN_LIFETIME": timedelta(0)}, "REFRESH_TOKEN_LIFETIME is"),
        ({"ACCESS_TOKEN_LIFETIME": timedelta(minutes=-5)}, "ACCESS_TOKEN_LIFETIME is"),
        (
            {
                "ACCESS_TOKEN_LIFETIME": timedelta(minutes=50),
                "REFRESH_TOKEN_LIFETIME": timedelta(minutes=10),
            },
            "is longer than REFRESH_TOKEN_LIFETIME",
        ),
        ({"LEEWAY": -1}, "LEEWAY is -1"),
        ({"LEEWAY": "10"}, "LEEWAY is '10'"),
        ({"LEEWAY": timedelta(seconds=-1)}, "LEEWAY is"),
        ({"REUSE_GRACE_SECONDS": True}, "REUSE_GRACE_SECONDS is True"),
        ({"REVOCATION_CACHE_TTL": -5}, "REVOCATION_CACHE_TTL is -5"),
        ({"REVOCATION_MEMO_SECONDS": "0.5"}, "REVOCATION_MEMO_SECONDS is '0.5'"),
        ({"MAX_TOKEN_BYTES": 0}, "MAX_TOKEN_BYTES is 0"),
        ({"MAX_TOKEN_BYTES": 8192.0}, "MAX_TOKEN_BYTES is 8192.0"),
        ({"VERIFIED_TOKEN_CACHE_SIZE": -1}, "VERIFIED_TOKEN_CACHE_SIZE is -1"),
        ({"VERIFIED_TOKEN_CACHE_SIZE": None}, "VERIFIED_TOKEN_CACHE_SIZE is None"),
        ({"VERIFIED_TOKEN_CACHE_SIZE": False}, "VERIFIED_TOKEN_CACHE_SIZE is False"),
        ({"AUTH_HEADER_TYPES": ()}, "AUTH_HEADER_TYPES is ()"),
        ({"AUTH_HEADER_TYPES": ("Bearer token",)}, "AUTH_HEADER_TYPES is"),
        ({"AUTH_HEADER_TYPES": ("Bearer", 7)}, "AUTH_HEADER_TYPES is"),
        ({"AUTH_COOKIE_SAMESITE": "Loose"}, "AUTH_COOKIE_SAMESITE is 'Loose'"),
        ({"AUTH_COOKIE_SAMESITE": True}, "AUTH_COOKIE_SAMESITE is True"),
        ({"ROTATE_REFRESH_TOKENS": "yes"}, "ROTATE_REFRESH_TOKENS is 'yes'; use True or False"),
        ({"BLACKLIST_AFTER_ROTATION": 1}, "BLACKLIST_AFTER_ROTATION is 1"),
        ({"UPDATE_LAST_LOGIN": None}, "UPDATE_LAST_LOGIN is None"),
        ({"USER_ID_FIELD": "uuid"}, "USER_ID_FIELD is 'uuid', not a field of the user model"),
    ],
)
def test_e013_wrong_type_or_range(settings: Any, pyauth: dict[str, Any], fragment: str) -> None:
    settings.PYAUTH = pyauth
    messages = found("pyauth.E013")
    assert len(messages) == 1, messages
    assert fragment in messages[0]


@pytest.mark.parametrize(
    "pyauth",
    [
        {"LEEWAY": 5},
        {"LEEWAY": 2.5},
        {"LEEWAY": timedelta(seconds=10)},
        {"REUSE_GRACE_SECONDS": 0},
        {"VERIFIED_TOKEN_CACHE_SIZE": 0},
        {"VERIFIED_TOKEN_CACHE_SIZE": 100_000},
        {"AUTH_HEADER_TYPES": "JWT"},  # a single string is one type
        {"AUTH_HEADER_TYPES": ["Bearer", "JWT"]},
        {"AUTH_COOKIE_SAMESITE": "Strict"},
        {"AUTH_COOKIE_SAMESITE": "lax"},
        {"USER_ID_FIELD": "username"},
        {"ACCESS_TOKEN_LIFETIME": timedelta(days=1), "REFRESH_TOKEN_LIFETIME": timedelta(days=1)},
    ],
)
def test_e013_accepts_valid_values(settings: Any, pyauth: dict[str, Any]) -> None:
    settings.PYAUTH = pyauth
    assert found("pyauth.E013") == []


def test_e013_reports_every_problem_at_once(settings: Any) -> None:
    settings.PYAUTH = {"ACCESS_TOKEN_LIFETIME": 300, "LEEWAY": -1, "MAX_TOKEN_BYTES": "8k"}
    assert len(found("pyauth.E013")) == 3


# --- E014 -------------------------------------------------------------------------------


def test_e014_extra_claims_path_that_does_not_import(settings: Any) -> None:
    settings.PYAUTH = {"EXTRA_ACCESS_CLAIMS": "myproject.claims.nope"}
    (message,) = found("pyauth.E014")
    assert "EXTRA_ACCESS_CLAIMS" in message and "cannot be imported" in message
    with pytest.raises(SystemCheckError, match=r"pyauth\.E014"):
        call_command("check", stdout=StringIO(), stderr=StringIO())


def test_e014_extra_claims_not_callable(settings: Any) -> None:
    settings.PYAUTH = {"EXTRA_ACCESS_CLAIMS": "pyauth.settings.DEFAULTS"}
    (message,) = found("pyauth.E014")
    assert "not callable" in message
    settings.PYAUTH = {"EXTRA_ACCESS_CLAIMS": {"role": "admin"}}
    assert len(found("pyauth.E014")) == 1
    settings.PYAUTH = {"EXTRA_ACCESS_CLAIMS": "tests.django.claims.profile_claims"}
    assert found("pyauth.E014") == []
    settings.PYAUTH = {"EXTRA_ACCESS_CLAIMS": lambda user: {}}
    assert found("pyauth.E014") == []


def test_e014_password_hasher_typo(settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "pyauth.hashers.Argon2idPasswordHasher",
        "pyauth.hasher.PBKDF2SHA256PasswordHasher",
    ]
    (message,) = found("pyauth.E014")
    assert "PASSWORD_HASHERS lists 'pyauth.hasher.PBKDF2SHA256PasswordHasher'" in message


def test_e014_authentication_class_typo(settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_AUTHENTICATION_CLASSES": ["pyauth.authentication.JWTAuthenticaton"],
    }
    (message,) = found("pyauth.E014")
    assert "DEFAULT_AUTHENTICATION_CLASSES" in message and "JWTAuthenticaton" in message


# --- W006 -------------------------------------------------------------------------------


def test_w006_unknown_key_with_a_suggestion(settings: Any) -> None:
    settings.PYAUTH = {"ACCESS_TOKEN_LIFE": timedelta(minutes=5), "FOO": 1}
    messages = [m for m in check_settings() if m.id == "pyauth.W006"]
    assert [m.msg for m in messages] == [
        "PYAUTH has a key pyauth does not know: 'ACCESS_TOKEN_LIFE'. It is ignored.",
        "PYAUTH has a key pyauth does not know: 'FOO'. It is ignored.",
    ]
    assert messages[0].hint == "Did you mean 'ACCESS_TOKEN_LIFETIME'?"
    assert messages[1].hint == "Remove it."
    out = StringIO()
    call_command("check", stdout=out, stderr=out)  # a warning does not stop anything
    assert "pyauth.W006" in out.getvalue()


def test_w006_not_for_simplejwt_keys_pyauth_ignores(settings: Any) -> None:
    settings.PYAUTH = None
    settings.SIMPLE_JWT = {"TOKEN_OBTAIN_SERIALIZER": "x.y", "ACCESS_TOKEN_LIFETIME": timedelta(1)}
    assert found("pyauth.W006") == []


# --- W007 -------------------------------------------------------------------------------


@pytest.mark.parametrize("samesite", ["None", "none", None])
def test_w007_samesite_none(settings: Any, samesite: Any) -> None:
    settings.PYAUTH = {"AUTH_COOKIE_SAMESITE": samesite}
    (message,) = found("pyauth.W007")
    assert "other sites" in message
    assert found("pyauth.E013") == []


def test_w007_long_access_tokens(settings: Any) -> None:
    settings.PYAUTH = {"ACCESS_TOKEN_LIFETIME": timedelta(hours=1)}
    assert found("pyauth.W007") == []
    settings.PYAUTH = {"ACCESS_TOKEN_LIFETIME": timedelta(hours=2)}
    (message,) = found("pyauth.W007")
    assert "2:00:00" in message
