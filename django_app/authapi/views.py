"""Document 002's authentication flows under ``/auth-api/``.

Every view here and in ``django_app.authapi_users`` derives from
:class:`CsrfProtectedAPIView` (or uses :class:`CsrfProtectedViewSetMixin`): every
unsafe request, signed in or not, must carry Django's CSRF token (``X-CSRFToken``, from
``get-csrf-token/`` and its ``csrftoken`` cookie) or gets 403 ``CSRF Failed: ...``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_app.accounts.models import Profile
from django_app.accounts.serializers import LOGIN_FAILED
from django_app.authapi import lockout, recaptcha, services, sms, throttles
from django_app.authapi.authentication import AUTH_API_AUTHENTICATION
from django_app.authapi.models import OneTimeCode
from django_app.authapi.serializers import (
    EmailOnlySerializer,
    EmailTokenSerializer,
    LoginSerializer,
    OtpSerializer,
    PhoneSerializer,
    ResetLinkSerializer,
    ResetPasswordSerializer,
    TokenSerializer,
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
from pyauth.authentication import AuthenticationFailed
from pyauth.authentication import enforce_csrf as pyauth_enforce_csrf
from pyauth.settings import api_settings
from pyauth.views import CookieLogoutView, CookieTokenRefreshView

__all__ = [
    "CsrfProtectedAPIView",
    "CsrfProtectedViewSetMixin",
    "CsrfTokenView",
    "LoginView",
    "LogoutView",
    "ResendOtpView",
    "ResetPasswordView",
    "TokenRefreshView",
    "TokenView",
    "VerifyEmailView",
    "VerifyPhoneView",
    "enforce_csrf",
]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def enforce_csrf(request: Any) -> None:
    """Django's CSRF check on an unsafe request, whoever sends it: 403
    ``{"detail": "CSRF Failed: <reason>"}`` without a valid token (DRF's words)."""
    django_request = getattr(request, "_request", request)
    if django_request.method in _SAFE_METHODS:
        return
    pyauth_enforce_csrf(django_request)


class CsrfProtectedViewSetMixin:
    """Checks CSRF before anything else (authentication, permissions, throttles) on
    every unsafe request. DRF exempts its views from CsrfViewMiddleware and checks CSRF
    only for session-authenticated requests; document 002 wants it on all of them."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        enforce_csrf(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class CsrfProtectedAPIView(CsrfProtectedViewSetMixin, APIView):  # type: ignore[misc]
    """An APIView of /auth-api/: CSRF on every unsafe request, the access-token cookie
    (then Bearer) as authentication, JSON bodies."""

    authentication_classes: ClassVar[tuple[Any, ...]] = AUTH_API_AUTHENTICATION
    permission_classes: ClassVar[list[Any]] = [permissions.IsAuthenticated]


class CsrfTokenView(CsrfProtectedAPIView):
    """GET -> ``{"csrfToken": ...}`` and the ``csrftoken`` cookie."""

    authentication_classes: ClassVar[tuple[Any, ...]] = ()
    permission_classes: ClassVar[list[Any]] = [permissions.AllowAny]

    @extend_schema(responses=docs.CsrfTokenSerializer, parameters=[set_cookie_header(csrf_cookie)])
    @method_decorator(ensure_csrf_cookie)
    def get(self, request: Request) -> Response:
        return Response({"csrfToken": get_token(request._request)})


# --- helpers ------------------------------------------------------------------------


class AnonymousFlowView(CsrfProtectedAPIView):
    """A flow anyone may start (CSRF still required on unsafe methods). 401 answers
    name the Bearer scheme, which this API also speaks."""

    authentication_classes: ClassVar[tuple[Any, ...]] = ()
    permission_classes: ClassVar[list[Any]] = [permissions.AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        return f'{api_settings.AUTH_HEADER_TYPES[0]} realm="api"'


class MethodThrottledMixin:
    """``throttles_by_method = {"POST": [...], ...}``: throttles per HTTP method."""

    throttles_by_method: ClassVar[dict[str, list[Any]]] = {}

    def get_throttles(self) -> list[Any]:
        request = self.request  # type: ignore[attr-defined]
        classes = self.throttles_by_method.get(request.method, [])
        return [cls() for cls in classes]


def _active_user_by_email(email: str) -> Any | None:
    if not email:
        return None
    return get_user_model()._default_manager.filter(email=email, is_active=True).first()


# --- login: password, then a mailed code ------------------------------------------


class LoginView(AnonymousFlowView):
    """POST {email, password} -> 200 {"otp_required": true, ...} and a 6-digit code
    mailed; no token yet. A wrong password, an unknown or inactive account and a locked
    account or IP all get the same 401 after the same password-hashing work. Past
    RECAPTCHA_AFTER_FAILURES failures (when RECAPTCHA_SECRET is set) a valid
    ``recaptcha_token`` is demanded: 400 with ``"recaptcha_required": true``."""

    throttle_classes: ClassVar[list[Any]] = [throttles.AuthLoginThrottle]

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: docs.OtpRequiredSerializer,
            400: docs.either(
                "AuthApiLoginRefused",
                docs.ValidationErrorSerializer,
                docs.RecaptchaRequiredSerializer,
            ),
            401: docs.AuthErrorSerializer,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email: str = serializer.validated_data["email"]
        password: str = serializer.validated_data["password"]
        ip = lockout.client_ip(request)
        keys = [lockout.account_key(email), lockout.ip_key(ip)]

        state = lockout.status(keys)
        after = int(getattr(settings, "RECAPTCHA_AFTER_FAILURES", 3))
        if recaptcha.enabled() and state.failures >= after:
            token = serializer.validated_data.get("recaptcha_token") or ""
            if not recaptcha.verify(token, ip):
                return Response(
                    {
                        "detail": _("Complete the reCAPTCHA challenge to sign in."),
                        "recaptcha_required": True,
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
        # The login backend applies the lockout (one counter per account and per IP
        # across every login endpoint): a locked key gets None, as a wrong password.
        user = authenticate(request._request, username=email, password=password)
        if user is None:
            raise AuthenticationFailed(LOGIN_FAILED, code="login_failed")

        services.send_login_code(user)
        return Response(
            {
                "otp_required": True,
                "detail": _("A sign-in code was sent to your email address."),
                "email": user.email,
            }
        )


class ResendOtpView(AnonymousFlowView):
    """POST {email} -> 200, always the same words: a fresh code is mailed only when a
    sign-in is pending for that address (a password was accepted within
    AUTH_API_LOGIN_PENDING, 15 minutes), so the endpoint neither mails strangers nor
    says which accounts exist."""

    throttle_classes: ClassVar[list[Any]] = [throttles.AuthOtpThrottle]

    @extend_schema(request=EmailOnlySerializer, responses=docs.DetailSerializer)
    def post(self, request: Request) -> Response:
        serializer = EmailOnlySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _active_user_by_email(serializer.validated_data["email"])
        pending_for: timedelta = getattr(settings, "AUTH_API_LOGIN_PENDING", timedelta(minutes=15))
        if (
            user is not None
            and OneTimeCode.objects.filter(
                user=user,
                purpose=OneTimeCode.PURPOSE_LOGIN,
                used_at__isnull=True,
                created_at__gt=timezone.now() - pending_for,
            ).exists()
        ):
            services.send_login_code(user)
        return Response(
            {"detail": _("If a sign-in is pending for this address, a new code was sent.")}
        )


class TokenView(AnonymousFlowView):
    """POST {email, otp} -> access and refresh tokens in HttpOnly cookies and
    {"detail", "user"}; a wrong, expired, used or exhausted code (or an unknown email)
    -> 401 "Invalid or expired code"."""

    throttle_classes: ClassVar[list[Any]] = [throttles.AuthTokenThrottle]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # The tries a wrong code uses up must be committed though the answer is 401.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    @extend_schema(
        request=docs.login_request("AuthApiTokenStep", TokenSerializer),
        responses={200: docs.AuthApiLoginSerializer, 401: docs.AuthErrorSerializer}
        | docs.mfa_responses(),
        parameters=[set_cookie_header(access_cookie, refresh_cookies, csrf_cookie), retry_after()],
    )
    def post(self, request: Request) -> Response:
        # Two-factor: {"mfa_token", "mfa_code"} finishes a login the mailed code started.
        user = mfa.pending_user(request)
        if user is None:
            serializer = TokenSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            user = _active_user_by_email(serializer.validated_data["email"])
            otp: str = serializer.validated_data["otp"]
            if user is None or services.check_code(user, OneTimeCode.PURPOSE_LOGIN, otp) is None:
                raise AuthenticationFailed(_("Invalid or expired code"), code="otp_invalid")
            mfa.gate(request, user)  # 403 mfa_required when enrolled
        response = Response(services.login_body(user, request))
        services.issue_login(response, user, request)
        return response


class TokenRefreshView(CsrfProtectedViewSetMixin, CookieTokenRefreshView):
    """POST with the refresh cookie (and X-CSRFToken) -> rotated cookies. A rotated
    refresh token presented again -> 401 and its whole family revoked."""

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().post(request, *args, **kwargs)
        name = api_settings.AUTH_COOKIE_REFRESH
        if name in response.cookies:
            response.cookies[name]["path"] = services.refresh_cookie_path()
        return response


class LogoutView(CsrfProtectedViewSetMixin, CookieLogoutView):
    """POST (X-CSRFToken) -> 200: the refresh token blacklisted, its family revoked,
    both cookies cleared. Logging out twice is not an error."""

    def post(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().post(request, *args, **kwargs)
        services.clear_login(response)
        return response


# --- email and phone verification -------------------------------------------------


class VerifyEmailView(MethodThrottledMixin, CsrfProtectedAPIView):
    """POST (signed in) mails a verification link; GET ?token=... verifies."""

    throttles_by_method: ClassVar[dict[str, list[Any]]] = {
        "GET": [throttles.AuthVerifyThrottle],
        "POST": [throttles.AuthVerifyThrottle],
    }

    def get_permissions(self) -> list[Any]:
        if self.request.method == "GET":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_authenticators(self) -> list[Any]:
        # The GET is the link from the mail: whoever opens it, it speaks for itself.
        if self.request.method == "GET":
            return []
        authenticators: list[Any] = super().get_authenticators()
        return authenticators

    @extend_schema(
        parameters=[EmailTokenSerializer],
        responses={
            200: docs.EmailVerifiedSerializer,
            400: docs.either(
                "VerifyEmailRefused", docs.ValidationErrorSerializer, docs.ErrorSerializer
            ),
        },
    )
    def get(self, request: Request) -> Response:
        serializer = EmailTokenSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        user = services.verify_email_token(serializer.validated_data["token"])
        if user is None:
            return Response(
                {"detail": _("This verification link is invalid or has expired.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"detail": _("Your email address is verified."), "email_verified": True})

    @extend_schema(
        request=None,
        responses={
            200: docs.DetailSerializer,
            400: OpenApiResponse(docs.ErrorSerializer, description=_("The account has no email.")),
        },
    )
    def post(self, request: Request) -> Response:
        user = request.user
        if user.email_verified:
            return Response({"detail": _("Your email address is already verified.")})
        if not user.email:
            return Response(
                {"detail": _("Your account has no email address.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        services.send_email_verification(user, request)
        return Response({"detail": _("A verification link was sent to your email address.")})


class VerifyPhoneView(MethodThrottledMixin, CsrfProtectedAPIView):
    """POST {phone} texts a 6-digit code (503 when no SMS backend is configured);
    PATCH {otp} verifies it: the profile's phone becomes that number and the user
    shows ``phone_verified: true``."""

    throttles_by_method: ClassVar[dict[str, list[Any]]] = {
        "POST": [throttles.AuthOtpThrottle],
        "PATCH": [throttles.AuthVerifyThrottle],
    }

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    @extend_schema(
        request=PhoneSerializer,
        responses={
            200: docs.DetailSerializer,
            503: OpenApiResponse(docs.ErrorSerializer, description=_("No SMS backend configured.")),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = PhoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        phone: str = serializer.validated_data["phone"]
        code = services.issue_code(request.user, OneTimeCode.PURPOSE_PHONE, target=phone)
        minutes = int(services.code_lifetime().total_seconds() // 60)
        body = _("Your verification code is %(code)s. It is valid for %(minutes)d minutes.") % {
            "code": code,
            "minutes": minutes,
        }
        try:
            sms.send_sms(phone, body)
        except sms.SmsNotConfigured:
            OneTimeCode.objects.filter(
                user=request.user, purpose=OneTimeCode.PURPOSE_PHONE
            ).delete()
            return Response(
                {"detail": _("Text messages cannot be sent at the moment.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response({"detail": _("A verification code was sent to your phone.")})

    @extend_schema(
        request=OtpSerializer,
        responses={
            200: docs.PhoneVerifiedSerializer,
            400: docs.either(
                "VerifyPhoneRefused", docs.ValidationErrorSerializer, docs.ErrorSerializer
            ),
        },
    )
    def patch(self, request: Request) -> Response:
        serializer = OtpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = request.user
        record = services.check_code(
            user, OneTimeCode.PURPOSE_PHONE, serializer.validated_data["otp"]
        )
        if record is None:
            return Response(
                {"detail": _("Invalid or expired code")}, status=status.HTTP_400_BAD_REQUEST
            )
        with transaction.atomic():
            Profile.objects.update_or_create(user=user, defaults={"phone": record.target})
            get_user_model()._default_manager.filter(pk=user.pk).update(phone_verified=True)
        user.refresh_from_db()
        return Response(
            {
                "detail": _("Your phone number is verified."),
                "user": services.user_representation(user, request),
            }
        )


# --- password reset -----------------------------------------------------------------


class ResetPasswordView(AnonymousFlowView):
    """POST {email} mails a link with ``uid`` and ``token`` (same answer for unknown
    accounts); GET ?uid=&token= checks it; PATCH {uid, token, password} sets the
    password once, unlocks the account and ends every session of the user."""

    throttle_classes: ClassVar[list[Any]] = [throttles.AuthResetThrottle]

    @extend_schema(request=EmailOnlySerializer, responses=docs.DetailSerializer)
    def post(self, request: Request) -> Response:
        serializer = EmailOnlySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = _active_user_by_email(serializer.validated_data["email"])
        if user is not None:
            services.send_password_reset(user, request)
        return Response(
            {"detail": _("If an account exists for this address, a reset link was sent.")}
        )

    @extend_schema(
        parameters=[ResetLinkSerializer],
        responses={
            200: docs.ResetLinkValidSerializer,
            400: docs.either(
                "ResetLinkRefused", docs.ValidationErrorSerializer, docs.ResetLinkInvalidSerializer
            ),
        },
    )
    def get(self, request: Request) -> Response:
        serializer = ResetLinkSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if services.user_from_reset_link(data["uid"], data["token"]) is None:
            return Response(
                {"valid": False, "detail": _("This reset link is invalid or has expired.")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response({"valid": True})

    @extend_schema(
        request=ResetPasswordSerializer,
        responses={
            200: docs.DetailSerializer,
            400: docs.either(
                "ResetPasswordRefused", docs.ValidationErrorSerializer, docs.ErrorSerializer
            ),
        },
    )
    def patch(self, request: Request) -> Response:
        link = ResetLinkSerializer(data=request.data)
        link.is_valid(raise_exception=True)
        with transaction.atomic():
            user = services.user_from_reset_link(
                link.validated_data["uid"], link.validated_data["token"], for_update=True
            )
            if user is None:
                return Response(
                    {"detail": _("This reset link is invalid or has expired.")},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            serializer = ResetPasswordSerializer(data=request.data, context={"user": user})
            serializer.is_valid(raise_exception=True)
            user.set_password(serializer.validated_data["password"])
            user.save(update_fields=["password"])
            OneTimeCode.objects.filter(user=user).delete()
            lockout.unlock(user)
            services.revoke_everything(user)
        return Response({"detail": _("Your password was changed. Sign in with it.")})
