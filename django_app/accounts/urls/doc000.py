"""Document 000, included under ``/api/auth/`` (its paths have no trailing slash)."""

from __future__ import annotations

from django.urls import path

from django_app.accounts.views import doc000

app_name = "doc000"

urlpatterns = [
    path("register", doc000.RegisterView.as_view(), name="register"),
    path("login", doc000.LoginView.as_view(), name="login"),
    path("me", doc000.MeView.as_view(), name="me"),
    path("token/refresh", doc000.TokenRefreshView.as_view(), name="token_refresh"),
    path("logout", doc000.LogoutView.as_view(), name="logout"),
]
