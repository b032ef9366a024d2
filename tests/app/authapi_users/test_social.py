"""/auth-api/social-auth/ with Google, GitHub and Facebook played by pytest-httpserver on
127.0.0.1 in their real formats: Google's JWK Set (RS256 ID tokens verified by pyauth's
core, cached, refetched once on an unknown kid), GitHub's /user and /user/emails, and
Facebook's Graph /me. A sign-in answers as token/ does: cookies and {"detail", "user"}."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from pytest_httpserver import HTTPServer
from rest_framework.test import APIClient
from werkzeug import Request as WerkzeugRequest
from werkzeug import Response as WerkzeugResponse

from pyauth import jwt
from pyauth.lifecycle import services as lifecycle

from .conftest import CLIENT_ID, Google

pytestmark = pytest.mark.django_db

User = get_user_model()
URL = "/auth-api/social-auth/"
GITHUB_TOKEN = "gho_16C7e42F"
FACEBOOK_TOKEN = "EAAGm0PX4ZCps"


def social(api: APIClient, provider: str, token: str) -> Any:
    return api.post(URL, {"provider": provider, "token": token})


def assert_signed_in(response: Any, email: str) -> Any:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["user"]["email"] == email
    assert body["user"]["email_verified"] is True
    assert "detail" in body
    access = response.cookies["access_token"]
    assert access["httponly"]
    assert access["samesite"] == "Lax"
    assert response.cookies["refresh_token"]["httponly"]
    return User.objects.get(email=email)


# --- Google --------------------------------------------------------------------------------


def test_google_creates_an_account(api: APIClient, google: Google) -> None:
    response = social(api, "google", google.id_token())
    user = assert_signed_in(response, "grace@example.com")
    assert user.full_name == "Grace Hopper"
    assert not user.has_usable_password()
    assert user.profile.verified is True
    # The cookie signs the caller in for the rest of /auth-api/.
    me = api.get(f"/auth-api/users/{user.pk}/")
    assert me.status_code == 200
    assert me.json()["email"] == "grace@example.com"


def test_google_keys_are_cached(api: APIClient, google: Google) -> None:
    assert social(api, "google", google.id_token()).status_code == 200
    assert social(APIClient(), "google", google.id_token(kid="k2")).status_code == 200
    assert google.jwks_fetches() == 1
    assert User.objects.filter(email="grace@example.com").count() == 1


def test_google_matches_a_verified_account(
    api: APIClient, google: Google, make_user: Any, password: str
) -> None:
    existing = make_user(email="grace@example.com", email_verified=True)
    user = assert_signed_in(social(api, "google", google.id_token()), "grace@example.com")
    assert user.pk == existing.pk
    assert user.check_password(password)  # untouched


def test_google_takes_over_an_unverified_account(
    api: APIClient, google: Google, make_user: Any, password: str
) -> None:
    # Someone registered the address before its owner (account pre-hijacking).
    squatter = make_user(email="grace@example.com")
    refresh, _access = lifecycle.issue(squatter)
    user = assert_signed_in(social(api, "google", google.id_token()), "grace@example.com")
    assert user.pk == squatter.pk
    assert not user.has_usable_password()
    assert lifecycle.is_revoked(refresh["sid"])
    assert user.profile.verified is True


def test_google_key_rotation_refetches_once(api: APIClient, google: Google) -> None:
    assert social(api, "google", google.id_token(kid="k1")).status_code == 200
    assert google.jwks_fetches() == 1
    google.serve_jwks("k2", "k3")  # Google rotated; our cache still holds k1, k2
    response = social(APIClient(), "google", google.id_token(kid="k3"))
    assert response.status_code == 200, response.content
    assert google.jwks_fetches() == 2
    # The refetched set is the one cached now.
    assert social(APIClient(), "google", google.id_token(kid="k2")).status_code == 200
    assert google.jwks_fetches() == 2


def test_google_unknown_kid_refetches_once_then_refuses(api: APIClient, google: Google) -> None:
    response = social(api, "google", google.id_token(kid="k3"))  # never published
    assert response.status_code == 401
    assert google.jwks_fetches() == 2  # the first fetch and one refetch
    # More made-up kids within the cool-down do not make us fetch again.
    assert social(APIClient(), "google", google.id_token(kid="k3")).status_code == 401
    assert google.jwks_fetches() == 2
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"aud": "someone-elses-client.apps.googleusercontent.com"}, id="aud"),
        pytest.param({"iss": "https://evil.example.com"}, id="iss"),
        pytest.param({"iss": None}, id="no-iss"),
        pytest.param({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, id="exp"),
        pytest.param({"iat": None}, id="no-iat"),
    ],
)
def test_google_refuses_bad_claims(
    api: APIClient, google: Google, overrides: dict[str, Any]
) -> None:
    response = social(api, "google", google.id_token(**overrides))
    assert response.status_code == 401
    assert "Google" in response.json()["detail"]
    assert "access_token" not in response.cookies
    assert not User.objects.exists()


def test_google_accepts_the_bare_issuer(api: APIClient, google: Google) -> None:
    response = social(api, "google", google.id_token(iss="accounts.google.com"))
    assert response.status_code == 200


def test_google_refuses_other_signers(api: APIClient, google: Google) -> None:
    now = int(time.time())
    claims = {
        "iss": "accounts.google.com",
        "aud": CLIENT_ID,
        "sub": "1",
        "iat": now,
        "exp": now + 60,
        "email": "grace@example.com",
        "email_verified": True,
    }
    forged_rsa = jwt.encode(claims, jwt.generate_key("RS256", "k1"))  # right kid, wrong key
    hs = jwt.encode(claims, "x" * 64, algorithm="HS256", headers={"kid": "k1"})
    for token in (forged_rsa, hs, "not.a.jwt", google.id_token()[:-4] + "AAAA"):
        response = social(APIClient(), "google", token)
        assert response.status_code == 401, token
    assert not User.objects.exists()


@pytest.mark.parametrize("verified", [False, "false", None])
def test_google_needs_a_verified_email(api: APIClient, google: Google, verified: Any) -> None:
    response = social(api, "google", google.id_token(email_verified=verified))
    assert response.status_code == 400
    assert not User.objects.exists()


def test_google_not_configured(api: APIClient, google: Google, settings: Any) -> None:
    settings.SOCIAL_AUTH_GOOGLE_CLIENT_ID = ""
    response = social(api, "google", google.id_token())
    assert response.status_code == 400
    assert "provider" in response.json()
    assert google.jwks_fetches() == 0


@pytest.mark.parametrize("status", [404, 500])
def test_google_jwks_unavailable(api: APIClient, google: Google, status: int) -> None:
    google.server.clear_all_handlers()
    google.server.expect_request(google.path).respond_with_data("nope", status=status)
    response = social(api, "google", google.id_token())
    assert response.status_code == 503
    assert not User.objects.exists()


def test_provider_timeout_is_bounded(api: APIClient, google: Google, settings: Any) -> None:
    settings.SOCIAL_AUTH_TIMEOUT = 0.3

    def slow(request: WerkzeugRequest) -> WerkzeugResponse:
        time.sleep(1.0)
        return WerkzeugResponse("{}", content_type="application/json")

    google.server.clear_all_handlers()
    google.server.expect_request(google.path).respond_with_handler(slow)
    started = time.monotonic()
    response = social(api, "google", google.id_token())
    assert response.status_code == 503
    assert time.monotonic() - started < 0.9


def test_deactivated_account(api: APIClient, google: Google, make_user: Any) -> None:
    make_user(email="grace@example.com", email_verified=True, is_active=False)
    response = social(api, "google", google.id_token())
    assert response.status_code == 403
    assert "access_token" not in response.cookies


# --- GitHub --------------------------------------------------------------------------------

GITHUB_USER = {
    "login": "octocat",
    "id": 583231,
    "node_id": "MDQ6VXNlcjU4MzIzMQ==",
    "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
    "type": "User",
    "site_admin": False,
    "name": "The Octocat",
    "company": "@github",
    "email": None,
}


def github(server: HTTPServer, emails: list[dict[str, Any]], token: str = GITHUB_TOKEN) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    server.expect_request("/user", method="GET", headers=headers).respond_with_json(GITHUB_USER)
    server.expect_request("/user/emails", method="GET", headers=headers).respond_with_json(emails)
    server.expect_request("/user").respond_with_json(
        {
            "message": "Bad credentials",
            "documentation_url": "https://docs.github.com/rest",
            "status": "401",
        },
        status=401,
    )


def test_github(api: APIClient, provider_urls: HTTPServer) -> None:
    github(
        provider_urls,
        [
            {"email": "octo@old.example", "verified": True, "primary": False, "visibility": None},
            {
                "email": "Octocat@GitHub.com",
                "verified": True,
                "primary": True,
                "visibility": "public",
            },
        ],
    )
    user = assert_signed_in(social(api, "github", "gho_16C7e42F"), "octocat@github.com")
    assert user.full_name == "The Octocat"


def test_github_bad_token(api: APIClient, provider_urls: HTTPServer) -> None:
    github(provider_urls, [])
    response = social(api, "github", "gho_wrong")
    assert response.status_code == 401
    assert "GitHub" in response.json()["detail"]


def test_github_needs_a_primary_verified_email(api: APIClient, provider_urls: HTTPServer) -> None:
    github(
        provider_urls,
        [
            {"email": "octocat@github.com", "verified": False, "primary": True, "visibility": None},
            {"email": "other@example.com", "verified": True, "primary": False, "visibility": None},
        ],
    )
    response = social(api, "github", "gho_16C7e42F")
    assert response.status_code == 400
    assert not User.objects.exists()


GITHUB_CLIENT_ID = "Iv1.8a61f9b3a7aba766"
GITHUB_SECRET = "1c5b8e6e0f3d4a2b9c7d1e2f3a4b5c6d7e8f9a0b"


@pytest.mark.parametrize("ours", [True, False])
def test_github_token_must_be_ours_when_configured(
    api: APIClient, provider_urls: HTTPServer, settings: Any, ours: bool
) -> None:
    settings.SOCIAL_AUTH_GITHUB_CLIENT_ID = GITHUB_CLIENT_ID
    settings.SOCIAL_AUTH_GITHUB_CLIENT_SECRET = GITHUB_SECRET
    basic = base64.b64encode(f"{GITHUB_CLIENT_ID}:{GITHUB_SECRET}".encode()).decode()
    check = provider_urls.expect_request(
        f"/applications/{GITHUB_CLIENT_ID}/token",
        method="POST",
        headers={"Authorization": f"Basic {basic}"},
        json={"access_token": GITHUB_TOKEN},
    )
    if ours:
        check.respond_with_json(
            {
                "id": 1,
                "token": GITHUB_TOKEN,
                "app": {"client_id": GITHUB_CLIENT_ID},
                "scopes": ["user:email"],
                "user": GITHUB_USER,
            }
        )
    else:  # a token issued to another app: GitHub answers 404 for our client id
        check.respond_with_json(
            {
                "message": "Not Found",
                "documentation_url": "https://docs.github.com/rest",
                "status": "404",
            },
            status=404,
        )
    github(
        provider_urls,
        [{"email": "octocat@github.com", "verified": True, "primary": True, "visibility": None}],
    )
    response = social(api, "github", GITHUB_TOKEN)
    assert response.status_code == (200 if ours else 401)
    assert User.objects.exists() is ours


# --- Facebook ------------------------------------------------------------------------------


def facebook(server: HTTPServer, me: dict[str, Any], token: str = FACEBOOK_TOKEN) -> None:
    server.expect_request(
        "/v19.0/me",
        method="GET",
        query_string={"fields": "id,name,email"},
        headers={"Authorization": f"Bearer {token}"},
    ).respond_with_json(me)
    server.expect_request("/v19.0/me").respond_with_json(
        {
            "error": {
                "message": "Invalid OAuth access token - Cannot parse access token",
                "type": "OAuthException",
                "code": 190,
                "fbtrace_id": "AjvFQnHvmWcYGmT8NcCr2kz",
            }
        },
        status=400,
    )


def test_facebook(api: APIClient, provider_urls: HTTPServer) -> None:
    facebook(provider_urls, {"id": "10158", "name": "Ada Lovelace", "email": "ada@example.com"})
    user = assert_signed_in(social(api, "facebook", "EAAGm0PX4ZCps"), "ada@example.com")
    assert user.full_name == "Ada Lovelace"


def test_facebook_bad_token(api: APIClient, provider_urls: HTTPServer) -> None:
    facebook(provider_urls, {"id": "10158", "name": "Ada Lovelace", "email": "ada@example.com"})
    response = social(api, "facebook", "EAA-wrong")
    assert response.status_code == 401


def test_facebook_without_an_email(api: APIClient, provider_urls: HTTPServer) -> None:
    facebook(provider_urls, {"id": "10158", "name": "Ada Lovelace"})
    response = social(api, "facebook", "EAAGm0PX4ZCps")
    assert response.status_code == 400
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("debug", "expected"),
    [
        ({"app_id": "138483919580948", "is_valid": True, "user_id": "10158"}, 200),
        ({"app_id": "999999999999999", "is_valid": True, "user_id": "10158"}, 401),
        ({"app_id": "138483919580948", "is_valid": False, "user_id": "10158"}, 401),
        ({"app_id": "138483919580948", "is_valid": True, "user_id": "42"}, 401),
    ],
)
def test_facebook_token_must_be_ours_when_configured(
    api: APIClient, provider_urls: HTTPServer, settings: Any, debug: dict[str, Any], expected: int
) -> None:
    settings.SOCIAL_AUTH_FACEBOOK_APP_ID = "138483919580948"
    settings.SOCIAL_AUTH_FACEBOOK_APP_SECRET = "f2d0c3e4b5a6978812345678deadbeef"
    provider_urls.expect_request(
        "/v19.0/debug_token",
        method="GET",
        query_string={
            "input_token": FACEBOOK_TOKEN,
            "access_token": "138483919580948|f2d0c3e4b5a6978812345678deadbeef",
        },
    ).respond_with_json(
        {
            "data": {
                "type": "USER",
                "application": "pyauth",
                "expires_at": 1352419328,
                "issued_at": 1347235328,
                "scopes": ["email", "public_profile"],
                **debug,
            }
        }
    )
    facebook(provider_urls, {"id": "10158", "name": "Ada Lovelace", "email": "ada@example.com"})
    response = social(api, "facebook", FACEBOOK_TOKEN)
    assert response.status_code == expected, response.content
    assert User.objects.exists() is (expected == 200)


# --- the endpoint ------------------------------------------------------------------------


def test_bad_requests(api: APIClient, provider_urls: HTTPServer) -> None:
    assert social(api, "myspace", "t").status_code == 400
    assert api.post(URL, {"provider": "google"}).status_code == 400
    assert social(api, "google", "x" * 9000).status_code == 400
    assert not provider_urls.log


def test_needs_csrf(google: Google, csrf_client: APIClient) -> None:
    bare = APIClient(enforce_csrf_checks=True)
    response = social(bare, "google", google.id_token())
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    assert social(csrf_client, "google", google.id_token()).status_code == 200


def test_rate_limited(api: APIClient, google: Google, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth_social": "2/min",
        },
    }
    for _ in range(2):
        assert social(api, "google", google.id_token(aud="wrong")).status_code == 401
    response = social(api, "google", google.id_token())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
