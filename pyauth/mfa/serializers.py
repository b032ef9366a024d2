"""Request and response bodies of two-factor authentication; every check on input
lives here (lengths, types), the code checks in :mod:`pyauth.mfa.services`."""

from __future__ import annotations

from rest_framework import serializers

__all__ = [
    "CodeSerializer",
    "CompletionSerializer",
    "ConfirmSerializer",
    "DisableSerializer",
    "RecoveryCodesSerializer",
    "SetupSerializer",
    "StatusSerializer",
]

#: Longer input cannot be a code (6 digits, or 16 base32 characters with separators).
MAX_CODE_LENGTH = 32
#: mfa_token is 52 base32 characters; anything much longer is not one.
MAX_TOKEN_LENGTH = 128


class CodeSerializer(serializers.Serializer):  # type: ignore[misc]
    """``{code}``: a 6-digit TOTP code or a recovery code (XXXX-XXXX-XXXX-XXXX)."""

    code = serializers.CharField(max_length=MAX_CODE_LENGTH, trim_whitespace=True)


class CompletionSerializer(serializers.Serializer):  # type: ignore[misc]
    """The second step of a login: ``{mfa_token, mfa_code}``."""

    mfa_token = serializers.CharField(max_length=MAX_TOKEN_LENGTH)
    mfa_code = serializers.CharField(max_length=MAX_CODE_LENGTH, trim_whitespace=True)


class StatusSerializer(serializers.Serializer):  # type: ignore[misc]
    """GET status: ``{enabled, pending, recovery_codes_left}``."""

    enabled = serializers.BooleanField()
    pending = serializers.BooleanField()
    recovery_codes_left = serializers.IntegerField()


class SetupSerializer(serializers.Serializer):  # type: ignore[misc]
    """POST setup: the pending secret (base32) and its otpauth:// URI, with the
    parameters an app needs when the secret is typed in by hand."""

    secret = serializers.CharField()
    otpauth_uri = serializers.CharField()
    digits = serializers.IntegerField()
    period = serializers.IntegerField()
    algorithm = serializers.CharField()


class RecoveryCodesSerializer(serializers.Serializer):  # type: ignore[misc]
    """New recovery codes, shown this once."""

    recovery_codes = serializers.ListField(child=serializers.CharField())


class ConfirmSerializer(RecoveryCodesSerializer):
    """POST confirm: ``{enabled: true, recovery_codes}``."""

    enabled = serializers.BooleanField()


class DisableSerializer(serializers.Serializer):  # type: ignore[misc]
    """POST disable: ``{enabled: false}``."""

    enabled = serializers.BooleanField()
