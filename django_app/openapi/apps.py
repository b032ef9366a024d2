"""The app that registers django_app's drf-spectacular extensions at start-up."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpenApiConfig(AppConfig):
    """``django_app.openapi``: the OpenAPI schema and Swagger UI of the reference backend."""

    name = "django_app.openapi"
    label = "django_app_openapi"
    verbose_name = _("API documentation")

    def ready(self) -> None:
        # drf-spectacular finds extensions through a registry filled at class creation.
        from django_app.openapi import extensions  # noqa: F401
