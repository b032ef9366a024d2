"""Property-based testing of django_app's OpenAPI schema against a running server
(issue 7, item 6): schemathesis generates requests for every documented operation from
the schema at /api/schema/ and checks each answer: never a 5xx, a body that matches the
documented response schema, the documented content type.

The server is django_app under gunicorn on 127.0.0.1 (bench/load.py's deployment: a
fresh database, DEBUG off, throttles lifted so that the run measures answers rather than
429s). Requests carry a Bearer token of a signed-in user and a CSRF cookie with its
header, so that they get past authentication and CSRF into the code behind them.

Bounded: PYAUTH_SCHEMATHESIS_EXAMPLES examples per operation (default 15; Hypothesis
stops earlier where a schema has fewer distinct inputs), about a minute on two cores.

Raw HTTP at the socket (what no schema describes) is attacked here too, against
gunicorn's own limits: huge request lines, headers and cookies, a body shorter than its
Content-Length, garbage instead of HTTP: each answered 4xx or by closing the connection,
and the server still serves afterwards.
"""

from __future__ import annotations

import errno
import http.client
import json
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from pytest_httpserver import HTTPServer
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from tests.servers import bench_load, json_request

PASSWORD = "Quiet-harbour-lantern-72"
EXAMPLES = int(os.environ.get("PYAUTH_SCHEMATHESIS_EXAMPLES", "15"))


load = bench_load()


def request(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, http.client.HTTPResponse]:
    response, raw = json_request(port, method, path, body, headers)
    return response.status, json.loads(raw) if raw else None, response


class Served:
    """The deployment and the credentials every generated request carries."""

    def __init__(self, deployment: Any) -> None:
        self.deployment = deployment
        self.port: int = deployment.server.port
        self.base_url = f"http://{load.HOST}:{self.port}"
        status, body, _ = request(
            self.port,
            "POST",
            "/api/auth/register",
            {"email": "fuzz@example.com", "password": PASSWORD, "confirm_password": PASSWORD},
        )
        assert status == 201, body
        status, body, _ = request(
            self.port, "POST", "/api/token/", {"username": "fuzz@example.com", "password": PASSWORD}
        )
        assert status == 200, body
        self.access: str = body["access"]
        status, body, response = request(self.port, "GET", "/auth-api/get-csrf-token/")
        assert status == 200
        self.csrf: str = body["csrfToken"]
        jar = dict(
            (name, value)
            for name, value, _path, _deleted in load._parse_cookies(
                response.headers.get_all("Set-Cookie") or []
            )
        )
        self.csrf_cookie: str = jar["csrftoken"]

    def alive(self) -> bool:
        status, _body, _ = request(
            self.port, "GET", "/api/dashboard/", headers={"Authorization": f"Bearer {self.access}"}
        )
        return status in (200, 401)


@pytest.fixture(scope="module")
def providers() -> Iterator[dict[str, str]]:
    """reCAPTCHA, Google, GitHub and Facebook on 127.0.0.1, refusing every token as the
    real ones refuse a made-up token (this machine reaches no Internet; the real ones
    unreachable would be a 503, which is right for an outage and not what is tested)."""
    with HTTPServer(host=load.HOST, port=0) as stub:
        stub.expect_request("/recaptcha").respond_with_json(
            {"success": False, "error-codes": ["invalid-input-response"]}
        )
        stub.expect_request("/google/certs").respond_with_json({"keys": []})
        stub.expect_request("/github/user").respond_with_json(
            {"message": "Bad credentials"}, status=401
        )
        stub.expect_request("/github/emails").respond_with_json(
            {"message": "Bad credentials"}, status=401
        )
        stub.expect_request("/facebook/me").respond_with_json(
            {"error": {"type": "OAuthException", "code": 190}}, status=400
        )
        yield {
            "RECAPTCHA_SECRET": "stub-secret",
            "RECAPTCHA_VERIFY_URL": stub.url_for("/recaptcha"),
            "SOCIAL_AUTH_GOOGLE_CLIENT_ID": "pyauth-test.apps.googleusercontent.com",
            "SOCIAL_AUTH_GOOGLE_JWKS_URL": stub.url_for("/google/certs"),
            "SOCIAL_AUTH_GITHUB_API_URL": stub.url_for("/github/user"),
            "SOCIAL_AUTH_GITHUB_EMAILS_URL": stub.url_for("/github/emails"),
            "SOCIAL_AUTH_FACEBOOK_API_URL": stub.url_for("/facebook/me"),
        }


@pytest.fixture(scope="module")
def served(providers: dict[str, str]) -> Iterator[Served]:
    with load.deployment("sqlite", workers=2, extra_env=providers) as deployment:
        yield Served(deployment)


def _local_schema() -> dict[str, Any]:
    """The schema django_app serves, generated in this process by the same code (the
    operations must be known when pytest collects; the live server's copy is compared
    with it below)."""
    from django.test import Client, override_settings

    with override_settings(DEBUG=False):  # as served: cookie names depend on DEBUG
        response = Client(HTTP_HOST=load.HOST).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    loaded: dict[str, Any] = json.loads(response.content)
    return loaded


SPEC = _local_schema()
OPERATIONS = {
    operation.label: operation
    for operation in (r.ok() for r in schemathesis.openapi.from_dict(SPEC).get_all_operations())
}


def test_the_server_serves_the_schema_tested_here(served: Served) -> None:
    status, served_spec, _ = request(served.port, "GET", "/api/schema/?format=json")
    assert status == 200
    assert served_spec == SPEC
    assert len(OPERATIONS) >= 60


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_5xx_and_answers_match_the_schema(served: Served, label: str) -> None:
    operation = OPERATIONS[label]
    headers = {"Authorization": f"Bearer {served.access}", "X-CSRFToken": served.csrf}

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples on every run: a failure is reproducible
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def examples(case: Any) -> None:
        case.call_and_validate(
            base_url=served.base_url,
            headers=headers,
            cookies={"csrftoken": served.csrf_cookie},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )

    examples()


# --- raw HTTP ---------------------------------------------------------------------------


def raw_exchange(port: int, payload: bytes) -> bytes:
    """Send ``payload`` on a fresh connection; what comes back before the server closes
    it or 10 s pass (b"" when it just closed the connection)."""
    with socket.create_connection((load.HOST, port), timeout=10) as sock:
        try:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except OSError as exc:  # the server closed first: nothing left to shut down
            if exc.errno != errno.ENOTCONN:
                raise
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


def _status_of(answer: bytes) -> int | None:
    if not answer.startswith(b"HTTP/1."):
        return None
    return int(answer.split(b" ", 2)[1])


HOSTILE = {
    "huge request line": b"GET /api/auth/me?"
    + b"a" * 100_000
    + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "huge header": b"GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: "
    + b"a" * 100_000
    + b"\r\n\r\n",
    "huge cookie": b"GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: access_token="
    + b"a" * 100_000
    + b"\r\n\r\n",
    "huge authorization": b"GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
    + b"a" * 100_000
    + b"\r\n\r\n",
    "too many headers": b"GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    + b"".join(b"X-H%d: v\r\n" % i for i in range(500))
    + b"\r\n",
    "body shorter than its length": b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"email":',
    "oversize content length": b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}",
    "negative content length": b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: -5\r\n\r\n{}",
    "invalid utf-8 path": b"GET /api/\xff\xfe/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "invalid utf-8 header": b"GET /api/auth/me HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Cookie: access_token=\xff\xfe\r\n\r\n",
    "deep json": b"POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 200000\r\n\r\n"
    + b"[" * 100_000
    + b"]" * 100_000,
    "not http": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 200,
    "bad host": b"GET /api/auth/me HTTP/1.1\r\nHost: evil.example\r\n\r\n",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_raw_hostile_requests_get_4xx_or_a_closed_connection(served: Served, name: str) -> None:
    answer = raw_exchange(served.port, HOSTILE[name])

    status = _status_of(answer)
    assert status is None or 400 <= status < 500, answer[:500]
    if status is None:
        assert answer == b"", answer[:500]  # closed, not half an answer
    assert b"Traceback" not in answer
    assert served.alive()


def test_the_server_log_holds_no_traceback(served: Served) -> None:
    """After everything above (run last in this module): nothing escaped as a 500."""
    log = served.deployment.log_tail(200_000)
    assert "Traceback" not in log, log[-4000:]
    assert "Internal Server Error" not in log
