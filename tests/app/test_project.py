"""Project-wide properties: JSON-only bodies, migrations in step with the models, system
checks, password hashing, the user model's invariants and the admin."""

from __future__ import annotations

import io
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import identify_hasher, make_password
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.test import APIClient

from django_app.accounts.models import Profile

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/api/register/",
        "/api/login/",
        "/api/token/",
        "/api/token/refresh/",
        "/api/auth/register",
        "/api/auth/login",
    ],
)
@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_form_bodies_refused(path: str, content_type: str, password: str) -> None:
    body = f"username=admin&email=a%40example.com&password={password}"
    response = Client().post(path, body, content_type=content_type)
    assert response.status_code == 415
    assert response.json()["detail"].startswith("Unsupported media type")


def test_migrations_match_the_models() -> None:
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


def test_system_checks_clean_in_development(settings: Any) -> None:
    settings.DEBUG = True
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "no issues" in out.getvalue()


REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/0",
    }
}


def test_system_checks_clean_in_production(settings: Any) -> None:
    settings.DEBUG = False
    # What settings.py derives from DEBUG=0 at start-up, with REDIS_URL set.
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.CACHES = REDIS_CACHE
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "no issues" in out.getvalue()


def test_system_checks_warn_of_a_per_process_revocation_cache(settings: Any) -> None:
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)  # the default: local memory, no REDIS_URL
    assert "pyauth.W008" in out.getvalue()
    settings.DEBUG = True  # one development server: nothing to share
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "pyauth.W008" not in out.getvalue()


def test_system_checks_flag_insecure_cookies_without_debug(settings: Any) -> None:
    settings.DEBUG = False
    settings.SESSION_COOKIE_SECURE = False
    out = io.StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "pyauth.W002" in out.getvalue()


def test_new_passwords_are_argon2id_on_pyauth(make_user: Any, password: str) -> None:
    user = make_user()
    assert user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert type(identify_hasher(user.password)).__module__ == "pyauth.hashers"


def test_legacy_pbkdf2_hash_upgraded_at_login(make_user: Any, password: str) -> None:
    user = make_user()
    user.password = make_password(password, hasher="pbkdf2_sha1")
    user.save(update_fields=["password"])
    response = APIClient().post("/api/login/", {"email": user.email, "password": password})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")


def test_unknown_user_still_costs_a_hash(password: str) -> None:
    user_model = get_user_model()
    with mock.patch.object(user_model, "set_password", autospec=True) as hashed:
        response = APIClient().post(
            "/api/login/", {"email": "nobody@example.com", "password": password}
        )
    assert response.status_code == 401
    hashed.assert_called_once()


def test_profile_created_with_user(make_user: Any) -> None:
    user = make_user()
    profile = Profile.objects.get(user=user)
    assert (profile.bio, profile.image.name, profile.verified, profile.phone) == (
        "",
        "default.jpg",
        False,
        "",
    )


def test_emails_stored_lowercased_and_unique(make_user: Any) -> None:
    user = make_user(email="  Alice@Example.COM ")
    assert user.email == "alice@example.com"
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(email="ALICE@example.com")


def test_usernames_unique_case_insensitively(make_user: Any) -> None:
    make_user(email=None, username="Admin")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(email=None, username="admin")


def test_user_needs_email_or_username() -> None:
    user_model = get_user_model()
    with pytest.raises(ValueError, match="email address or a username"):
        user_model.objects.create_user(email="", password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        user_model.objects.bulk_create([user_model(email=None, username=None)])


def test_many_users_without_email_or_without_username(make_user: Any) -> None:
    make_user(email=None, username="one")
    make_user(email=None, username="two")
    make_user(email="three@example.com", username=None)
    make_user(email="four@example.com", username="")
    assert get_user_model().objects.filter(email__isnull=True).count() == 2
    assert get_user_model().objects.filter(username__isnull=True).count() == 2


def test_admin_pages(make_user: Any, password: str) -> None:
    admin = get_user_model().objects.create_superuser(email="root@example.com", password=password)
    user = make_user()
    client = Client()
    client.force_login(admin)
    for path in (
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{user.pk}/change/",
        "/admin/accounts/profile/",
    ):
        assert client.get(path).status_code == 200, path
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "bob@example.com",
            "username": "",
            "full_name": "Bob",
            "password1": password,
            "password2": password,
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    bob = get_user_model().objects.get(email="bob@example.com")
    assert bob.username is None
    assert bob.check_password(password)
