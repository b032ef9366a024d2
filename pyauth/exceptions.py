"""The exceptions pyauth raises.

One tree, rooted in :class:`PyAuthError`, which is never raised itself. The token
branch carries PyJWT's class names (``jwt.ExpiredSignatureError``,
``jwt.InvalidAudienceError`` ...) with PyJWT's inheritance, so code that catches
PyJWT's exceptions keeps working after ``import jwt`` becomes
``from pyauth import jwt``. Errors of bad *input* (a malformed hash string, a secret
that is not base32) also derive from :class:`ValueError`, as argon2-cffi does.

The C++ core reports failures as (domain, code) pairs; ``pyauth._core`` maps each
to one of these classes in a single translator.
"""

from __future__ import annotations

__all__ = [
    "DecodeError",
    "ExpiredSignatureError",
    "HashingError",
    "ImmatureSignatureError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidCodeError",
    "InvalidHashError",
    "InvalidHashParametersError",
    "InvalidIssuedAtError",
    "InvalidIssuerError",
    "InvalidJTIError",
    "InvalidKeyError",
    "InvalidOTPParametersError",
    "InvalidPasswordError",
    "InvalidSealInputError",
    "InvalidSecretError",
    "InvalidSignatureError",
    "InvalidSubjectError",
    "InvalidTokenError",
    "InvalidTokenTypeError",
    "InvalidURIError",
    "KeyCannotSignError",
    "MalformedSealError",
    "MissingRequiredClaimError",
    "NoMatchingKeyError",
    "OTPError",
    "PasswordError",
    "PyAuthError",
    "PyJWTError",
    "SealError",
    "TokenTooLargeError",
    "UnsealError",
    "UnsupportedAlgorithmError",
    "UnsupportedCriticalHeaderError",
    "WeakKeyError",
]


class PyAuthError(Exception):
    """Root of every pyauth exception. Never raised directly: catch it to catch all."""


# --- tokens (names and hierarchy as PyJWT's) ---------------------------------------


class PyJWTError(PyAuthError):
    """Root of the token and key errors (PyJWT's ``PyJWTError``)."""


class InvalidTokenError(PyJWTError):
    """The token was refused. Every refusal of a presented token derives from this."""


class DecodeError(InvalidTokenError):
    """The token is malformed: not three canonical base64url segments, JSON that is not
    an object or repeats a member name, an ill-typed header or claim."""


class InvalidSignatureError(DecodeError):
    """The signature does not verify with any key that may verify this token."""


class TokenTooLargeError(DecodeError):
    """The token is over the size cap (8 KiB by default) and was not parsed."""


class UnsupportedCriticalHeaderError(DecodeError):
    """The header lists a ``crit`` parameter the caller did not declare it understands
    (RFC 7515 §4.1.11)."""


class ExpiredSignatureError(InvalidTokenError):
    """The token has expired: ``exp`` is past, after the leeway."""


class ImmatureSignatureError(InvalidTokenError):
    """The token is not yet valid: ``nbf`` or ``iat`` is in the future, after the leeway."""


class InvalidIssuedAtError(InvalidTokenError):
    """The ``iat`` claim is not a number."""


class InvalidAudienceError(InvalidTokenError):
    """The ``aud`` claim names none of the accepted audiences, is ill-typed, or is present
    when the caller accepts no audience."""


class InvalidIssuerError(InvalidTokenError):
    """The ``iss`` claim is not one of the accepted issuers."""


class InvalidSubjectError(InvalidTokenError):
    """The ``sub`` claim is not a string, or not the expected subject."""


class InvalidJTIError(InvalidTokenError):
    """The ``jti`` claim is present but not a string."""


class InvalidTokenTypeError(InvalidTokenError):
    """The token-type claim is missing or names another type (an access token presented
    as a refresh token, say)."""


class InvalidAlgorithmError(InvalidTokenError):
    """The header's ``alg`` is ``none``, unknown, or not in the caller's allow-list."""


class NoMatchingKeyError(InvalidTokenError):
    """No key may verify this token: none has its algorithm, or none has its ``kid``."""


class MissingRequiredClaimError(InvalidTokenError):
    """A claim the caller requires is absent. ``claim`` names it."""

    def __init__(self, claim: str) -> None:
        super().__init__(claim)
        self.claim = claim

    def __str__(self) -> str:
        return f'Token is missing the "{self.claim}" claim'


class InvalidKeyError(PyJWTError, ValueError):
    """Key material could not be used: unparsable PEM or JWK, a key type that does not
    fit the algorithm, or an asymmetric key offered as an HMAC secret."""


class WeakKeyError(InvalidKeyError):
    """The key is weaker than the algorithm needs: an HMAC secret shorter than the hash
    output, an RSA modulus under 2048 bits."""


class KeyCannotSignError(InvalidKeyError):
    """A public key was asked to sign."""


class UnsupportedAlgorithmError(PyJWTError, NotImplementedError):
    """The algorithm name is not one pyauth implements (PyJWT raises
    ``NotImplementedError`` here, which this also is)."""


# --- passwords ---------------------------------------------------------------------


class PasswordError(PyAuthError):
    """Root of the password-hashing errors. A wrong password is not an error: ``verify``
    returns ``False``."""


class InvalidHashError(PasswordError, ValueError):
    """The encoded hash is malformed, of an unsupported algorithm, or has cost parameters
    outside pyauth's bounds (so a hostile stored value cannot exhaust the server)."""


class InvalidPasswordError(PasswordError, ValueError):
    """The password cannot be hashed: longer than 4096 bytes, or not encodable as UTF-8."""


class InvalidHashParametersError(PasswordError, ValueError):
    """The cost parameters asked for are out of range."""


class HashingError(PasswordError):
    """The hashing library failed (out of memory)."""


# --- one-time codes ----------------------------------------------------------------


class OTPError(PyAuthError):
    """Root of the one-time-code errors. A wrong code is not an error: ``verify`` returns
    ``False``."""


class InvalidSecretError(OTPError, ValueError):
    """The shared secret is not base32, or shorter than 128 bits (RFC 4226 R6)."""


class InvalidCodeError(OTPError, ValueError):
    """The code is not a string of the configured number of ASCII digits."""


class InvalidOTPParametersError(OTPError, ValueError):
    """Digits, period, window or algorithm out of range."""


class InvalidURIError(OTPError, ValueError):
    """The ``otpauth://`` URI is malformed."""


# --- sealed key material (pyauth/_core's seal.hpp, used by pyauth.keys) -------------


class SealError(PyAuthError):
    """Root of the failures of sealed (encrypted at rest) key material."""


class MalformedSealError(SealError, ValueError):
    """The stored value is not a sealed blob of a version pyauth reads (truncated, or
    not sealed by pyauth at all)."""


class UnsealError(SealError):
    """A sealed blob did not authenticate: it was sealed under another SECRET_KEY (and
    none of SECRET_KEY_FALLBACKS opens it), for another key, or it was modified. The
    blob's contents are never returned in that case."""


class InvalidSealInputError(SealError, ValueError):
    """A sealing key was asked for with an empty secret or a context that is not 8 bytes."""
