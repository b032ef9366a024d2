"""The Django app configuration of pyauth's token lifecycle."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):  # type: ignore[misc]
    """``pyauth.lifecycle``, label ``pyauth_lifecycle``: refresh-token families."""

    name = "pyauth.lifecycle"
    label = "pyauth_lifecycle"
    verbose_name = _("pyauth token lifecycle")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from pyauth.lifecycle.signals import connect, connect_sessions

        connect(get_user_model())
        connect_sessions()
