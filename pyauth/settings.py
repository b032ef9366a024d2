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

Some values depend on other Django settings and are resolved when first read (and again
after any of those settings changes): ``SIGNING_KEY`` (``None`` means Django's
``SECRET_KEY``) and ``AUTH_COOKIE_SECURE`` (``None`` means ``not DEBUG``).

Signing keys come from one of two sources (:meth:`PyAuthSettings.key_source`):
"settings" (``SIGNING_KEY`` / ``VERIFYING_KEY``: an HMAC secret, a PEM, a JWK, a JWK Set
for verification, or a :class:`pathlib.Path` to a file holding one) or "store" (the
database key store of the app ``pyauth.keys``, rotated by ``manage.py
rotate_signing_key``). ``SIGNING_KEY_SOURCE`` None picks: "settings" when the project
names a ``SIGNING_KEY`` or ``VERIFYING_KEY``, runs on ``SIMPLE_JWT`` (simplejwt's HS256
with ``SECRET_KEY``) or names an HMAC ``ALGORITHM``; else "store" when ``pyauth.keys``
is installed, so a new deployment signs with EdDSA; else "settings". ``ALGORITHM`` None
is then "EdDSA" with the store and "HS256" with settings; with the store, ALGORITHM is
only the algorithm of newly generated keys, and tokens verify with whatever keys are
live. ``SIGNING_KEY_GRACE`` (None: the longest token lifetime plus ``LEEWAY``) is how
long a replaced key keeps verifying; ``KEY_STORE_REFRESH_SECONDS`` bounds how stale a
process's copy of the store may be; ``JWKS_MAX_AGE`` is the Cache-Control max-age of
``/.well-known/jwks.json``. ``EXTRA_ACCESS_CLAIMS`` may be a dotted path and is imported on read.

The request path: ``USER_LOOKUP`` "lazy" (default) hands views a user built from the
access token's claims (``USER_ID_CLAIM`` and ``USER_CLAIM_FIELDS``, which ``for_user``
writes into tokens) and loads the row only when a view reads anything else; "always"
loads it on every request. Either way a token is refused once its user or family was
revoked (:mod:`pyauth.lifecycle.revocation`: marks in the cache ``REVOCATION_CACHE``,
kept ``REVOCATION_CACHE_TTL`` seconds, read through a process-local memo of
``REVOCATION_MEMO_SECONDS``). Each process remembers the last
``VERIFIED_TOKEN_CACHE_SIZE`` tokens it verified (:class:`pyauth.jwt.VerifiedTokenCache`),
so a token presented again skips its signature but never its time or revocation checks.
``PASSWORD_HASH_CONCURRENCY`` bounds the hashes computed at once (None:
``os.cpu_count()``).

Sessions and devices: ``REFRESH_FINGERPRINT`` binds every refresh token the cookie views
put in a cookie to a random fingerprint in the cookie ``AUTH_COOKIE_FINGERPRINT``
(:mod:`pyauth.lifecycle.fingerprints`); ``SESSION_TOUCH_SECONDS`` throttles the
last-use writes of tracked Django sessions (:mod:`pyauth.lifecycle.middleware`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from django.apps import apps
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
    "ALGORITHM": None,  # "EdDSA" with the key store, else simplejwt's "HS256"
    "SIGNING_KEY": None,
    "VERIFYING_KEY": None,
    # Signing keys (pyauth.keys): "settings", "store" or None (chosen, see above).
    "SIGNING_KEY_SOURCE": None,
    "SIGNING_KEY_GRACE": None,
    "KEY_STORE_REFRESH_SECONDS": 30,
    "JWKS_MAX_AGE": 300,
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
    # How many verified access tokens each process remembers (pyauth.jwt's
    # VerifiedTokenCache): a token seen again skips the signature, never the time or
    # revocation checks. 0 turns it off.
    "VERIFIED_TOKEN_CACHE_SIZE": 1024,
    # The request path (pyauth.authentication, pyauth.lifecycle.revocation).
    "USER_LOOKUP": "lazy",
    "USER_CLAIM_FIELDS": (),
    "REVOCATION_CACHE": "default",
    "REVOCATION_CACHE_TTL": 300,
    "REVOCATION_MEMO_SECONDS": 0.5,
    # Logins (pyauth.hashers): at most this many hashes at once; None: os.cpu_count().
    "PASSWORD_HASH_CONCURRENCY": None,
    # Sessions and devices (pyauth.lifecycle): refresh tokens in cookies bound to a random
    # fingerprint in the cookie AUTH_COOKIE_FINGERPRINT ("__Host-" prefixed when Secure;
    # give the name without it), and how often a Django session's last use is written.
    "REFRESH_FINGERPRINT": False,
    "AUTH_COOKIE_FINGERPRINT": "refresh_fgp",
    "SESSION_TOUCH_SECONDS": 60,
    # Two-factor authentication (pyauth.mfa): the issuer authenticator apps show (None:
    # "pyauth"), how long and for how many tries a login's mfa_token lives, and the
    # wrong codes after which a user's codes are refused for 1, 2, 4 ... 15 minutes.
    "MFA_ISSUER": None,
    "MFA_CHALLENGE_LIFETIME": timedelta(minutes=5),
    "MFA_CHALLENGE_MAX_ATTEMPTS": 5,
    "MFA_LOCKOUT_THRESHOLD": 5,
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
        if name == "ALGORITHM" and value is None:
            return "EdDSA" if self.key_source() == "store" else "HS256"
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
        """LEEWAY as seconds (it may be given as a number or a timedelta); kept until the
        settings change, as every token check asks."""
        seconds: float | None = self._keys.get(("leeway",))
        if seconds is None:
            leeway = self.LEEWAY
            if isinstance(leeway, timedelta):
                seconds = leeway.total_seconds()
            else:
                seconds = float(leeway or 0)
            self._keys[("leeway",)] = seconds
        return seconds

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

    def key_source(self) -> str:
        """Where signing keys come from: "settings" or "store" (see the module
        docstring; SIGNING_KEY_SOURCE when set, otherwise chosen). Kept until the
        settings change: the request path asks on every token."""
        source: str | None = self._keys.get(("source",))
        if source is None:
            source = self._keys[("source",)] = self._choose_key_source()
        return source

    def _choose_key_source(self) -> str:
        user = self.user_settings
        source = user.get("SIGNING_KEY_SOURCE")
        if source is not None:
            return str(source)
        if user.get("SIGNING_KEY") is not None or user.get("VERIFYING_KEY") is not None:
            return "settings"
        if getattr(django_settings, "PYAUTH", None) is None and (
            getattr(django_settings, "SIMPLE_JWT", None) is not None
        ):
            return "settings"
        algorithm = user.get("ALGORITHM")
        if isinstance(algorithm, str) and algorithm in jwt.ALGORITHMS and _core.is_hmac(algorithm):
            return "settings"
        return "store" if apps.is_installed("pyauth.keys") else "settings"

    def verifying_algorithms(self) -> list[str]:
        """The allow-list tokens are verified with: ALGORITHM, or with the key store the
        algorithms of its live keys (a rotation may change the algorithm)."""
        if self.key_source() == "store":
            from pyauth.keys.store import key_store

            return key_store.algorithms()
        algorithms: list[str] | None = self._keys.get(("algorithms",))
        if algorithms is None:  # fixed until the settings change (reload clears _keys)
            algorithms = self._keys[("algorithms",)] = [self.ALGORITHM]
        return algorithms

    def token_decoder(
        self, token_type: tuple[str, str] | None
    ) -> Callable[[str | bytes], dict[str, Any]]:
        """:func:`pyauth.jwt.decoder` for this service's tokens of ``token_type`` (None:
        any type): the verifying key set, the allow-list, AUDIENCE, ISSUER and LEEWAY
        bound, remembering VERIFIED_TOKEN_CACHE_SIZE verified tokens. The request path
        gets it in one lookup until the settings or the key store's live keys change
        (and then a new decoder, with an empty cache)."""
        entry = self._keys.get(("decoder", token_type))
        if entry is not None:
            # With keys from settings the entry lives as long as they do (reload() clears
            # it); with the store, as long as the store's key set is the one it was for.
            bound, decoder = entry
            if bound is None or bound is self.verifying_keyset():
                return decoder  # type: ignore[no-any-return]
        keyset = self.verifying_keyset()
        decoder = jwt.decoder(
            keyset,
            self.verifying_algorithms(),
            audience=self.AUDIENCE,
            issuer=self.ISSUER,
            leeway=self.leeway_seconds(),
            token_type=token_type,
            # What Token.verify() demands besides exp and the type, so that the core's
            # answer is the whole check for token classes that keep pyauth's verify().
            require=["exp"] if self.JTI_CLAIM is None else ["exp", self.JTI_CLAIM],
            cache_size=self.VERIFIED_TOKEN_CACHE_SIZE,
        )
        bound = keyset if self.key_source() == "store" else None
        self._keys[("decoder", token_type)] = (bound, decoder)
        return decoder

    def signing_key_object(self) -> jwt.Key:
        """The current SIGNING_KEY parsed into a :class:`pyauth.jwt.Key` for ALGORITHM
        (cached until the settings or the key material change), or the key store's
        signer. An asymmetric key without a kid gets its RFC 7638 thumbprint as kid (the
        kid of the same key in a VERIFYING_KEY JWK Set when there is one), so tokens
        name their key for JWKS consumers."""
        if self.key_source() == "store":
            from pyauth.keys.store import key_store

            return key_store.signing_key()
        algorithm: str = self.ALGORITHM
        material = self.SIGNING_KEY
        cache_key = ("sign", algorithm, _hashable(material))
        key = self._keys.get(cache_key)
        if key is None:
            key = _load(material, algorithm)
            if key.kid is None and not _core.is_hmac(algorithm) and key.is_private:
                key = _load(material, algorithm, kid=self._published_kid(key))
            with self._lock:
                self._keys[cache_key] = key
        return key

    def _published_kid(self, key: jwt.Key) -> str:
        """The kid verifiers know ``key`` by: the kid of the VERIFYING_KEY JWK Set entry
        with the same public key, else its thumbprint."""
        thumbprint = key.thumbprint()
        material = self.user_settings.get("VERIFYING_KEY")
        if isinstance(material, (jwt.KeySet, Mapping)):
            try:
                keyset = material if isinstance(material, jwt.KeySet) else _keyset(material)
            except jwt.PyJWTError:
                return thumbprint
            for candidate in keyset.keys:
                if candidate.kid and candidate.algorithm == key.algorithm:
                    if candidate.thumbprint() == thumbprint:
                        return candidate.kid
        return thumbprint

    def verifying_keyset(self) -> jwt.KeySet:
        """The keys that may verify a token: VERIFYING_KEY (a key, a PEM, a JWK or a JWK
        Set) or, when unset, the signing key (which is the only choice for HMAC); or the
        key store's live keys."""
        if self.key_source() == "store":
            from pyauth.keys.store import key_store

            return key_store.verifying_keyset()
        # Every input below is a setting, fixed until reload() clears _keys: the request
        # path takes the key set from here in one lookup.
        resolved: jwt.KeySet | None = self._keys.get(("verify",))
        if resolved is not None:
            return resolved
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
                key = _load(material, algorithm)
                if key.kid is None and not _core.is_hmac(algorithm):
                    key = _load(material, algorithm, kid=key.thumbprint())
                keyset = jwt.KeySet([key])
            with self._lock:
                self._keys[cache_key] = keyset
        self._keys[("verify",)] = keyset
        return keyset


def _hashable(material: Any) -> Any:
    """A cache key for key material (a JWK given as a dict is not hashable)."""
    if isinstance(material, Mapping):
        return repr(sorted(material.items()))
    return material


def _keyset(material: Mapping[str, Any]) -> jwt.KeySet:
    if "keys" in material:
        return jwt.load_jwks(material)
    return jwt.KeySet([jwt.load_key(material, str(material.get("alg", "")))])


def _load(material: Any, algorithm: str, kid: str | None = None) -> jwt.Key:
    """A key from settings: a Key, a secret, a PEM, a JWK (mapping or JSON text), or a
    Path to a file holding a PEM or JWK (read here, once per cache entry). ``kid`` names
    a key that has none (a JWK's own kid wins)."""
    if isinstance(material, jwt.Key):
        return material
    if material is None:
        raise jwt.InvalidKeyError("no signing key is configured")
    if isinstance(material, Path):
        try:
            material = material.read_bytes()
        except OSError as exc:
            raise jwt.InvalidKeyError(f"the key file {material} cannot be read: {exc}") from exc
    if kid is not None and isinstance(material, Mapping) and "kid" not in material:
        material = {**material, "kid": kid}
    return jwt.load_key(material, algorithm, kid=kid)


#: The settings object every pyauth module reads.
api_settings = PyAuthSettings()


def _reload_api_settings(*, setting: str, **kwargs: Any) -> None:
    if setting in _WATCHED:
        api_settings.reload()


setting_changed.connect(_reload_api_settings, dispatch_uid="pyauth.settings.reload")
