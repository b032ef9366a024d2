"""Request bodies of users/, recaptcha-verify/ and social-auth/: every check lives here.

Answers use the representation of ``django_app.authapi.services.user_representation``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from django_app.accounts.models import (
    Profile,
    normalize_email,
    normalize_username,
    phone_validator,
    username_validator,
)
from django_app.accounts.serializers import create_account, validate_new_password
from django_app.authapi.services import ROLE_ORDER, role_of
from django_app.authapi_users import roles
from django_app.authapi_users.providers import IDENTIFY

#: The longest token accepted from a client (pyauth refuses JWTs over 8 KiB anyway).
MAX_TOKEN_LENGTH = 8192


def _email_taken(email: str, exclude_pk: Any = None) -> bool:
    users = get_user_model()._default_manager.filter(email=email)
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return bool(users.exists())


def _username_taken(username: str, exclude_pk: Any = None) -> bool:
    users = get_user_model()._default_manager.filter(username__iexact=username)
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return bool(users.exists())


class UserCreateSerializer(serializers.Serializer):  # type: ignore[misc]
    """POST users/: ``{email, password, username?, full_name?}``; Django's password
    validators apply. Every new account starts as a plain user with an unverified email."""

    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, max_length=4096, style={"input_type": "password"}
    )
    username = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[username_validator]
    )
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)

    def validate_email(self, value: str) -> str | None:
        email = normalize_email(value)
        if email and _email_taken(email):
            raise serializers.ValidationError(_("A user with that email already exists."))
        return email

    def validate_username(self, value: str) -> str | None:
        username = normalize_username(value)
        if username and _username_taken(username):
            raise serializers.ValidationError(_("A user with that username already exists."))
        return username

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        validate_new_password(attrs)
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Any:
        return create_account(validated_data)


class UserUpdateSerializer(serializers.Serializer):  # type: ignore[misc]
    """PATCH users/<id>/: ``full_name``, ``username``, ``email`` (unverified again when it
    changes), ``bio``, ``phone`` (unverified again when it changes) and ``role`` (admins
    and superusers only, never above their own, never their own)."""

    email = serializers.EmailField(max_length=254, required=False)
    username = serializers.CharField(
        max_length=150, required=False, allow_blank=True, validators=[username_validator]
    )
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    phone = serializers.CharField(
        max_length=32, required=False, allow_blank=True, validators=[phone_validator]
    )
    role = serializers.ChoiceField(choices=list(ROLE_ORDER), required=False)

    def _pk(self) -> Any:
        return self.instance.pk if self.instance is not None else None

    def validate_email(self, value: str) -> str | None:
        email = normalize_email(value)
        if email and _email_taken(email, exclude_pk=self._pk()):
            raise serializers.ValidationError(_("A user with that email already exists."))
        return email

    def validate_username(self, value: str) -> str | None:
        username = normalize_username(value)
        if username and _username_taken(username, exclude_pk=self._pk()):
            raise serializers.ValidationError(_("A user with that username already exists."))
        return username

    def validate_role(self, value: str) -> str:
        actor = self.context["request"].user
        target = self.instance
        if target is None or value == role_of(target):
            return value  # unchanged: nothing is granted
        if not roles.is_manager(actor):
            raise serializers.ValidationError(_("Only an admin can change roles."))
        if actor.pk == target.pk:
            raise serializers.ValidationError(_("You cannot change your own role."))
        if roles.rank(value) > roles.rank_of(actor):
            raise serializers.ValidationError(_("You cannot grant a role above your own."))
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        target = self.instance
        if target is not None and "username" in attrs and attrs["username"] is None:
            if not (attrs.get("email") or target.email):
                raise serializers.ValidationError(
                    {"username": [_("Set an email address or a username.")]}
                )
        return attrs

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        profile, _created = Profile.objects.get_or_create(user=instance)
        user_fields: set[str] = set()
        profile_fields: set[str] = set()
        if "email" in validated_data and validated_data["email"] != instance.email:
            instance.email = validated_data["email"]
            instance.email_verified = False
            profile.verified = False
            user_fields |= {"email", "email_verified"}
            profile_fields.add("verified")
        for name in ("username", "full_name"):
            if name in validated_data:
                setattr(
                    instance, name, validated_data[name] or ("" if name == "full_name" else None)
                )
                user_fields.add(name)
        if "role" in validated_data and validated_data["role"] != role_of(instance):
            roles.apply_role(instance, validated_data["role"])
            user_fields |= {"is_staff", "is_superuser"}
        if "phone" in validated_data and validated_data["phone"] != profile.phone:
            profile.phone = validated_data["phone"]
            instance.phone_verified = False
            profile_fields.add("phone")
            user_fields.add("phone_verified")
        if "bio" in validated_data:
            profile.bio = validated_data["bio"]
            profile_fields.add("bio")
        try:
            with transaction.atomic():
                if user_fields:
                    instance.save(update_fields=sorted(user_fields))
                if profile_fields:
                    profile.save(update_fields=sorted(profile_fields))
        except IntegrityError as exc:  # a concurrent update took the name first
            raise serializers.ValidationError(
                {"email": [_("A user with that email or username already exists.")]}
            ) from exc
        return instance


class RecaptchaSerializer(serializers.Serializer):  # type: ignore[misc]
    """POST recaptcha-verify/: ``{token}`` from the reCAPTCHA widget."""

    token = serializers.CharField(max_length=MAX_TOKEN_LENGTH)


class SocialAuthSerializer(serializers.Serializer):  # type: ignore[misc]
    """POST social-auth/: ``{provider, token}``; Google's token is an ID token, GitHub's
    and Facebook's are OAuth access tokens."""

    provider = serializers.ChoiceField(choices=sorted(IDENTIFY))
    # RFC 6750's b64token (JWTs and the providers' access tokens are): anything else is
    # no token, and could not travel in the Authorization header sent to the provider.
    token = serializers.CharField(
        max_length=MAX_TOKEN_LENGTH,
        validators=[RegexValidator(r"\A[A-Za-z0-9\-._~+/]+=*\Z", _("Not a valid token."))],
    )
