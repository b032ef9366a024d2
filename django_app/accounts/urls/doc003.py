"""Document 003, included under ``/api/`` (its ``register/`` is in :mod:`.shared`)."""

from __future__ import annotations

from django.urls import path

from django_app.accounts.views import doc003

app_name = "doc003"

urlpatterns = [
    path("token/", doc003.TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("token/refresh/", doc003.TokenRefreshView.as_view(), name="token_refresh"),
    path("dashboard/", doc003.DashboardView.as_view(), name="dashboard"),
]
