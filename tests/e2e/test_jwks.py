"""Access tokens of a running django_app verified by other services through its JWK Set:
PyJWT's PyJWKClient and Node's jose (createRemoteJWKSet + jwtVerify, in
tests/node/verify_jwt.mjs), before and after ``manage.py rotate_signing_key``, and once
the old key is retired.

The server is pytest-django's ``live_server`` (django_app in a thread on 127.0.0.1, its
own database connection); tokens come from document 003's login (``POST /api/token/``)
over HTTP, exactly as a client gets them.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from pyauth.keys.models import SigningKey
from pyauth.keys.store import key_store

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"
PASSWORD = "Quiet-harbour-lantern-72"


def http(method: str, url: str, body: dict[str, Any] | None = None, token: str = "") -> Any:
    """(status, parsed JSON body, headers) of one request; errors are answers too."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - test URL
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null"), exc.headers


def login(base: str) -> str:
    status, body, _headers = http(
        "POST", f"{base}/api/token/", {"username": "admin", "password": PASSWORD}
    )
    assert status == 200, body
    access: str = body["access"]
    return access


def pyjwt_verify(jwks_url: str, token: str) -> dict[str, Any]:
    """PyJWT's documented way: a PyJWKClient picks the key by the token's kid."""
    client = pyjwt.PyJWKClient(jwks_url, cache_jwk_set=False)
    signing_key = client.get_signing_key_from_jwt(token)
    claims: dict[str, Any] = pyjwt.decode(
        token, signing_key.key, algorithms=["EdDSA", "ES256", "RS256"]
    )
    return claims


def jose_verify(jwks_url: str, token: str) -> tuple[int, dict[str, Any]]:
    node = shutil.which("node")
    assert node is not None, "Node.js is missing: `make node` installs it"
    assert (NODE_DIR / "node_modules" / "jose").is_dir(), "run `make node` first"
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [node, str(NODE_DIR / "verify_jwt.mjs"), jwks_url, token],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.fixture
def server(live_server: Any, transactional_db: None) -> str:
    key_store.reset()
    get_user_model().objects.create_user(
        email="admin@example.com", username="admin", password=PASSWORD
    )
    base: str = live_server.url
    yield base
    key_store.reset()


def test_tokens_verify_through_the_jwks_before_and_after_rotation(server: str) -> None:
    jwks_url = f"{server}/.well-known/jwks.json"
    first = login(server)
    first_kid = pyjwt.get_unverified_header(first)["kid"]
    assert pyjwt.get_unverified_header(first)["alg"] == "EdDSA"

    status, document, headers = http("GET", jwks_url)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=300"
    assert [k["kid"] for k in document["keys"]] == [first_kid]
    assert not {"d", "p", "q", "k"} & set(document["keys"][0])

    claims = pyjwt_verify(jwks_url, first)
    assert claims["token_type"] == "access"
    code, result = jose_verify(jwks_url, first)
    assert code == 0, result
    assert result["header"]["kid"] == first_kid
    assert result["payload"]["user_id"] == claims["user_id"]

    # Rotation: a new signer; the old key keeps verifying its tokens.
    out = io.StringIO()
    call_command("rotate_signing_key", stdout=out)
    second = login(server)
    second_kid = pyjwt.get_unverified_header(second)["kid"]
    assert second_kid != first_kid and second_kid in out.getvalue()
    _status, document, _headers = http("GET", jwks_url)
    assert [k["kid"] for k in document["keys"]] == [second_kid, first_kid]
    for token in (first, second):
        assert pyjwt_verify(jwks_url, token)["user_id"] == claims["user_id"]
        code, result = jose_verify(jwks_url, token)
        assert code == 0, result
        status, _body, _headers = http("GET", f"{server}/api/dashboard/", token=token)
        assert status == 200

    # Another rotation, to ES256, once the first key's grace has run out: the first key
    # leaves the JWK Set and verifies nothing, here or anywhere.
    SigningKey.objects.filter(kid=first_kid).update(
        retire_after=timezone.now() - timedelta(seconds=1)
    )
    out = io.StringIO()
    call_command("rotate_signing_key", "--algorithm", "ES256", stdout=out)
    assert f"Retired: {first_kid}" in out.getvalue()
    third = login(server)
    assert pyjwt.get_unverified_header(third)["alg"] == "ES256"
    _status, document, _headers = http("GET", jwks_url)
    kids = [k["kid"] for k in document["keys"]]
    assert first_kid not in kids and kids[1:] == [second_kid]
    for token in (second, third):
        assert pyjwt_verify(jwks_url, token)["user_id"] == claims["user_id"]
        code, result = jose_verify(jwks_url, token)
        assert code == 0, result
    with pytest.raises(pyjwt.PyJWKClientError):
        pyjwt_verify(jwks_url, first)
    code, result = jose_verify(jwks_url, first)
    assert (code, result["error"]) == (1, "ERR_JWKS_NO_MATCHING_KEY")
    status, body, _headers = http("GET", f"{server}/api/dashboard/", token=first)
    assert status == 401 and body["code"] == "token_not_valid"
