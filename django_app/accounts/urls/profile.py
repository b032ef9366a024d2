"""The caller's profile, included under ``/api/`` for every kind of login."""

from __future__ import annotations

from django.urls import path

from django_app.accounts.views import profile

app_name = "profile"

urlpatterns = [
    path("profile/", profile.ProfileView.as_view(), name="profile"),
    path("profile/image/", profile.ProfileImageView.as_view(), name="profile_image"),
]
