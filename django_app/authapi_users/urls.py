"""Routes of document 002's users/, recaptcha-verify/ and social-auth/ (under /auth-api/)."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from django_app.authapi_users.views import RecaptchaVerifyView, SocialAuthView, UserViewSet

router = SimpleRouter(trailing_slash=True)
router.register("users", UserViewSet, basename="authapi-user")

urlpatterns = [
    path("recaptcha-verify/", RecaptchaVerifyView.as_view(), name="authapi-recaptcha-verify"),
    path("social-auth/", SocialAuthView.as_view(), name="authapi-social-auth"),
    *router.urls,
]
