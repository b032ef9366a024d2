"""The DRF authentication classes of the documents' endpoints, on pyauth's.

- 000: the access token in the ``access_token`` cookie (pyauth's JWTCookieAuthentication
  with PYAUTH's AUTH_COOKIE_ACCESS, as it is);
- 001: the access token in the ``jwt`` cookie (below);
- 003: ``Authorization: Bearer`` (pyauth's JWTAuthentication, as it is);
- 004: Django's session (DRF's SessionAuthentication, which enforces CSRF).

Cookie- and session-authenticated unsafe requests must carry the CSRF token. The views
that only end or rotate the caller's own credentials (logout, cookie refresh) read their
cookies themselves and need none.
"""

from __future__ import annotations

from pyauth.authentication import JWTCookieAuthentication

#: The cookie of document 001.
JWT_COOKIE = "jwt"


class JwtCookieAuthentication(JWTCookieAuthentication):
    """Document 001: the access token in the ``jwt`` cookie; unsafe methods need CSRF."""

    cookie_name = JWT_COOKIE
