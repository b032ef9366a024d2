"""Fixtures of the users/, recaptcha-verify/ and social-auth/ tests.

- ``signed_in(user)``: an APIClient carrying a Bearer access token of a new session;
- ``csrf_client``: a client that enforces CSRF, with a token from get-csrf-token/;
- ``google``: Google's side played by pytest-httpserver on 127.0.0.1 (its JWK Set at
  /oauth2/v3/certs with a Cache-Control max-age, as Google serves it) and a signer of
  ID tokens with Google's claims; settings point SOCIAL_AUTH_GOOGLE_* at it;
- GitHub, Facebook and reCAPTCHA URLs point at the same server (tests register the
  answers they need).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient

from pyauth import jwt
from pyauth.lifecycle import services as lifecycle

CLIENT_ID = "1234567890-abc.apps.googleusercontent.com"


@pytest.fixture
def signed_in(db: None) -> Callable[[Any], APIClient]:
    def make(user: Any) -> APIClient:
        _refresh, access = lifecycle.issue(user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client

    return make


@pytest.fixture
def csrf_client(db: None) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    response = client.get("/auth-api/get-csrf-token/")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_X_CSRFTOKEN=response.json()["csrfToken"])
    return client


@pytest.fixture(scope="session")
def google_keys() -> dict[str, jwt.Key]:
    """Two RSA keys, as Google publishes two at a time; "k3" is never published."""
    return {kid: jwt.generate_key("RS256", kid) for kid in ("k1", "k2", "k3")}


def _jwks(keys: list[jwt.Key]) -> dict[str, Any]:
    return {"keys": [json.loads(key.public_jwk()) for key in keys]}


@dataclass
class Google:
    server: HTTPServer
    keys: dict[str, jwt.Key]
    published: list[str] = field(default_factory=lambda: ["k1", "k2"])
    path: str = "/oauth2/v3/certs"

    def serve_jwks(self, *kids: str, status: int = 200) -> None:
        self.published = list(kids) or self.published
        self.server.clear_all_handlers()
        self.server.expect_request(self.path, method="GET").respond_with_data(
            json.dumps(_jwks([self.keys[kid] for kid in self.published])),
            status=status,
            content_type="application/json; charset=UTF-8",
            headers={"Cache-Control": "public, max-age=21600, must-revalidate, no-transform"},
        )

    def jwks_fetches(self) -> int:
        return sum(1 for request, _response in self.server.log if request.path == self.path)

    def id_token(self, kid: str = "k1", **overrides: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": "https://accounts.google.com",
            "azp": CLIENT_ID,
            "aud": CLIENT_ID,
            "sub": "110169484474386276334",
            "email": "grace@example.com",
            "email_verified": True,
            "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
            "name": "Grace Hopper",
            "picture": "https://lh3.googleusercontent.com/a/default-user",
            "given_name": "Grace",
            "family_name": "Hopper",
            "iat": now,
            "exp": now + 3600,
        }
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.keys[kid])


@pytest.fixture
def provider_urls(settings: Any, httpserver: HTTPServer) -> HTTPServer:
    settings.SOCIAL_AUTH_GOOGLE_CLIENT_ID = CLIENT_ID
    settings.SOCIAL_AUTH_GOOGLE_JWKS_URL = httpserver.url_for("/oauth2/v3/certs")
    settings.SOCIAL_AUTH_GITHUB_API_URL = httpserver.url_for("/user")
    settings.SOCIAL_AUTH_GITHUB_EMAILS_URL = httpserver.url_for("/user/emails")
    settings.SOCIAL_AUTH_FACEBOOK_API_URL = httpserver.url_for("/v19.0/me")
    settings.SOCIAL_AUTH_FACEBOOK_DEBUG_TOKEN_URL = httpserver.url_for("/v19.0/debug_token")
    settings.SOCIAL_AUTH_GITHUB_CHECK_TOKEN_URL = (
        httpserver.url_for("/applications") + "/{client_id}/token"
    )
    settings.RECAPTCHA_VERIFY_URL = httpserver.url_for("/recaptcha/api/siteverify")
    settings.SOCIAL_AUTH_TIMEOUT = 2.0
    return httpserver


@pytest.fixture
def google(provider_urls: HTTPServer, google_keys: dict[str, jwt.Key]) -> Google:
    fake = Google(provider_urls, google_keys)
    fake.serve_jwks("k1", "k2")
    return fake
