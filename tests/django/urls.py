"""URLs for pyauth's Django tests: pyauth's views and protected probes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.urls import include, path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from pyauth.authentication import JWTAuthentication, JWTCookieAuthentication
from pyauth.views import (
    CookieLogoutView,
    CookieTokenObtainView,
    CookieTokenRefreshView,
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
    TokenVerifyView,
)


class WhoAmI(APIView):  # type: ignore[misc]
    """Answers who the request authenticated as, and with which token."""

    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Any) -> Response:
        return Response(
            {
                "username": request.user.get_username(),
                "token_type": request.auth.get("token_type"),
                "sid": request.auth.get("sid"),
            }
        )

    def post(self, request: Any) -> Response:
        return Response({"username": request.user.get_username(), "posted": request.data})


class CookieWhoAmI(WhoAmI):
    authentication_classes = (JWTCookieAuthentication,)


class UserProbe(APIView):  # type: ignore[misc]
    """Reads only request.user.pk and the claim fields (username, email) unless
    ``?read=<attribute>`` names one more."""

    authentication_classes = (JWTAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Any) -> Response:
        user = request.user
        body = {
            "pk": user.pk,
            "username": user.username,
            "email": user.email,
            "class": type(user).__name__,
        }
        read = request.query_params.get("read")
        if read:
            body[read] = str(getattr(user, read))
        return Response(body)


class CookieUserProbe(UserProbe):
    authentication_classes = (JWTCookieAuthentication,)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/token/", TokenObtainPairView.as_view()),
    path("api/token/refresh/", TokenRefreshView.as_view()),
    path("api/token/refresh/static/", TokenRefreshView.as_view(rotate=False)),
    path("api/token/verify/", TokenVerifyView.as_view()),
    path("api/token/blacklist/", TokenBlacklistView.as_view()),
    path("api/cookie/login/", CookieTokenObtainView.as_view()),
    path("api/cookie/refresh/", CookieTokenRefreshView.as_view()),
    path("api/cookie/logout/", CookieLogoutView.as_view()),
    path("api/whoami/", WhoAmI.as_view()),
    path("api/cookie/whoami/", CookieWhoAmI.as_view()),
    path("api/probe/", UserProbe.as_view()),
    path("api/cookie/probe/", CookieUserProbe.as_view()),
    path("api/2fa/", include("pyauth.mfa.urls")),
]
