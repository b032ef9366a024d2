"""Fixtures of pyauth's Django tests.

- ``user`` / ``make_user``: users with a known password ("correct horse battery");
- ``api``: DRF's APIClient; ``csrf_api``: one that enforces CSRF like a browser's
  server would;
- ``lifecycle_rows``: every row of the lifecycle tables as text, for "nothing secret
  is stored" scans;
- every test starts with an empty cache and revocation memo (a rolled-back database
  reuses user ids, whose revocation marks would otherwise outlive their test).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from rest_framework.test import APIClient

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fresh_revocation_state() -> Any:
    from pyauth.lifecycle import revocation

    revocation.clear_memo()
    caches["default"].clear()
    yield
    revocation.clear_memo()


@pytest.fixture(autouse=True)
def _fresh_key_store() -> Any:
    """The key store's per-process snapshot forgotten around every test: a rolled-back
    database takes its keys with it."""
    from pyauth.keys.store import key_store

    key_store.reset()
    yield
    key_store.reset()


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    def make(username: str = "alice", password: str | None = PASSWORD, **extra: Any) -> Any:
        user_model: Any = get_user_model()
        user = user_model(username=username, email=f"{username}@example.com", **extra)
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        return user

    return make


@pytest.fixture
def user(make_user: Callable[..., Any]) -> Any:
    return make_user()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def csrf_api() -> APIClient:
    return APIClient(enforce_csrf_checks=True)


@pytest.fixture
def lifecycle_rows(db: Any) -> Callable[[], list[str]]:
    """All rows of pyauth_lifecycle's tables, each rendered as one string."""

    def rows() -> list[str]:
        out: list[str] = []
        with connection.cursor() as cursor:
            for table in ("pyauth_lifecycle_tokenfamily", "pyauth_lifecycle_refreshtokenrecord"):
                cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
                out.extend(" | ".join(str(v) for v in row) for row in cursor.fetchall())
        return out

    return rows
