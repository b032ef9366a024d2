"""Document 000 under ``/api/auth/``: HttpOnly ``access_token`` and ``refresh_token``
cookies, never a token in a body.

``register`` {email, password, confirm_password}; ``login`` {email, password} sets both
cookies; ``me`` -> {id, email}; ``token/refresh`` rotates from the refresh cookie with no
body; ``logout`` blacklists the refresh token's family and clears both cookies. Refresh
and logout need no CSRF header (they only rotate or end the caller's own credentials).

Register, login and refresh are rate-limited (429 with Retry-After); login is under the
per-account and per-IP lockout of the login backend.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_app.accounts.serializers import EmailRegisterSerializer, EmailUserSerializer
from django_app.authapi.throttles import (
    AuthLoginThrottle,
    AuthRefreshThrottle,
    AuthRegisterThrottle,
)
from pyauth.authentication import JWTAuthentication, JWTCookieAuthentication
from pyauth.views import CookieLogoutView, CookieTokenObtainView, CookieTokenRefreshView


class RegisterView(APIView):
    """POST {email, password, confirm_password} -> 201 {id, email}."""

    authentication_classes: ClassVar[list[Any]] = []
    permission_classes: ClassVar[list[Any]] = [permissions.AllowAny]
    throttle_classes: ClassVar[list[Any]] = [AuthRegisterThrottle]

    @extend_schema(request=EmailRegisterSerializer, responses={201: EmailUserSerializer})
    def post(self, request: Request) -> Response:
        serializer = EmailRegisterSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        return Response(EmailUserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(CookieTokenObtainView):
    """POST {email, password}: sets the ``access_token`` and ``refresh_token`` cookies."""

    throttle_classes: ClassVar[list[Any]] = [AuthLoginThrottle]


class MeView(APIView):
    """GET -> {id, email} of the user the access cookie (or a Bearer token) names."""

    authentication_classes: ClassVar[list[Any]] = [JWTCookieAuthentication, JWTAuthentication]
    permission_classes: ClassVar[list[Any]] = [permissions.IsAuthenticated]

    @extend_schema(responses=EmailUserSerializer)
    def get(self, request: Request) -> Response:
        return Response(EmailUserSerializer(request.user).data)


class TokenRefreshView(CookieTokenRefreshView):
    """POST with the refresh cookie, no body: rotated cookies and
    {"detail": "Access token refreshed successfully"}."""

    throttle_classes: ClassVar[list[Any]] = [AuthRefreshThrottle]


class LogoutView(CookieLogoutView):
    """POST: blacklists the refresh token's family and clears both cookies."""
