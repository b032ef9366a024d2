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
    "pyauth.mfa",
    "pyauth.keys",
    "django_app.accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    # Oversize and too-deep bodies refused before anything reads them; an unreachable
    # database answered 503 JSON (issue 7).
    "django_app.middleware.RequestLimitsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Revoked sessions (the sessions list, log out everywhere) are signed out here.
    "pyauth.lifecycle.middleware.SessionLifecycleMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several workers writing at once must wait for SQLite's write lock, never fail with
    # "database is locked" (a 500; 50 simultaneous failed logins did, tests/app/races):
    # BEGIN IMMEDIATE takes the lock where the busy timeout applies (a deferred
    # transaction that read first gets no wait), and WAL lets readers run beside the
    # writer and commits cost one fsync of the log. Options in DATABASE_URL win.
    _sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite_options.setdefault("timeout", 20)
    _sqlite_options.setdefault("init_command", "PRAGMA journal_mode=WAL")

_REDIS_URL = os.environ.get("REDIS_URL")
# Short socket timeouts: a Redis that stops answering must not hang requests; pyauth's
# revocation check then falls back to the database.
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
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
    # EdDSA keys from pyauth.keys' store (generated at first use, private halves sealed
    # under SECRET_KEY, published at /.well-known/jwks.json, rotated with
    # `manage.py rotate_signing_key`). PYAUTH_SIGNING_KEY_SOURCE=settings with
    # PYAUTH_ALGORITHM=HS256 signs with SECRET_KEY instead, as simplejwt does.
    "SIGNING_KEY_SOURCE": os.environ.get("PYAUTH_SIGNING_KEY_SOURCE", "store"),
    "ALGORITHM": os.environ.get("PYAUTH_ALGORITHM", "EdDSA"),
    # Document 003's clients read the user's name and profile from the access token.
    "EXTRA_ACCESS_CLAIMS": "django_app.accounts.claims.profile_claims",
    # Document 000's cookies; the refresh cookie only goes to its refresh and logout.
    "AUTH_COOKIE_ACCESS": "access_token",
    "AUTH_COOKIE_REFRESH": "refresh_token",
    "AUTH_COOKIE_SAMESITE": "Lax",
    "AUTH_COOKIE_SECURE": None,  # not DEBUG, read when a cookie is set
    "AUTH_COOKIE_REFRESH_PATH": "/api/auth/",
    # Device-bound refresh tokens (000's roadmap): every refresh cookie comes with a
    # random fingerprint in the HttpOnly cookie __Host-refresh_fgp (refresh_fgp in DEBUG).
    "REFRESH_FINGERPRINT": True,
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

# --- document 002 (auth-api) ---------------------------------------------------------
# /auth-api/ sign-in flows (django_app.authapi): OTP login, verification, reset, lockout.

INSTALLED_APPS += ["django_app.authapi"]

#: reCAPTCHA: the secret (unset: login never asks for reCAPTCHA) and siteverify's URL.
RECAPTCHA_SECRET = os.environ.get("RECAPTCHA_SECRET", "")
RECAPTCHA_VERIFY_URL = os.environ.get(
    "RECAPTCHA_VERIFY_URL", "https://www.google.com/recaptcha/api/siteverify"
)
#: Failed logins (per account or per IP) after which login/ demands a reCAPTCHA token.
RECAPTCHA_AFTER_FAILURES = int(os.environ.get("RECAPTCHA_AFTER_FAILURES", "3"))

#: Text messages: SMS_FILE_PATH (one file per message) wins; else SMS_BACKEND (a short
#: name or a dotted path); else the console in DEBUG and "disabled" outside it, so
#: codes never reach production logs.
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", "")
SMS_BACKEND = (
    "file"
    if SMS_FILE_PATH
    else os.environ.get("SMS_BACKEND") or ("console" if DEBUG else "disabled")
)

#: users/ create is open to anyone unless this is off.
AUTH_API_OPEN_REGISTRATION = env_bool("AUTH_API_OPEN_REGISTRATION", True)
#: Mailed and texted codes: lifetime and tries.
AUTH_API_OTP_LIFETIME = timedelta(minutes=5)
AUTH_API_OTP_MAX_ATTEMPTS = 5
#: The /auth-api/ refresh cookie goes only to token/refresh/ and logout/ below this path.
AUTH_API_REFRESH_COOKIE_PATH = "/auth-api/"
#: Email verification links expire after this long.
EMAIL_VERIFICATION_MAX_AGE = timedelta(days=1)
#: Where mailed links point (the frontend's verify-email/ and reset-password/ pages);
#: unset: the API's own GET endpoints.
FRONTEND_URL = os.environ.get("FRONTEND_URL", "")

#: Progressive lockout (per account and per IP): after THRESHOLD failures, waits of
#: BASE_WAIT doubling per further failure, capped at MAX_WAIT; a counter is forgotten
#: RESET_AFTER its last failure.
LOCKOUT_THRESHOLD = int(os.environ.get("LOCKOUT_THRESHOLD", "5"))
LOCKOUT_BASE_WAIT = timedelta(minutes=1)
LOCKOUT_MAX_WAIT = timedelta(minutes=15)
LOCKOUT_RESET_AFTER = timedelta(hours=12)

#: Rate limits per client IP (django_app.authapi.throttles), shared by every document:
#: auth_login counts the login and token endpoints of 000-004 together, auth_register
#: their registrations, auth_refresh the refresh endpoints of 000 and 003.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "auth_login": os.environ.get("THROTTLE_AUTH_LOGIN", "10/min"),
    "auth_otp": os.environ.get("THROTTLE_AUTH_OTP", "5/min"),
    "auth_token": os.environ.get("THROTTLE_AUTH_TOKEN", "10/min"),
    "auth_reset": os.environ.get("THROTTLE_AUTH_RESET", "5/min"),
    "auth_verify": os.environ.get("THROTTLE_AUTH_VERIFY", "10/min"),
    "auth_register": os.environ.get("THROTTLE_AUTH_REGISTER", "10/hour"),
    "auth_social": os.environ.get("THROTTLE_AUTH_SOCIAL", "20/min"),
    "auth_refresh": os.environ.get("THROTTLE_AUTH_REFRESH", "60/min"),
}

# --- document 002 (users, social) ----------------------------------------------------
# /auth-api/users/, recaptcha-verify/ and social-auth/ (django_app.authapi_users).

INSTALLED_APPS += ["django_app.authapi_users"]

#: Google sign-in: the OAuth client id an ID token's "aud" must name (unset: Google
#: sign-in is refused), where Google's JWK Set is fetched, how long it is cached (Google's
#: Cache-Control max-age wins when shorter) and the issuers Google uses.
SOCIAL_AUTH_GOOGLE_CLIENT_ID = os.environ.get("SOCIAL_AUTH_GOOGLE_CLIENT_ID", "")
SOCIAL_AUTH_GOOGLE_JWKS_URL = os.environ.get(
    "SOCIAL_AUTH_GOOGLE_JWKS_URL", "https://www.googleapis.com/oauth2/v3/certs"
)
SOCIAL_AUTH_GOOGLE_JWKS_TTL = int(os.environ.get("SOCIAL_AUTH_GOOGLE_JWKS_TTL", "3600"))
SOCIAL_AUTH_GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
#: GitHub's user API and its emails endpoint (an OAuth access token with user:email).
SOCIAL_AUTH_GITHUB_API_URL = os.environ.get(
    "SOCIAL_AUTH_GITHUB_API_URL", "https://api.github.com/user"
)
SOCIAL_AUTH_GITHUB_EMAILS_URL = os.environ.get(
    "SOCIAL_AUTH_GITHUB_EMAILS_URL", "https://api.github.com/user/emails"
)
#: Facebook's Graph API "me" endpoint (id, name, email are asked for).
SOCIAL_AUTH_FACEBOOK_API_URL = os.environ.get(
    "SOCIAL_AUTH_FACEBOOK_API_URL", "https://graph.facebook.com/me"
)
#: Binding tokens to our own OAuth apps (recommended): when an app's id and secret are
#: set, a GitHub token must pass GitHub's "check a token" for our client id and a Facebook
#: token Graph's debug_token for our app id. Unset: a token any app obtained is accepted.
SOCIAL_AUTH_GITHUB_CLIENT_ID = os.environ.get("SOCIAL_AUTH_GITHUB_CLIENT_ID", "")
SOCIAL_AUTH_GITHUB_CLIENT_SECRET = os.environ.get("SOCIAL_AUTH_GITHUB_CLIENT_SECRET", "")
SOCIAL_AUTH_GITHUB_CHECK_TOKEN_URL = os.environ.get(
    "SOCIAL_AUTH_GITHUB_CHECK_TOKEN_URL",
    "https://api.github.com/applications/{client_id}/token",
)
SOCIAL_AUTH_FACEBOOK_APP_ID = os.environ.get("SOCIAL_AUTH_FACEBOOK_APP_ID", "")
SOCIAL_AUTH_FACEBOOK_APP_SECRET = os.environ.get("SOCIAL_AUTH_FACEBOOK_APP_SECRET", "")
SOCIAL_AUTH_FACEBOOK_DEBUG_TOKEN_URL = os.environ.get(
    "SOCIAL_AUTH_FACEBOOK_DEBUG_TOKEN_URL", "https://graph.facebook.com/debug_token"
)
#: Seconds any call to a provider (or to reCAPTCHA's siteverify) may take.
SOCIAL_AUTH_TIMEOUT = 5.0
#: Users per page of GET /auth-api/users/.
AUTH_API_USERS_PAGE_SIZE = 20
# Profile images uploaded through users/<id>/upload_image/ share PROFILE_IMAGE_MAX_BYTES.

# --- issue 5 (request path) ----------------------------------------------------------
# Authenticated requests cost no database query: the user comes from the access token
# (pyauth.authentication.TokenUser) and revocations reach every worker through marks in
# the cache (Redis when REDIS_URL is set; the per-process local-memory cache otherwise,
# fine for one process only). USER_LOOKUP "always" loads the user on every request.
# USER_CLAIM_FIELDS stays empty: the documents' tokens carry email and username as ""
# when unset (profile_claims) while the model holds None, so a view reading them loads
# the user (one query); views reading only request.user.pk never query.
PYAUTH |= {
    "USER_LOOKUP": os.environ.get("PYAUTH_USER_LOOKUP", "lazy"),
    "USER_CLAIM_FIELDS": (),
    "REVOCATION_CACHE": "default",
    "REVOCATION_MEMO_SECONDS": 0.5,
    # Argon2id holds 19 MiB per hash: at most this many at once per process.
    "PASSWORD_HASH_CONCURRENCY": int(os.environ.get("PASSWORD_HASH_CONCURRENCY", "0")) or None,
}


# --- issue 6 (API documentation) -------------------------------------------------------
# The OpenAPI 3 schema at /api/schema/ (YAML; ?format=json for JSON) and Swagger UI at
# /api/docs/, its assets from drf-spectacular-sidecar's static files (no CDN). See
# django_app.openapi.

INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar", "django_app.openapi"]
# The demo page at /demo/ (django_app.demo): document 002's cookie flows in a browser.
INSTALLED_APPS += ["django_app.demo"]

REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "django_app.openapi.schema.AutoSchema"

SPECTACULAR_SETTINGS = {
    "TITLE": "pyauth reference backend",
    "DESCRIPTION": (
        "The five customer API documents django_app serves at once: 000 under /api/auth/, "
        "001, 003 and 004 under /api/, 002 under /auth-api/. Token cookies are HttpOnly; "
        "unsafe requests authenticated by a cookie or a session carry X-CSRFToken, and "
        "every unsafe request under /auth-api/ does."
    ),
    "VERSION": "0.1.0",
    "OAS_VERSION": "3.0.3",
    # Separate request and response components: write-only passwords never appear in
    # answers, read-only ids never in bodies.
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["django_app.openapi.hooks.api_endpoints_only"],
    "GET_MOCK_REQUEST": "django_app.openapi.hooks.build_mock_request",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "django_app.openapi.hooks.document_plain_views",
        "django_app.openapi.hooks.declare_tags",
    ],
    # The schema and the docs are public and need nobody's credentials.
    "SERVE_PUBLIC": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False},
}


# --- issue 7 (hostile input, faults, clock skew) ---------------------------------------
# django_app.middleware refuses bodies over these sizes with 413 before reading them and
# JSON nested deeper than JSON_MAX_DEPTH with 400; django_app.errors answers JSON for
# Django's own 400/404/500 (503 when the database is unreachable).

#: JSON bodies of this API are a few hundred bytes; multipart's non-file fields too.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
#: A multipart upload (files included): the largest profile image and its form fields.
REQUEST_BODY_MAX_BYTES = PROFILE_IMAGE_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE
JSON_MAX_DEPTH = 32

# Clock skew between nodes: a token issued by a node whose clock runs ahead carries an
# "iat" in the future of the others, and one whose clock runs behind sees "exp" late.
# Up to LEEWAY seconds of either are tolerated; more is refused.
PYAUTH["LEEWAY"] = int(os.environ.get("PYAUTH_LEEWAY", "30"))
