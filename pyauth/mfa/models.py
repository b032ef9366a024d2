"""The tables of two-factor authentication.

- :class:`TOTPDevice`: a user's authenticator (one per user). Its secret is stored
  encrypted (:mod:`pyauth.mfa.crypto`), never in clear; ``confirmed_at`` is None while
  the enrollment waits for its first code; ``last_used_step`` is the newest TOTP time
  step accepted, so a code is never accepted twice; ``failures`` / ``locked_until``
  limit the codes a user may try.
- :class:`RecoveryCode`: a single-use code, stored as a keyed digest only.
- :class:`MFAChallenge`: the second step of one login (the client's ``mfa_token``,
  stored as its SHA-256 digest), bound to a user and a login path, short-lived and
  limited in tries.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["MFAChallenge", "RecoveryCode", "TOTPDevice"]

_HEX_DIGEST_LENGTH = 64


def _require_hex_digest(value: str, what: str) -> None:
    if len(value) != _HEX_DIGEST_LENGTH or any(c not in "0123456789abcdef" for c in value):
        raise ValueError(f"{what} must be a SHA-256 hex digest, never a raw value")


class TOTPDevice(models.Model):  # type: ignore[misc]
    """A user's TOTP authenticator (RFC 6238: SHA-1, 6 digits, 30-second steps)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pyauth_totp_device",
        verbose_name=_("user"),
    )
    #: The base32 secret encrypted with AES-256-GCM under a key derived from SECRET_KEY.
    encrypted_secret = models.CharField(_("encrypted secret"), max_length=255, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    #: None while the enrollment is pending (no code confirmed yet).
    confirmed_at = models.DateTimeField(_("enabled at"), null=True, blank=True)
    #: The newest time step whose code was accepted; older and equal steps are refused.
    last_used_step = models.BigIntegerField(_("last step used"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    #: Wrong codes since the last right one, and until when codes are refused.
    failures = models.PositiveIntegerField(_("failed attempts"), default=0)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("TOTP device")
        verbose_name_plural = _("TOTP devices")

    def __str__(self) -> str:
        state = "enabled" if self.is_confirmed else "pending"
        return f"TOTP of {self.user_id} ({state})"

    @property
    def is_confirmed(self) -> bool:
        """True once a first code confirmed the enrollment: logins then ask for a code."""
        return self.confirmed_at is not None

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.encrypted_secret.startswith("v1."):
            raise ValueError("encrypted_secret must be sealed by pyauth.mfa.crypto")
        super().save(*args, **kwargs)


class RecoveryCode(models.Model):  # type: ignore[misc]
    """One single-use recovery code of a user, by its keyed digest."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pyauth_recovery_codes",
        verbose_name=_("user"),
    )
    #: HMAC-SHA256 of the code, keyed with SECRET_KEY and bound to the user.
    digest = models.CharField(_("digest (HMAC-SHA256)"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "digest"], name="pyauth_mfa_recovery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.digest[:12]}… ({self.user_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _require_hex_digest(self.digest, "digest")
        super().save(*args, **kwargs)


class MFAChallenge(models.Model):  # type: ignore[misc]
    """The pending second step of one login: the ``mfa_token`` a client got with its
    403 ``mfa_required``, by the SHA-256 digest of that token (a 256-bit random value,
    so a plain hash suffices). Deleted when used; dead once expired or out of tries."""

    digest = models.CharField(_("token digest (SHA-256)"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="pyauth_mfa_challenges",
        verbose_name=_("user"),
    )
    #: The login path that issued it, and the only one that accepts it.
    flow = models.CharField(_("login path"), max_length=255)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("two-factor login challenge")
        verbose_name_plural = _("two-factor login challenges")

    def __str__(self) -> str:
        return f"{self.digest[:12]}… ({self.user_id}, {self.flow})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        _require_hex_digest(self.digest, "digest")
        super().save(*args, **kwargs)
