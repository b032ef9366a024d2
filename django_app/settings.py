"""Settings of django_app, the reference backend, read from the environment.

Environment variables (all optional in development):

- ``SECRET_KEY``: Django's secret, also pyauth's HMAC signing key (at least 32 bytes for
  HS256). Unset: a fixed development key with a loud warning; refused when DEBUG is off.
- ``DEBUG``: "1"/"true"/"yes"/"on" or "0"/"false"/"no"/"off"; default on (``make run``).
- ``ALLOWED_HOSTS``: comma-separated; default localhost, 127.0.0.1 and [::1].
- ``DATABASE_URL``: e.g. ``postgres://user:pass@127.0.0.1:5432/db`` (psycopg 3);
  default SQLite in db.sqlite3 at the repository root.
- ``REDIS_URL``: Django's Redis cache; default the local-memory cache.
- ``CORS_ALLOWED_ORIGINS``: comma-separated origins allowed to call the API with
  credentials (cookies); default http://localhost:3000. They are CSRF-trusted too.
- ``EMAIL_FILE_PATH``: a directory; when set every mail is written there as a file.
- ``MEDIA_ROOT``: where uploaded profile images go; default media/ at the repository root.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean environment variable; anything unrecognised is an error, not a guess."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated environment variable as a list (blank items dropped)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# Public on purpose: used only when DEBUG is on and SECRET_KEY is unset, with a warning.
_DEV_SECRET_KEY = "django-insecure-dev-only-pyauth-reference-backend-0f9c2b7e4a61d8359e"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _DEV_SECRET_KEY
    warnings.warn(
        "SECRET_KEY is not set: using the public development key. Anyone can forge "
        "sessions and tokens for this server; set SECRET_KEY outside development.",
        RuntimeWarning,
        stacklevel=1,
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "pyauth",
    "pyauth.lifecycle",
    "django_app.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "django_app.urls"
WSGI_APPLICATION = "django_app.wsgi.application"
ASGI_APPLICATION = "django_app.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    ),
}

_REDIS_URL = os.environ.get("REDIS_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS_URL}
        if _REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    ),
}

_EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH")
if _EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = _EMAIL_FILE_PATH
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# --- Users and passwords -------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django_app.accounts.backends.EmailOrUsernameBackend"]

# pyauth's hashers read and write Django's "argon2" and "pbkdf2_sha256" formats. Django's
# own hashers of those two algorithms are deliberately NOT listed: Django keys hashers by
# algorithm name and the last one listed wins, so they would take verification over from
# pyauth's (and Django's Argon2 one needs argon2-cffi, which the app does not install).
# The others below only verify legacy hashes, upgraded to Argon2id at the next login.
PASSWORD_HASHERS = [
    "pyauth.hashers.Argon2idPasswordHasher",
    "pyauth.hashers.PBKDF2SHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- API -------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # JSON bodies only: a cross-site HTML form cannot produce them. The profile image
    # upload view adds the multipart parser for itself.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "pyauth.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

PYAUTH = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": None,  # settings.SECRET_KEY, read when a token is signed
    # Document 003's clients read the user's name and profile from the access token.
    "EXTRA_ACCESS_CLAIMS": "django_app.accounts.claims.profile_claims",
    # Document 000's cookies; the refresh cookie only goes to its refresh and logout.
    "AUTH_COOKIE_ACCESS": "access_token",
    "AUTH_COOKIE_REFRESH": "refresh_token",
    "AUTH_COOKIE_SAMESITE": "Lax",
    "AUTH_COOKIE_SECURE": None,  # not DEBUG, read when a cookie is set
    "AUTH_COOKIE_REFRESH_PATH": "/api/auth/",
}

#: Document 001's single ``jwt`` cookie lives 60 minutes, and so does its token.
JWT_COOKIE_LIFETIME = timedelta(minutes=60)

# --- Browsers: CORS, CSRF, cookies -----------------------------------------------------

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", ["http://localhost:3000"])
CORS_ALLOW_CREDENTIALS = True
CSRF_TRUSTED_ORIGINS = CORS_ALLOWED_ORIGINS

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = not DEBUG

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Deployment choices (a TLS-terminating proxy must send X-Forwarded-Proto to use these).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Files, i18n -----------------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
#: Largest accepted profile image, in bytes.
PROFILE_IMAGE_MAX_BYTES = 2 * 1024 * 1024

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
