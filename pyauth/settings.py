"""pyauth's Django settings: the ``PYAUTH`` dict merged over :data:`DEFAULTS`.

::

    from pyauth.settings import api_settings

    api_settings.ACCESS_TOKEN_LIFETIME      # timedelta(minutes=5) unless PYAUTH says otherwise

Values are read from Django's settings when first asked for, not at import, and
forgotten whenever Django sends ``setting_changed`` for ``PYAUTH``, ``SIMPLE_JWT``,
``SECRET_KEY`` or ``DEBUG`` (so ``override_settings`` and pytest-django's ``settings``
fixture work). Key names follow djangorestframework-simplejwt's ``SIMPLE_JWT`` where
the two overlap; a project that has ``SIMPLE_JWT`` and no ``PYAUTH`` keeps its values,
so moving from simplejwt is a change of imports.

Two values depend on other settings and are resolved on every read: ``SIGNING_KEY``
(``None`` means Django's ``SECRET_KEY``) and ``AUTH_COOKIE_SECURE`` (``None`` means
``not DEBUG``). ``EXTRA_ACCESS_CLAIMS`` may be a dotted path and is imported on read.

The request path: ``USER_LOOKUP`` "lazy" (default) hands views a user built from the
access token's claims (``USER_ID_CLAIM`` and ``USER_CLAIM_FIELDS``, which ``for_user``
writes into tokens) and loads the row only when a view reads anything else; "always"
loads it on every request. Either way a token is refused once its user or family was
revoked (:mod:`pyauth.lifecycle.revocation`: marks in the cache ``REVOCATION_CACHE``,
kept ``REVOCATION_CACHE_TTL`` seconds, read through a process-local memo of
``REVOCATION_MEMO_SECONDS``). ``PASSWORD_HASH_CONCURRENCY`` bounds the hashes computed at
once (None: ``os.cpu_count()``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Final

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from pyauth import _core, jwt

__all__ = ["DEFAULTS", "IMPORT_STRINGS", "PyAuthSettings", "api_settings"]

#: Every setting pyauth reads, with its default.
DEFAULTS: Final[Mapping[str, Any]] = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "REUSE_GRACE_SECONDS": 0,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": None,
    "VERIFYING_KEY": None,
    "AUDIENCE": None,
    "ISSUER": None,
    "LEEWAY": 0,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "AUTH_HEADER_NAME": "HTTP_AUTHORIZATION",
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
    "FAMILY_CLAIM": "sid",
    "EXTRA_ACCESS_CLAIMS": None,
    "AUTH_COOKIE_ACCESS": "access_token",
    "AUTH_COOKIE_REFRESH": "refresh_token",
    "AUTH_COOKIE_SECURE": None,
    "AUTH_COOKIE_SAMESITE": "Lax",
    "AUTH_COOKIE_DOMAIN": None,
    "AUTH_COOKIE_PATH": "/",
    "AUTH_COOKIE_REFRESH_PATH": None,
    "MAX_TOKEN_BYTES": 8192,
    # The request path (pyauth.authentication, pyauth.lifecycle.revocation).
    "USER_LOOKUP": "lazy",
    "USER_CLAIM_FIELDS": (),
    "REVOCATION_CACHE": "default",
    "REVOCATION_CACHE_TTL": 300,
    "REVOCATION_MEMO_SECONDS": 0.5,
    # Logins (pyauth.hashers): at most this many hashes at once; None: os.cpu_count().
    "PASSWORD_HASH_CONCURRENCY": None,
}

#: Settings that may be given as a dotted import path.
IMPORT_STRINGS: Final = frozenset({"EXTRA_ACCESS_CLAIMS"})

# Django settings whose change invalidates what PyAuthSettings has read.
_WATCHED: Final = frozenset({"PYAUTH", "SIMPLE_JWT", "SECRET_KEY", "DEBUG"})


class PyAuthSettings:
    """Attribute access to pyauth's settings (see the module docstring)."""

    def __init__(self, defaults: Mapping[str, Any] | None = None) -> None:
        self._defaults: Mapping[str, Any] = DEFAULTS if defaults is None else defaults
        self._user: dict[str, Any] | None = None
        self._keys: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    # --- reading ----------------------------------------------------------------------

    @property
    def user_settings(self) -> dict[str, Any]:
        """The project's ``PYAUTH`` dict, else the pyauth keys of ``SIMPLE_JWT``, else {}."""
        user = self._user
        if user is None:
            raw = getattr(django_settings, "PYAUTH", None)
            if raw is None:
                simple = getattr(django_settings, "SIMPLE_JWT", None) or {}
                raw = {k: v for k, v in dict(simple).items() if k in self._defaults}
            user = self._user = dict(raw)
        return user

    def __getattr__(self, name: str) -> Any:
        # Called only for names not yet in the instance dict: the resolved value is kept
        # there, so every later read is a plain attribute lookup (the request path reads
        # a dozen settings per request); reload() drops them all.
        if name.startswith("_") or name not in self._defaults:
            raise AttributeError(f"Invalid pyauth setting: {name!r}")
        value = self._resolve(name)
        self.__dict__[name] = value
        return value

    def _resolve(self, name: str) -> Any:
        value = self.user_settings.get(name, self._defaults[name])
        if name == "SIGNING_KEY" and value is None:
            return django_settings.SECRET_KEY
        if name == "AUTH_COOKIE_SECURE" and value is None:
            return not django_settings.DEBUG
        if name == "AUTH_COOKIE_REFRESH_PATH" and value is None:
            return self.AUTH_COOKIE_PATH
        if name in ("AUTH_HEADER_TYPES", "USER_CLAIM_FIELDS") and isinstance(value, str):
            return (value,)
        if name in IMPORT_STRINGS and isinstance(value, str):
            return import_string(value)
        return value

    def reload(self) -> None:
        """Forget what was read, so the next access reads Django's settings again."""
        with self._lock:
            self._user = None
            self._keys.clear()
            for name in self._defaults:
                self.__dict__.pop(name, None)

    # --- derived values ---------------------------------------------------------------

    def leeway_seconds(self) -> float:
        """LEEWAY as seconds (it may be given as a number or a timedelta)."""
        leeway = self.LEEWAY
        if isinstance(leeway, timedelta):
            return leeway.total_seconds()
        return float(leeway or 0)

    def user_claims(self, user: Any) -> dict[str, Any]:
        """The USER_CLAIM_FIELDS of ``user`` as claims (each named after its field), which
        the authentication classes hand to views without a database query."""
        return {field: getattr(user, field) for field in self.USER_CLAIM_FIELDS}

    def extra_claims(self, user: Any) -> dict[str, Any]:
        """EXTRA_ACCESS_CLAIMS(user), or {} when unset."""
        func: Callable[[Any], Mapping[str, Any]] | None = self.EXTRA_ACCESS_CLAIMS
        if func is None:
            return {}
        return dict(func(user))

    def signing_key_object(self) -> jwt.Key:
        """The current SIGNING_KEY parsed into a :class:`pyauth.jwt.Key` for ALGORITHM
        (cached until the settings or the key material change)."""
        algorithm: str = self.ALGORITHM
        material = self.SIGNING_KEY
        cache_key = ("sign", algorithm, _hashable(material))
        key = self._keys.get(cache_key)
        if key is None:
            key = _load(material, algorithm)
            with self._lock:
                self._keys[cache_key] = key
        return key

    def verifying_keyset(self) -> jwt.KeySet:
        """The keys that may verify a token: VERIFYING_KEY (a key, a PEM, a JWK or a JWK
        Set) or, when unset, the signing key (which is the only choice for HMAC)."""
        algorithm: str = self.ALGORITHM
        material = self.user_settings.get("VERIFYING_KEY", self._defaults["VERIFYING_KEY"])
        if material is None or _core.is_hmac(algorithm):
            material = self.SIGNING_KEY
        cache_key = ("verify", algorithm, _hashable(material))
        keyset = self._keys.get(cache_key)
        if keyset is None:
            if isinstance(material, jwt.KeySet):
                keyset = material
            elif isinstance(material, Mapping) and "keys" in material:
                keyset = jwt.load_jwks(material)
            else:
                keyset = jwt.KeySet([_load(material, algorithm)])
            with self._lock:
                self._keys[cache_key] = keyset
        return keyset


def _hashable(material: Any) -> Any:
    """A cache key for key material (a JWK given as a dict is not hashable)."""
    if isinstance(material, Mapping):
        return repr(sorted(material.items()))
    return material


def _load(material: Any, algorithm: str) -> jwt.Key:
    if isinstance(material, jwt.Key):
        return material
    if material is None:
        raise jwt.InvalidKeyError("no signing key is configured")
    return jwt.load_key(material, algorithm)


#: The settings object every pyauth module reads.
api_settings = PyAuthSettings()


def _reload_api_settings(*, setting: str, **kwargs: Any) -> None:
    if setting in _WATCHED:
        api_settings.reload()


setting_changed.connect(_reload_api_settings, dispatch_uid="pyauth.settings.reload")
