"""The services and settings other /auth-api/ code builds on (authapi_users uses
issue_login, login_body, user_representation, role_of, revoke_everything)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from rest_framework.response import Response

from django_app.authapi import services
from pyauth.lifecycle import services as lifecycle
from pyauth.lifecycle.models import TokenFamily

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "role"),
    [
        ({}, "user"),
        ({"is_staff": True}, "admin"),
        ({"is_staff": True, "is_superuser": True}, "superuser"),
        ({"is_superuser": True}, "superuser"),
    ],
)
def test_role_of(make_user: Any, fields: dict[str, Any], role: str) -> None:
    assert services.role_of(make_user(**fields)) == role
    assert role in services.ROLE_ORDER
    assert services.ROLE_ORDER == ("user", "admin", "superuser")


@pytest.mark.django_db
def test_user_representation(make_user: Any) -> None:
    user = make_user(username="alice", full_name="Alice A")
    user.profile.bio = "hi"
    user.profile.phone = "+1 555 0100"
    user.profile.save()
    body = services.user_representation(user)
    assert set(body) == {
        "id", "email", "username", "full_name", "role", "is_active", "email_verified",
        "phone_verified", "image", "bio", "phone", "date_joined",
    }  # fmt: skip
    assert body["image"] is None  # the default image is not the user's own
    assert (body["bio"], body["phone"], body["role"]) == ("hi", "+1 555 0100", "user")
    assert body["email_verified"] is False and body["phone_verified"] is False
    user.profile.image.name = "user_images/a.png"
    assert services.user_representation(user)["image"] == "/media/user_images/a.png"


@pytest.mark.django_db
def test_issue_login_and_login_body(make_user: Any, rf: Any) -> None:
    user = make_user()
    request = rf.post("/auth-api/social-auth/")
    response = Response(services.login_body(user))
    services.issue_login(response, user, request)
    assert response.data["user"]["email"] == user.email
    assert response.cookies["refresh_token"]["path"] == "/auth-api/"
    assert response.cookies["access_token"]["httponly"] is True
    assert TokenFamily.objects.filter(user=user, revoked_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_revoke_everything(make_user: Any, api: Any, make_browser: Any) -> None:
    user = make_user()
    other = make_user(email="bob@example.com")
    lifecycle.issue(user)
    lifecycle.issue(user)
    lifecycle.issue(other)
    make_browser().force_login(user)
    make_browser().force_login(other)
    services.revoke_everything(user)
    assert not TokenFamily.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert TokenFamily.objects.filter(user=other, revoked_at__isnull=True).count() == 2  # + session
    assert [s.get_decoded()["_auth_user_id"] for s in Session.objects.all()] == [str(other.pk)]


@pytest.mark.parametrize(
    ("env", "backend"),
    [
        ({"DEBUG": "1"}, "console"),
        ({"DEBUG": "0"}, "disabled"),  # production: no code ever printed
        ({"DEBUG": "0", "SMS_FILE_PATH": "sms-out"}, "file"),
        ({"DEBUG": "0", "SMS_BACKEND": "locmem"}, "locmem"),
    ],
)
def test_sms_backend_defaults(env: dict[str, str], backend: str) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SMS_")}
    clean.update(env, SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="django_app.settings")
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c",
         "from django.conf import settings; print(settings.SMS_BACKEND)"],
        cwd=ROOT, env=clean, capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert out.stdout.strip() == backend
