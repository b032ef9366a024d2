"""TOTP secrets at rest: sealed by the C++ core (libsodium's XChaCha20-Poly1305, see
``cpp/include/pyauth/seal.hpp``) under a key derived from Django's SECRET_KEY, and bound
to their user.

A database dump alone therefore reveals no secret: whoever reads the table also needs
SECRET_KEY. The user's primary key is the associated data, so a sealed secret copied
into another user's row does not open. Secrets sealed under a key listed in
SECRET_KEY_FALLBACKS still open, so SECRET_KEY can be rotated as Django documents;
:func:`needs_reseal` says when to seal again under the current key.

The stored text is ``v1.`` + base64url(the core's blob: version byte, 24-byte nonce,
ciphertext, 16-byte tag). The sealing context ``pyauthtp`` keeps these keys apart from
the signing keys' (``pyauth.keys``), though both derive from SECRET_KEY.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Final

from pyauth import _core
from pyauth.exceptions import SealError
from pyauth.sealing import seal_keys

__all__ = ["SecretUnreadable", "needs_reseal", "open_secret", "seal_secret"]

_PREFIX: Final = "v1."
_CONTEXT: Final = b"pyauthtp"  # libsodium crypto_kdf context: exactly 8 bytes


class SecretUnreadable(Exception):
    """A sealed secret that no configured key opens (tampered with, copied from another
    user, or sealed under a SECRET_KEY no longer listed)."""


def _keys() -> list[_core.SealKey]:
    """Sealing keys from SECRET_KEY, then each of SECRET_KEY_FALLBACKS."""
    return seal_keys(_CONTEXT)


def _associated_data(user_pk: Any) -> bytes:
    return f"pyauth.mfa.totp:{user_pk}".encode()


def seal_secret(secret: str, user_pk: Any) -> str:
    """``secret`` (base32 text) encrypted for storage in ``user_pk``'s row."""
    blob = _keys()[0].seal(secret.encode("ascii"), _associated_data(user_pk))
    return _PREFIX + base64.urlsafe_b64encode(blob).decode("ascii").rstrip("=")


def _open(text: str, user_pk: Any) -> tuple[str, int]:
    if not text.startswith(_PREFIX):
        raise SecretUnreadable("unknown format")
    body = text[len(_PREFIX) :]
    try:
        blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError) as exc:
        raise SecretUnreadable("malformed") from exc
    aad = _associated_data(user_pk)
    for index, key in enumerate(_keys()):
        try:
            plain = key.open(blob, aad)
        except SealError as exc:
            if not isinstance(exc, ValueError):  # unauthentic under this key: try the next
                continue
            raise SecretUnreadable("malformed") from exc
        try:
            return plain.decode("ascii"), index
        except UnicodeDecodeError as exc:
            raise SecretUnreadable("not a base32 secret") from exc
    raise SecretUnreadable("no configured key opens it")


def open_secret(blob: str, user_pk: Any) -> str:
    """The base32 secret sealed in ``blob`` for ``user_pk``; :class:`SecretUnreadable`
    when no configured key (SECRET_KEY, then SECRET_KEY_FALLBACKS) opens it."""
    return _open(blob, user_pk)[0]


def needs_reseal(blob: str, user_pk: Any) -> bool:
    """True when ``blob`` opens only under a fallback key (seal it again)."""
    return _open(blob, user_pk)[1] != 0
