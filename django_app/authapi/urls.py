"""Document 002's authentication flows, included under ``/auth-api/``."""

from __future__ import annotations

from django.urls import path

from django_app.authapi import views

app_name = "authapi"

urlpatterns = [
    path("get-csrf-token/", views.CsrfTokenView.as_view(), name="get-csrf-token"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("resend-otp/", views.ResendOtpView.as_view(), name="resend-otp"),
    path("token/", views.TokenView.as_view(), name="token"),
    path("token/refresh/", views.TokenRefreshView.as_view(), name="token-refresh"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("verify-email/", views.VerifyEmailView.as_view(), name="verify-email"),
    path("verify-phone/", views.VerifyPhoneView.as_view(), name="verify-phone"),
    path("reset-password/", views.ResetPasswordView.as_view(), name="reset-password"),
]
