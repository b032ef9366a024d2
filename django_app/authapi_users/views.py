"""users/, recaptcha-verify/ and social-auth/ under /auth-api/.

Every view is CSRF-protected on unsafe methods, signed in or not (authapi's
``CsrfProtectedAPIView`` / ``CsrfProtectedViewSetMixin``), and authenticates with the
``access_token`` cookie first, a Bearer token second.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from django_app.accounts.models import Profile
from django_app.accounts.serializers import ProfileImageSerializer
from django_app.authapi import services
from django_app.authapi.authentication import AUTH_API_AUTHENTICATION
from django_app.authapi.http import ProviderUnavailable
from django_app.authapi.recaptcha import RecaptchaNotConfigured, verify_recaptcha
from django_app.authapi.throttles import AuthRegisterThrottle, AuthSocialThrottle
from django_app.authapi.views import CsrfProtectedAPIView, CsrfProtectedViewSetMixin
from django_app.authapi_users import roles
from django_app.authapi_users.providers import (
    IDENTIFY,
    Identity,
    ProviderNotConfigured,
    ProviderRefused,
    valid_email,
)
from django_app.authapi_users.serializers import (
    RecaptchaSerializer,
    SocialAuthSerializer,
    UserCreateSerializer,
    UserUpdateSerializer,
)
from django_app.openapi import serializers as docs
from django_app.openapi.schema import (
    access_cookie,
    csrf_cookie,
    refresh_cookies,
    retry_after,
    set_cookie_header,
)
from pyauth import mfa

logger = logging.getLogger(__name__)


class UserPagination(PageNumberPagination):  # type: ignore[misc]
    """``{count, next, previous, results}``, AUTH_API_USERS_PAGE_SIZE per page."""

    page_size_query_param = None

    def get_page_size(self, request: Request) -> int:
        return int(getattr(settings, "AUTH_API_USERS_PAGE_SIZE", 20))


class RegistrationOpen(permissions.BasePermission):  # type: ignore[misc]
    """Anyone while AUTH_API_OPEN_REGISTRATION is on (the default); admins only when off."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if getattr(settings, "AUTH_API_OPEN_REGISTRATION", True):
            return True
        return roles.is_manager(request.user)


class IsManager(permissions.BasePermission):  # type: ignore[misc]
    """Admins and superusers."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_manager(request.user)


class MayChange(permissions.BasePermission):  # type: ignore[misc]
    """The user themselves, or an admin/superuser whose role is not below theirs."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True  # reading: the queryset already limits non-admins to themselves
        return roles.may_change(request.user, obj)


class MayManage(permissions.BasePermission):  # type: ignore[misc]
    """An admin/superuser whose role is not below the target's."""

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        return roles.may_manage(request.user, obj)


class UserViewSet(CsrfProtectedViewSetMixin, viewsets.GenericViewSet):  # type: ignore[misc]
    """users/ (POST create, GET list), users/<id>/ (GET, PATCH, DELETE) and the actions
    activate/, deactivate/ and upload_image/."""

    authentication_classes: ClassVar[tuple[Any, ...]] = AUTH_API_AUTHENTICATION
    pagination_class = UserPagination
    parser_classes: ClassVar[list[Any]] = [parsers.JSONParser]

    def get_queryset(self) -> QuerySet[Any]:
        users = get_user_model()._default_manager.select_related("profile").order_by("pk")
        user = self.request.user
        if roles.is_manager(user):
            return users
        if user and user.is_authenticated:
            return users.filter(pk=user.pk)  # others' ids answer 404, as if absent
        return users.none()

    def get_permissions(self) -> list[Any]:
        if self.action == "create":
            return [RegistrationOpen()]
        if self.action == "list":
            return [permissions.IsAuthenticated(), IsManager()]
        if self.action in ("destroy", "activate"):
            return [permissions.IsAuthenticated(), IsManager(), MayManage()]
        return [permissions.IsAuthenticated(), MayChange()]

    def get_throttles(self) -> list[Any]:
        if self.action == "create":
            return [AuthRegisterThrottle()]
        return []

    def _body(self, user: Any) -> dict[str, Any]:
        user.refresh_from_db()
        return services.user_representation(user, self.request)

    # --- the collection -------------------------------------------------------------

    @extend_schema(responses=docs.AuthApiUserSerializer(many=True))
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([services.user_representation(u, request) for u in page])

    @extend_schema(request=UserCreateSerializer, responses={201: docs.AuthApiUserSerializer})
    def create(self, request: Request) -> Response:
        serializer = UserCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.save()
        try:
            services.send_email_verification(user, request)
        except Exception:  # the account exists; the user can ask for the link again
            logger.exception("could not send the verification mail of user %s", user.pk)
        return Response(services.user_representation(user, request), status=status.HTTP_201_CREATED)

    # --- one user ---------------------------------------------------------------------

    @extend_schema(responses=docs.AuthApiUserSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(services.user_representation(self.get_object(), request))

    @extend_schema(request=UserUpdateSerializer, responses=docs.AuthApiUserSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        serializer = UserUpdateSerializer(
            user, data=request.data, partial=True, context={"request": request}
        )
        serializer.is_valid(raise_exception=True)
        email_before = user.email
        serializer.save()
        if user.email and user.email != email_before:
            try:
                services.send_email_verification(user, request)
            except Exception:
                logger.exception("could not send the verification mail of user %s", user.pk)
        return Response(self._body(user))

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(
                docs.ErrorSerializer, description=gettext_lazy("Still active: deactivate first.")
            ),
        },
    )
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        if user.is_active:
            return Response(
                {"detail": _("Deactivate the account before deleting it.")},
                status=status.HTTP_409_CONFLICT,
            )
        user.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=docs.AuthApiUserSerializer)
    @action(detail=True, methods=["post"])  # type: ignore[untyped-decorator]
    def activate(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        return Response(self._body(user))

    @extend_schema(
        request=None,
        responses=docs.AuthApiUserSerializer,
        parameters=[set_cookie_header(access_cookie, refresh_cookies)],
    )
    @action(detail=True, methods=["post"])  # type: ignore[untyped-decorator]
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        with transaction.atomic():
            user.is_active = False
            user.save(update_fields=["is_active"])
            services.revoke_everything(user)
        response = Response(self._body(user))
        if user.pk == request.user.pk:
            services.clear_login(response)  # the caller's own cookies are dead now
        return response

    @extend_schema(
        request={"multipart/form-data": docs.IMAGE_UPLOAD}, responses=docs.AuthApiUserSerializer
    )
    @action(  # type: ignore[untyped-decorator]
        detail=True,
        methods=["patch"],
        url_path="upload_image",
        url_name="upload-image",
        parser_classes=[parsers.MultiPartParser],
    )
    def upload_image(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        profile, _created = Profile.objects.get_or_create(user=user)
        serializer = ProfileImageSerializer(profile, data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(self._body(user))


# --- reCAPTCHA ---------------------------------------------------------------------------


class RecaptchaVerifyView(CsrfProtectedAPIView):
    """POST ``{token}`` -> 200 ``{"success": bool}`` (with ``error_codes`` when false).

    503 ``{"success": false, "detail": ...}`` when no RECAPTCHA_SECRET is configured or
    siteverify cannot be reached: the token was not checked, which is not the client's
    fault (a 200 false would read as a failed challenge)."""

    authentication_classes: ClassVar[tuple[Any, ...]] = ()  # nobody needs to be signed in
    permission_classes: ClassVar[list[Any]] = [permissions.AllowAny]

    @extend_schema(
        request=RecaptchaSerializer,
        responses={200: docs.RecaptchaResultSerializer, 503: docs.RecaptchaUnavailableSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = RecaptchaSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = verify_recaptcha(
                serializer.validated_data["token"], request.META.get("REMOTE_ADDR")
            )
        except RecaptchaNotConfigured:
            return Response(
                {"success": False, "detail": _("reCAPTCHA is not configured on this server.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        except ProviderUnavailable as exc:
            logger.warning("reCAPTCHA siteverify unavailable: %s", exc)
            return Response(
                {"success": False, "detail": _("reCAPTCHA could not be checked; try again.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        body: dict[str, Any] = {"success": result.success}
        if not result.success:
            body["error_codes"] = result.error_codes
        return Response(body)


# --- social sign-in ----------------------------------------------------------------------


def _verified_user(identity: Identity) -> Any:
    """The account of ``identity``'s verified email, created when there is none.

    An existing account whose email was never verified is taken over by the provider's
    proof of ownership: its password is made unusable and its sessions revoked, so whoever
    registered the address before its owner (account pre-hijacking) loses access."""
    email = (identity.email or "").strip().lower()
    manager = get_user_model()._default_manager
    user = manager.filter(email=email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = manager.create_user(
                    email=email, password=None, full_name=identity.name, email_verified=True
                )
                Profile.objects.filter(user=user).update(verified=True)
        except IntegrityError:  # created concurrently by the same sign-in
            user = manager.get(email=email)
    if not user.is_active:
        raise exceptions.PermissionDenied(_("This account is deactivated."))
    if not user.email_verified:
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        services.mark_email_verified(user)
        services.revoke_everything(user)
    return user


class SocialAuthView(CsrfProtectedAPIView):
    """POST ``{provider, token}`` -> 200 as token/ (cookies + ``login_body``).

    401 when the provider does not vouch for the token, 400 when it vouches for no
    verified email or the provider is not configured, 403 for a deactivated account,
    503 when the provider cannot be reached within SOCIAL_AUTH_TIMEOUT."""

    authentication_classes: ClassVar[tuple[Any, ...]] = ()
    permission_classes: ClassVar[list[Any]] = [permissions.AllowAny]
    throttle_classes: ClassVar[list[Any]] = [AuthSocialThrottle]

    @extend_schema(
        request=docs.login_request("SocialAuthStep", SocialAuthSerializer),
        responses={
            200: docs.AuthApiLoginSerializer,
            400: docs.either(
                "SocialAuthRefused", docs.ValidationErrorSerializer, docs.ErrorSerializer
            ),
            401: docs.AuthErrorSerializer,
            503: OpenApiResponse(
                docs.ErrorSerializer, description=gettext_lazy("The provider is unreachable.")
            ),
        }
        | docs.mfa_responses(),
        parameters=[set_cookie_header(access_cookie, refresh_cookies, csrf_cookie), retry_after()],
    )
    def post(self, request: Request) -> Response:
        # Two-factor: {"mfa_token", "mfa_code"} finishes a sign-in the provider started.
        user = mfa.pending_user(request)
        if user is not None:
            response = Response(services.login_body(user, request))
            services.issue_login(response, user, request)
            return response
        serializer = SocialAuthSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        provider = serializer.validated_data["provider"]
        try:
            identity = IDENTIFY[provider](serializer.validated_data["token"])
        except ProviderNotConfigured as exc:
            return Response({"provider": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except ProviderRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_401_UNAUTHORIZED)
        except ProviderUnavailable as exc:
            logger.warning("social sign-in with %s unavailable: %s", provider, exc)
            return Response(
                {"detail": _("The provider could not be reached; try again.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        if not identity.email or not identity.email_verified or not valid_email(identity.email):
            return Response(
                {"detail": _("The provider did not confirm an email address for this account.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        user = _verified_user(identity)
        mfa.gate(request, user)  # 403 mfa_required when enrolled
        response = Response(services.login_body(user, request))
        services.issue_login(response, user, request)
        return response
