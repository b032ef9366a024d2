"""``/api/register/``, ``/api/login/``, ``/api/user/``, ``/api/logout/``: the paths that
documents 001, 003 and 004 share, each serving every document's request and response.

- register: 001 {name, email, password}, 003 {username, password}, 004 {username,
  email, password, password2} -> 201 {id, username, email, name}.
- login: by email (001) or username (004); starts a Django session (004) AND sets the
  HttpOnly ``jwt`` cookie living 60 minutes (001), answering 004's
  {"message", "user", "csrf_token"}. No token in the body.
- user (and 004's ``/api/protected/``): the ``jwt`` cookie, the session or a Bearer
  token -> {id, username, email, name}.
- logout: revokes the ``jwt`` cookie's token (a copy replayed later is refused), ends
  the session, deletes the cookie. No CSRF header needed (it only ends the caller's own
  credentials; 001's client sends none).

Register and login are rate-limited (429 with Retry-After, shared with the other
documents' endpoints of the same kind); login is under the login backend's per-account
and per-IP lockout, whose locked answer is the wrong password's 401.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpResponseBase
from django.middleware.csrf import get_token
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_app.accounts.authentication import JWT_COOKIE, JwtCookieAuthentication
from django_app.accounts.serializers import LoginSerializer, RegisterSerializer, UserSerializer
from django_app.authapi.throttles import AuthLoginThrottle, AuthRegisterThrottle
from django_app.openapi import serializers as docs
from django_app.openapi.schema import (
    SESSION,
    cookie_scheme,
    csrf_cookie,
    retry_after,
    session_cookie,
    set_cookie_header,
)
from pyauth import mfa
from pyauth.authentication import JWTAuthentication
from pyauth.lifecycle import services
from pyauth.settings import api_settings
from pyauth.tokens import TokenError


def set_jwt_cookie(response: HttpResponseBase, token: str) -> None:
    """Document 001's cookie: HttpOnly, SameSite and Secure as PYAUTH says, 60 minutes."""
    response.set_cookie(
        JWT_COOKIE,
        token,
        max_age=int(settings.JWT_COOKIE_LIFETIME.total_seconds()),
        path=api_settings.AUTH_COOKIE_PATH,
        domain=api_settings.AUTH_COOKIE_DOMAIN,
        secure=api_settings.AUTH_COOKIE_SECURE,
        httponly=True,
        samesite=api_settings.AUTH_COOKIE_SAMESITE,
    )


def delete_jwt_cookie(response: HttpResponseBase) -> None:
    """Expire document 001's cookie (same path, domain and SameSite as it was set with)."""
    response.delete_cookie(
        JWT_COOKIE,
        path=api_settings.AUTH_COOKIE_PATH,
        domain=api_settings.AUTH_COOKIE_DOMAIN,
        samesite=api_settings.AUTH_COOKIE_SAMESITE,
    )


def revoke_jwt_cookie(request: Request, reason: str) -> None:
    """Revoke the family of the token in the ``jwt`` cookie, if it holds a valid one."""
    raw = request.COOKIES.get(JWT_COOKIE)
    if not raw:
        return
    try:
        services.revoke_token(raw, reason)
    except TokenError:
        pass  # expired or forged: nothing this server issued is still alive in it


class UnauthenticatedView(APIView):
    """A view anyone may call, with no authentication (so no session CSRF check either:
    bodies are JSON only, which a cross-site form cannot send)."""

    authentication_classes: ClassVar[list[Any]] = []
    permission_classes: ClassVar[list[Any]] = [permissions.AllowAny]


class RegisterView(UnauthenticatedView):
    """POST -> 201 {id, username, email, name}; 400 with each field's messages."""

    throttle_classes: ClassVar[list[Any]] = [AuthRegisterThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(UnauthenticatedView):
    """POST {email|username, password}: session + ``jwt`` cookie; 401 on any failure."""

    www_authenticate_realm = "api"
    throttle_classes: ClassVar[list[Any]] = [AuthLoginThrottle]

    def get_authenticate_header(self, request: Request) -> str:
        # A 401 needs a challenge; the one of the Bearer scheme this API also speaks.
        return f'{api_settings.AUTH_HEADER_TYPES[0]} realm="{self.www_authenticate_realm}"'

    @extend_schema(
        request=docs.login_request("SessionLoginStep", LoginSerializer),
        responses={200: docs.SessionLoginSerializer, 401: docs.AuthErrorSerializer}
        | docs.mfa_responses(),
        parameters=[set_cookie_header(JWT_COOKIE, session_cookie, csrf_cookie), retry_after()],
    )
    def post(self, request: Request) -> Response:
        # Two-factor: {"mfa_token", "mfa_code"} finishes a login the password started.
        user = mfa.pending_user(request)
        if user is None:
            serializer = LoginSerializer(data=request.data, context={"request": request})
            serializer.is_valid(raise_exception=True)
            user = serializer.validated_data["user"]
            mfa.gate(request, user)  # 403 mfa_required when enrolled

        # A previous login's token in this browser ends with the new login.
        revoke_jwt_cookie(request, "superseded by a new login")
        login(request._request, user)  # rotates the session key and the CSRF token
        token = services.new_session_access(
            user, request=request._request, lifetime=settings.JWT_COOKIE_LIFETIME
        )
        token["id"] = user.pk  # document 001's claims: id, exp, iat

        response = Response(
            {
                "message": _("Login successful"),
                "user": UserSerializer(user).data,
                "csrf_token": get_token(request._request),
            }
        )
        set_jwt_cookie(response, str(token))
        return response


class UserView(APIView):
    """GET -> {id, username, email, name}; 401 {"detail": "Authentication credentials
    were not provided."} without credentials."""

    authentication_classes: ClassVar[list[Any]] = [
        JWTAuthentication,
        JwtCookieAuthentication,
        SessionAuthentication,
    ]
    permission_classes: ClassVar[list[Any]] = [permissions.IsAuthenticated]

    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class LogoutView(UnauthenticatedView):
    """POST -> {"message": "Logout successful"}: whatever the caller held (a ``jwt``
    cookie, a session or both) is revoked and cleared; calling it again is harmless."""

    @extend_schema(
        request=None,
        responses=docs.MessageSerializer,
        auth=[{cookie_scheme(JWT_COOKIE): []}, {SESSION: []}, {}],
        parameters=[set_cookie_header(JWT_COOKIE, session_cookie)],
    )
    def post(self, request: Request) -> Response:
        revoke_jwt_cookie(request, services.REASON_LOGOUT)
        logout(request._request)
        response = Response({"message": _("Logout successful")})
        delete_jwt_cookie(response)
        return response
