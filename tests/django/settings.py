"""Minimal Django settings for pyauth's own tests (``--ds=tests.django.settings``).

SQLite in a file (so threads of the concurrency tests share one database) unless
``PYAUTH_TEST_POSTGRES=1``, which selects PostgreSQL on 127.0.0.1:5432, database
``test``, user ``postgres`` (Django creates and drops ``test_test``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = "pyauth-tests-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "pyauth",
    "pyauth.lifecycle",
    "pyauth.mfa",
    "pyauth.keys",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pyauth.lifecycle.middleware.SessionLifecycleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "tests.django.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES: dict[str, dict[str, Any]]
if os.environ.get("PYAUTH_TEST_POSTGRES") == "1":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "test",
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": "5432",
        }
    }
else:
    # A file, not Django's in-memory default: the concurrency tests' threads each open
    # their own connection and must see one database.
    _db_dir = Path(tempfile.gettempdir())
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": ":memory:",  # never used: the tests run on TEST's NAME
            "TEST": {"NAME": str(_db_dir / f"pyauth-tests-{os.getpid()}-test.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# pyauth's two read Django's "argon2" and "pbkdf2_sha256" hashes. Django's hashers of
# the same algorithm names must not follow them: Django verifies with the *last* hasher
# listed for an algorithm (pyauth.W004).
PASSWORD_HASHERS = [
    "pyauth.hashers.Argon2idPasswordHasher",
    "pyauth.hashers.PBKDF2SHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["pyauth.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
STATIC_URL = "/static/"
