"""``Me`` under each authentication class the in-process benchmark compares."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework_simplejwt.authentication import (
    JWTAuthentication as SimpleJWTAuthentication,
)
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication

from drf_site.views import Me
from pyauth.authentication import JWTAuthentication, JWTCookieAuthentication


class PyauthBearer(Me):
    authentication_classes: ClassVar[list[type]] = [JWTAuthentication]


class PyauthCookie(Me):
    authentication_classes: ClassVar[list[type]] = [JWTCookieAuthentication]


class SimpleJWTDefault(Me):
    authentication_classes: ClassVar[list[type]] = [SimpleJWTAuthentication]


class SimpleJWTStateless(Me):
    authentication_classes: ClassVar[list[type]] = [JWTStatelessUserAuthentication]


class _FixedUser:
    """What an authentication class that does no work returns: a user already built."""

    is_authenticated = True
    is_active = True
    pk = id = 1


class NoWorkAuthentication:
    """Authenticates every request as one fixed user, doing nothing: the floor under
    any real class (what DRF itself spends on an authenticated view)."""

    user = _FixedUser()

    def authenticate(self, request: Any) -> tuple[Any, None]:
        return self.user, None

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="api"'


class NoWork(Me):
    authentication_classes: ClassVar[list[type]] = [NoWorkAuthentication]
