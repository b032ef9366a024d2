"""The login backend: one identifier field that takes an email address or a username,
under the progressive lockout of :mod:`django_app.authapi.lockout`.

Every password login of the reference backend goes through Django's ``authenticate``
and so through this backend: the login and token endpoints of all five documents,
pyauth's token views and the admin's login. A locked account or IP therefore gets, on
each of them, exactly the answer a wrong password gets there.
"""

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
    their password was checked, for the same reason. The check runs under
    :func:`~django_app.authapi.lockout.guarded_check`: failures count per account and
    per client IP, a locked one is refused after the same work, success clears the
    account's count.
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
        from django_app.authapi import lockout  # a model module: not at import time

        user = find_user(identifier)

        def check() -> bool:
            if user is None:
                # Same cost as a real check (the first hasher, the one new passwords use).
                get_user_model()().set_password(password)
                return False
            return bool(user.check_password(password) and self.user_can_authenticate(user))

        return user if lockout.guarded_check(request, identifier, user, check) else None
