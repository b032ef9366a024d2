"""Faults (issue 7, item 7): Redis down, the database down, clocks that disagree.

- **Redis down**: the cache is a real Redis client pointed at a port where nothing
  listens (connections refused, as when Redis dies). Logins of all four documents work;
  access tokens are still checked against revocations, which are then read from the
  database: a family or a user revoked in the database alone is refused;
  /auth-api/'s rate limits let requests through (the database's lockout still counts).
- **Database down**: django_app under gunicorn with DATABASE_URL naming a PostgreSQL
  port where nothing listens (connection refused at every query). Every sign-in, token
  and account endpoint answers 503 with Retry-After and a JSON body, never a traceback,
  and a valid token (signed with the server's own key) is never accepted. The database
  failing *inside* the test process (a connection that breaks mid-request) is covered
  too: each endpoint answers the same 503.
- **Clock skew**: a token whose ``iat`` is ahead of this server's clock, or whose
  ``exp`` has just passed on it, is accepted within PYAUTH["LEEWAY"] and refused beyond.
"""

from __future__ import annotations

import json
import re
import secrets
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from rest_framework.test import APIClient

from pyauth import jwt
from pyauth.lifecycle import revocation
from pyauth.lifecycle.models import TokenFamily, UserRevocation
from pyauth.tokens import AccessToken, RefreshToken
from tests.servers import bench_load, json_request

CODE_RE = r"\b(\d{6})\b"


def dead_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


# --- Redis down -------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings: Any) -> Iterator[None]:
    """Django's cache on a Redis that refuses connections; the memo emptied so every
    revocation check has to ask the (dead) cache, then the database."""
    original = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{dead_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.RECAPTCHA_SECRET = ""
    from django.core.cache import cache

    with pytest.raises(Exception, match=r"(?i)connect|refused"):
        cache.get("anything")  # the cache really is down
    revocation.clear_memo()
    yield
    settings.CACHES = original  # before the autouse fixture clears the cache
    revocation.clear_memo()


def _login_000(client: APIClient, email: str, password: str) -> None:
    response = client.post("/api/auth/login", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    assert client.get("/api/auth/me").status_code == 200


@pytest.mark.django_db
def test_redis_down_logins_of_every_document_work(
    redis_down: None, make_user: Any, password: str
) -> None:
    user = make_user(email="alice@example.com", username="alice")

    _login_000(APIClient(), user.email, password)

    response = APIClient().post("/api/token/", {"username": "alice", "password": password})
    assert response.status_code == 200, response.content
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert bearer.get("/api/dashboard/").status_code == 200
    refreshed = APIClient().post("/api/token/refresh/", {"refresh": response.json()["refresh"]})
    assert refreshed.status_code == 200, refreshed.content

    cookie = APIClient()
    response = cookie.post("/api/login/", {"email": user.email, "password": password})
    assert response.status_code == 200, response.content
    assert cookie.get("/api/user/").status_code == 200

    browser = APIClient(enforce_csrf_checks=True)
    csrf = browser.get("/auth-api/get-csrf-token/").json()["csrfToken"]
    response = browser.post(
        "/auth-api/login/",
        {"email": user.email, "password": password},
        format="json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 200, response.content  # throttled on the dead cache

    code = re.search(CODE_RE, mail.outbox[-1].body)
    assert code is not None
    response = browser.post(
        "/auth-api/token/",
        {"email": user.email, "otp": code.group(1)},
        format="json",
        HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value,
    )
    assert response.status_code == 200, response.content
    assert browser.get("/auth-api/2fa/status/").status_code == 200


@pytest.mark.django_db
def test_redis_down_a_family_revoked_in_the_database_alone_is_refused(
    redis_down: None, make_user: Any, password: str
) -> None:
    make_user(email="alice@example.com", username="alice")
    response = APIClient().post("/api/token/", {"username": "alice", "password": password})
    assert response.status_code == 200
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    assert bearer.get("/api/dashboard/").status_code == 200

    # Revoked behind the cache's back: only the database knows.
    assert TokenFamily.objects.update(revoked_at=timezone.now()) == 1
    revocation.clear_memo()

    response = bearer.get("/api/dashboard/")
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.django_db
def test_redis_down_a_user_revoked_in_the_database_alone_is_refused(
    redis_down: None, make_user: Any, password: str
) -> None:
    user = make_user(email="alice@example.com", username="alice")
    client = APIClient()
    _login_000(client, user.email, password)

    UserRevocation.objects.create(pk=str(user.pk), revoked_at=timezone.now(), strict=True)
    revocation.clear_memo()

    assert client.get("/api/auth/me").status_code == 401


@pytest.mark.django_db
def test_redis_down_logout_then_replay_is_refused(
    redis_down: None, make_user: Any, password: str
) -> None:
    user = make_user(email="alice@example.com", username="alice")
    client = APIClient()
    _login_000(client, user.email, password)
    access = client.cookies["access_token"].value
    refresh = client.cookies["refresh_token"].value

    assert client.post("/api/auth/logout").status_code == 200
    revocation.clear_memo()  # another process: only the database can say

    replay = APIClient()
    replay.cookies["access_token"] = access
    assert replay.get("/api/auth/me").status_code == 401
    replay.cookies["refresh_token"] = refresh
    assert replay.post("/api/auth/token/refresh").status_code == 401


# --- the database down, under gunicorn ------------------------------------------------------

load = bench_load()


@pytest.fixture(scope="module")
def db_down_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    """gunicorn serving django_app against a PostgreSQL port nobody listens on, with
    HS256 tokens signed by SECRET_KEY (so the test can sign a token the server would
    accept). Yields (server, SECRET_KEY)."""
    workdir = tmp_path_factory.mktemp("db-down")
    (workdir / "mail").mkdir()
    env = load.server_env(f"postgres://postgres@127.0.0.1:{dead_port()}/test", workdir, None)
    env.update({"PYAUTH_SIGNING_KEY_SOURCE": "settings", "PYAUTH_ALGORITHM": "HS256"})
    server = load.Server(env, load.free_port(), 1, workdir / "gunicorn.log")
    server.start()
    try:
        yield server, env["SECRET_KEY"]
    finally:
        server.stop()


def call(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    response, raw = json_request(port, method, path, body, headers)
    return response.status, dict(response.getheaders()), raw


def _valid_tokens(secret: str) -> tuple[str, str]:
    """An access and a refresh token the server would accept but for the database."""
    now = int(time.time())
    common = {"user_id": "1", "iat": now, "sid": secrets.token_hex(16)}
    access = jwt.encode(
        {**common, "token_type": "access", "exp": now + 300, "jti": secrets.token_hex(16)},
        secret,
        algorithm="HS256",
    )
    refresh = jwt.encode(
        {**common, "token_type": "refresh", "exp": now + 3600, "jti": secrets.token_hex(16)},
        secret,
        algorithm="HS256",
    )
    return access, refresh


CREDENTIALS = {"email": "alice@example.com", "password": "Quiet-harbour-lantern-72"}
DB_DOWN_REQUESTS = [
    ("POST", "/api/auth/register", {**CREDENTIALS, "confirm_password": CREDENTIALS["password"]}),
    ("POST", "/api/auth/login", CREDENTIALS),
    ("GET", "/api/auth/me", "access-cookie"),
    ("POST", "/api/auth/token/refresh", "refresh-cookie"),
    ("POST", "/api/token/", {"username": "alice", "password": CREDENTIALS["password"]}),
    ("POST", "/api/token/refresh/", "refresh-body"),
    ("GET", "/api/dashboard/", "bearer"),
    ("GET", "/api/profile/", "bearer"),
    ("POST", "/api/login/", CREDENTIALS),
    ("POST", "/api/register/", {**CREDENTIALS, "username": "alice"}),
    ("GET", "/api/sessions/", "bearer"),
    ("GET", "/api/auth/2fa/status", "bearer"),
]


@pytest.mark.parametrize(("method", "path", "body"), DB_DOWN_REQUESTS, ids=lambda v: str(v)[:40])
def test_database_down_answers_503_json_and_accepts_nothing(
    db_down_server: tuple[Any, str], method: str, path: str, body: Any
) -> None:
    server, secret = db_down_server
    access, refresh = _valid_tokens(secret)
    headers: dict[str, str] = {}
    if body == "access-cookie":
        headers["Cookie"], body = f"access_token={access}", None
    elif body == "refresh-cookie":
        headers["Cookie"], body = f"refresh_token={refresh}", None
    elif body == "refresh-body":
        body = {"refresh": refresh}
    elif body == "bearer":
        headers["Authorization"], body = f"Bearer {access}", None

    status, answer_headers, raw = call(server.port, method, path, body, headers)

    assert status == 503, raw
    assert answer_headers["Content-Type"] == "application/json"
    assert json.loads(raw) == {
        "detail": "The service is temporarily unavailable. Try again shortly.",
        "code": "service_unavailable",
    }
    assert int(answer_headers["Retry-After"]) > 0
    assert "Set-Cookie" not in answer_headers  # no token, no session handed out


def test_database_down_auth_api_login_answers_503(db_down_server: tuple[Any, str]) -> None:
    server, _secret = db_down_server
    status, headers, raw = call(server.port, "GET", "/auth-api/get-csrf-token/")
    assert status == 200  # needs no database
    token = json.loads(raw)["csrfToken"]
    cookie = headers["Set-Cookie"].split(";", 1)[0]

    status, headers, raw = call(
        server.port,
        "POST",
        "/auth-api/login/",
        CREDENTIALS,
        {"Cookie": cookie, "X-CSRFToken": token},
    )

    assert status == 503, raw
    assert json.loads(raw)["code"] == "service_unavailable"


def test_database_down_the_log_holds_no_traceback(db_down_server: tuple[Any, str]) -> None:
    server, _secret = db_down_server
    call(server.port, "POST", "/api/auth/login", CREDENTIALS)

    log = server.log.read_text(errors="replace")
    assert "database unavailable (OperationalError" in log
    assert "Traceback" not in log
    assert CREDENTIALS["password"] not in log


# --- the database failing inside this process ---------------------------------------------


def _fail(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/auth/login", {"email": "alice@example.com"}),
        ("post", "/api/token/", {"username": "alice"}),
        ("post", "/api/login/", {"email": "alice@example.com"}),
        ("post", "/api/auth/register", {"email": "new@example.com", "confirm_password": None}),
        ("get", "/api/sessions/", None),
    ],
)
def test_a_connection_lost_mid_request_is_a_503(
    transactional_db: None,
    make_user: Any,
    password: str,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    path: str,
    body: Any,
) -> None:
    user = make_user(email="alice@example.com", username="alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    if body is not None:
        body = {k: (password if v is None else v) for k, v in body.items()}
        body.setdefault("password", password)
    revocation.clear_memo()

    with monkeypatch.context() as broken:  # every query fails, until the block ends
        broken.setattr(BaseDatabaseWrapper, "cursor", _fail)
        broken.setattr(BaseDatabaseWrapper, "_cursor", _fail)
        response = getattr(client, method)(path, body, format="json")

    assert response.status_code == 503, response.content
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"]
    assert not {"access_token", "refresh_token", "jwt", "sessionid"} & set(response.cookies)


# --- clock skew --------------------------------------------------------------------------


def _shifted(token: str, **shift: int) -> str:
    """``token`` re-signed with the server's key after moving its time claims by the
    given seconds (as if issued by a node whose clock differs)."""
    parsed = AccessToken(token)
    for claim, seconds in shift.items():
        parsed.payload[claim] = int(parsed.payload[claim]) + seconds
    return str(parsed)


@pytest.fixture
def bearer_token(make_user: Any, password: str) -> str:
    make_user(email="alice@example.com", username="alice")
    response = APIClient().post("/api/token/", {"username": "alice", "password": password})
    assert response.status_code == 200
    token: str = response.json()["access"]
    return token


def _dashboard(token: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    status: int = client.get("/api/dashboard/").status_code
    return status


def test_the_reference_backend_tolerates_thirty_seconds() -> None:
    assert django_settings.PYAUTH["LEEWAY"] == 30


@pytest.mark.django_db
@pytest.mark.parametrize(("ahead", "status"), [(5, 200), (25, 200), (35, 401), (600, 401)])
def test_a_token_from_a_clock_ahead(bearer_token: str, ahead: int, status: int) -> None:
    """Issued "in the future" (the issuer's clock runs ahead by ``ahead`` seconds)."""
    assert _dashboard(_shifted(bearer_token, iat=ahead, exp=ahead)) == status


@pytest.mark.django_db
@pytest.mark.parametrize(("late", "status"), [(5, 200), (25, 200), (35, 401), (600, 401)])
def test_a_token_just_expired_on_this_clock(bearer_token: str, late: int, status: int) -> None:
    """Expired ``late`` seconds ago by this server's clock (the issuer's runs behind)."""
    token = AccessToken(bearer_token)
    lifetime = int(token["exp"]) - int(token["iat"])
    assert _dashboard(_shifted(bearer_token, iat=-lifetime - late, exp=-lifetime - late)) == status


@pytest.mark.django_db
@pytest.mark.parametrize(("ahead", "status"), [(25, 200), (35, 401)])
def test_a_refresh_token_from_a_clock_ahead(
    make_user: Any, password: str, ahead: int, status: int
) -> None:
    make_user(email="alice@example.com", username="alice")
    response = APIClient().post("/api/token/", {"username": "alice", "password": password})
    refresh = RefreshToken(response.json()["refresh"])
    refresh.payload["iat"] = int(refresh.payload["iat"]) + ahead
    refresh.payload["exp"] = int(refresh.payload["exp"]) + ahead

    response = APIClient().post("/api/token/refresh/", {"refresh": str(refresh)})

    assert response.status_code == status, response.content


# --- Django's own error views ------------------------------------------------------------


def test_an_outage_outside_any_view_is_the_same_503(rf: Any) -> None:
    """handler500 (a middleware's query failed, e.g. a session saved on the way out)."""
    from django_app.errors import server_error

    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        response = server_error(rf.get("/api/auth/me"))

    assert response.status_code == 503
    assert json.loads(response.content)["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"


def test_any_other_unhandled_error_is_a_json_500_without_details(rf: Any) -> None:
    from django_app.errors import server_error

    try:
        raise KeyError("internal detail")
    except KeyError:
        response = server_error(rf.get("/api/auth/me"))

    assert response.status_code == 500
    assert json.loads(response.content) == {
        "detail": "A server error occurred.",
        "code": "server_error",
    }


def test_the_admin_keeps_html_error_pages(rf: Any) -> None:
    from django_app.errors import server_error

    try:
        raise KeyError("internal detail")
    except KeyError:
        response = server_error(rf.get("/admin/"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
