"""tests/typing/usage.py (mypy --strict's typed user of the public API) also runs: the
types it pins belong to calls that work."""

from __future__ import annotations

from typing import Any

import pytest

import pyauth
from pyauth.tokens import RefreshToken
from tests.typing import usage

pytestmark = pytest.mark.django_db


def test_usage_runs(user: Any) -> None:
    assert usage.jwt_usage()["sub"] == "42"
    assert usage.passwords_usage() is True
    assert isinstance(usage.otp_usage(), int)
    assert usage.settings_usage().total_seconds() == 300
    raw_access = str(RefreshToken.for_user(user).access_token)
    assert usage.tokens_usage(user).count(".") == 2
    assert usage.hashers_usage().startswith("pbkdf2_sha256$1000$")
    assert usage.authentication_usage(raw_access).pk == user.pk
    assert usage.version() == pyauth.__version__
