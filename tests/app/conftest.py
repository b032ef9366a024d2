"""Fixtures of django_app's API tests (run with ``--ds=django_app.settings``).

- ``client`` / ``api``: DRF's APIClient, JSON by default, keeping cookies between
  requests like the documents' curl cookie jars and Postman's cookie jar;
- ``csrf_api``: the same with Django's CSRF checks enforced, as a browser meets them;
- ``make_user``: creates a user with a strong password (``password``);
- ``jwt_claims`` / ``b64url``: read a token's payload, forge token parts;
- every test gets an empty cache and its own MEDIA_ROOT.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

#: A password Django's four validators accept.
PASSWORD = "Quiet-harbour-lantern-72"


@pytest.fixture
def password() -> str:
    """A password Django's four validators accept."""
    return PASSWORD


@pytest.fixture(autouse=True, scope="session")
def _settings_follow_the_test_environment(django_test_environment: None) -> None:
    """pytest-django turns DEBUG off without Django's setting_changed signal, so values
    pyauth derived from DEBUG while modules were imported (a Secure cookie flag) would
    stay as DEBUG on left them: forget them once the test environment is set up."""
    from pyauth.settings import api_settings

    api_settings.reload()


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    _reset_key_store()
    yield
    cache.clear()
    _reset_key_store()


def _reset_key_store() -> None:
    """Forget the key store's per-process snapshot: a rolled-back database takes the
    signing key generated in a test with it."""
    from pyauth.keys.store import key_store

    key_store.reset()


@pytest.fixture
def api() -> APIClient:
    """A client that keeps cookies, with CSRF checks off (curl's and Postman's view)."""
    return APIClient()


@pytest.fixture
def csrf_api() -> APIClient:
    """A client with Django's CSRF checks enforced (a browser's view)."""
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """``make_user(email=..., username=..., password=PASSWORD, **fields)``."""

    def make(
        email: str | None = "alice@example.com",
        username: str | None = None,
        password: str = PASSWORD,
        **fields: Any,
    ) -> Any:
        return get_user_model().objects.create_user(
            email=email, password=password, username=username, **fields
        )

    return make


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def _b64url(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture
def jwt_claims() -> Callable[[str], dict[str, Any]]:
    """The payload of a JWT, unverified (to look at what the server put in it)."""
    return _claims


@pytest.fixture
def b64url() -> Callable[[dict[str, Any]], str]:
    """base64url(JSON) without padding, to forge token parts."""
    return _b64url
