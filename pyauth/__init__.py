"""pyauth: authentication for Django on a C++ core (OpenSSL, libsodium).

The security-critical byte operations (signing and verifying JWTs, hashing passwords,
one-time codes) run in ``pyauth._core``; these modules are its typed faces:

- :mod:`pyauth.jwt` — PyJWT's ``encode`` / ``decode``, stricter;
- :mod:`pyauth.passwords` — Argon2id / PBKDF2 in Django's hash formats;
- :mod:`pyauth.otp` — pyotp's ``TOTP`` / ``HOTP``;
- :mod:`pyauth.exceptions` — one exception tree for all of them.
"""

from __future__ import annotations

from pyauth import exceptions, jwt, otp, passwords
from pyauth._core import __version__
from pyauth.exceptions import PyAuthError

__all__ = ["PyAuthError", "__version__", "exceptions", "jwt", "otp", "passwords"]
