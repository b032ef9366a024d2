"""Serializers of the documented endpoints: every check on a request body lives here.

Registration: duplicate email or username, mismatched confirmation and Django's password
validators all answer 400 with the field's messages. Login: a wrong password, an unknown
account and an inactive one all answer the same 401.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from django_app.accounts.models import (
    Profile,
    normalize_email,
    normalize_username,
    username_validator,
)

#: What a failed login says, whatever the reason (simplejwt's words, which 000's and
#: 003's clients already know).
LOGIN_FAILED = _("No active account found with the given credentials")


def validate_new_password(attrs: dict[str, Any]) -> None:
    """Django's password validators on ``attrs["password"]``, judged against the user the
    other fields describe (so similarity to the email or name counts): a 400 with the
    validators' messages under "password"."""
    candidate = get_user_model()(
        email=attrs.get("email"),
        username=attrs.get("username"),
        full_name=attrs.get("full_name", ""),
    )
    try:
        password_validation.validate_password(attrs["password"], user=candidate)
    except DjangoValidationError as exc:
        raise serializers.ValidationError({"password": list(exc.messages)}) from exc


def create_account(data: dict[str, Any]) -> Any:
    """A new user from validated registration data (email and/or username, password,
    full_name). A concurrent registration that took the email or username first, past
    the serializer's uniqueness check, is a 400, not a 500."""
    try:
        with transaction.atomic():
            return get_user_model()._default_manager.create_user(
                email=data.get("email"),
                password=data["password"],
                username=data.get("username"),
                full_name=data.get("full_name", ""),
            )
    except IntegrityError as exc:
        raise serializers.ValidationError(
            {"email": [_("A user with that email or username already exists.")]}
        ) from exc


def _blank(value: str | None) -> str:
    return value or ""


# --- users -------------------------------------------------------------------------------


class UserSerializer(serializers.Serializer):
    """A user as 001 and 004 show one: id, username, email and name (empty strings for an
    identifier the user does not have)."""

    id = serializers.IntegerField(read_only=True)
    username = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    name = serializers.CharField(source="full_name", read_only=True)

    def get_username(self, user: Any) -> str:
        return _blank(user.username)

    def get_email(self, user: Any) -> str:
        return _blank(user.email)


class EmailUserSerializer(serializers.Serializer):
    """A user as document 000 shows one: id and email."""

    id = serializers.IntegerField(read_only=True)
    email = serializers.SerializerMethodField()

    def get_email(self, user: Any) -> str:
        return _blank(user.email)


class _RegisterBase(serializers.Serializer):
    """Creates a user from email and/or username, a name and a password.

    Subclasses name their confirmation field (``confirm_password_field``) and whether an
    email is required.
    """

    confirm_password_field: str | None = None

    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate_email(self, value: str | None) -> str | None:
        email = normalize_email(value)
        if email and get_user_model()._default_manager.filter(email=email).exists():
            raise serializers.ValidationError(_("A user with that email already exists."))
        return email

    def validate_username(self, value: str | None) -> str | None:
        username = normalize_username(value)
        if username is None:
            return None
        manager = get_user_model()._default_manager
        if manager.filter(username__iexact=username).exists():
            raise serializers.ValidationError(_("A user with that username already exists."))
        return username

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        confirm = self.confirm_password_field
        if confirm is not None and confirm in attrs:
            if attrs.pop(confirm) != attrs["password"]:
                raise serializers.ValidationError({confirm: [_("Passwords do not match.")]})
        if not attrs.get("email") and not attrs.get("username"):
            raise serializers.ValidationError(
                {"email": [_("Give an email address or a username.")]}
            )
        validate_new_password(attrs)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Any:
        return create_account(validated_data)


class EmailRegisterSerializer(_RegisterBase):
    """Document 000: ``{email, password, confirm_password}``."""

    confirm_password_field = "confirm_password"  # noqa: S105 (a field name)

    email = serializers.EmailField(max_length=254)
    confirm_password = serializers.CharField(write_only=True, trim_whitespace=False)


class RegisterSerializer(_RegisterBase):
    """``/api/register/`` for three documents at once: 001 ``{name, email, password}``,
    003 ``{username, password}`` and 004 ``{username, email, password, password2}``.
    Either identifier may be left out, not both; ``password2``, when sent, must match."""

    confirm_password_field = "password2"  # noqa: S105 (a field name)

    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    username = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[username_validator]
    )
    name = serializers.CharField(
        source="full_name", max_length=150, required=False, allow_blank=True
    )
    password2 = serializers.CharField(write_only=True, required=False, trim_whitespace=False)


# --- logging in ----------------------------------------------------------------------------


class LoginSerializer(serializers.Serializer):
    """``/api/login/``: 001 sends ``{email, password}``, 004 ``{username, password}``;
    either identifier names the account. Valid data holds the authenticated ``user``."""

    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    username = serializers.CharField(max_length=254, required=False, allow_blank=True)
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        identifier = attrs.get("email") or attrs.get("username")
        if not identifier:
            raise serializers.ValidationError(
                {"email": [_("Give your email address or your username.")]}
            )
        user = authenticate(
            self.context.get("request"), username=identifier, password=attrs["password"]
        )
        if user is None:
            raise exceptions.AuthenticationFailed(LOGIN_FAILED, code="no_active_account")
        return {"user": user}


# --- document 003's dashboard --------------------------------------------------------------


class DashboardTextSerializer(serializers.Serializer):
    """Document 003's dashboard POST: ``{text}``."""

    text = serializers.CharField(max_length=10_000, trim_whitespace=False)


# --- profiles --------------------------------------------------------------------------


class ProfileSerializer(serializers.ModelSerializer):
    """The caller's profile; ``verified`` is set by the site, never by its owner."""

    class Meta:
        model = Profile
        fields = ("bio", "image", "phone", "verified")
        read_only_fields = ("image", "verified")


class ProfileImageSerializer(serializers.ModelSerializer):
    """A new profile image, checked by Pillow and by size."""

    image = serializers.ImageField()

    class Meta:
        model = Profile
        fields = ("image",)

    def validate_image(self, value: Any) -> Any:
        if value.size > settings.PROFILE_IMAGE_MAX_BYTES:
            raise serializers.ValidationError(
                _("The image is larger than %(limit)d bytes.")
                % {"limit": settings.PROFILE_IMAGE_MAX_BYTES}
            )
        return value

    def save(self, **kwargs: Any) -> Any:
        """Store the new image and delete the one it replaces (never the default)."""
        profile = self.instance
        old = profile.image.name if profile is not None and profile.image else ""
        saved = super().save(**kwargs)
        if old and old != Profile._meta.get_field("image").default:
            saved.image.storage.delete(old)
        return saved
