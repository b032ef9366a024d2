"""Two nodes (issue 7, item 4): two gunicorn servers of django_app on different ports,
sharing one database and one Redis, as two machines behind a load balancer would.

- sign in on A, use the session on B, refresh on B, sign out on A: B refuses the tokens
  within 1 s (revocation marks travel through Redis; REVOCATION_MEMO_SECONDS bounds how
  long a node trusts its own last answer);
- a signing key rotated with ``manage.py rotate_signing_key`` is honoured by both nodes
  at once (a token under the new kid verifies before either node has switched signers,
  tokens under the old kid keep verifying), and both nodes sign with it once their key
  store refreshes (KEY_STORE_REFRESH_SECONDS);
- failed logins under /auth-api/ are counted across both nodes: five failures, spread
  over A and B, lock the account on both.

The nodes share what production nodes share: SECRET_KEY, DATABASE_URL, REDIS_URL. The
database is a fresh SQLite file (a third process may open it too), and, when DATABASE_URL
names a PostgreSQL server or PYAUTH_TEST_POSTGRES=1, a fresh PostgreSQL database too.
Redis is a private ``redis-server`` started on a free port for the module (so no other
test's marks can mix with these); ``make redis`` installs it when it is missing.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import bench_load, database_params

PASSWORD = "Quiet-harbour-lantern-72"
#: The issue's bound on how long a revoked token may still be accepted by another node.
REVOCATION_BOUND = 1.0


load = bench_load()


@contextlib.contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of our own on a free loopback port, nothing persisted."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is missing: `make redis` installs it"
    port = load.free_port()
    proc = subprocess.Popen(  # noqa: S603 - a fixed command line
        [binary, "--bind", load.HOST, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection((load.HOST, port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            assert proc.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.1)
        yield f"redis://{load.HOST}:{port}/0"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)


@dataclass
class Nodes:
    a: Any
    b: Any
    deployment: Any  # manage.py against the shared database

    def shell(self, code: str) -> Any:
        """The JSON a snippet prints, run by ``manage.py shell`` with the nodes' settings."""
        out = self.deployment.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module", params=database_params())
def nodes(request: pytest.FixtureRequest) -> Iterator[Nodes]:
    workdir = Path(tempfile.mkdtemp(prefix="pyauth-two-nodes-"))
    servers: list[Any] = []
    try:
        with private_redis() as redis_url, load.database(request.param, workdir) as (url, vendor):
            env = load.server_env(url, workdir, redis_url)
            env["LOCKOUT_THRESHOLD"] = "5"
            (workdir / "mail").mkdir()
            a = load.Server(env, load.free_port(), 1, workdir / "a.log", threads=4)
            b = load.Server(env, load.free_port(), 1, workdir / "b.log", threads=4)
            deployment = load.Deployment(a, env, workdir, vendor)
            deployment.manage("migrate", "--noinput", "-v", "0")
            for server in (a, b):
                server.start()
                servers.append(server)
            yield Nodes(a, b, deployment)
            for server in servers:
                server.stop()
            servers.clear()
    finally:
        for server in servers:
            server.stop(signal.SIGKILL)
        shutil.rmtree(workdir, ignore_errors=True)


class Client:
    """A browser's view: one cookie jar, sent to whichever node it talks to."""

    def __init__(self) -> None:
        self.jar: dict[str, str] = {}

    def send(
        self,
        node: Any,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        sent = {"Host": load.HOST, **(headers or {})}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        conn = http.client.HTTPConnection(load.HOST, node.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=sent)
            response = conn.getresponse()
            raw = response.read()
        finally:
            conn.close()
        for name, value, _path, deleted in load._parse_cookies(
            response.headers.get_all("Set-Cookie") or []
        ):
            if deleted:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return response.status, json.loads(raw) if raw else None

    def csrf(self, node: Any) -> dict[str, str]:
        status, body = self.send(node, "GET", "/auth-api/get-csrf-token/")
        assert status == 200
        return {"X-CSRFToken": body["csrfToken"]}


def register(node: Any, email: str) -> None:
    status, body = Client().send(
        node,
        "POST",
        "/api/auth/register",
        {"email": email, "password": PASSWORD, "confirm_password": PASSWORD},
    )
    assert status == 201, body


def bearer(node: Any, token: str, path: str = "/api/dashboard/") -> int:
    status, _body = Client().send(node, "GET", path, headers={"Authorization": f"Bearer {token}"})
    return status


def kid_of(token: str) -> str:
    import base64

    header = token.split(".")[0]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
    )
    return str(decoded["kid"])


def refused_within(check: Any, bound: float) -> float:
    """Seconds until ``check()`` is true, polling every 20 ms; fails past ``bound``."""
    start = time.monotonic()
    while True:
        if check():
            return time.monotonic() - start
        elapsed = time.monotonic() - start
        assert elapsed < bound, f"still accepted {elapsed:.2f} s later"
        time.sleep(0.02)


# --- sign in on A, use on B, refresh on B, sign out on A ---------------------------------


def test_signed_out_on_a_is_refused_on_b_within_a_second(nodes: Nodes) -> None:
    a, b = nodes.a, nodes.b
    register(a, "roaming@example.com")
    browser = Client()

    status, body = browser.send(
        a, "POST", "/api/auth/login", {"email": "roaming@example.com", "password": PASSWORD}
    )
    assert status == 200, body
    status, body = browser.send(b, "GET", "/api/auth/me")
    assert status == 200 and body["email"] == "roaming@example.com"
    issued_on_a = dict(browser.jar)

    status, body = browser.send(b, "POST", "/api/auth/token/refresh")
    assert status == 200, body
    assert browser.jar["refresh_token"] != issued_on_a["refresh_token"]  # rotated on B
    assert browser.send(a, "GET", "/api/auth/me")[0] == 200  # B's new token works on A
    after_refresh = dict(browser.jar)
    # B's own memo now says "live" for this session: the refusal must get past it.
    assert browser.send(b, "GET", "/api/auth/me")[0] == 200

    status, body = browser.send(a, "POST", "/api/auth/logout")
    assert status == 200, body

    replay = Client()
    replay.jar = {"access_token": after_refresh["access_token"]}
    took = refused_within(lambda: replay.send(b, "GET", "/api/auth/me")[0] == 401, REVOCATION_BOUND)
    replay.jar = {k: after_refresh[k] for k in after_refresh if k != "access_token"}
    assert replay.send(b, "POST", "/api/auth/token/refresh")[0] == 401
    replay.jar = {"access_token": issued_on_a["access_token"]}
    assert replay.send(b, "GET", "/api/auth/me")[0] == 401
    print(f"revocation seen on B {took * 1000:.0f} ms after the logout on A")


def test_bearer_tokens_revoked_on_a_by_a_password_reset_are_refused_on_b(nodes: Nodes) -> None:
    """003's Bearer tokens from A, used on B; the account revoked on A (a password
    reset through 002's link, which revokes every token of the user)."""
    a, b = nodes.a, nodes.b
    register(a, "bearer@example.com")
    status, tokens = Client().send(
        a, "POST", "/api/token/", {"username": "bearer@example.com", "password": PASSWORD}
    )
    assert status == 200, tokens
    assert bearer(b, tokens["access"]) == 200
    status, refreshed = Client().send(
        b, "POST", "/api/token/refresh/", {"refresh": tokens["refresh"]}
    )
    assert status == 200, refreshed
    assert bearer(a, refreshed["access"]) == 200 and bearer(b, refreshed["access"]) == 200

    link = nodes.shell(
        "import json; from django.contrib.auth import get_user_model; "
        "from django.contrib.auth.tokens import default_token_generator as g; "
        "from django_app.authapi.services import reset_uid; "
        "u = get_user_model().objects.get(email='bearer@example.com'); "
        "print(json.dumps({'uid': reset_uid(u), 'token': g.make_token(u)}))"
    )
    browser = Client()
    status, body = browser.send(
        a,
        "PATCH",
        "/auth-api/reset-password/",
        {**link, "password": "Another-quiet-harbour-93"},
        browser.csrf(a),
    )
    assert status == 200, body

    refused_within(lambda: bearer(b, refreshed["access"]) == 401, REVOCATION_BOUND)
    assert bearer(b, tokens["access"]) == 401
    status, _ = Client().send(b, "POST", "/api/token/refresh/", {"refresh": tokens["refresh"]})
    assert status == 401


# --- key rotation --------------------------------------------------------------------------


def test_a_rotated_key_is_honoured_by_both_nodes(nodes: Nodes) -> None:
    a, b = nodes.a, nodes.b
    register(a, "keys@example.com")
    login = {"username": "keys@example.com", "password": PASSWORD}
    status, before = Client().send(a, "POST", "/api/token/", login)
    assert status == 200, before
    old_kid = kid_of(before["access"])

    out = nodes.deployment.manage("rotate_signing_key")
    match = re.search(r"New signing key (\S+) ", out)
    assert match, out
    new_kid = match.group(1)
    assert new_kid != old_kid and f"Previous key {old_kid}" in out

    # A token under the new key, signed by a third process (the nodes may still sign
    # with the old one for up to KEY_STORE_REFRESH_SECONDS): both verify it at once.
    fresh = nodes.shell(
        "import json; from django.contrib.auth import get_user_model; "
        "from pyauth.tokens import AccessToken; "
        "u = get_user_model().objects.get(email='keys@example.com'); "
        "print(json.dumps(str(AccessToken.for_user(u))))"
    )
    assert kid_of(fresh) == new_kid
    for node in (a, b):
        status, jwks = Client().send(node, "GET", "/.well-known/jwks.json")
        assert status == 200
        assert {new_kid, old_kid} <= {key["kid"] for key in jwks["keys"]}
        assert bearer(node, fresh, "/api/profile/") == 200, node.port
        assert bearer(node, before["access"]) == 200  # the old key still verifies

    # Each node signs with the new key once its key store refreshes.
    deadline = time.monotonic() + 45
    pending = {a.port: a, b.port: b}
    while pending:
        for port, node in list(pending.items()):
            status, tokens = Client().send(node, "POST", "/api/token/", login)
            assert status == 200, tokens
            if kid_of(tokens["access"]) == new_kid:
                other = b if node is a else a
                assert bearer(other, tokens["access"]) == 200
                del pending[port]
        assert time.monotonic() < deadline, f"still signing with {old_kid}: {sorted(pending)}"
        if pending:
            time.sleep(1)


# --- lockout across nodes ---------------------------------------------------------------------


def test_failed_logins_are_counted_across_both_nodes(nodes: Nodes) -> None:
    a, b = nodes.a, nodes.b
    email = "locked@example.com"
    register(a, email)
    browser = Client()
    headers = browser.csrf(a)

    for node in (a, b, a, b, a):
        status, body = browser.send(
            node,
            "POST",
            "/auth-api/login/",
            {"email": email, "password": "Wrong-password-000"},
            headers,
        )
        assert status == 401, body

    failures = nodes.shell(
        "import json; from django_app.authapi.models import LockoutCounter as L; "
        f"print(json.dumps(L.objects.get(key='email:{email}').failures))"
    )
    assert failures == 5
    for node in (a, b):  # locked everywhere: the right password is refused too
        status, _ = browser.send(
            node, "POST", "/auth-api/login/", {"email": email, "password": PASSWORD}, headers
        )
        assert status == 401
    # the lock holds 127.0.0.1, which every test here sends from: lift it
    nodes.shell(
        "import json; from django_app.authapi.models import LockoutCounter as L; "
        "print(json.dumps(L.objects.all().delete()[0]))"
    )
    status, body = browser.send(
        b, "POST", "/auth-api/login/", {"email": email, "password": PASSWORD}, headers
    )
    assert status == 200, body
