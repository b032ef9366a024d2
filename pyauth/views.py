"""pyauth's token endpoints.

simplejwt's four, same names, bodies and status codes::

    path("api/token/", TokenObtainPairView.as_view()),          # {username, password}
    path("api/token/refresh/", TokenRefreshView.as_view()),     # {refresh}
    path("api/token/verify/", TokenVerifyView.as_view()),       # {token}
    path("api/token/blacklist/", TokenBlacklistView.as_view()), # {refresh}

and the cookie mode, where the browser holds both tokens in HttpOnly cookies and the
bodies never carry a token: :class:`CookieTokenObtainView`,
:class:`CookieTokenRefreshView` (reads the refresh cookie, needs no body) and
:class:`CookieLogoutView`, with :func:`set_auth_cookies` / :func:`delete_auth_cookies`
for views of one's own.

Device-bound refresh tokens (REFRESH_FINGERPRINT): every refresh token
:func:`set_auth_cookies` puts in a cookie is bound to a fresh random fingerprint, kept
in a cookie of its own (:func:`fingerprint_cookie_name`: ``__Host-refresh_fgp`` when
Secure; HttpOnly, SameSite as the others, Path=/, no Domain), whose digest the token
carries (:mod:`pyauth.lifecycle.fingerprints`). The cookie refresh view presents both
and refuses a token whose fingerprint is missing or wrong (401, nothing revoked);
each rotation binds the new token to a new fingerprint; logout deletes the cookie.
Tokens without a binding (simplejwt's, or issued before the setting) are refused by the
cookie refresh while the setting is on; the body views never bind and never demand it.

These views take JSON bodies only, authenticate nobody (they *are* the
authentication) and so are not subject to CSRF: the refresh and logout views only
rotate or end the caller's own credentials, and a cross-site form cannot send JSON.
They opt out of ATOMIC_REQUESTS so that a revocation made while refusing a replayed
token is committed although the answer is an error.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.middleware.csrf import get_token, rotate_token
from django.utils.translation import gettext_lazy as _
from rest_framework import generics, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from pyauth import serializers
from pyauth.authentication import InvalidToken
from pyauth.lifecycle import fingerprints, services
from pyauth.settings import api_settings
from pyauth.tokens import Token, TokenError

__all__ = [
    "CookieLogoutView",
    "CookieTokenObtainView",
    "CookieTokenRefreshView",
    "TokenBlacklistView",
    "TokenObtainPairView",
    "TokenRefreshView",
    "TokenVerifyView",
    "TokenViewBase",
    "delete_auth_cookies",
    "fingerprint_cookie_name",
    "set_auth_cookies",
]

#: What ``__Host-`` demands of a cookie (RFC 6265bis §4.1.3.2): Secure, Path=/, no Domain.
_HOST_PREFIX = "__Host-"


# --- cookies ------------------------------------------------------------------------


def _max_age(token: Token | str, lifetime: timedelta) -> int:
    """Seconds until the token's exp (whole seconds, as exp is), else the lifetime."""
    if isinstance(token, Token) and isinstance(token.get("exp"), (int, float)):
        return max(0, int(token["exp"]) - int(time.time()))
    return int(lifetime.total_seconds())


def _cookie_options() -> dict[str, Any]:
    return {
        "secure": bool(api_settings.AUTH_COOKIE_SECURE),
        "httponly": True,
        "samesite": api_settings.AUTH_COOKIE_SAMESITE,
        "domain": api_settings.AUTH_COOKIE_DOMAIN,
    }


def fingerprint_cookie_name() -> str:
    """The cookie holding the refresh token's device fingerprint: AUTH_COOKIE_FINGERPRINT,
    ``__Host-`` prefixed when cookies are Secure (so no subdomain or plain-HTTP page can
    set or shadow it)."""
    name: str = api_settings.AUTH_COOKIE_FINGERPRINT
    return _HOST_PREFIX + name if api_settings.AUTH_COOKIE_SECURE else name


def set_auth_cookies(response: Any, refresh: Token | str | None, access: Token | str | None) -> Any:
    """Put ``access`` and ``refresh`` (either may be None) in HttpOnly cookies named by
    AUTH_COOKIE_ACCESS / AUTH_COOKIE_REFRESH, living as long as the tokens, with
    SameSite, Secure, domain and paths from the settings. Returns ``response``.

    With REFRESH_FINGERPRINT, ``refresh`` must be the token object, not yet signed: it is
    bound to a new fingerprint, set in the cookie :func:`fingerprint_cookie_name` for as
    long as the refresh cookie."""
    options = _cookie_options()
    if access is not None:
        response.set_cookie(
            api_settings.AUTH_COOKIE_ACCESS,
            str(access),
            max_age=_max_age(access, api_settings.ACCESS_TOKEN_LIFETIME),
            path=api_settings.AUTH_COOKIE_PATH,
            **options,
        )
    if refresh is not None:
        if api_settings.REFRESH_FINGERPRINT:
            if not isinstance(refresh, Token):
                raise TypeError(
                    "set_auth_cookies needs the RefreshToken object when REFRESH_FINGERPRINT "
                    "is on: a signed token can no longer be bound to a fingerprint"
                )
            response.set_cookie(
                fingerprint_cookie_name(),
                fingerprints.bind(refresh),
                max_age=_max_age(refresh, api_settings.REFRESH_TOKEN_LIFETIME),
                path="/",
                domain=None,
                secure=bool(api_settings.AUTH_COOKIE_SECURE),
                httponly=True,
                samesite=api_settings.AUTH_COOKIE_SAMESITE,
            )
        response.set_cookie(
            api_settings.AUTH_COOKIE_REFRESH,
            str(refresh),
            max_age=_max_age(refresh, api_settings.REFRESH_TOKEN_LIFETIME),
            path=api_settings.AUTH_COOKIE_REFRESH_PATH,
            **options,
        )
    return response


def delete_auth_cookies(response: Any) -> Any:
    """Expire both token cookies (same names, paths and domain as they were set with),
    and the fingerprint cookie with REFRESH_FINGERPRINT."""
    samesite = api_settings.AUTH_COOKIE_SAMESITE
    domain = api_settings.AUTH_COOKIE_DOMAIN
    response.delete_cookie(
        api_settings.AUTH_COOKIE_ACCESS,
        path=api_settings.AUTH_COOKIE_PATH,
        domain=domain,
        samesite=samesite,
    )
    response.delete_cookie(
        api_settings.AUTH_COOKIE_REFRESH,
        path=api_settings.AUTH_COOKIE_REFRESH_PATH,
        domain=domain,
        samesite=samesite,
    )
    if api_settings.REFRESH_FINGERPRINT:
        # Django's delete_cookie marks a __Host- cookie Secure, as browsers demand.
        response.delete_cookie(fingerprint_cookie_name(), path="/", samesite=samesite)
    return response


# --- simplejwt's views --------------------------------------------------------------


class TokenViewBase(generics.GenericAPIView):  # type: ignore[misc]
    """POST a JSON body to a serializer; a refused token is 401 ``token_not_valid``."""

    authentication_classes: tuple[Any, ...] = ()
    permission_classes: tuple[Any, ...] = ()
    parser_classes: tuple[Any, ...] = (JSONParser,)
    serializer_class: Any = None
    www_authenticate_realm = "api"

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)
        return transaction.non_atomic_requests(view)

    def get_authenticate_header(self, request: Any) -> str:
        return f'{api_settings.AUTH_HEADER_TYPES[0]} realm="{self.www_authenticate_realm}"'

    def validated(self, request: Any) -> Any:
        """The valid serializer for this request; InvalidToken for a refused token."""
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return serializer

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        serializer = self.validated(request)
        return Response(serializer.validated_data, status=status.HTTP_200_OK)


class TokenObtainPairView(TokenViewBase):
    """Credentials -> ``{"refresh", "access"}``; 401 "No active account found with the
    given credentials" otherwise."""

    serializer_class = serializers.TokenObtainPairSerializer


class TokenRefreshView(TokenViewBase):
    """``{"refresh"}`` -> ``{"access"}`` (+ ``"refresh"`` when rotating). ``rotate``
    (True/False) overrides ROTATE_REFRESH_TOKENS for this view:
    ``TokenRefreshView.as_view(rotate=False)``."""

    serializer_class = serializers.TokenRefreshSerializer
    rotate: bool | None = None

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()
        context["rotate"] = self.rotate
        return context


class TokenVerifyView(TokenViewBase):
    """``{"token"}`` -> 200 ``{}`` if valid and not revoked, else 401."""

    serializer_class = serializers.TokenVerifySerializer


class TokenBlacklistView(TokenViewBase):
    """``{"refresh"}`` -> 200 ``{}``: the token blacklisted and its session revoked."""

    serializer_class = serializers.TokenBlacklistSerializer


# --- cookie mode --------------------------------------------------------------------


class CookieTokenObtainView(TokenObtainPairView):
    """Credentials -> HttpOnly access and refresh cookies; the body holds no token.
    The CSRF token is rotated (as Django's login does) and its cookie set, so the
    client can send X-CSRFToken on its next unsafe request."""

    def get_response_data(self, serializer: Any) -> dict[str, Any]:
        """The body of a successful login."""
        return {"detail": _("Login successful")}

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        serializer = self.validated(request)
        response = Response(self.get_response_data(serializer), status=status.HTTP_200_OK)
        set_auth_cookies(response, serializer.refresh_token, serializer.access_token)
        rotate_token(request._request)
        return response


class CookieTokenRefreshView(TokenViewBase):
    """The refresh cookie -> new cookies (no body needed). ``rotate`` as on
    TokenRefreshView. The fingerprint cookie goes with the token: a token bound to a
    fingerprint is refused without the right one, and with REFRESH_FINGERPRINT a token
    bound to none is refused (401 ``token_not_valid``; nothing is revoked)."""

    rotate: bool | None = None

    def get_response_data(self) -> dict[str, Any]:
        """The body of a successful refresh."""
        return {"detail": _("Access token refreshed successfully")}

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        raw = request.COOKIES.get(api_settings.AUTH_COOKIE_REFRESH)
        if not raw:
            raise InvalidToken(_("No refresh token cookie"))
        try:
            refresh, access = services.refresh(
                raw,
                request,
                rotate=self.rotate,
                fingerprint=request.COOKIES.get(fingerprint_cookie_name()),
                require_fingerprint=bool(api_settings.REFRESH_FINGERPRINT),
            )
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        response = Response(self.get_response_data(), status=status.HTTP_200_OK)
        set_auth_cookies(response, refresh, access)
        get_token(request._request)
        return response


class CookieLogoutView(APIView):  # type: ignore[misc]
    """Revoke the session the cookies belong to and delete both cookies (and the
    fingerprint's). Always 200: logging out twice, or with expired or foreign cookies,
    is not an error."""

    authentication_classes: tuple[Any, ...] = ()
    permission_classes: tuple[Any, ...] = ()
    parser_classes: tuple[Any, ...] = (JSONParser,)

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)
        return transaction.non_atomic_requests(view)

    def get_response_data(self) -> dict[str, Any]:
        """The body of a logout."""
        return {"detail": _("Logged out")}

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        for name in (api_settings.AUTH_COOKIE_REFRESH, api_settings.AUTH_COOKIE_ACCESS):
            raw = request.COOKIES.get(name)
            if raw:
                try:
                    services.revoke_token(raw, services.REASON_LOGOUT)
                except TokenError:
                    pass
        return delete_auth_cookies(Response(self.get_response_data(), status=status.HTTP_200_OK))
