"""Who a social provider says the caller is: Google (an ID token verified by pyauth's C++
core against Google's JWK Set), GitHub and Facebook (an access token checked against the
provider's user API).

Each ``identify_*`` returns an :class:`Identity` or raises :class:`ProviderRefused` (the
token is not good: 401) or :class:`~django_app.authapi.http.ProviderUnavailable`
(the provider could not answer: 503). Tokens are never logged.
"""

from __future__ import annotations

import base64
import email.utils
import json
import re
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from django_app.authapi.http import ProviderUnavailable, fetch_json
from pyauth import jwt

GOOGLE_JWKS_CACHE_KEY = "authapi_users:google:jwks"
#: Set while a refetch forced by an unknown "kid" is recent, so that tokens with made-up
#: kids cannot make every request fetch Google's keys again.
GOOGLE_REFETCH_COOLDOWN_KEY = "authapi_users:google:jwks:refetched"
GOOGLE_REFETCH_COOLDOWN = 30
#: Clock skew tolerated on exp/iat/nbf of Google's ID tokens, in seconds.
GOOGLE_LEEWAY = 30

_MAX_AGE = re.compile(r"max-age=(\d+)", re.IGNORECASE)


class ProviderRefused(Exception):
    """The provider does not vouch for the token; the message is safe to show."""


class ProviderNotConfigured(Exception):
    """This provider is not set up on this server."""


@dataclass(frozen=True)
class Identity:
    provider: str
    uid: str
    email: str | None
    email_verified: bool
    name: str


# --- Google ------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _keyset(document: str) -> jwt.KeySet:
    """The KeySet of a JWKS document, parsed once per distinct document."""
    return jwt.load_jwks(document)


def _fetch_google_jwks() -> str:
    response = fetch_json(settings.SOCIAL_AUTH_GOOGLE_JWKS_URL)
    if response.status != 200 or not isinstance(response.data, dict):
        raise ProviderUnavailable(f"Google's JWKS answered {response.status}")
    if not isinstance(response.data.get("keys"), list):
        raise ProviderUnavailable("Google's JWKS holds no 'keys' list")
    document = json.dumps(response.data, separators=(",", ":"), sort_keys=True)
    try:
        _keyset(document)
    except jwt.PyJWTError as exc:
        raise ProviderUnavailable(f"Google's JWKS cannot be read: {exc}") from exc
    ttl = int(settings.SOCIAL_AUTH_GOOGLE_JWKS_TTL)
    header = {k.lower(): v for k, v in response.headers.items()}.get("cache-control", "")
    match = _MAX_AGE.search(header)
    if match:
        ttl = min(ttl, int(match.group(1)))
    if ttl > 0:
        cache.set(GOOGLE_JWKS_CACHE_KEY, document, ttl)
    return document


def google_keyset(*, refresh: bool = False) -> jwt.KeySet:
    """Google's signing keys: from Django's cache, else fetched (and cached)."""
    document = None if refresh else cache.get(GOOGLE_JWKS_CACHE_KEY)
    if not isinstance(document, str):
        document = _fetch_google_jwks()
    return _keyset(document)


def _decode_google(token: str, keys: jwt.KeySet) -> dict[str, Any]:
    return jwt.decode(
        token,
        keys,
        algorithms=["RS256"],
        audience=settings.SOCIAL_AUTH_GOOGLE_CLIENT_ID,
        issuer=list(settings.SOCIAL_AUTH_GOOGLE_ISSUERS),
        leeway=GOOGLE_LEEWAY,
        options={"require": ["exp", "iat", "iss", "aud", "sub"]},
    )


def identify_google(token: str) -> Identity:
    """Verify a Google ID token: RS256 by a key of Google's JWKS (refetched once when the
    token names an unknown kid), aud = our client id, a Google issuer, unexpired."""
    if not settings.SOCIAL_AUTH_GOOGLE_CLIENT_ID:
        raise ProviderNotConfigured(_("Sign-in with Google is not configured."))
    try:
        try:
            claims = _decode_google(token, google_keyset())
        except jwt.NoMatchingKeyError:
            if not cache.add(GOOGLE_REFETCH_COOLDOWN_KEY, True, GOOGLE_REFETCH_COOLDOWN):
                raise
            claims = _decode_google(token, google_keyset(refresh=True))
    except jwt.ExpiredSignatureError as exc:
        raise ProviderRefused(_("The Google token has expired.")) from exc
    except jwt.PyJWTError as exc:
        raise ProviderRefused(_("The Google token is not valid.")) from exc
    verified = claims.get("email_verified") in (True, "true")
    email_claim = claims.get("email")
    return Identity(
        provider="google",
        uid=str(claims["sub"]),
        email=email_claim if isinstance(email_claim, str) and email_claim else None,
        email_verified=verified,
        name=str(claims.get("name") or "")[:150],
    )


# --- GitHub ------------------------------------------------------------------------------


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refused_or_unavailable(provider: str, status: int) -> None:
    if status in (400, 401, 403):
        raise ProviderRefused(_("%(provider)s refused the access token.") % {"provider": provider})
    if status != 200:
        raise ProviderUnavailable(f"{provider} answered {status}")


def _check_github_app(token: str) -> None:
    """With SOCIAL_AUTH_GITHUB_CLIENT_ID and _SECRET set, the token must have been issued
    to our OAuth app (GitHub's "check a token": POST /applications/{client_id}/token with
    the app's basic auth; 404 means not ours or not valid). Without them any GitHub token
    with the user:email scope is accepted, whichever app it was issued to."""
    client_id = getattr(settings, "SOCIAL_AUTH_GITHUB_CLIENT_ID", "")
    secret = getattr(settings, "SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "")
    if not (client_id and secret):
        return
    url = settings.SOCIAL_AUTH_GITHUB_CHECK_TOKEN_URL.format(
        client_id=urllib.parse.quote(client_id, safe="")
    )
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode("ascii")
    response = fetch_json(
        url,
        headers={"Authorization": f"Basic {basic}", "Accept": "application/vnd.github+json"},
        json_body={"access_token": token},
    )
    if response.status in (404, 422):
        raise ProviderRefused(_("GitHub refused the access token."))
    if response.status != 200:
        raise ProviderUnavailable(f"GitHub's token check answered {response.status}")


def identify_github(token: str) -> Identity:
    """GET the user and their emails with the token; the primary verified email counts."""
    _check_github_app(token)
    headers = {**_bearer(token), "Accept": "application/vnd.github+json"}
    user = fetch_json(settings.SOCIAL_AUTH_GITHUB_API_URL, headers=headers)
    _refused_or_unavailable("GitHub", user.status)
    if not isinstance(user.data, dict) or "id" not in user.data:
        raise ProviderUnavailable("GitHub's user has no id")
    emails = fetch_json(settings.SOCIAL_AUTH_GITHUB_EMAILS_URL, headers=headers)
    _refused_or_unavailable("GitHub", emails.status)
    if not isinstance(emails.data, list):
        raise ProviderUnavailable("GitHub's emails are not a list")
    primary = next(
        (
            entry
            for entry in emails.data
            if isinstance(entry, dict)
            and entry.get("primary") is True
            and entry.get("verified") is True
            and isinstance(entry.get("email"), str)
        ),
        None,
    )
    return Identity(
        provider="github",
        uid=str(user.data["id"]),
        email=primary["email"] if primary else None,
        email_verified=primary is not None,
        name=str(user.data.get("name") or user.data.get("login") or "")[:150],
    )


# --- Facebook ----------------------------------------------------------------------------


def _check_facebook_app(token: str) -> str | None:
    """With SOCIAL_AUTH_FACEBOOK_APP_ID and _APP_SECRET set, the token must be a valid user
    token of our app (Graph's /debug_token with the app token "id|secret"); returns the
    user id it names. Without them any token is accepted, whichever app it was issued to."""
    app_id = getattr(settings, "SOCIAL_AUTH_FACEBOOK_APP_ID", "")
    secret = getattr(settings, "SOCIAL_AUTH_FACEBOOK_APP_SECRET", "")
    if not (app_id and secret):
        return None
    response = fetch_json(
        settings.SOCIAL_AUTH_FACEBOOK_DEBUG_TOKEN_URL,
        params={"input_token": token, "access_token": f"{app_id}|{secret}"},
    )
    _refused_or_unavailable("Facebook", response.status)
    data = response.data.get("data") if isinstance(response.data, dict) else None
    if not isinstance(data, dict):
        raise ProviderUnavailable("Facebook's debug_token has no data")
    if data.get("is_valid") is not True or str(data.get("app_id")) != str(app_id):
        raise ProviderRefused(_("Facebook refused the access token."))
    user_id = data.get("user_id")
    return str(user_id) if user_id is not None else None


def identify_facebook(token: str) -> Identity:
    """GET /me?fields=id,name,email with the token. Facebook only returns an email it has
    confirmed, so an email in the answer counts as verified."""
    user_id = _check_facebook_app(token)
    response = fetch_json(
        settings.SOCIAL_AUTH_FACEBOOK_API_URL,
        headers=_bearer(token),
        params={"fields": "id,name,email"},
    )
    _refused_or_unavailable("Facebook", response.status)
    if not isinstance(response.data, dict) or "id" not in response.data:
        raise ProviderUnavailable("Facebook's user has no id")
    if user_id is not None and str(response.data["id"]) != user_id:
        raise ProviderRefused(_("Facebook refused the access token."))
    address = response.data.get("email")
    address = address if isinstance(address, str) and address else None
    return Identity(
        provider="facebook",
        uid=str(response.data["id"]),
        email=address,
        email_verified=address is not None,
        name=str(response.data.get("name") or "")[:150],
    )


IDENTIFY = {
    "google": identify_google,
    "github": identify_github,
    "facebook": identify_facebook,
}


def valid_email(address: str) -> bool:
    """A plain addr-spec (no display name) that looks like an email address."""
    _name, parsed = email.utils.parseaddr(address)
    return parsed == address and "@" in address and len(address) <= 254


__all__ = [
    "IDENTIFY",
    "Identity",
    "ProviderNotConfigured",
    "ProviderRefused",
    "ProviderUnavailable",
    "google_keyset",
]
