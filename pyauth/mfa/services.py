"""The work of two-factor authentication: enrollment, code checks, recovery codes and
the second step of logins. Views and login paths call these; nothing else writes the
tables of :mod:`pyauth.mfa.models`.

TOTP follows SECURITY.md and RFC 6238: SHA-1, 6 digits, 30-second steps (what every
authenticator app speaks), a window of one step either side, secrets of 160 bits from
libsodium's CSPRNG (:func:`pyauth.otp.random_base32`), codes compared in constant time
by the C++ core, and the newest step accepted stored so that no code is accepted twice
(a conditional UPDATE claims the step, so two requests racing with one code cannot
both win).

Wrong codes are limited twice: each login challenge (``mfa_token``) dies after
MFA_CHALLENGE_MAX_ATTEMPTS tries, and each user's codes are refused for 1, 2, 4 ...
minutes (at most 15) once MFA_LOCKOUT_THRESHOLD wrong codes follow each other, across
challenges and enrollment endpoints alike (answered 429 with Retry-After). A right code
clears the count; so does an admin's reset.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from pyauth import _core
from pyauth.mfa import crypto
from pyauth.mfa.exceptions import (
    MFACodeRejected,
    MFAInvalid,
    MFALocked,
    MFANoPendingEnrollment,
    MFAStateConflict,
)
from pyauth.mfa.models import MFAChallenge, RecoveryCode, TOTPDevice
from pyauth.otp import TOTP, random_base32
from pyauth.settings import api_settings

__all__ = [
    "DIGITS",
    "INTERVAL",
    "RECOVERY_CODE_COUNT",
    "VALID_WINDOW",
    "Enrollment",
    "Status",
    "confirm",
    "create_challenge",
    "disable",
    "enrollment_status",
    "is_enabled",
    "pending_enrollment",
    "recovery_code_digest",
    "redeem_challenge",
    "regenerate_recovery_codes",
    "reset",
    "start_enrollment",
    "verify",
]

logger = logging.getLogger(__name__)

#: RFC 6238's defaults, which authenticator apps assume.
DIGITS: Final = 6
INTERVAL: Final = 30
#: Steps accepted either side of now (SECURITY.md: at most one).
VALID_WINDOW: Final = 1
#: Recovery codes per (re)generation: 16 base32 characters (80 bits) each.
RECOVERY_CODE_COUNT: Final = 10
_RECOVERY_CODE_CHARS: Final = 16
_RECOVERY_SALT: Final = "pyauth.mfa.recovery-code"
_SECRET_CHARS: Final = 32  # 160 bits
_TOKEN_BYTES: Final = 32  # mfa_token: 256 bits
_LOCK_BASE: Final = timedelta(minutes=1)
_LOCK_CAP: Final = timedelta(minutes=15)
_MAX_CODE_CHARS: Final = 64
#: Live login challenges kept per user; older ones are dropped.
_MAX_LIVE_CHALLENGES: Final = 10


def _clock() -> float:
    """Seconds since the epoch for TOTP steps (tests replace it to step through time)."""
    return time.time()


def _issuer() -> str:
    issuer: str = api_settings.MFA_ISSUER or "pyauth"
    return issuer


def _account_name(user: Any) -> str:
    name = getattr(user, "email", None) or user.get_username() or str(user.pk)
    return str(name)


def _open(device: TOTPDevice) -> str | None:
    """The device's secret; None (logged, without the secret) when no configured key
    opens it, e.g. SECRET_KEY replaced without listing the old one in
    SECRET_KEY_FALLBACKS. Its codes then fail until an admin resets the user's 2FA."""
    try:
        return crypto.open_secret(device.encrypted_secret, device.user_id)
    except crypto.SecretUnreadable as exc:
        logger.error("The TOTP secret of user %s cannot be opened: %s", device.user_id, exc)
        return None


# --- state ------------------------------------------------------------------------


def _device(user: Any) -> TOTPDevice | None:
    device: TOTPDevice | None = TOTPDevice.objects.filter(user_id=user.pk).first()
    return device


def is_enabled(user: Any) -> bool:
    """True when ``user`` confirmed a TOTP enrollment: every login asks for a code."""
    return bool(TOTPDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists())


@dataclass(frozen=True)
class Status:
    """Where a user's two-factor authentication stands."""

    enabled: bool
    pending: bool
    recovery_codes_left: int


def enrollment_status(user: Any) -> Status:
    """Enabled or not, whether an enrollment waits for its first code, and how many
    unused recovery codes are left."""
    device = _device(user)
    enabled = device is not None and device.is_confirmed
    left = (
        RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count() if enabled else 0
    )
    return Status(
        enabled=enabled, pending=device is not None and not enabled, recovery_codes_left=left
    )


# --- enrollment -------------------------------------------------------------------


@dataclass(frozen=True)
class Enrollment:
    """A pending enrollment as setup shows it, once: the secret and its otpauth URI."""

    secret: str
    otpauth_uri: str
    digits: int = DIGITS
    period: int = INTERVAL
    algorithm: str = "SHA1"


def _enrollment(user: Any, secret: str) -> Enrollment:
    uri = TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        _account_name(user), issuer_name=_issuer()
    )
    return Enrollment(secret=secret, otpauth_uri=uri)


def start_enrollment(user: Any) -> Enrollment:
    """A new pending enrollment with a fresh 160-bit secret, replacing any pending one.
    409 when two-factor authentication is already enabled (disable it first)."""
    secret = random_base32(_SECRET_CHARS)
    sealed = crypto.seal_secret(secret, user.pk)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user_id=user.pk).first()
        if device is not None and device.is_confirmed:
            raise MFAStateConflict(
                _("Two-factor authentication is already enabled. Disable it first."),
                code="mfa_already_enabled",
            )
        if device is None:
            device = TOTPDevice(user_id=user.pk)
        device.encrypted_secret = sealed
        device.created_at = timezone.now()
        device.last_used_step = None
        device.last_used_at = None
        device.save()
    return _enrollment(user, secret)


def pending_enrollment(user: Any) -> Enrollment:
    """The pending enrollment (for its QR code); 404 when none is pending. A confirmed
    secret is never shown again."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=True).first()
    if device is None:
        raise MFANoPendingEnrollment()
    secret = _open(device)
    if secret is None:
        raise MFANoPendingEnrollment()
    return _enrollment(user, secret)


def confirm(user: Any, code: str) -> list[str]:
    """Enable two-factor authentication with the first code of the pending secret and
    return the new recovery codes (shown once, stored as digests). 404 with nothing
    pending, 409 when already enabled, 400 ``mfa_invalid`` for a wrong code."""
    device = _device(user)
    if device is None:
        raise MFANoPendingEnrollment()
    if device.is_confirmed:
        raise MFAStateConflict(
            _("Two-factor authentication is already enabled."), code="mfa_already_enabled"
        )
    _check_lock(device)
    if not _accept_totp(device, code):
        _record_failure(device)
        raise MFACodeRejected()
    with transaction.atomic():
        claimed = TOTPDevice.objects.filter(pk=device.pk, confirmed_at__isnull=True).update(
            confirmed_at=timezone.now()
        )
        if not claimed:
            raise MFAStateConflict(
                _("Two-factor authentication is already enabled."), code="mfa_already_enabled"
            )
        return _replace_recovery_codes(user)


def disable(user: Any, code: str) -> None:
    """Turn two-factor authentication off with a current TOTP code or a recovery code:
    the device and every recovery code are deleted. 409 when it is not enabled."""
    _verify_enrolled(user, code, MFACodeRejected)
    reset(user)


def regenerate_recovery_codes(user: Any, code: str) -> list[str]:
    """New recovery codes (the old ones stop working) after a TOTP or recovery code."""
    _verify_enrolled(user, code, MFACodeRejected)
    with transaction.atomic():
        return _replace_recovery_codes(user)


def reset(user: Any) -> None:
    """Remove ``user``'s two-factor authentication entirely (disable, admin reset)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        RecoveryCode.objects.filter(user_id=user.pk).delete()
        MFAChallenge.objects.filter(user_id=user.pk).delete()


def _verify_enrolled(user: Any, code: str, rejected: type[MFAInvalid]) -> str:
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=False).first()
    if device is None:
        raise MFAStateConflict(
            _("Two-factor authentication is not enabled."), code="mfa_not_enabled"
        )
    return _verify_device(device, code, rejected)


# --- codes --------------------------------------------------------------------------


def _normalise(code: Any) -> str:
    text = code if isinstance(code, str) else str(code)
    return text[:_MAX_CODE_CHARS].strip().replace(" ", "").replace("-", "")


def _accept_totp(device: TOTPDevice, code: str, for_time: float | None = None) -> bool:
    """True when ``code`` is the device's code within the window AND its step is newer
    than every step accepted before (claimed atomically, so it is accepted once)."""
    text = _normalise(code)
    if len(text) != DIGITS:
        return False
    secret = _open(device)
    if secret is None:
        return False
    step = TOTP(secret, digits=DIGITS, interval=INTERVAL).verify_step(
        text, _clock() if for_time is None else for_time, valid_window=VALID_WINDOW
    )
    if step is None:
        return False
    claimed = (
        TOTPDevice.objects.filter(pk=device.pk)
        .filter(Q(last_used_step__isnull=True) | Q(last_used_step__lt=step))
        .update(last_used_step=step, last_used_at=timezone.now(), failures=0, locked_until=None)
    )
    return bool(claimed)


def recovery_code_digest(code: str, user_pk: Any, secret_key: str | bytes | None = None) -> str:
    """The stored form of a recovery code: HMAC-SHA256 keyed with SECRET_KEY (or the
    given key) and bound to the user. Whoever reads the table learns no code."""
    message = f"{user_pk}:{_normalise(code).upper()}"
    key = settings.SECRET_KEY if secret_key is None else secret_key
    digest: str = salted_hmac(_RECOVERY_SALT, message, secret=key, algorithm="sha256").hexdigest()
    return digest


def _format_recovery_code(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def _replace_recovery_codes(user: Any) -> list[str]:
    """Delete ``user``'s recovery codes and store digests of new ones (call inside a
    transaction). Returns the codes, formatted XXXX-XXXX-XXXX-XXXX."""
    RecoveryCode.objects.filter(user_id=user.pk).delete()
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        # The first 16 characters of a 160-bit base32 secret: 80 uniform bits.
        raw = _core.random_base32_secret(_SECRET_CHARS * 5 // 8)[:_RECOVERY_CODE_CHARS]
        code = _format_recovery_code(raw)
        if code not in codes:
            codes.append(code)
    now = timezone.now()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user_id=user.pk, digest=recovery_code_digest(code, user.pk), created_at=now)
        for code in codes
    )
    return codes


def _accept_recovery_code(device: TOTPDevice, code: str) -> bool:
    """True when ``code`` is one of the user's unused recovery codes, now used. Every
    unused digest is compared in constant time (no early exit), under every key."""
    text = _normalise(code).upper()
    if len(text) != _RECOVERY_CODE_CHARS:
        return False
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
    submitted = [recovery_code_digest(text, device.user_id, key).encode() for key in keys]
    match: int | None = None
    for pk, digest in RecoveryCode.objects.filter(
        user_id=device.user_id, used_at__isnull=True
    ).values_list("pk", "digest"):
        for candidate in submitted:
            if _core.compare_digest(candidate, digest.encode()) and match is None:
                match = pk
    if match is None:
        return False
    now = timezone.now()
    claimed = RecoveryCode.objects.filter(pk=match, used_at__isnull=True).update(used_at=now)
    if claimed:
        TOTPDevice.objects.filter(pk=device.pk).update(
            last_used_at=now, failures=0, locked_until=None
        )
    return bool(claimed)


def _lock_after(failures: int) -> timedelta | None:
    over = failures - int(api_settings.MFA_LOCKOUT_THRESHOLD)
    if over < 0:
        return None
    if over >= 16:
        return _LOCK_CAP
    wait: timedelta = min(_LOCK_BASE * (2**over), _LOCK_CAP)
    return wait


def _check_lock(device: TOTPDevice, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if device.locked_until is not None and device.locked_until > now:
        raise MFALocked((device.locked_until - now).total_seconds())


def _record_failure(device: TOTPDevice) -> None:
    """Count a wrong code against the device's user, locking at the threshold."""
    now = timezone.now()
    with transaction.atomic():
        rows = TOTPDevice.objects.filter(pk=device.pk)
        rows.update(failures=F("failures") + 1)
        failures = rows.values_list("failures", flat=True).first()
        if failures is None:
            return
        wait = _lock_after(failures)
        if wait is not None:
            rows.update(locked_until=now + wait)


def _verify_device(device: TOTPDevice, code: str, rejected: type[MFAInvalid]) -> str:
    _check_lock(device)
    if _accept_totp(device, code):
        return "totp"
    if _accept_recovery_code(device, code):
        return "recovery_code"
    _record_failure(device)
    raise rejected()


def verify(user: Any, code: str) -> str:
    """Check a second factor of an enrolled ``user``: a TOTP code (each step once) or an
    unused recovery code (then used up). Returns the method, "totp" or
    "recovery_code"; raises 401 ``mfa_invalid`` (counted) or 429 ``mfa_locked``."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=False).first()
    if device is None:
        raise MFAInvalid()
    return _verify_device(device, code, MFAInvalid)


# --- login challenges ---------------------------------------------------------------


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_challenge(user: Any, flow: str) -> str:
    """A new ``mfa_token`` for ``user``'s login through ``flow`` (its path): 256 random
    bits from the core's CSPRNG, stored as its digest, valid MFA_CHALLENGE_LIFETIME.
    Expired challenges (anyone's) and the user's used-up ones are swept on the way, and
    only the user's newest ten stay live."""
    token = _core.random_base32_secret(_TOKEN_BYTES).rstrip("=")
    now = timezone.now()
    lifetime: timedelta = api_settings.MFA_CHALLENGE_LIFETIME
    limit = int(api_settings.MFA_CHALLENGE_MAX_ATTEMPTS)
    MFAChallenge.objects.filter(expires_at__lte=now).delete()  # anyone's: indexed, few
    MFAChallenge.objects.filter(user_id=user.pk, attempts__gte=limit).delete()
    MFAChallenge.objects.create(
        digest=_token_digest(token),
        user_id=user.pk,
        flow=flow[:255],
        created_at=now,
        expires_at=now + lifetime,
    )
    # However often a password is replayed, a user has a bounded number of live ones.
    keep = MFAChallenge.objects.filter(user_id=user.pk).order_by("-created_at", "-pk")
    stale = list(keep.values_list("pk", flat=True)[_MAX_LIVE_CHALLENGES:])
    if stale:
        MFAChallenge.objects.filter(pk__in=stale).delete()
    return token


def redeem_challenge(token: str, code: str, flow: str) -> Any:
    """The user whose login ``token`` continues, once ``code`` is their second factor;
    the token is then used up. 401 ``mfa_invalid`` for a token that is unknown,
    expired, used, out of tries or issued by another login path, and for a wrong code
    (which uses one of the token's tries and counts against the user)."""
    invalid_token = _("This two-factor sign-in has expired or is invalid. Sign in again.")
    if not isinstance(token, str) or not token or len(token) > 128:
        raise MFAInvalid(invalid_token)
    now = timezone.now()
    limit = int(api_settings.MFA_CHALLENGE_MAX_ATTEMPTS)
    live = MFAChallenge.objects.filter(
        digest=_token_digest(token), expires_at__gt=now, attempts__lt=limit
    )
    challenge = live.select_related("user").first()
    if challenge is None or not _core.compare_digest(challenge.flow.encode(), flow[:255].encode()):
        raise MFAInvalid(invalid_token)
    if not live.filter(pk=challenge.pk).update(attempts=F("attempts") + 1):
        raise MFAInvalid(invalid_token)
    user = challenge.user
    if not getattr(user, "is_active", True):
        raise MFAInvalid(invalid_token)
    verify(user, code)
    if not MFAChallenge.objects.filter(pk=challenge.pk).delete()[0]:
        raise MFAInvalid(invalid_token)  # a concurrent request used it first
    return user
