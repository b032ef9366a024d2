"""Rate limits of the costly endpoints of every document: DRF throttles on Django's
cache (Redis in production), answering 429 with ``Retry-After``.

One scope per endpoint family, shared by the documents (one login budget per client,
whichever login endpoint it calls); the rates are
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] entries read at request time (so tests and
deployments can change them)::

    "auth_login", "auth_otp", "auth_token", "auth_reset",
    "auth_verify", "auth_register", "auth_social", "auth_refresh"

Signed-in callers are counted by user, anonymous ones by client IP (DRF's
``get_ident``: REMOTE_ADDR, or X-Forwarded-For when NUM_PROXIES says so).

A cache that cannot be reached lets requests through (logged): sign-in keeps working
while Redis is down, and the per-account lockout, kept in the database, still counts.
"""

from __future__ import annotations

import logging
from typing import Any

from rest_framework.settings import api_settings as drf_settings
from rest_framework.throttling import ScopedRateThrottle

__all__ = [
    "AuthLoginThrottle",
    "AuthOtpThrottle",
    "AuthRefreshThrottle",
    "AuthRegisterThrottle",
    "AuthResetThrottle",
    "AuthScopedThrottle",
    "AuthSocialThrottle",
    "AuthTokenThrottle",
    "AuthVerifyThrottle",
    "throttle_for",
]

logger = logging.getLogger("django_app.authapi")


class AuthScopedThrottle(ScopedRateThrottle):  # type: ignore[misc]
    """A ScopedRateThrottle whose scope is fixed by the class (``fixed_scope``) rather
    than read from the view, so one view may carry several, and whose rates are read
    from DRF's settings at request time rather than at import."""

    fixed_scope: str = ""

    def get_rate(self) -> str | None:
        rates: dict[str, str | None] = drf_settings.DEFAULT_THROTTLE_RATES or {}
        return rates.get(self.scope)

    def allow_request(self, request: Any, view: Any) -> bool:
        self.scope = self.fixed_scope
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        try:
            allowed: bool = super(ScopedRateThrottle, self).allow_request(request, view)
        except Exception:  # the cache (Redis) is down: serve, as the lockout still counts
            logger.warning("rate limit %s not applied: the cache is unreachable", self.scope)
            return True
        return allowed


class AuthLoginThrottle(AuthScopedThrottle):
    """Password logins: /auth-api/login/, /api/auth/login, /api/login/, /api/token/."""

    fixed_scope = "auth_login"


class AuthOtpThrottle(AuthScopedThrottle):
    """resend-otp/ and verify-phone/ (anything that sends a code)."""

    fixed_scope = "auth_otp"


class AuthTokenThrottle(AuthScopedThrottle):
    """token/ (code submissions)."""

    fixed_scope = "auth_token"


class AuthResetThrottle(AuthScopedThrottle):
    """reset-password/"""

    fixed_scope = "auth_reset"


class AuthVerifyThrottle(AuthScopedThrottle):
    """verify-email/ and verify-phone/ checks."""

    fixed_scope = "auth_verify"


class AuthRegisterThrottle(AuthScopedThrottle):
    """Registrations: users/ create (authapi_users), /api/auth/register, /api/register/."""

    fixed_scope = "auth_register"


class AuthSocialThrottle(AuthScopedThrottle):
    """social-auth/ (authapi_users)."""

    fixed_scope = "auth_social"


class AuthRefreshThrottle(AuthScopedThrottle):
    """Refresh-token exchanges: /api/auth/token/refresh, /api/token/refresh/."""

    fixed_scope = "auth_refresh"


_BY_SCOPE: dict[str, type[AuthScopedThrottle]] = {
    cls.fixed_scope: cls
    for cls in (
        AuthLoginThrottle,
        AuthOtpThrottle,
        AuthTokenThrottle,
        AuthResetThrottle,
        AuthVerifyThrottle,
        AuthRegisterThrottle,
        AuthSocialThrottle,
        AuthRefreshThrottle,
    )
}


def throttle_for(scope: str) -> type[AuthScopedThrottle]:
    """The throttle class of a scope name (KeyError for an unknown one)."""
    return _BY_SCOPE[scope]
