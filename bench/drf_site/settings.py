"""Settings of the benchmark site, from the environment.

- ``PYAUTH_BENCH_DB``: the SQLite file (bench/run.py makes a fresh one per run).
- ``PYAUTH_BENCH_AUTH``: ``pyauth`` (default) or ``simplejwt``: the authentication class
  of ``/me``, the endpoint the end-to-end run loads. The other views name their classes.
- ``PYAUTH_BENCH_REDIS``: a Redis URL for Django's cache (where pyauth keeps its
  revocation marks); unset, the local-memory cache.
- ``PYAUTH_BENCH_VARIANTS``: "1" adds a URL per authentication class (urls.py).

The middleware is django_app's stack (without CORS); DEBUG is off, so Django keeps no
query log; database connections persist as in django_app (CONN_MAX_AGE 60).
"""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path

# A benchmark key, public on purpose: this site only ever listens on 127.0.0.1.
SECRET_KEY = "pyauth-bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "pyauth",
    "pyauth.lifecycle",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "drf_site.urls"
WSGI_APPLICATION = "drf_site.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get(
            "PYAUTH_BENCH_DB", str(Path(tempfile.gettempdir()) / "pyauth-bench.sqlite3")
        ),
        "CONN_MAX_AGE": 60,
    }
}

_REDIS = os.environ.get("PYAUTH_BENCH_REDIS")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _REDIS,
            "KEY_PREFIX": "pyauth-bench",
        }
        if _REDIS
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

PASSWORD_HASHERS = [
    "pyauth.hashers.Argon2idPasswordHasher",
    "pyauth.hashers.PBKDF2SHA256PasswordHasher",
]

_AUTH = os.environ.get("PYAUTH_BENCH_AUTH", "pyauth")
_CLASSES = {
    "pyauth": "pyauth.authentication.JWTAuthentication",
    "simplejwt": "rest_framework_simplejwt.authentication.JWTAuthentication",
}
REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [_CLASSES[_AUTH]],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}

# The same key, algorithm and lifetime for both libraries; an hour, so that no token
# expires during a run.
PYAUTH = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
}
SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": SECRET_KEY,
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
}
