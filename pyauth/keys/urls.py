"""``path("", include("pyauth.keys.urls"))`` serves ``/.well-known/jwks.json``."""

from __future__ import annotations

from django.urls import path

from pyauth.keys.views import JWKSView

app_name = "pyauth_keys"

urlpatterns = [
    path(".well-known/jwks.json", JWKSView.as_view(), name="jwks"),
]
