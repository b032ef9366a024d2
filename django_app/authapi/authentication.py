"""How callers of ``/auth-api/`` are authenticated.

The access token rides in the HttpOnly ``access_token`` cookie (PYAUTH's
AUTH_COOKIE_ACCESS); unsafe methods must carry Django's CSRF token as well. Views list
:class:`AuthApiCookieAuthentication` first and pyauth's Bearer
:class:`~pyauth.authentication.JWTAuthentication` second (see :data:`AUTH_API_AUTHENTICATION`).
"""

from __future__ import annotations

from typing import Any

from pyauth.authentication import JWTAuthentication, JWTCookieAuthentication

__all__ = ["AUTH_API_AUTHENTICATION", "AuthApiCookieAuthentication"]


class AuthApiCookieAuthentication(JWTCookieAuthentication):
    """The access token from the ``access_token`` cookie; CSRF enforced on unsafe methods
    (403 ``CSRF Failed: ...``)."""


#: The authentication classes of every signed-in /auth-api/ view, in order.
AUTH_API_AUTHENTICATION: tuple[Any, ...] = (AuthApiCookieAuthentication, JWTAuthentication)
