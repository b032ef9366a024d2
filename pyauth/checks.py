"""Django system checks for unsafe pyauth settings (run by ``manage.py check``,
``runserver`` and ``migrate``; registered in :class:`pyauth.apps.PyAuthConfig`).

Errors stop ``runserver`` and ``migrate``; warnings are printed.

- pyauth.E001  HMAC signing key shorter than the hash output (RFC 7518 §3.2)
- pyauth.E002  AUTH_COOKIE_SECURE False while DEBUG is off
- pyauth.E003  CORS_ALLOW_ALL_ORIGINS with CORS_ALLOW_CREDENTIALS
- pyauth.E004  PYAUTH ALGORITHM unknown
- pyauth.E005  the signing or verifying key cannot be loaded for ALGORITHM
- pyauth.E006  USER_LOOKUP neither "lazy" nor "always", PASSWORD_HASH_CONCURRENCY not
               None or an integer >= 1, REVOCATION_CACHE not in CACHES, or
               USER_CLAIM_FIELDS not fields of the user model
- pyauth.W001  pyauth's Argon2idPasswordHasher not first in PASSWORD_HASHERS
- pyauth.W002  SESSION_COOKIE_SECURE False while DEBUG is off
- pyauth.W003  CSRF_COOKIE_SECURE False while DEBUG is off
- pyauth.W004  a hasher of the same algorithm name listed after one of pyauth's
               (Django verifies with the last one, so pyauth's would never verify)
"""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.utils.module_loading import import_string

from pyauth import _core, jwt
from pyauth.exceptions import PyJWTError, WeakKeyError
from pyauth.settings import api_settings

__all__ = ["check_settings", "register_checks"]

_HASH_BYTES: Final = {"HS256": 32, "HS384": 48, "HS512": 64}
_HASHER: Final = "pyauth.hashers.Argon2idPasswordHasher"


def _key_bytes(material: Any) -> int | None:
    if isinstance(material, str):
        return len(material.encode("utf-8"))
    if isinstance(material, bytes):
        return len(material)
    return None


def _check_keys(algorithm: str) -> list[CheckMessage]:
    needed = _HASH_BYTES.get(algorithm)
    if needed is not None:
        length = _key_bytes(api_settings.SIGNING_KEY)
        if length is not None and length < needed:
            source = "PYAUTH['SIGNING_KEY']" if "SIGNING_KEY" in _given() else "SECRET_KEY"
            return [
                Error(
                    f"The {algorithm} signing key ({source}) is {length} bytes; it must be "
                    f"at least {needed}, the size of the hash output.",
                    hint="Use a random key of at least 64 characters "
                    "(python -c 'import secrets; print(secrets.token_urlsafe(64))').",
                    id="pyauth.E001",
                )
            ]
    try:
        api_settings.signing_key_object()
        api_settings.verifying_keyset()
    except WeakKeyError as exc:
        return [Error(f"The signing key is too weak: {exc}", id="pyauth.E001")]
    except PyJWTError as exc:
        return [
            Error(
                f"pyauth cannot load its {algorithm} keys: {exc}",
                hint="Set PYAUTH['SIGNING_KEY'] (and VERIFYING_KEY for asymmetric "
                "algorithms) to a key of the algorithm's type, e.g. a PEM.",
                id="pyauth.E005",
            )
        ]
    return []


def _given() -> dict[str, Any]:
    return api_settings.user_settings


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every pyauth check (see the module docstring)."""
    messages: list[CheckMessage] = []
    debug = bool(getattr(settings, "DEBUG", False))

    algorithm = api_settings.ALGORITHM
    if algorithm not in jwt.ALGORITHMS:
        messages.append(
            Error(
                f"PYAUTH['ALGORITHM'] is {algorithm!r}, which pyauth does not implement.",
                hint=f"Use one of {', '.join(_core.algorithms())}.",
                id="pyauth.E004",
            )
        )
    else:
        messages.extend(_check_keys(algorithm))

    if not debug and not api_settings.AUTH_COOKIE_SECURE:
        messages.append(
            Error(
                "PYAUTH['AUTH_COOKIE_SECURE'] is False while DEBUG is off: token cookies "
                "would travel over plain HTTP.",
                hint="Remove the setting (it defaults to `not DEBUG`) or set it to True.",
                id="pyauth.E002",
            )
        )

    allow_all = getattr(settings, "CORS_ALLOW_ALL_ORIGINS", None)
    if allow_all is None:
        allow_all = getattr(settings, "CORS_ORIGIN_ALLOW_ALL", False)  # the old name
    if allow_all and getattr(settings, "CORS_ALLOW_CREDENTIALS", False):
        messages.append(
            Error(
                "CORS_ALLOW_ALL_ORIGINS and CORS_ALLOW_CREDENTIALS are both True: any "
                "site could make credentialed requests and read the answers.",
                hint="List the trusted origins in CORS_ALLOWED_ORIGINS instead.",
                id="pyauth.E003",
            )
        )

    messages.extend(_check_request_path())
    messages.extend(_check_hashers())

    if not debug:
        for name, check_id in (
            ("SESSION_COOKIE_SECURE", "pyauth.W002"),
            ("CSRF_COOKIE_SECURE", "pyauth.W003"),
        ):
            if not getattr(settings, name, False):
                messages.append(
                    Warning(
                        f"{name} is False while DEBUG is off.",
                        hint=f"Set {name} = True so the cookie is only sent over HTTPS.",
                        id=check_id,
                    )
                )
    return messages


def _check_request_path() -> list[CheckMessage]:
    problems: list[str] = []
    lookup = api_settings.USER_LOOKUP
    if lookup not in ("lazy", "always"):
        problems.append(f"USER_LOOKUP is {lookup!r}; use 'lazy' or 'always'.")
    limit = api_settings.PASSWORD_HASH_CONCURRENCY
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        problems.append(f"PASSWORD_HASH_CONCURRENCY is {limit!r}; use None or an integer >= 1.")
    alias = api_settings.REVOCATION_CACHE
    if alias not in (getattr(settings, "CACHES", None) or {"default": None}):
        problems.append(f"REVOCATION_CACHE is {alias!r}, which CACHES does not define.")
    from django.contrib.auth import get_user_model
    from django.core.exceptions import FieldDoesNotExist

    user_model: Any = get_user_model()
    for name in api_settings.USER_CLAIM_FIELDS:
        try:
            user_model._meta.get_field(name)
        except FieldDoesNotExist:
            problems.append(f"USER_CLAIM_FIELDS names {name!r}, not a field of the user model.")
    return [Error(f"PYAUTH: {p}", id="pyauth.E006") for p in problems]


def _check_hashers() -> list[CheckMessage]:
    from pyauth.hashers import Argon2idPasswordHasher, PBKDF2SHA256PasswordHasher

    paths = list(getattr(settings, "PASSWORD_HASHERS", []) or [])
    classes: list[Any] = []
    for path in paths:
        try:
            classes.append(import_string(path))
        except ImportError:
            classes.append(None)
    messages: list[CheckMessage] = []
    first = classes[0] if classes else None
    if not (isinstance(first, type) and issubclass(first, Argon2idPasswordHasher)):
        messages.append(
            Warning(
                f"{_HASHER} is not first in PASSWORD_HASHERS: new passwords are not hashed "
                "with Argon2id and old hashes are not upgraded at login.",
                hint=f'Put "{_HASHER}" first in PASSWORD_HASHERS.',
                id="pyauth.W001",
            )
        )
    # Django verifies a stored hash with the LAST hasher of its algorithm name.
    ours = (Argon2idPasswordHasher, PBKDF2SHA256PasswordHasher)
    seen: dict[str, str] = {}
    for path, cls in zip(paths, classes, strict=True):
        algorithm = getattr(cls, "algorithm", None)
        if not isinstance(algorithm, str):
            continue
        if algorithm in seen and not (isinstance(cls, type) and issubclass(cls, ours)):
            messages.append(
                Warning(
                    f"{path} follows {seen[algorithm]} in PASSWORD_HASHERS with the same "
                    f"algorithm name {algorithm!r}: Django verifies {algorithm} hashes "
                    "with the last one listed, so pyauth's hasher is never used for them.",
                    hint=f"Remove {path}: pyauth's hasher reads the same format.",
                    id="pyauth.W004",
                )
            )
        elif isinstance(cls, type) and issubclass(cls, ours):
            seen[algorithm] = path
    return messages


def register_checks() -> None:
    """Register :func:`check_settings` with Django's check framework (security tag)."""
    register(check_settings, "security")
