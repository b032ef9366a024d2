"""The Django app configuration of pyauth's signing-key store."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KeysConfig(AppConfig):  # type: ignore[misc]
    """``pyauth.keys``, label ``pyauth_keys``: the signing keys and their rotation."""

    name = "pyauth.keys"
    label = "pyauth_keys"
    verbose_name = _("pyauth signing keys")
    default_auto_field = "django.db.models.BigAutoField"
