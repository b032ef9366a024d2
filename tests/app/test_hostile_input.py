"""Hostile HTTP input against every documented operation that takes a body: oversize
bodies, deeply nested JSON, invalid UTF-8, wrong content types, huge headers and cookies
each get a 4xx JSON answer, never a 500 (issue 7, item 6).

The operations come from the served OpenAPI schema, so an endpoint added tomorrow is
attacked tomorrow. Every request is signed in (a Bearer token of a staff user, and a
CSRF cookie with its header), so that authentication and CSRF do not answer first and the
hostile body reaches the code that reads it.

Login timing: an unknown account must cost what a known one costs. Wall time is not
measured here (``make login-timing`` measures it, README "Reliability"); instead the
password-hashing calls each login endpoint makes into the core are recorded, and an
unknown account must cause exactly the calls a known account with a wrong password
causes: one Argon2id computation with the same memory, time and parallelism.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from django_app.middleware import json_depth_exceeds
from pyauth import _core, passwords
from pyauth.tokens import AccessToken

UNSAFE = ("post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # path parameters filled in
    content_types: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _operations() -> list[Operation]:
    """Every documented unsafe operation that declares a request body (read once per
    session from the schema the server serves; path parameters are filled at call
    time)."""
    return _OPERATIONS


def _load_operations() -> list[Operation]:
    import django

    django.setup()
    response = Client(HTTP_HOST="127.0.0.1").get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    spec = json.loads(response.content)
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {})
            if method in UNSAFE and content:
                found.append(Operation(method, path, tuple(content)))
    assert len(found) >= 25, found  # the five documents' bodies, not an empty schema
    return found


_OPERATIONS = _load_operations()
JSON_OPERATIONS = [op for op in _OPERATIONS if "application/json" in op.content_types]
UPLOADS = [op for op in _OPERATIONS if op.content_types == ("multipart/form-data",)]
#: The sign-in endpoints of the five documents: their answers are pinned exactly.
LOGINS = ["/api/auth/login", "/api/token/", "/api/login/", "/auth-api/login/"]


@pytest.fixture
def attacker(make_user: Any) -> Iterator[tuple[APIClient, Any]]:
    """A client signed in as a staff user (Bearer), holding a CSRF cookie and sending it
    back as X-CSRFToken, so no endpoint refuses before reading the body."""
    user = make_user(email="mallory@example.com", username="mallory", is_staff=True)
    client = APIClient()
    response = client.get("/auth-api/get-csrf-token/")
    assert response.status_code == 200
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    yield client, user


def _path(op: Operation, user: Any) -> str:
    return (
        op.path.replace("{id}", str(user.pk))
        .replace("{user_id}", str(user.pk))
        .replace("{session_id}", "0" * 32)
    )


def send(
    client: APIClient, op: Operation, user: Any, body: bytes, content_type: str, **extra: Any
) -> Any:
    return client.generic(op.method.upper(), _path(op, user), body, content_type, **extra)


def assert_json_4xx(response: Any, op: Operation) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (op.id, response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json"), (op.id, response.content)
    body: dict[str, Any] = json.loads(response.content)
    text = response.content.decode()
    assert "Traceback" not in text and 'File "' not in text
    return body


def nested(depth: int) -> bytes:
    """A JSON object whose ``email`` member nests ``depth - 1`` arrays (``depth`` levels
    counting the object)."""
    return b'{"email":' + b"[" * (depth - 1) + b"]" * (depth - 1) + b"}"


# --- oversize bodies ------------------------------------------------------------------


@pytest.mark.parametrize("op", JSON_OPERATIONS, ids=lambda op: op.id)
def test_oversize_json_body_is_refused_with_413(attacker: Any, op: Operation) -> None:
    client, user = attacker
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = b'{"email":"' + b"a" * limit + b'"}'

    response = send(client, op, user, body, "application/json")

    answer = assert_json_4xx(response, op)
    assert response.status_code == 413
    assert answer["code"] == "request_too_large"


@pytest.mark.parametrize("path", LOGINS)
def test_a_body_at_the_limit_is_read(attacker: Any, path: str) -> None:
    client, user = attacker
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    head, tail = b'{"email":"', b'@example.com","password":"x","username":"x"}'
    body = head + b"a" * (limit - len(head) - len(tail)) + tail
    assert len(body) == limit

    response = send(client, Operation("post", path, ()), user, body, "application/json")

    assert response.status_code not in (413, 500), response.content


def test_a_claimed_length_over_the_limit_is_refused_before_reading(attacker: Any) -> None:
    """Content-Length alone decides: the 413 comes before the body is read (the few
    bytes sent here could not satisfy a read of the length claimed)."""
    client, user = attacker
    op = Operation("post", "/api/auth/login", ())
    claimed = str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 100)

    response = send(client, op, user, b"{}", "application/json", CONTENT_LENGTH=claimed)

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


@pytest.mark.parametrize("op", UPLOADS, ids=lambda op: op.id)
def test_oversize_upload_is_refused_before_reading(attacker: Any, op: Operation) -> None:
    client, user = attacker
    claimed = str(settings.REQUEST_BODY_MAX_BYTES + 1)
    content_type = "multipart/form-data; boundary=xyz"

    response = send(client, op, user, b"--xyz--\r\n", content_type, CONTENT_LENGTH=claimed)

    answer = assert_json_4xx(response, op)
    assert response.status_code == 413 and answer["code"] == "request_too_large"


@pytest.mark.parametrize("op", UPLOADS, ids=lambda op: op.id)
def test_an_upload_within_the_limit_passes_the_size_check(attacker: Any, op: Operation) -> None:
    client, user = attacker
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + b"\x00" * (settings.PROFILE_IMAGE_MAX_BYTES // 2)
    ) + b"\r\n--xyz--\r\n"

    response = send(client, op, user, body, "multipart/form-data; boundary=xyz")

    assert_json_4xx(response, op)  # not an image: refused by the view, not for its size
    assert response.status_code != 413


# --- deeply nested JSON -----------------------------------------------------------------


@pytest.mark.parametrize("depth", [settings.JSON_MAX_DEPTH + 1, 5_000, 100_000])
@pytest.mark.parametrize("op", JSON_OPERATIONS, ids=lambda op: op.id)
def test_deeply_nested_json_is_refused_with_400(attacker: Any, op: Operation, depth: int) -> None:
    client, user = attacker

    response = send(client, op, user, nested(depth), "application/json")

    answer = assert_json_4xx(response, op)
    assert response.status_code == 400
    assert answer["code"] == "parse_error"
    assert "nested deeper than" in answer["detail"]


@pytest.mark.parametrize("path", LOGINS)
def test_json_at_the_depth_limit_reaches_the_serializer(attacker: Any, path: str) -> None:
    client, user = attacker

    response = send(
        client,
        Operation("post", path, ()),
        user,
        nested(settings.JSON_MAX_DEPTH),
        "application/json",
    )

    assert response.status_code == 400, response.content
    assert "nested deeper than" not in response.content.decode()


@pytest.mark.parametrize(
    ("body", "exceeds"),
    [
        (b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # inside a string
        (b'{"a": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # after an escape
        (b"[" * 33 + b"]" * 33, True),
        (b"[" * 32 + b"]" * 32, False),
        (b"[" + b"[]," * 40 + b"[]]", False),  # many brackets, never deep
        (b'["\\\\"' + b",[" * 33, True),  # an escaped backslash ends its string
        (b'"unterminated [[[' + b"[" * 40, True),  # invalid anyway: refused either way
    ],
)
def test_depth_scan(body: bytes, exceeds: bool) -> None:
    assert json_depth_exceeds(body, 32) is exceeds


# --- encodings and content types ----------------------------------------------------------


INVALID_UTF8 = [
    pytest.param(b'{"email":"\xff\xfe@example.com","password":"x"}', id="invalid-start-byte"),
    pytest.param(b'{"email":"\xc3\x28@example.com","password":"x"}', id="bad-continuation"),
    pytest.param(b'{"email":"\xed\xa0\x80@example.com","password":"x"}', id="encoded-surrogate"),
    pytest.param(b'{"email":"\xf8\x88\x80\x80\x80","password":"x"}', id="five-byte-form"),
    pytest.param(b'{"email":"a@example.com","password":"\xe2\x82"}', id="truncated"),
]


@pytest.mark.parametrize("body", INVALID_UTF8)
@pytest.mark.parametrize("op", JSON_OPERATIONS, ids=lambda op: op.id)
def test_invalid_utf8_is_a_4xx(attacker: Any, op: Operation, body: bytes) -> None:
    client, user = attacker

    response = send(client, op, user, body, "application/json")

    assert_json_4xx(response, op)


@pytest.mark.parametrize("body", INVALID_UTF8)
@pytest.mark.parametrize("path", LOGINS)
def test_invalid_utf8_at_login_is_a_parse_error(attacker: Any, path: str, body: bytes) -> None:
    client, user = attacker

    response = send(client, Operation("post", path, ()), user, body, "application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"email":"a\\u0000@example.com","password":"x"}', id="nul"),
        pytest.param(
            b'{"email":"a\\ud800@example.com","password":"\\udfff"}', id="lone-surrogates"
        ),
        pytest.param(b'{"email":NaN,"password":Infinity}', id="non-finite"),
        pytest.param(b'{"email":1e999999,"password":-1e999999}', id="overflowing-numbers"),
        pytest.param(b'{"email":' + b"1" * 5000 + b',"password":"x"}', id="5000-digit-integer"),
        pytest.param(b'{"email":{"$gt":""},"password":["x"]}', id="wrong-types"),
        pytest.param(b'[{"email":"a@example.com"}]', id="array-body"),
        pytest.param(b'"a@example.com"', id="string-body"),
        pytest.param(b"null", id="null-body"),
        pytest.param(b'{"email":"a@example.com",', id="truncated-json"),
        pytest.param(b"\xef\xbb\xbf{}", id="byte-order-mark"),
    ],
)
@pytest.mark.parametrize("path", LOGINS)
def test_malformed_values_at_login_are_refused(attacker: Any, path: str, body: bytes) -> None:
    """400, or 401 where the value still reads as a (wrong) credential: 1e999999 is
    infinity to Python's decoder, and the string "inf" to a CharField."""
    client, user = attacker

    response = send(client, Operation("post", path, ()), user, body, "application/json")

    assert response.status_code in (400, 401), response.content
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "application/json-patch+json; charset=utf-8",
        "",
    ],
)
@pytest.mark.parametrize("op", JSON_OPERATIONS, ids=lambda op: op.id)
def test_wrong_content_type_is_a_4xx(attacker: Any, op: Operation, content_type: str) -> None:
    client, user = attacker

    response = send(client, op, user, b'{"email":"a@example.com"}', content_type)

    assert_json_4xx(response, op)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "text/html", ""])
@pytest.mark.parametrize("path", LOGINS)
def test_wrong_content_type_at_login_is_a_415(attacker: Any, path: str, content_type: str) -> None:
    client, user = attacker

    response = send(client, Operation("post", path, ()), user, b"{}", content_type)

    assert response.status_code == 415, response.content


@pytest.mark.parametrize("charset", ["bz2_codec", "zlib_codec", "rot13", "no-such-charset"])
@pytest.mark.parametrize("path", LOGINS)
def test_non_text_charsets_are_refused(attacker: Any, path: str, charset: str) -> None:
    client, user = attacker
    body = b"BZh91AY&SY"  # what a decompression bomb starts with

    response = send(
        client, Operation("post", path, ()), user, body, f"application/json; charset={charset}"
    )

    assert response.status_code == 400, response.content


# --- huge headers and cookies -----------------------------------------------------------


HUGE = 256 * 1024


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"HTTP_AUTHORIZATION": "Bearer " + "a" * HUGE}, id="authorization"),
        pytest.param({"HTTP_AUTHORIZATION": "Bearer " + "a." * (HUGE // 2)}, id="dotted"),
        pytest.param({"HTTP_COOKIE": "access_token=" + "a" * HUGE}, id="access-cookie"),
        pytest.param({"HTTP_COOKIE": "jwt=" + "a" * HUGE}, id="jwt-cookie"),
        pytest.param({"HTTP_COOKIE": "sessionid=" + "a" * HUGE}, id="session-cookie"),
        pytest.param(
            {"HTTP_COOKIE": "; ".join(f"c{i}=v" for i in range(20_000))}, id="20000-cookies"
        ),
        pytest.param({"HTTP_X_CSRFTOKEN": "a" * HUGE}, id="csrf-header"),
        pytest.param({"HTTP_USER_AGENT": "a" * HUGE}, id="user-agent"),
        pytest.param({"HTTP_X_FORWARDED_FOR": ",".join(["1.2.3.4"] * 20_000)}, id="forwarded"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/api/auth/me", "/api/user/", "/api/dashboard/", "/auth-api/2fa/status/"]
)
def test_huge_credentials_are_refused(path: str, headers: dict[str, str], db: None) -> None:
    response = Client().get(path, **headers)

    assert response.status_code in (401, 403), response.content
    assert response["Content-Type"].startswith("application/json")


def test_huge_host_header_is_a_json_400(db: None) -> None:
    response = Client().get("/api/auth/me", HTTP_HOST="a" * HUGE)

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_huge_refresh_cookie_is_refused(db: None) -> None:
    response = Client().post("/api/auth/token/refresh", HTTP_COOKIE="refresh_token=" + "a" * HUGE)

    assert response.status_code == 401


def test_unknown_path_is_a_json_404(db: None) -> None:
    response = Client().get("/api/" + "x" * 10_000)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- login timing: equal work for unknown and known accounts -----------------------------


class HashRecorder:
    """Stands in for ``pyauth._core`` inside ``pyauth.passwords``: records every password
    hash and verification as ``(algorithm, memory KiB, iterations, parallelism)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int, int, int]] = []

    def hash_argon2id(self, password: bytes, m: int, t: int, p: int) -> str:
        self.calls.append(("argon2id", m, t, p))
        result: str = _core.hash_argon2id(password, m, t, p)
        return result

    def verify_password(self, password: bytes, encoded: str) -> bool:
        algorithm, m, t, p, _salt, _hash = _core.parse_hash(encoded)
        self.calls.append((algorithm, m, t, p))
        result: bool = _core.verify_password(password, encoded)
        return result

    def hash_pbkdf2_sha256(self, *args: Any) -> str:
        self.calls.append(("pbkdf2_sha256", 0, 0, 0))
        result: str = _core.hash_pbkdf2_sha256(*args)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(_core, name)


LOGIN_BODIES = {
    "/api/auth/login": lambda who, pw: {"email": who, "password": pw},
    "/api/token/": lambda who, pw: {"username": who, "password": pw},
    "/api/login/": lambda who, pw: {"email": who, "password": pw},
    "/auth-api/login/": lambda who, pw: {"email": who, "password": pw},
}


@pytest.mark.parametrize("path", LOGINS)
def test_unknown_account_costs_the_same_hash_as_a_known_one(
    path: str, make_user: Any, password: str, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.RECAPTCHA_SECRET = ""
    make_user(email="known@example.com", username="known")
    recorder = HashRecorder()
    monkeypatch.setattr(passwords, "_core", recorder)
    body = LOGIN_BODIES[path]
    known_id = "known" if path == "/api/token/" else "known@example.com"
    unknown_id = "nobody" if path == "/api/token/" else "nobody@example.com"

    def work(identifier: str, secret: str) -> tuple[int, list[tuple[str, int, int, int]]]:
        recorder.calls.clear()
        client = APIClient()
        response = client.post(path, body(identifier, secret), format="json")
        return response.status_code, list(recorder.calls)

    wrong_status, known_wrong = work(known_id, "Not-the-password-91")
    unknown_status, unknown = work(unknown_id, "Not-the-password-91")
    right_status, known_right = work(known_id, password)

    owasp = passwords.OWASP_ARGON2ID_FIRST
    expected = [("argon2id", owasp.memory_kib, owasp.iterations, owasp.parallelism)]
    assert known_wrong == expected
    assert unknown == known_wrong  # the same single computation, same cost
    assert known_right == expected  # and a right password costs no more than that
    assert unknown_status == wrong_status and unknown_status in (400, 401)
    assert right_status == 200


@pytest.mark.parametrize("path", LOGINS)
def test_an_inactive_account_costs_the_same_hash(
    path: str, make_user: Any, password: str, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.RECAPTCHA_SECRET = ""
    make_user(email="gone@example.com", username="gone", is_active=False)
    recorder = HashRecorder()
    monkeypatch.setattr(passwords, "_core", recorder)
    identifier = "gone" if path == "/api/token/" else "gone@example.com"

    response = APIClient().post(path, LOGIN_BODIES[path](identifier, password), format="json")

    owasp = passwords.OWASP_ARGON2ID_FIRST
    assert recorder.calls == [("argon2id", owasp.memory_kib, owasp.iterations, owasp.parallelism)]
    assert response.status_code in (400, 401)


# --- values that would travel on to a third party --------------------------------------


@pytest.mark.parametrize("provider", ["github", "facebook", "google"])
@pytest.mark.parametrize(
    "token", ["gho_abc\r\nX-Injected: 1", "gho_ab c", "gho_tökén", "a\x00b", "=abc", ""]
)
def test_a_social_token_that_is_no_token_is_a_400(
    attacker: Any, provider: str, token: str, settings: Any
) -> None:
    """A "token" no provider could have issued is refused before any provider is asked
    (it went into the Authorization header sent to GitHub, and came back a 503 when
    http.client refused it; schemathesis found it)."""
    settings.SOCIAL_AUTH_GITHUB_API_URL = "http://127.0.0.1:9/never-called"
    settings.SOCIAL_AUTH_FACEBOOK_API_URL = "http://127.0.0.1:9/never-called"
    settings.SOCIAL_AUTH_GOOGLE_CLIENT_ID = "pyauth-test"
    settings.SOCIAL_AUTH_GOOGLE_JWKS_URL = "http://127.0.0.1:9/never-called"
    client, _user = attacker

    response = client.post(
        "/auth-api/social-auth/", {"provider": provider, "token": token}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "token" in response.json()
