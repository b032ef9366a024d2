"""The keys this service signs and verifies its own tokens with, from either source.

:mod:`pyauth.tokens` and :mod:`pyauth.lifecycle` sign with :func:`signing_key` and
verify with :func:`decode`, which reads the allow-list and the key set from
:data:`pyauth.settings.api_settings` (``SIGNING_KEY`` / ``VERIFYING_KEY``, or the key
store of :mod:`pyauth.keys`). A token whose ``kid`` or algorithm no live key has may
have been signed a moment ago on another node, just after a rotation there: with the
key store, :func:`decode` then re-reads the store once (rate-limited per process, see
:mod:`pyauth.keys.store`) and tries again before refusing. The ``kid`` is only ever a
lookup key among keys already loaded, never a path or a URL (RFC 8725 §3.10).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from pyauth import jwt
from pyauth.exceptions import InvalidAlgorithmError, NoMatchingKeyError
from pyauth.settings import api_settings

__all__ = ["decode", "public_jwks", "signing_key"]


def signing_key() -> jwt.Key:
    """The key new tokens are signed with (its kid goes into their header)."""
    return api_settings.signing_key_object()


def _decode_once(
    token: str | bytes,
    token_type: tuple[str, str] | None,
    options: Mapping[str, Any] | None,
) -> dict[str, Any]:
    if options is None:  # the request path: one prepared decoder
        return api_settings.token_decoder(token_type)(token)
    return jwt.decode(
        token,
        api_settings.verifying_keyset(),
        algorithms=api_settings.verifying_algorithms(),
        audience=api_settings.AUDIENCE,
        issuer=api_settings.ISSUER,
        leeway=api_settings.leeway_seconds(),
        token_type=token_type,
        options=options,
    )


def decode(
    token: str | bytes,
    *,
    token_type: tuple[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Verify one of this service's tokens (signature, audience, issuer, times with
    LEEWAY, and ``token_type`` when given) and return its claims. Raises the
    :class:`pyauth.exceptions.InvalidTokenError` family, as :func:`pyauth.jwt.decode`."""
    try:
        return _decode_once(token, token_type, options)
    except (NoMatchingKeyError, InvalidAlgorithmError):
        if not _reload_for_unknown_key():
            raise
    return _decode_once(token, token_type, options)


def _reload_for_unknown_key() -> bool:
    """With the key store, re-read it (rate-limited); True when that changed the keys."""
    if api_settings.key_source() != "store":
        return False
    from pyauth.keys.store import key_store

    return key_store.reload_for_unknown_kid()


def public_jwks() -> dict[str, Any]:
    """The JWK Set of the public halves of every key that may verify a token now (HMAC
    keys have none and never appear)."""
    if api_settings.key_source() == "store":
        from pyauth.keys.store import key_store

        return key_store.public_jwks()
    document: dict[str, Any] = orjson.loads(api_settings.verifying_keyset().public_jwks())
    return document
