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
- pyauth.E007  SIGNING_KEY_SOURCE not None, "settings" or "store", or
               KEY_STORE_REFRESH_SECONDS, JWKS_MAX_AGE or SIGNING_KEY_GRACE ill-typed
- pyauth.E008  the key store is selected but "pyauth.keys" is not in INSTALLED_APPS
- pyauth.E009  an asymmetric ALGORITHM with no key source (no SIGNING_KEY and no store)
- pyauth.E010  the key store with an ALGORITHM it does not generate (an HMAC one, say)
- pyauth.E011  AUTH_COOKIE_FINGERPRINT empty, given with a ``__Host-``/``__Secure-``
               prefix (pyauth adds it), or the name of a token cookie
- pyauth.E012  "pyauth.lifecycle" (the token tables) not in INSTALLED_APPS
- pyauth.E013  PYAUTH not a dict, or a setting of the wrong type or range: lifetimes
               not positive timedeltas (access longer than refresh), LEEWAY,
               REUSE_GRACE_SECONDS, MAX_TOKEN_BYTES, VERIFIED_TOKEN_CACHE_SIZE,
               AUTH_HEADER_TYPES,
               AUTH_COOKIE_SAMESITE, a flag that is not a bool, USER_ID_FIELD not a
               field of the user model
- pyauth.E014  a dotted path that cannot be imported: EXTRA_ACCESS_CLAIMS (or not
               callable), an entry of PASSWORD_HASHERS or of REST_FRAMEWORK's
               DEFAULT_AUTHENTICATION_CLASSES
- pyauth.W001  pyauth's Argon2idPasswordHasher not first in PASSWORD_HASHERS
- pyauth.W002  SESSION_COOKIE_SECURE False while DEBUG is off
- pyauth.W003  CSRF_COOKIE_SECURE False while DEBUG is off
- pyauth.W004  a hasher of the same algorithm name listed after one of pyauth's
               (Django verifies with the last one, so pyauth's would never verify)
- pyauth.W005  Django sessions and pyauth.lifecycle installed without
               pyauth.lifecycle.middleware.SessionLifecycleMiddleware after Django's
               AuthenticationMiddleware (revoked sessions would stay signed in)
- pyauth.W006  a PYAUTH key pyauth does not know (a typo: the default applies)
- pyauth.W007  weaker than the security bar: AUTH_COOKIE_SAMESITE "None", or
               ACCESS_TOKEN_LIFETIME over an hour
- pyauth.W008  REVOCATION_CACHE is a per-process cache (local memory) while DEBUG is
               off: a revocation written by one worker would reach the others only when
               their cached answers expire (REVOCATION_CACHE_TTL), not within a second
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import timedelta
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


def _check_key_source() -> list[CheckMessage]:
    """The key-store settings (pyauth.E007, E008, E009). The store's table is never
    read here: checks run before ``migrate``."""
    from django.apps import apps

    user = api_settings.user_settings
    source = user.get("SIGNING_KEY_SOURCE")
    problems: list[str] = []
    if source not in (None, "settings", "store"):
        problems.append(f"SIGNING_KEY_SOURCE is {source!r}; use None, 'settings' or 'store'.")
    for name in ("KEY_STORE_REFRESH_SECONDS", "JWKS_MAX_AGE"):
        value = getattr(api_settings, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            problems.append(f"{name} is {value!r}; use a number of seconds >= 0.")
    grace = api_settings.SIGNING_KEY_GRACE
    if grace is not None and not (
        (isinstance(grace, timedelta) and grace >= timedelta(0))
        or (isinstance(grace, (int, float)) and not isinstance(grace, bool) and grace >= 0)
    ):
        problems.append(f"SIGNING_KEY_GRACE is {grace!r}; use None, a timedelta or seconds.")
    messages: list[CheckMessage] = [Error(f"PYAUTH: {p}", id="pyauth.E007") for p in problems]
    if messages:
        return messages
    if api_settings.key_source() == "store" and not apps.is_installed("pyauth.keys"):
        return [
            Error(
                "PYAUTH['SIGNING_KEY_SOURCE'] is 'store' but the key store app is not installed.",
                hint='Add "pyauth.keys" to INSTALLED_APPS and run migrate.',
                id="pyauth.E008",
            )
        ]
    algorithm = api_settings.ALGORITHM
    if (
        api_settings.key_source() == "settings"
        and algorithm in jwt.ALGORITHMS
        and not _core.is_hmac(algorithm)
        and user.get("SIGNING_KEY") is None
    ):
        return [
            Error(
                f"PYAUTH['ALGORITHM'] is {algorithm} but no key is configured for it: "
                "SIGNING_KEY is unset and the key store is not used.",
                hint='Add "pyauth.keys" to INSTALLED_APPS (keys generated, rotated and '
                "published at /.well-known/jwks.json), or set PYAUTH['SIGNING_KEY'] to a "
                "private key (PEM, JWK or a Path to a file).",
                id="pyauth.E009",
            )
        ]
    return []


def _check_store_algorithm(algorithm: str) -> list[CheckMessage]:
    from pyauth.keys.models import STORE_ALGORITHMS

    if algorithm in STORE_ALGORITHMS:
        return []
    return [
        Error(
            f"PYAUTH['ALGORITHM'] is {algorithm!r}, which the key store does not generate.",
            hint=f"Use one of {', '.join(STORE_ALGORITHMS)}, or SIGNING_KEY_SOURCE 'settings' "
            "with a SIGNING_KEY for HMAC.",
            id="pyauth.E010",
        )
    ]


def _given() -> dict[str, Any]:
    return api_settings.user_settings


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every pyauth check (see the module docstring)."""
    malformed = _check_settings_dict()
    if malformed:  # every other check reads PYAUTH: they would raise, not report
        return malformed
    messages: list[CheckMessage] = []
    debug = bool(getattr(settings, "DEBUG", False))

    key_problems = _check_key_source()
    messages.extend(key_problems)
    algorithm = api_settings.ALGORITHM
    if algorithm not in jwt.ALGORITHMS:
        messages.append(
            Error(
                f"PYAUTH['ALGORITHM'] is {algorithm!r}, which pyauth does not implement.",
                hint=f"Use one of {', '.join(_core.algorithms())}.",
                id="pyauth.E004",
            )
        )
    elif key_problems:
        pass
    elif api_settings.key_source() == "store":
        messages.extend(_check_store_algorithm(algorithm))
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
    if not debug:
        messages.extend(_check_revocation_cache())
    messages.extend(_check_hashers())
    messages.extend(_check_sessions())
    messages.extend(_check_config())

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


#: Cache backends whose entries live in one process only.
_PER_PROCESS_CACHES: Final = frozenset({"django.core.cache.backends.locmem.LocMemCache"})


def _check_revocation_cache() -> list[CheckMessage]:
    alias = api_settings.REVOCATION_CACHE
    caches = getattr(settings, "CACHES", None) or {}
    backend = (caches.get(alias) or {}).get("BACKEND", "")
    if backend not in _PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            f"REVOCATION_CACHE {alias!r} is {backend}, which every worker process keeps "
            "for itself: a token revoked by one worker stays accepted by the others until "
            f"their cached answer expires (REVOCATION_CACHE_TTL, "
            f"{api_settings.REVOCATION_CACHE_TTL} s).",
            hint="Point REVOCATION_CACHE at a shared cache (Django's RedisCache) in "
            "production, or run a single process.",
            id="pyauth.W008",
        )
    ]


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


_SESSION_MIDDLEWARE: Final = "pyauth.lifecycle.middleware.SessionLifecycleMiddleware"
_AUTH_MIDDLEWARE: Final = "django.contrib.auth.middleware.AuthenticationMiddleware"


def _check_sessions() -> list[CheckMessage]:
    """pyauth.W005 and pyauth.E011 (sessions and devices)."""
    from django.apps import apps

    messages: list[CheckMessage] = []
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if (
        apps.is_installed("django.contrib.sessions")
        and apps.is_installed("pyauth.lifecycle")
        and not (
            _SESSION_MIDDLEWARE in middleware
            and _AUTH_MIDDLEWARE in middleware
            and middleware.index(_SESSION_MIDDLEWARE) > middleware.index(_AUTH_MIDDLEWARE)
        )
    ):
        messages.append(
            Warning(
                "Django sessions are tracked by pyauth.lifecycle but its middleware does "
                "not follow AuthenticationMiddleware: a session revoked from the sessions "
                "list or by logging out everywhere stays signed in.",
                hint=f'Add "{_SESSION_MIDDLEWARE}" to MIDDLEWARE right after "{_AUTH_MIDDLEWARE}".',
                id="pyauth.W005",
            )
        )
    name = api_settings.AUTH_COOKIE_FINGERPRINT
    taken = {api_settings.AUTH_COOKIE_ACCESS, api_settings.AUTH_COOKIE_REFRESH}
    if (
        not isinstance(name, str)
        or not name
        or name.startswith(("__Host-", "__Secure-"))
        or name in taken
    ):
        messages.append(
            Error(
                f"PYAUTH['AUTH_COOKIE_FINGERPRINT'] is {name!r}: it must be a cookie name "
                "of its own, without a __Host- or __Secure- prefix.",
                hint='pyauth adds "__Host-" whenever cookies are Secure; the default is '
                '"refresh_fgp".',
                id="pyauth.E011",
            )
        )
    return messages


# --- pyauth.E012, E013, E014, W006, W007: mistakes that would otherwise surface as a
# stack trace at the first login or request -------------------------------------------

_FLAGS: Final = ("ROTATE_REFRESH_TOKENS", "BLACKLIST_AFTER_ROTATION", "UPDATE_LAST_LOGIN")
_SAMESITE: Final = ("lax", "strict", "none")
#: The longest access token the security bar calls short (SECURITY.md: minutes).
_LONG_ACCESS: Final = timedelta(hours=1)


def _check_settings_dict() -> list[CheckMessage]:
    """pyauth.E013 when PYAUTH (or SIMPLE_JWT, read in its absence) is not a dict."""
    for name in ("PYAUTH", "SIMPLE_JWT"):
        value = getattr(settings, name, None)
        if value is not None:
            if isinstance(value, Mapping):
                return []
            return [
                Error(
                    f"{name} is a {type(value).__name__}; pyauth reads it as a dict of settings.",
                    hint=f'{name} = {{"ACCESS_TOKEN_LIFETIME": timedelta(minutes=5), ...}}',
                    id="pyauth.E013",
                )
            ]
    return []


def _is_seconds(value: Any) -> bool:
    """A number of seconds >= 0 (not a bool)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def _check_config() -> list[CheckMessage]:
    """pyauth.E012, E013, E014, W006 and W007."""
    from django.apps import apps

    messages: list[CheckMessage] = []
    if not apps.is_installed("pyauth.lifecycle"):
        messages.append(
            Error(
                '"pyauth.lifecycle" is not in INSTALLED_APPS: its tables hold the token '
                "families, so logins, refreshes and authenticated requests would fail.",
                hint='Add "pyauth.lifecycle" to INSTALLED_APPS and run migrate.',
                id="pyauth.E012",
            )
        )
    messages.extend(_unknown_keys())
    problems = _value_problems()
    messages.extend(Error(f"PYAUTH: {p}", id="pyauth.E013") for p in problems)
    messages.extend(Error(m, hint=h, id="pyauth.E014") for m, h in _import_problems())
    messages.extend(_below_the_bar())
    return messages


def _unknown_keys() -> list[CheckMessage]:
    """pyauth.W006: a key of PYAUTH that no setting has (SIMPLE_JWT, read only when
    PYAUTH is absent, may hold simplejwt keys pyauth has no use for)."""
    given = getattr(settings, "PYAUTH", None)
    if given is None:
        return []
    defaults = api_settings._defaults
    messages: list[CheckMessage] = []
    for key in sorted(k for k in given if k not in defaults):
        close = difflib.get_close_matches(str(key), list(defaults), n=1)
        messages.append(
            Warning(
                f"PYAUTH has a key pyauth does not know: {key!r}. It is ignored.",
                hint=f"Did you mean {close[0]!r}?" if close else "Remove it.",
                id="pyauth.W006",
            )
        )
    return messages


def _value_problems() -> list[str]:
    """The pyauth.E013 problems: settings of the wrong type or range."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import FieldDoesNotExist

    problems: list[str] = []
    lifetimes = {
        name: getattr(api_settings, name)
        for name in ("ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME")
    }
    for name, value in lifetimes.items():
        if not isinstance(value, timedelta) or value <= timedelta(0):
            problems.append(f"{name} is {value!r}; use a positive timedelta.")
    access, refresh = lifetimes.values()
    if not problems and access > refresh:
        problems.append(
            f"ACCESS_TOKEN_LIFETIME ({access}) is longer than REFRESH_TOKEN_LIFETIME "
            f"({refresh}); access tokens are the short-lived ones."
        )
    leeway = api_settings.LEEWAY
    if not (_is_seconds(leeway) or (isinstance(leeway, timedelta) and leeway >= timedelta(0))):
        problems.append(f"LEEWAY is {leeway!r}; use seconds >= 0 or a timedelta.")
    for name in ("REUSE_GRACE_SECONDS", "REVOCATION_CACHE_TTL", "REVOCATION_MEMO_SECONDS"):
        value = getattr(api_settings, name)
        if not _is_seconds(value):
            problems.append(f"{name} is {value!r}; use a number of seconds >= 0.")
    size = api_settings.MAX_TOKEN_BYTES
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        problems.append(f"MAX_TOKEN_BYTES is {size!r}; use an integer >= 1.")
    cached = api_settings.VERIFIED_TOKEN_CACHE_SIZE
    if isinstance(cached, bool) or not isinstance(cached, int) or cached < 0:
        problems.append(f"VERIFIED_TOKEN_CACHE_SIZE is {cached!r}; use an integer >= 0.")
    types = api_settings.AUTH_HEADER_TYPES
    if (
        not isinstance(types, (tuple, list))
        or not types
        or not all(isinstance(t, str) and t and " " not in t for t in types)
    ):
        problems.append(
            f"AUTH_HEADER_TYPES is {types!r}; use a tuple of words such as ('Bearer',)."
        )
    samesite = api_settings.AUTH_COOKIE_SAMESITE
    if samesite is not None and (
        not isinstance(samesite, str) or samesite.lower() not in _SAMESITE
    ):
        problems.append(f"AUTH_COOKIE_SAMESITE is {samesite!r}; use 'Lax' or 'Strict'.")
    for name in _FLAGS:
        value = getattr(api_settings, name)
        if not isinstance(value, bool):
            problems.append(f"{name} is {value!r}; use True or False.")
    field_name = api_settings.USER_ID_FIELD
    user_model: Any = get_user_model()
    try:
        user_model._meta.get_field(field_name)
    except (FieldDoesNotExist, TypeError):
        problems.append(f"USER_ID_FIELD is {field_name!r}, not a field of the user model.")
    return problems


def _import_problems() -> list[tuple[str, str]]:
    """The pyauth.E014 problems as (message, hint): dotted paths that do not import."""
    problems: list[tuple[str, str]] = []
    extra = api_settings.user_settings.get("EXTRA_ACCESS_CLAIMS")
    if isinstance(extra, str):
        try:
            extra = import_string(extra)
        except ImportError as exc:
            problems.append(
                (
                    f"PYAUTH['EXTRA_ACCESS_CLAIMS'] cannot be imported: {exc}",
                    "Give the dotted path of a function user -> dict of claims.",
                )
            )
            extra = None
    if extra is not None and not callable(extra):
        problems.append(
            (
                f"PYAUTH['EXTRA_ACCESS_CLAIMS'] is {extra!r}, which is not callable.",
                "Give a function user -> dict of claims, or its dotted path.",
            )
        )
    framework = getattr(settings, "REST_FRAMEWORK", None) or {}
    listed = (
        ("PASSWORD_HASHERS", getattr(settings, "PASSWORD_HASHERS", None) or []),
        (
            "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']",
            framework.get("DEFAULT_AUTHENTICATION_CLASSES", ())
            if isinstance(framework, Mapping)
            else (),
        ),
    )
    for where, paths in listed:
        for path in paths:
            if not isinstance(path, str):
                continue
            try:
                import_string(path)
            except ImportError as exc:
                problems.append(
                    (
                        f"{where} lists {path!r}, which cannot be imported: {exc}",
                        "Correct or remove the entry (pyauth's are "
                        "pyauth.hashers.Argon2idPasswordHasher, "
                        "pyauth.hashers.PBKDF2SHA256PasswordHasher and "
                        "pyauth.authentication.JWTAuthentication).",
                    )
                )
    return problems


def _below_the_bar() -> list[CheckMessage]:
    """pyauth.W007: allowed, but weaker than SECURITY.md's bar."""
    messages: list[CheckMessage] = []
    samesite = api_settings.AUTH_COOKIE_SAMESITE
    if samesite is None or (isinstance(samesite, str) and samesite.lower() == "none"):
        messages.append(
            Warning(
                f"PYAUTH['AUTH_COOKIE_SAMESITE'] is {samesite!r}: browsers send the token "
                "cookies with requests from other sites.",
                hint="Use 'Lax' (the default) or 'Strict'.",
                id="pyauth.W007",
            )
        )
    access = api_settings.ACCESS_TOKEN_LIFETIME
    if isinstance(access, timedelta) and access > _LONG_ACCESS:
        messages.append(
            Warning(
                f"PYAUTH['ACCESS_TOKEN_LIFETIME'] is {access}: a stolen access token stays "
                "valid that long.",
                hint="Keep access tokens to minutes (5 by default) and refresh them.",
                id="pyauth.W007",
            )
        )
    return messages


def register_checks() -> None:
    """Register :func:`check_settings` with Django's check framework (security tag)."""
    register(check_settings, "security")
