"""The core's sealing keys (:class:`pyauth._core.SealKey`) derived from Django's secrets.

Secrets pyauth keeps at rest (the private halves of signing keys in :mod:`pyauth.keys`,
TOTP secrets in :mod:`pyauth.mfa`) are sealed under ``SECRET_KEY`` with a purpose label
of 8 bytes per kind of secret, so one secret gives independent keys. :func:`seal_keys`
returns the key of ``SECRET_KEY`` first, then one per entry of
``SECRET_KEY_FALLBACKS``, so blobs sealed before a rotation of ``SECRET_KEY`` still
open (callers seal with the first key and open with each in turn).
"""

from __future__ import annotations

import threading

from django.conf import settings

from pyauth import _core

__all__ = ["seal_keys"]

_lock = threading.Lock()
_cache: dict[tuple[bytes, tuple[str, ...]], list[_core.SealKey]] = {}


def seal_keys(context: bytes) -> list[_core.SealKey]:
    """Sealing keys for ``context`` from SECRET_KEY, then each of SECRET_KEY_FALLBACKS.

    Derived once per purpose and set of secrets; a change of either setting derives
    them again (the cache is keyed by the secrets themselves)."""
    secrets = (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    cache_key = (context, secrets)
    keys = _cache.get(cache_key)
    if keys is None:
        keys = [_core.SealKey(s.encode("utf-8"), context) for s in secrets]
        with _lock:
            if any(cached[1] != secrets for cached in _cache):
                _cache.clear()  # SECRET_KEY changed: forget keys of the old secrets
            _cache[cache_key] = keys
    return keys
