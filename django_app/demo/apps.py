"""The app of the demo page."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """``django_app.demo``: one template, its script and stylesheet; no models."""

    name = "django_app.demo"
    label = "demo"
    verbose_name = _("Demo page")
