"""Document 003 under ``/api/``: Bearer tokens in JSON bodies.

``token/`` {username, password} -> {refresh, access} (the access token's claims hold
token_type, exp, iat, jti, user_id and the user's full_name, username, email, bio, image,
verified); ``token/refresh/`` {refresh} -> {access}, without rotation (003's client keeps
its refresh token); ``dashboard/`` GET and POST {text}, Bearer only. ``register/`` is
shared with 001 and 004 (see :mod:`.shared`). ``token/`` and ``token/refresh/`` are
rate-limited (429 with Retry-After); ``token/`` is under the login backend's lockout.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_app.accounts.serializers import DashboardTextSerializer
from django_app.authapi.throttles import AuthLoginThrottle, AuthRefreshThrottle
from django_app.openapi.serializers import DashboardResponseSerializer
from pyauth.authentication import JWTAuthentication
from pyauth.serializers import TokenObtainPairSerializer
from pyauth.settings import api_settings
from pyauth.tokens import RefreshToken
from pyauth.views import TokenObtainPairView as BaseTokenObtainPairView
from pyauth.views import TokenRefreshView as BaseTokenRefreshView


class UsernameTokenObtainPairSerializer(TokenObtainPairSerializer):
    """simplejwt's pair serializer with 003's field name: ``username`` (which may also
    hold an email address; the login backend tells them apart)."""

    username_field = "username"

    @classmethod
    def get_token(cls, user: Any) -> RefreshToken:
        """simplejwt's refresh token, with 003's ``user_id`` as a number (as its tokens
        show it; simplejwt 5.5 and pyauth write a string). Access tokens made from this
        refresh token, now and on refresh, copy it."""
        token = super().get_token(user)
        token[api_settings.USER_ID_CLAIM] = getattr(user, api_settings.USER_ID_FIELD)
        return token


class TokenObtainPairView(BaseTokenObtainPairView):
    """POST {username, password} -> {refresh, access}; 401 otherwise."""

    serializer_class = UsernameTokenObtainPairSerializer
    throttle_classes: ClassVar[list[Any]] = [AuthLoginThrottle]


class TokenRefreshView(BaseTokenRefreshView):
    """POST {refresh} -> {access}; the refresh token stays valid until it expires."""

    rotate = False
    throttle_classes: ClassVar[list[Any]] = [AuthRefreshThrottle]


class DashboardView(APIView):
    """GET -> a greeting; POST {text} -> the greeting with the text. Bearer only."""

    authentication_classes: ClassVar[list[Any]] = [JWTAuthentication]
    permission_classes: ClassVar[list[Any]] = [permissions.IsAuthenticated]

    @extend_schema(responses=DashboardResponseSerializer)
    def get(self, request: Request) -> Response:
        message = _("Hey %(username)s, You are seeing a GET response")
        return Response({"response": message % {"username": request.user.display_name}})

    @extend_schema(request=DashboardTextSerializer, responses=DashboardResponseSerializer)
    def post(self, request: Request) -> Response:
        serializer = DashboardTextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = _("Hey %(username)s, your text is %(text)s")
        params = {"username": request.user.display_name, "text": serializer.validated_data["text"]}
        return Response({"response": message % params})
