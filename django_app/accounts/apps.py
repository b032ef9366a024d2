"""The accounts app's configuration: connects the profile signal on start."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Users, profiles and the documented authentication endpoints."""

    name = "django_app.accounts"
    label = "accounts"
    verbose_name = _("Accounts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django_app.accounts import signals  # noqa: F401 (connects the receivers)
