"""The request path of issue 5: a user without a database query (TokenUser), revocation
through cached marks in this process and a second one sharing Redis, the database when
the cache is down, and USER_LOOKUP = "always".

The Redis tests use 127.0.0.1:6379 (PYAUTH_TEST_REDIS_URL to change it) under a key
prefix of their own. Without Redis they fail when PYAUTH_TEST_REDIS is set (CI) and are
skipped otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

import pyauth.jwt
from pyauth import _core
from pyauth.authentication import JWTAuthentication, TokenUser
from pyauth.jwt import VerifiedTokenCache
from pyauth.lifecycle import revocation, services
from pyauth.lifecycle.models import TokenFamily, UserRevocation
from pyauth.settings import api_settings
from pyauth.tokens import AccessToken, RefreshToken, TokenError

pytestmark = pytest.mark.django_db

PROBE = "/api/probe/"
CLAIMS = ("username", "email")
REDIS_URL = os.environ.get("PYAUTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WORKER = Path(__file__).resolve().parent / "revocation_worker.py"


@pytest.fixture(autouse=True)
def _claim_fields(settings: Any) -> None:
    settings.PYAUTH = {"USER_CLAIM_FIELDS": CLAIMS}


def bearer(api: APIClient, token: Any) -> None:
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_revoked(response: Any) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["messages"][0]["code"] == "token_revoked"


def past_the_memo() -> None:
    """Wait out other processes' memo of the previous answer (not a timing assertion)."""
    time.sleep(float(api_settings.REVOCATION_MEMO_SECONDS) + 0.2)


# --- no query -------------------------------------------------------------------------


def test_authenticated_request_makes_no_query(
    api: APIClient, user: Any, django_assert_num_queries: Any
) -> None:
    _refresh, access = services.issue(user)  # seeds the cache
    assert {"username", "email"} <= set(access.payload)
    revocation.clear_memo()
    bearer(api, access)
    with django_assert_num_queries(0):
        response = api.get(PROBE)
    assert response.json() == {
        "pk": user.pk,
        "username": "alice",
        "email": "alice@example.com",
        "class": "TokenUser",
    }


def test_reading_another_attribute_loads_the_row_once(
    api: APIClient, user: Any, django_assert_num_queries: Any
) -> None:
    _refresh, access = services.issue(user)
    bearer(api, access)
    api.get(PROBE)
    with django_assert_num_queries(1):
        response = api.get(PROBE, {"read": "date_joined"})
    assert response.json()["date_joined"] == str(user.date_joined)


def test_cookie_authentication_makes_no_query(user: Any, django_assert_num_queries: Any) -> None:
    _refresh, access = services.issue(user)
    client = APIClient()
    client.cookies["access_token"] = str(access)
    revocation.clear_memo()
    with django_assert_num_queries(0):
        assert client.get("/api/cookie/probe/").json()["pk"] == user.pk


def test_a_token_without_family_costs_one_query_then_none(
    api: APIClient, user: Any, django_assert_num_queries: Any
) -> None:
    bearer(api, AccessToken.for_user(user))
    with django_assert_num_queries(1):  # the user's mark, read into the cache
        assert api.get(PROBE).status_code == 200
    revocation.clear_memo()
    with django_assert_num_queries(0):
        assert api.get(PROBE).status_code == 200


def test_token_user_behaves_as_the_user(rf: Any, user: Any, django_assert_num_queries: Any) -> None:
    access = AccessToken.for_user(user)
    result = JWTAuthentication().authenticate(rf.get("/", HTTP_AUTHORIZATION=f"Bearer {access}"))
    assert result is not None
    lazy = result[0]
    with django_assert_num_queries(0):
        assert type(lazy) is TokenUser
        assert isinstance(lazy, get_user_model())
        assert lazy == user and user == lazy and hash(lazy) == hash(user)
        assert lazy.is_authenticated and not lazy.is_anonymous and lazy.is_active
        assert (lazy.pk, lazy.id, lazy.username, lazy.get_username()) == (
            user.pk,
            user.pk,
            "alice",
            "alice",
        )
        family = TokenFamily(user=lazy)  # a foreign key takes it
        assert family.user_id == user.pk
    with django_assert_num_queries(1):
        assert lazy.date_joined == user.date_joined
        assert lazy.check_password("correct horse battery")
    lazy.email = "new@example.com"  # writes go to the row, and reads follow
    assert lazy.email == "new@example.com"
    lazy.save()
    user.refresh_from_db()
    assert user.email == "new@example.com"


def test_claim_fields_are_written_by_for_user_and_refresh(user: Any, settings: Any) -> None:
    assert AccessToken.for_user(user)["email"] == "alice@example.com"
    refresh, _access = services.issue(user)
    user.email = "renamed@example.com"
    user.save()
    new_refresh, new_access = services.refresh(str(refresh))
    assert new_access["email"] == new_refresh["email"] == "renamed@example.com"


def test_no_claim_fields_by_default(api: APIClient, user: Any, settings: Any) -> None:
    settings.PYAUTH = {}
    access = AccessToken.for_user(user)
    assert "email" not in access.payload
    bearer(api, access)
    assert api.get(PROBE).json()["email"] == "alice@example.com"  # loaded


# --- USER_LOOKUP = "always" -----------------------------------------------------------


def test_always_lookup_loads_the_user(
    api: APIClient, user: Any, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.PYAUTH = {"USER_LOOKUP": "always", "USER_CLAIM_FIELDS": CLAIMS}
    _refresh, access = services.issue(user)
    revocation.clear_memo()
    bearer(api, access)
    with django_assert_num_queries(1):
        body = api.get(PROBE).json()
    assert body["class"] == "User" and body["pk"] == user.pk
    services.revoke_user(user)
    assert_revoked(api.get(PROBE))


# --- revocation in this process -------------------------------------------------------


def _deactivate(user: Any) -> None:
    user.is_active = False
    user.save()


def _change_password(user: Any) -> None:
    user.set_password("a brand new passphrase")
    user.save()


def _logout_everywhere(user: Any) -> None:
    services.revoke_user(user, services.REASON_LOGOUT)


def _admin_revoke(user: Any) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "root pass")
    client = Client()
    client.force_login(admin)
    sids = list(TokenFamily.objects.filter(user=user).values_list("id", flat=True))
    response = client.post(
        "/admin/pyauth_lifecycle/tokenfamily/",
        {"action": "revoke_families", "_selected_action": sids},
    )
    assert response.status_code == 302
    assert not TokenFamily.objects.filter(user=user, revoked_at__isnull=True).exists()


REVOCATIONS = {
    "deactivate": _deactivate,
    "password change": _change_password,
    "logout everywhere": _logout_everywhere,
    "admin revoke": _admin_revoke,
}


@pytest.mark.parametrize("how", list(REVOCATIONS))
def test_revocation_refuses_the_next_request(api: APIClient, user: Any, how: str) -> None:
    _refresh, access = services.issue(user)
    bearer(api, access)
    assert api.get(PROBE).status_code == 200
    REVOCATIONS[how](user)
    assert_revoked(api.get(PROBE))


@pytest.mark.parametrize("how", ["deactivate", "password change", "logout everywhere"])
def test_user_revocation_refuses_tokens_without_family(api: APIClient, user: Any, how: str) -> None:
    access = AccessToken.for_user(user)
    bearer(api, access)
    assert api.get(PROBE).status_code == 200
    REVOCATIONS[how](user)
    assert_revoked(api.get(PROBE))


def test_a_login_after_a_password_change_works(api: APIClient, user: Any) -> None:
    _change_password(user)
    _refresh, access = services.issue(user)  # within the same second, quite likely
    bearer(api, access)
    assert api.get(PROBE).status_code == 200


def test_reactivation_gives_sessions_back_but_not_old_access_tokens(
    api: APIClient, user: Any
) -> None:
    refresh, access = services.issue(user)
    _deactivate(user)
    user.is_active = True
    user.save()
    bearer(api, access)
    assert_revoked(api.get(PROBE))
    assert services.refresh(str(refresh))[0] is not None


@pytest.mark.parametrize("how", ["password change", "logout everywhere"])
def test_family_less_refresh_token_from_before_a_revocation_is_not_adopted(
    user: Any, how: str
) -> None:
    old = RefreshToken.for_user(user)
    REVOCATIONS[how](user)
    with pytest.raises(TokenError) as excinfo:
        services.refresh(str(old))
    assert excinfo.value.code == "token_revoked"
    assert not TokenFamily.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_marks_are_in_the_database(user: Any) -> None:
    services.revoke_user(user)
    row = UserRevocation.objects.get(pk=str(user.pk))
    assert not row.strict  # the families went with it
    _deactivate(user)
    assert UserRevocation.objects.get(pk=str(user.pk)).strict


def test_saving_without_change_revokes_nothing(api: APIClient, user: Any) -> None:
    _refresh, access = services.issue(user)
    user.first_name = "Alice"
    user.save()
    user.save(update_fields=["last_login"])
    bearer(api, access)
    assert api.get(PROBE).status_code == 200
    assert not UserRevocation.objects.exists()


# --- the verified-token cache ---------------------------------------------------------


def _access_decoder() -> Any:
    return api_settings.token_decoder(("token_type", "access"))


class _Counted:
    def __init__(self, decode: Any) -> None:
        self.decode, self.calls = decode, 0

    def __call__(self, token: Any, now: float) -> Any:
        self.calls += 1
        return self.decode(token, now)


def test_a_token_presented_again_is_verified_once(
    api: APIClient, user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refresh, access = services.issue(user)
    decoder = _access_decoder()
    assert isinstance(decoder, VerifiedTokenCache)
    counted = _Counted(decoder._decode)
    monkeypatch.setattr(decoder, "_decode", counted)
    bearer(api, access)
    for _ in range(3):
        assert api.get(PROBE).json()["pk"] == user.pk
    assert counted.calls == 1
    # Still refused the moment it is revoked: the cache holds signatures, not answers.
    services.revoke_user(user)
    assert_revoked(api.get(PROBE))


def test_the_cache_can_be_turned_off(api: APIClient, user: Any, settings: Any) -> None:
    settings.PYAUTH = {"USER_CLAIM_FIELDS": CLAIMS, "VERIFIED_TOKEN_CACHE_SIZE": 0}
    assert isinstance(_access_decoder(), _core.Decoder)
    _refresh, access = services.issue(user)
    bearer(api, access)
    assert api.get(PROBE).status_code == 200
    assert api.get(PROBE).status_code == 200


def test_a_new_signing_key_refuses_cached_tokens(api: APIClient, user: Any, settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "HS256", "SIGNING_KEY": "first-key-" + "k" * 40}
    _refresh, access = services.issue(user)
    bearer(api, access)
    assert api.get(PROBE).status_code == 200
    assert len(_access_decoder()) == 1
    settings.PYAUTH = {"ALGORITHM": "HS256", "SIGNING_KEY": "second-key-" + "k" * 40}
    assert len(_access_decoder()) == 0
    response = api.get(PROBE)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_cached_token_past_its_exp_is_refused(
    api: APIClient, user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.PYAUTH = {"USER_CLAIM_FIELDS": CLAIMS, "LEEWAY": 5}
    _refresh, access = services.issue(user)
    bearer(api, access)
    assert api.get(PROBE).status_code == 200
    assert len(_access_decoder()) == 1

    later = float(access["exp"]) + 5  # exp <= now - leeway: expired

    class Later:
        @staticmethod
        def time() -> float:
            return later

    # The clock the cache reads and hands the core.
    monkeypatch.setattr(pyauth.jwt, "time", Later)
    response = api.get(PROBE)
    assert response.status_code == 401
    assert response.json()["messages"][0]["code"] == "token_expired"


# --- the cache down -------------------------------------------------------------------


@pytest.fixture
def dead_cache(settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "dead": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "OPTIONS": {"socket_connect_timeout": 0.5},
        },
    }
    settings.PYAUTH = {"USER_CLAIM_FIELDS": CLAIMS, "REVOCATION_CACHE": "dead"}


@pytest.mark.usefixtures("dead_cache")
@pytest.mark.parametrize("how", list(REVOCATIONS))
def test_cache_down_falls_back_to_the_database(
    api: APIClient, make_user: Any, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    victim, bystander = make_user("victim"), make_user("bystander")
    _r, victim_access = services.issue(victim)
    _r, bystander_access = services.issue(bystander)
    plain = AccessToken.for_user(victim)
    with caplog.at_level(logging.WARNING, logger="pyauth.lifecycle"):
        REVOCATIONS[how](victim)
    revocation.clear_memo()  # another process: only the database knows
    bearer(api, victim_access)
    assert_revoked(api.get(PROBE))
    if how != "admin revoke":
        bearer(api, plain)
        assert_revoked(api.get(PROBE))
    bearer(api, bystander_access)
    assert api.get(PROBE).status_code == 200
    assert "revocation" in caplog.text


# --- a second process sharing Redis ---------------------------------------------------


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[dict[str, Any]]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("PYAUTH_TEST_REDIS"):
            pytest.fail(f"Redis at {REDIS_URL} is required (PYAUTH_TEST_REDIS is set): {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable (set PYAUTH_TEST_REDIS to fail)")
    prefix = f"pyauth-test-{uuid.uuid4().hex}"
    caches = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    pyauth = {"USER_CLAIM_FIELDS": list(CLAIMS), "REVOCATION_CACHE": "shared"}
    settings.CACHES = caches
    settings.PYAUTH = pyauth
    yield {"caches": caches, "pyauth": pyauth}
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


class Worker:
    """The second process (tests/django/revocation_worker.py)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own script, our interpreter
            [sys.executable, str(WORKER), json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.readline() == "ready"

    def readline(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def status(self, token: Any) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{token}\n")
        self.proc.stdin.flush()
        return int(self.readline())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


@pytest.fixture
def worker(redis_cache: dict[str, Any]) -> Iterator[Worker]:
    db = connection.settings_dict
    database = {k: db[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")}
    w = Worker({"database": database, **redis_cache})
    yield w
    w.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", list(REVOCATIONS))
def test_revocation_reaches_a_second_process(
    api: APIClient, user: Any, worker: Worker, how: str
) -> None:
    _refresh, access = services.issue(user)
    plain = AccessToken.for_user(user)
    assert worker.status(access) == 200  # its memo now says "not revoked"
    assert worker.status(plain) == 200
    REVOCATIONS[how](user)
    bearer(api, access)
    assert_revoked(api.get(PROBE))  # this process: at once
    past_the_memo()
    assert worker.status(access) == 401  # the other: within the memo's lifetime
    if how != "admin revoke":
        assert worker.status(plain) == 401


@pytest.mark.django_db(transaction=True)
def test_second_process_accepts_live_tokens_without_the_database(
    user: Any, worker: Worker, redis_cache: dict[str, Any]
) -> None:
    _refresh, access = services.issue(user)
    assert worker.status(access) == 200
    past_the_memo()
    assert worker.status(access) == 200  # from Redis, then its memo
