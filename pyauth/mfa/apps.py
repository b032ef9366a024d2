"""The Django app configuration of pyauth's two-factor authentication."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MfaConfig(AppConfig):  # type: ignore[misc]
    """``pyauth.mfa``, label ``pyauth_mfa``: TOTP devices, recovery codes and the
    pending second steps of logins."""

    name = "pyauth.mfa"
    label = "pyauth_mfa"
    verbose_name = _("pyauth two-factor authentication")
    default_auto_field = "django.db.models.BigAutoField"
