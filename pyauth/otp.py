"""One-time codes on pyauth's C++ core, with pyotp's classes and calling convention.

``import pyotp`` becomes ``from pyauth import otp as pyotp``::

    totp = otp.TOTP(otp.random_base32())
    totp.now()
    totp.verify(code, valid_window=1)
    totp.provisioning_uri("ada@example.com", issuer_name="Shop")

HOTP (RFC 4226) and TOTP (RFC 6238) with SHA1, SHA256 or SHA512 and 6 to 8 digits.
Secrets must be at least 128 bits (RFC 4226 R6); :func:`random_base32` makes 160-bit
ones from libsodium's CSPRNG. Codes are compared in constant time, every candidate of
a window is computed and compared, and :meth:`TOTP.verify_step` reports which time
step matched so a caller can refuse a code used twice (store the last step accepted).
"""

from __future__ import annotations

import base64
import time
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from pyauth import _core
from pyauth.exceptions import InvalidCodeError, InvalidOTPParametersError

__all__ = [
    "HOTP",
    "OTP",
    "TOTP",
    "parse_uri",
    "random_base32",
    "random_code",
]

_MAX_WINDOW: Final = 10


def _digest_name(digest: Any) -> str:
    """pyotp takes hashlib constructors (``hashlib.sha256``); pyauth also takes names."""
    if digest is None:
        return "SHA1"
    if isinstance(digest, str):
        return digest.upper().replace("-", "")
    if callable(digest):
        name = getattr(digest(), "name", "")
        return str(name).upper().replace("-", "")
    raise InvalidOTPParametersError("digest must be a hashlib constructor or a name like 'sha256'")


def _code_text(otp: str | int) -> str:
    """The code as ASCII text. As pyotp does, a code typed with other Unicode digits
    (full-width, say) is NFKC-normalised first; anything still not ASCII digits is
    refused by the core. Over-long input is cut short before normalising (it cannot match)."""
    text = otp if isinstance(otp, str) else str(otp)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text[:64])
    return text


class OTP:
    """Base of :class:`HOTP` and :class:`TOTP`: a base32 secret, digits and digest."""

    def __init__(
        self,
        s: str,
        digits: int = 6,
        digest: Callable[..., Any] | str | None = None,
        name: str | None = None,
        issuer: str | None = None,
    ) -> None:
        if not isinstance(s, str):
            raise TypeError("the secret must be a base32 str")
        self.secret = s
        self.digits = digits
        self.algorithm = _digest_name(digest)
        self.name = name or "Secret"
        self.issuer = issuer
        self._key = _core.OtpKey.from_base32(s, self.algorithm, digits)

    def byte_secret(self) -> bytes:
        """The secret decoded from base32."""
        padded = self.secret.upper() + "=" * (-len(self.secret) % 8)
        return base64.b32decode(padded)

    def generate_otp(self, input: int) -> str:
        """The code for counter value ``input``."""
        if not 0 <= input < 2**64:
            raise InvalidOTPParametersError("input must be a non-negative 64-bit integer")
        return self._key.code(input)


class HOTP(OTP):
    """Counter-based one-time codes (RFC 4226)."""

    def __init__(
        self,
        s: str,
        digits: int = 6,
        digest: Callable[..., Any] | str | None = None,
        name: str | None = None,
        issuer: str | None = None,
        initial_count: int = 0,
    ) -> None:
        super().__init__(s, digits, digest, name, issuer)
        self.initial_count = initial_count

    def at(self, count: int) -> str:
        return self.generate_otp(self.initial_count + count)

    def verify(self, otp: str | int, counter: int) -> bool:
        """True if ``otp`` is the code for ``counter``."""
        return self.match(otp, counter) is not None

    def match(self, otp: str | int, counter: int, look_ahead: int = 0) -> int | None:
        """The counter in ``counter .. counter+look_ahead`` whose code is ``otp``, or None.
        Store it and continue from the next one, so a code is never accepted twice."""
        if not 0 <= look_ahead <= _MAX_WINDOW:
            raise InvalidOTPParametersError(f"look_ahead must be 0..{_MAX_WINDOW}")
        try:
            return self._key.match(_code_text(otp), self.initial_count + counter, 0, look_ahead)
        except InvalidCodeError:
            return None

    def provisioning_uri(
        self,
        name: str | None = None,
        initial_count: int | None = None,
        issuer_name: str | None = None,
    ) -> str:
        """An ``otpauth://hotp/...`` URI for authenticator apps."""
        return _core.provisioning_uri(
            "hotp",
            name or self.name,
            issuer_name or self.issuer or "",
            self.secret,
            self.algorithm,
            self.digits,
            30,
            self.initial_count if initial_count is None else initial_count,
        )


class TOTP(OTP):
    """Time-based one-time codes (RFC 6238)."""

    def __init__(
        self,
        s: str,
        digits: int = 6,
        digest: Callable[..., Any] | str | None = None,
        name: str | None = None,
        issuer: str | None = None,
        interval: int = 30,
    ) -> None:
        if not isinstance(interval, int) or interval < 1:
            raise InvalidOTPParametersError("interval must be a positive whole number of seconds")
        super().__init__(s, digits, digest, name, issuer)
        self.interval = interval

    def timecode(self, for_time: datetime | float) -> int:
        """The time step of ``for_time`` (a datetime, naive meaning local time as in
        pyotp, or seconds since the epoch)."""
        seconds = for_time.timestamp() if isinstance(for_time, datetime) else float(for_time)
        return int(_core.totp_counter(int(seconds), self.interval, 0))

    def at(self, for_time: datetime | float, counter_offset: int = 0) -> str:
        return self.generate_otp(self.timecode(for_time) + counter_offset)

    def now(self) -> str:
        return self._key.code(int(time.time()) // self.interval)

    def verify(
        self, otp: str | int, for_time: datetime | float | None = None, valid_window: int = 0
    ) -> bool:
        """True if ``otp`` is the code of ``for_time`` (now) or of up to ``valid_window``
        steps either side. It does not remember codes: use :meth:`verify_step` and store
        the step to refuse a code used twice."""
        return self.verify_step(otp, for_time, valid_window) is not None

    def verify_step(
        self, otp: str | int, for_time: datetime | float | None = None, valid_window: int = 1
    ) -> int | None:
        """The time step whose code is ``otp`` within ``valid_window`` steps of
        ``for_time`` (default: now, one step each side, as NIST SP 800-63B allows), or
        None. Accept only a step greater than the last one accepted."""
        if not 0 <= valid_window <= _MAX_WINDOW:
            raise InvalidOTPParametersError(f"valid_window must be 0..{_MAX_WINDOW}")
        step = int(time.time()) // self.interval if for_time is None else self.timecode(for_time)
        try:
            return self._key.match(_code_text(otp), step, valid_window, valid_window)
        except InvalidCodeError:
            return None

    def provisioning_uri(self, name: str | None = None, issuer_name: str | None = None) -> str:
        """An ``otpauth://totp/...`` URI for authenticator apps (and QR codes)."""
        return _core.provisioning_uri(
            "totp",
            name or self.name,
            issuer_name or self.issuer or "",
            self.secret,
            self.algorithm,
            self.digits,
            self.interval,
            0,
        )


def random_base32(length: int = 32) -> str:
    """A random base32 secret of ``length`` characters from libsodium's CSPRNG: 32
    characters (160 bits, RFC 4226's recommendation) by default; at least 26 (128 bits)
    and a multiple of 8 or of the lengths that encode whole bytes."""
    nbytes = length * 5 // 8
    if nbytes < 16 or (nbytes * 8 + 4) // 5 != length:
        raise InvalidOTPParametersError(
            "length must encode whole bytes and at least 128 bits (e.g. 32 for 160 bits)"
        )
    return _core.random_base32_secret(nbytes)


def random_code(digits: int = 6) -> str:
    """A uniformly random numeric code (for emailed or texted codes)."""
    return _core.random_numeric_code(digits)


def parse_uri(uri: str) -> TOTP | HOTP:
    """A :class:`TOTP` or :class:`HOTP` from an ``otpauth://`` URI (pyotp's ``parse_uri``)."""
    fields = _core.parse_otpauth_uri(uri)
    issuer = fields["issuer"] or None
    if fields["type"] == "totp":
        return TOTP(
            fields["secret"],
            digits=fields["digits"],
            digest=fields["algorithm"],
            name=fields["account"],
            issuer=issuer,
            interval=fields["period"],
        )
    return HOTP(
        fields["secret"],
        digits=fields["digits"],
        digest=fields["algorithm"],
        name=fields["account"],
        issuer=issuer,
        initial_count=fields["counter"],
    )
