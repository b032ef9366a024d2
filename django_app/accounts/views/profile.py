"""``/api/profile/`` (GET, PATCH {bio, phone}) and ``/api/profile/image/`` (PUT, multipart
``image``): the caller's profile, whichever way they logged in.

These are the cookie- and session-authenticated unsafe requests of the API, so they need
the CSRF token (X-CSRFToken) unless the caller uses a Bearer token.
"""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema
from rest_framework import parsers, permissions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_app.accounts.authentication import JwtCookieAuthentication
from django_app.accounts.models import Profile
from django_app.accounts.serializers import ProfileImageSerializer, ProfileSerializer
from pyauth.authentication import JWTAuthentication, JWTCookieAuthentication

#: Every way a caller may be logged in: Bearer (003), ``access_token`` cookie (000),
#: ``jwt`` cookie (001), session (004).
ANY_LOGIN: list[Any] = [
    JWTAuthentication,
    JWTCookieAuthentication,
    JwtCookieAuthentication,
    SessionAuthentication,
]


class ProfileBaseView(APIView):
    """The caller's own profile, created if a user somehow has none."""

    authentication_classes: ClassVar[list[Any]] = ANY_LOGIN
    permission_classes: ClassVar[list[Any]] = [permissions.IsAuthenticated]

    def get_profile(self, request: Request) -> Profile:
        profile: Profile
        profile, _created = Profile.objects.get_or_create(user=request.user)
        return profile


class ProfileView(ProfileBaseView):
    """GET -> {bio, image, phone, verified}; PATCH {bio, phone} -> the same."""

    @extend_schema(responses=ProfileSerializer)
    def get(self, request: Request) -> Response:
        serializer = ProfileSerializer(self.get_profile(request), context={"request": request})
        return Response(serializer.data)

    @extend_schema(request=ProfileSerializer, responses=ProfileSerializer)
    def patch(self, request: Request) -> Response:
        serializer = ProfileSerializer(
            self.get_profile(request),
            data=request.data,
            partial=True,
            context={"request": request},
        )
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data)


class ProfileImageView(ProfileBaseView):
    """PUT multipart ``image`` -> the profile; the one view that takes multipart."""

    parser_classes: ClassVar[list[Any]] = [parsers.MultiPartParser]

    @extend_schema(request=ProfileImageSerializer, responses=ProfileSerializer)
    def put(self, request: Request) -> Response:
        profile = self.get_profile(request)
        serializer = ProfileImageSerializer(profile, data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(ProfileSerializer(profile, context={"request": request}).data)
