"""The authapi_users app: users with roles, profile images, reCAPTCHA and social sign-in."""

from __future__ import annotations

from django.apps import AppConfig


class AuthapiUsersConfig(AppConfig):  # type: ignore[misc]
    name = "django_app.authapi_users"
    label = "authapi_users"
    verbose_name = "Auth API: users and social sign-in"
    default_auto_field = "django.db.models.BigAutoField"
