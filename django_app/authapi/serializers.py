"""Request bodies of document 002's flows; every check on input lives here."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from django_app.accounts.models import normalize_email, phone_validator

_CODE_MAX = 16


class EmailField(serializers.CharField):
    """An email as typed (normalised: stripped, lowercased). Not validated as an
    address, so a malformed one is answered like an unknown one."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value: str = super().to_internal_value(data)
        return normalize_email(value) or ""


class LoginSerializer(serializers.Serializer):
    """``{email, password}`` and, when demanded, ``recaptcha_token``."""

    email = EmailField()
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    recaptcha_token = serializers.CharField(
        required=False, allow_blank=True, max_length=4096, write_only=True
    )


class EmailOnlySerializer(serializers.Serializer):
    """``{email}`` (resend-otp/, reset-password/ POST)."""

    email = EmailField()


class TokenSerializer(serializers.Serializer):
    """``{email, otp}``."""

    email = EmailField()
    otp = serializers.CharField(max_length=_CODE_MAX)


class PhoneSerializer(serializers.Serializer):
    """``{phone}``."""

    phone = serializers.CharField(max_length=32, validators=[phone_validator])


class OtpSerializer(serializers.Serializer):
    """``{otp}``."""

    otp = serializers.CharField(max_length=_CODE_MAX)


class ResetLinkSerializer(serializers.Serializer):
    """``{uid, token}`` of a reset link (GET query)."""

    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)


class ResetPasswordSerializer(ResetLinkSerializer):
    """``{uid, token, password}``; the password is checked against Django's validators
    for the user the link names (``context["user"]``)."""

    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)

    def validate_password(self, value: str) -> str:
        user = self.context.get("user")
        try:
            password_validation.validate_password(value, user)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc
        return value


class EmailTokenSerializer(serializers.Serializer):
    """``?token=`` of an email verification link."""

    token = serializers.CharField(max_length=1024)


__all__ = [
    "EmailOnlySerializer",
    "EmailTokenSerializer",
    "LoginSerializer",
    "OtpSerializer",
    "PhoneSerializer",
    "ResetLinkSerializer",
    "ResetPasswordSerializer",
    "TokenSerializer",
]
