"""The app of document 002's authentication flows."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuthApiConfig(AppConfig):
    """``django_app.authapi``: one-time codes, lockout counters, and their admin."""

    name = "django_app.authapi"
    label = "authapi"
    verbose_name = _("Auth API (document 002)")
    default_auto_field = "django.db.models.BigAutoField"
