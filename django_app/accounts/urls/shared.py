"""Documents 001, 003 and 004, included under ``/api/``: the paths they share.

``register/`` serves 001, 003 and 004; ``login/``, ``user/`` and ``logout/`` serve 001
and 004; ``protected/`` is the name 004's feature list gives ``user/``.
"""

from __future__ import annotations

from django.urls import path

from django_app.accounts.views import shared

app_name = "shared"

urlpatterns = [
    path("register/", shared.RegisterView.as_view(), name="register"),
    path("login/", shared.LoginView.as_view(), name="login"),
    path("user/", shared.UserView.as_view(), name="user"),
    path("protected/", shared.UserView.as_view(), name="protected"),
    path("logout/", shared.LogoutView.as_view(), name="logout"),
]
