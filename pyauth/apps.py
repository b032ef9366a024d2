"""The Django app configuration of pyauth (INSTALLED_APPS += ["pyauth"])."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PyAuthConfig(AppConfig):  # type: ignore[misc]
    """``pyauth``: registers the system checks of :mod:`pyauth.checks`. The tables
    live in the separate app ``pyauth.lifecycle``."""

    name = "pyauth"
    label = "pyauth"
    verbose_name = _("pyauth")

    def ready(self) -> None:
        from pyauth.checks import register_checks

        register_checks()
