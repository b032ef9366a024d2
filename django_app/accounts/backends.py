"""The login backend: one identifier field that takes an email address or a username."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from django_app.accounts.models import normalize_email, normalize_username


def find_user(identifier: str) -> Any | None:
    """The user an identifier names: an email when it holds "@" (usernames cannot), else a
    username compared case-insensitively. None when there is no such user."""
    user_model = get_user_model()
    if "@" in identifier:
        email = normalize_email(identifier)
        return user_model._default_manager.filter(email=email).first() if email else None
    username = normalize_username(identifier)
    if username is None:
        return None
    return user_model._default_manager.filter(username__iexact=username).first()


class EmailOrUsernameBackend(ModelBackend):
    """Django's ModelBackend, looking users up by email or by username.

    As ModelBackend does, an unknown identifier still costs one password hash, so the
    answer time does not say whether an account exists; inactive users are refused after
    their password was checked, for the same reason.
    """

    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any | None:
        identifier = username if username is not None else kwargs.get("email")
        if not isinstance(identifier, str) or not isinstance(password, str):
            return None
        user = find_user(identifier)
        if user is None:
            # Same cost as a real check (the first hasher, the one new passwords use).
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
