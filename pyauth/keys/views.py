"""``GET /.well-known/jwks.json``: the public keys that verify this service's tokens.

A plain Django view, not a DRF one: it is public (no authentication class, no
permission, no CSRF to consider for GET), answers a JWK Set (RFC 7517 §5) of the public
halves of every live key (the signer and the keys still within their grace; never a
private member, never an HMAC key), and lets verifiers cache it for ``JWKS_MAX_AGE``
seconds. Verifiers that meet an unknown ``kid`` fetch it again (PyJWT's PyJWKClient and
jose's createRemoteJWKSet both do), so a rotation does not wait for the cache.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import View

from pyauth import signing
from pyauth.settings import api_settings

__all__ = ["JWKSView"]


class JWKSView(View):  # type: ignore[misc]
    """The JWK Set of :func:`pyauth.signing.public_jwks`, cacheable and readable from
    any origin (it is public data)."""

    http_method_names = ["get", "head", "options"]  # noqa: RUF012 - Django's own attribute

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = JsonResponse(signing.public_jwks())
        max_age = int(api_settings.JWKS_MAX_AGE)
        response["Cache-Control"] = f"public, max-age={max_age}"
        response["Access-Control-Allow-Origin"] = "*"
        response["X-Content-Type-Options"] = "nosniff"
        return response
