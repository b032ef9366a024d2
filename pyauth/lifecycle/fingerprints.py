"""Device-bound refresh tokens: a refresh token kept in a cookie is bound to a random
*fingerprint* kept in a second cookie, whose SHA-256 digest the token carries as the
claim ``fgp`` (the OWASP JWT cheat sheet's "token sidejacking" defence).

- :func:`bind` draws a fresh fingerprint (160 bits from libsodium's CSPRNG, through the
  C++ core) and writes its digest into a refresh token that is about to be signed; the
  caller puts the fingerprint in its own hardened cookie (``pyauth.views``:
  ``__Host-`` prefixed when Secure, HttpOnly, Path=/, no Domain);
- :func:`check` is what :func:`pyauth.lifecycle.services.refresh` runs before it
  touches the database: a token that carries ``fgp`` is refused unless the presented
  fingerprint hashes to it (compared in constant time), and a token without ``fgp`` is
  refused where the caller demands a binding (the cookie flows with
  ``REFRESH_FINGERPRINT`` on, which refuses simplejwt-issued and older tokens there).

A copy of the refresh cookie alone is then useless: the fingerprint never leaves its
cookie, and the two are sent only together by the browser that received them. A
refusal for a missing or wrong fingerprint revokes nothing: the token is useless
without its fingerprint, and burning its family would let anyone holding a copy of the
refresh cookie alone end the victim's session.

Body-token flows (simplejwt's ``{"refresh"}`` views) never bind, so their tokens keep
working unchanged; a bound token presented there is refused (it has no fingerprint).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Final

from django.utils.translation import gettext_lazy as _

from pyauth import _core
from pyauth.settings import api_settings
from pyauth.tokens import Token, TokenError

__all__ = ["FINGERPRINT_CLAIM", "bind", "check", "digest", "new_fingerprint"]

logger = logging.getLogger("pyauth.lifecycle")

#: The claim holding the hex SHA-256 digest of the fingerprint.
FINGERPRINT_CLAIM: Final = "fgp"
#: Random bytes in a fingerprint (160 bits; base32 makes 32 cookie-safe characters).
_FINGERPRINT_BYTES: Final = 20
#: The longest fingerprint cookie value looked at (a real one has 32 characters).
_MAX_PRESENTED: Final = 256


def new_fingerprint() -> str:
    """A fresh fingerprint: 160 random bits from the core's CSPRNG, base32 (32 chars)."""
    return _core.random_base32_secret(_FINGERPRINT_BYTES)


def digest(fingerprint: str) -> str:
    """The hex SHA-256 digest of ``fingerprint``, as the ``fgp`` claim carries it."""
    return hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()


def bind(token: Token) -> str:
    """Bind ``token`` (a refresh token not yet signed) to a new fingerprint: its digest
    becomes the ``fgp`` claim (replacing any earlier one). Returns the fingerprint,
    which belongs in its own cookie and nowhere else."""
    fingerprint = new_fingerprint()
    token[FINGERPRINT_CLAIM] = digest(fingerprint)
    return fingerprint


def check(token: Token, presented: str | None, *, required: bool = False) -> None:
    """Raise :class:`~pyauth.tokens.TokenError` unless ``presented`` is the fingerprint
    ``token`` is bound to. A token without a binding passes unless ``required``."""
    claimed = token.get(FINGERPRINT_CLAIM)
    if claimed is None:
        if required:
            raise TokenError(
                _("Token is not bound to a device fingerprint"), code="fingerprint_required"
            )
        return
    if not isinstance(claimed, str):
        raise TokenError(_("Token is invalid"))
    if not presented:
        raise TokenError(_("Device fingerprint cookie missing"), code="fingerprint_missing")
    if len(presented) > _MAX_PRESENTED or not _core.compare_digest(
        digest(presented).encode("ascii"), claimed.encode("utf-8")
    ):
        logger.warning(
            "pyauth refused a refresh token presented with the wrong device fingerprint "
            "(family %s)",
            token.get(api_settings.FAMILY_CLAIM),
        )
        raise TokenError(_("Device fingerprint does not match"), code="fingerprint_mismatch")
