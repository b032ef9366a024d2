"""Documentation-only serializers: the shapes of the bodies django_app's views build by
hand (dicts rather than serializers) and of the errors every view can answer.

Nothing here validates or renders a request; each class names a component of the
OpenAPI schema. ``tests/app/test_openapi.py`` checks them against real answers, so a
view that changes its body without changing its serializer here fails the tests.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import serializers

from django_app.accounts.serializers import UserSerializer
from django_app.authapi.services import ROLE_ORDER

# --- errors ----------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):  # type: ignore[misc]
    """``{"detail": ...}``: DRF's shape for 403, 404, 405, 409, 429 and 503 answers."""

    detail = serializers.CharField(help_text=_("What went wrong, for people."))


class TokenMessageSerializer(serializers.Serializer):  # type: ignore[misc]
    """One refused token in a 401 of pyauth's Bearer or cookie authentication."""

    token_class = serializers.CharField()
    token_type = serializers.CharField()
    message = serializers.CharField()
    code = serializers.CharField()


class AuthErrorSerializer(serializers.Serializer):  # type: ignore[misc]
    """401: no or refused credentials. pyauth's refusals add a machine-readable ``code``
    (``token_not_valid``, ``no_active_account``, ``user_inactive``, ...) and, for a refused
    access token, ``messages``; DRF's "Authentication credentials were not provided."
    carries ``detail`` alone. The answer names the scheme in ``WWW-Authenticate``."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)
    messages = TokenMessageSerializer(many=True, required=False)


class ValidationErrorSerializer(serializers.Serializer):  # type: ignore[misc]
    """400: ``{"<field>": ["<message>", ...], "non_field_errors": [...]}``, one member per
    refused field (mapped by :class:`~django_app.openapi.extensions.ValidationErrorExtension`
    to an object of string arrays)."""


# --- shared bodies -----------------------------------------------------------------------


class DetailSerializer(serializers.Serializer):  # type: ignore[misc]
    """``{"detail": ...}``: a success said in words (logged in, code sent, ...)."""

    detail = serializers.CharField()


class MessageSerializer(serializers.Serializer):  # type: ignore[misc]
    """``{"message": ...}``: documents 001 and 004 say it this way."""

    message = serializers.CharField()


# --- documents 001 and 004 (/api/login/) -----------------------------------------------


class SessionLoginSerializer(serializers.Serializer):  # type: ignore[misc]
    """``/api/login/``'s answer (004's shape, 001's client reads the cookie): the user and
    the rotated CSRF token to send as ``X-CSRFToken``; the ``jwt`` cookie and the session
    cookie are set alongside."""

    message = serializers.CharField()
    user = UserSerializer()
    csrf_token = serializers.CharField()


# --- document 003 --------------------------------------------------------------------------


class DashboardResponseSerializer(serializers.Serializer):  # type: ignore[misc]
    """``/api/dashboard/``'s greeting."""

    response = serializers.CharField()


# --- document 002 (/auth-api/) ---------------------------------------------------------


class CsrfTokenSerializer(serializers.Serializer):  # type: ignore[misc]
    """``get-csrf-token/``: the token to send as ``X-CSRFToken`` (its cookie is set too)."""

    csrfToken = serializers.CharField()  # document 002's member name, camelCase


class AuthApiUserSerializer(serializers.Serializer):  # type: ignore[misc]
    """A user as /auth-api/ shows one (``django_app.authapi.services.user_representation``)."""

    id = serializers.IntegerField()
    email = serializers.CharField(help_text=_('"" when the user has none.'))
    username = serializers.CharField(help_text=_('"" when the user has none.'))
    full_name = serializers.CharField()
    role = serializers.ChoiceField(choices=list(ROLE_ORDER))
    is_active = serializers.BooleanField()
    email_verified = serializers.BooleanField()
    phone_verified = serializers.BooleanField()
    image = serializers.URLField(
        allow_null=True, help_text=_("Absolute URL of the profile image; null when unset.")
    )
    bio = serializers.CharField()
    phone = serializers.CharField()
    date_joined = serializers.DateTimeField()


class AuthApiLoginSerializer(serializers.Serializer):  # type: ignore[misc]
    """A successful sign-in (``token/``, ``social-auth/``): the tokens are in HttpOnly
    cookies, never in the body."""

    detail = serializers.CharField()
    user = AuthApiUserSerializer()


class OtpRequiredSerializer(serializers.Serializer):  # type: ignore[misc]
    """``login/`` accepted the password and mailed a 6-digit code: send it to ``token/``."""

    otp_required = serializers.BooleanField()
    detail = serializers.CharField()
    email = serializers.CharField()


class RecaptchaRequiredSerializer(serializers.Serializer):  # type: ignore[misc]
    """``login/`` after too many failures, without a valid ``recaptcha_token``."""

    detail = serializers.CharField()
    recaptcha_required = serializers.BooleanField()


class EmailVerifiedSerializer(serializers.Serializer):  # type: ignore[misc]
    """``verify-email/`` GET with a valid link."""

    detail = serializers.CharField()
    email_verified = serializers.BooleanField()


class PhoneVerifiedSerializer(serializers.Serializer):  # type: ignore[misc]
    """``verify-phone/`` PATCH with the right code."""

    detail = serializers.CharField()
    user = AuthApiUserSerializer()


class ResetLinkValidSerializer(serializers.Serializer):  # type: ignore[misc]
    """``reset-password/`` GET: whether the link can still set a password."""

    valid = serializers.BooleanField()


class ResetLinkInvalidSerializer(serializers.Serializer):  # type: ignore[misc]
    """``reset-password/`` GET with a used, expired or forged link."""

    valid = serializers.BooleanField()
    detail = serializers.CharField()


class RecaptchaResultSerializer(serializers.Serializer):  # type: ignore[misc]
    """``recaptcha-verify/``: siteverify's verdict (its error codes when it says no)."""

    success = serializers.BooleanField()
    error_codes = serializers.ListField(child=serializers.CharField(), required=False)


class RecaptchaUnavailableSerializer(serializers.Serializer):  # type: ignore[misc]
    """``recaptcha-verify/`` 503: the token could not be checked."""

    success = serializers.BooleanField()
    detail = serializers.CharField()


class ProviderFieldErrorSerializer(serializers.Serializer):  # type: ignore[misc]
    """``social-auth/`` 400 for a provider this server is not configured for."""

    provider = serializers.ListField(child=serializers.CharField())


def either(component_name: str, *choices: type[serializers.Serializer]) -> Any:
    """A body that is one of ``choices`` (``oneOf``), e.g. field errors or a ``detail``."""
    return PolymorphicProxySerializer(
        component_name=component_name,
        serializers=list(choices),
        resource_type_field_name=None,
    )


# --- two-factor step of the login endpoints (pyauth.mfa) ---------------------------------


class CodedErrorSerializer(serializers.Serializer):  # type: ignore[misc]
    """``{"detail", "code"}``: an error with a machine-readable code."""

    detail = serializers.CharField()
    code = serializers.CharField()


class TooManyRequestsSerializer(serializers.Serializer):  # type: ignore[misc]
    """429 of a login: ``{"detail", "code": "mfa_locked"}`` when the second factor was
    tried too often, ``{"detail"}`` alone when the rate limit (DRF's throttle) answers."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


class MFARequiredSerializer(serializers.Serializer):  # type: ignore[misc]
    """403 ``mfa_required``: the first factor was right; send ``{mfa_token, mfa_code}``
    to the same endpoint (nothing was issued yet)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    mfa_token = serializers.CharField()
    methods = serializers.ListField(child=serializers.CharField())


def login_request(component_name: str, first_step: type[serializers.Serializer]) -> Any:
    """A login body: the first step (``first_step``, which may also carry ``mfa_code``
    for an enrolled account) or the second step ``{mfa_token, mfa_code}``."""
    from pyauth.mfa.serializers import CompletionSerializer

    return either(component_name, first_step, CompletionSerializer)


def mfa_responses() -> dict[int, Any]:
    """What the two-factor step adds to a login's answers."""
    return {
        403: OpenApiResponse(
            MFARequiredSerializer,
            description=_("mfa_required: send mfa_token with a code from the app."),
        ),
        429: OpenApiResponse(
            TooManyRequestsSerializer,
            description=_("mfa_locked or throttled: too many tries; see Retry-After."),
        ),
    }


#: A multipart body with one required ``image`` file (a raw schema: drf-spectacular would
#: make every field of a PATCH body optional, and this one is not).
IMAGE_UPLOAD: dict[str, Any] = {
    "type": "object",
    "properties": {"image": {"type": "string", "format": "binary"}},
    "required": ["image"],
}
