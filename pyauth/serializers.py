"""Serializers of pyauth's token views, with djangorestframework-simplejwt's names,
fields and answers, recording every session in :mod:`pyauth.lifecycle`.

- :class:`TokenObtainPairSerializer`: USERNAME_FIELD + password -> refresh and access;
- :class:`TokenRefreshSerializer`: refresh -> access (+ refresh when rotating);
- :class:`TokenVerifySerializer`: is this token valid and not revoked;
- :class:`TokenBlacklistSerializer`: refresh -> its session revoked (logout).

They raise :class:`~pyauth.tokens.TokenError` for refused tokens; the views turn it
into 401 ``token_not_valid``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth import authenticate, get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers

from pyauth import mfa
from pyauth.lifecycle import services
from pyauth.tokens import AccessToken, RefreshToken, Token, TokenError, UntypedToken

__all__ = [
    "PasswordField",
    "TokenBlacklistSerializer",
    "TokenObtainPairSerializer",
    "TokenObtainSerializer",
    "TokenRefreshSerializer",
    "TokenVerifySerializer",
]


class PasswordField(serializers.CharField):  # type: ignore[misc]
    """A write-only password input, never trimmed (a space is part of a password)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("style", {})
        kwargs["style"]["input_type"] = "password"
        kwargs["write_only"] = True
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(*args, **kwargs)


class TokenObtainSerializer(serializers.Serializer):  # type: ignore[misc]
    """Checks USERNAME_FIELD + password with Django's ``authenticate`` (whose
    ModelBackend hashes the password even for an unknown user, so the answer's timing
    does not tell which accounts exist) and keeps the user in ``self.user``."""

    username_field: str | None = None
    default_error_messages: ClassVar[dict[str, Any]] = {
        "no_active_account": _("No active account found with the given credentials")
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user: Any = None
        # A two-factor second step ({"mfa_token", "mfa_code"}) carries no credentials.
        required = not mfa.is_completion(getattr(self, "initial_data", None))
        self.fields[self.get_username_field()] = serializers.CharField(
            write_only=True, required=required
        )
        self.fields["password"] = PasswordField(required=required)

    def get_username_field(self) -> str:
        """The login field: ``username_field`` or the user model's USERNAME_FIELD."""
        field: str = self.username_field or get_user_model().USERNAME_FIELD
        return field

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        data = getattr(self, "initial_data", None)
        # pyauth.mfa: a second step names its user; a first step of an enrolled user
        # stops at 403 mfa_required unless it carries a right mfa_code.
        self.user = mfa.pending_user(request, data=data)
        if self.user is not None:
            return {}
        field = self.get_username_field()
        credentials: dict[str, Any] = {field: attrs[field], "password": attrs["password"]}
        if request is not None:
            credentials["request"] = request
        self.user = authenticate(**credentials)
        if self.user is None or not getattr(self.user, "is_active", False):
            raise exceptions.AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            )
        mfa.gate(request, self.user, data=data)
        return {}


class TokenObtainPairSerializer(TokenObtainSerializer):
    """Login: answers ``{"refresh", "access"}`` for a new session. Subclasses may
    override :meth:`get_token` to add claims, as with simplejwt."""

    token_class: type[RefreshToken] = RefreshToken

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refresh_token: RefreshToken | None = None
        self.access_token: AccessToken | None = None

    @classmethod
    def get_token(cls, user: Any) -> RefreshToken:
        """The refresh token to issue for ``user`` (its claims pass to the access token)."""
        return cls.token_class.for_user(user)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        super().validate(attrs)
        refresh, access = services.issue(
            self.user, self.context.get("request"), token=self.get_token(self.user)
        )
        self.refresh_token, self.access_token = refresh, access
        return {"refresh": str(refresh), "access": str(access)}


class TokenRefreshSerializer(serializers.Serializer):  # type: ignore[misc]
    """``{"refresh"}`` -> ``{"access"}``, plus ``"refresh"`` when rotating (the
    context's ``rotate``, else ROTATE_REFRESH_TOKENS)."""

    refresh = serializers.CharField()
    access = serializers.CharField(read_only=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refresh_token: RefreshToken | None = None
        self.access_token: AccessToken | None = None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        try:
            refresh, access = services.refresh(
                attrs["refresh"], self.context.get("request"), rotate=self.context.get("rotate")
            )
        except TokenError as exc:
            if exc.code == "no_active_account":
                raise exceptions.AuthenticationFailed(exc.args[0], exc.code) from exc
            raise
        self.refresh_token, self.access_token = refresh, access
        data: dict[str, Any] = {"access": str(access)}
        if refresh is not None:
            data["refresh"] = str(refresh)
        return data


class TokenVerifySerializer(serializers.Serializer):  # type: ignore[misc]
    """``{"token"}`` -> ``{}`` if it is a valid token of this service whose session
    was not revoked (and, for a refresh token, not yet traded)."""

    token = serializers.CharField(write_only=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        token: Token = UntypedToken(attrs["token"])
        if services.is_token_revoked(token):
            raise TokenError(_("Token is blacklisted"), code="token_revoked")
        return {}


class TokenBlacklistSerializer(serializers.Serializer):  # type: ignore[misc]
    """``{"refresh"}`` -> ``{}``, the token blacklisted and its session revoked."""

    refresh = serializers.CharField(write_only=True)
    token_class: type[RefreshToken] = RefreshToken

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        token = self.token_class(attrs["refresh"])
        services.revoke_token(token, services.REASON_LOGOUT)
        return {}
