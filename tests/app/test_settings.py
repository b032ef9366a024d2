"""django_app.settings read from the environment: each variable the README documents,
loaded into a fresh copy of the module (the running Django keeps its own)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from django.core.exceptions import ImproperlyConfigured

import django_app.settings as live_settings

SETTINGS_FILE = Path(live_settings.__file__)
VARIABLES = (
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CORS_ALLOWED_ORIGINS",
    "EMAIL_FILE_PATH",
    "MEDIA_ROOT",
)
KEY = "k" * 64


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    """A fresh django_app.settings module under ``env`` (other variables unset)."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("_settings_under_test", SETTINGS_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_development_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.warns(RuntimeWarning, match="SECRET_KEY is not set"):
        s = load(monkeypatch)
    assert s.DEBUG is True
    assert len(s.SECRET_KEY) >= 32  # long enough for HS256
    assert s.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(s.DATABASES["default"]["NAME"]) == SETTINGS_FILE.parent.parent / "db.sqlite3"
    assert s.CACHES["default"]["BACKEND"].endswith("LocMemCache")
    assert s.CORS_ALLOWED_ORIGINS == ["http://localhost:3000"]
    assert s.CORS_ALLOW_CREDENTIALS is True
    assert s.SESSION_COOKIE_SECURE is False
    assert s.PASSWORD_HASHERS[0] == "pyauth.hashers.Argon2idPasswordHasher"


def test_production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    s = load(
        monkeypatch,
        DEBUG="0",
        SECRET_KEY=KEY,
        ALLOWED_HOSTS="api.example.com, www.example.com",
        DATABASE_URL="postgres://app:pw@db.example.com:5432/app",
        REDIS_URL="redis://127.0.0.1:6379/1",
        CORS_ALLOWED_ORIGINS="https://app.example.com,https://admin.example.com",
        EMAIL_FILE_PATH=str(tmp_path),
    )
    assert s.DEBUG is False
    assert s.SECRET_KEY == KEY
    assert s.ALLOWED_HOSTS == ["api.example.com", "www.example.com"]
    db = s.DATABASES["default"]
    assert (db["ENGINE"], db["HOST"], db["NAME"], db["USER"]) == (
        "django.db.backends.postgresql",
        "db.example.com",
        "app",
        "app",
    )
    assert s.CACHES["default"] == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/1",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    assert s.CORS_ALLOWED_ORIGINS == ["https://app.example.com", "https://admin.example.com"]
    assert s.CSRF_TRUSTED_ORIGINS == s.CORS_ALLOWED_ORIGINS
    assert s.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
    assert s.EMAIL_FILE_PATH == str(tmp_path)
    assert s.SESSION_COOKIE_SECURE is True
    assert s.CSRF_COOKIE_SECURE is True


def test_production_needs_a_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY"):
        load(monkeypatch, DEBUG="false")


def test_debug_must_be_a_boolean(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        load(monkeypatch, DEBUG="maybe", SECRET_KEY=KEY)
