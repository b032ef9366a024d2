"""What the flows of document 002 keep: one-time codes (as digests) and lockout
counters. Neither holds a secret in the clear."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OneTimeCode(models.Model):
    """A 6-digit code mailed (login) or texted (phone verification), stored as the hex
    SHA-256 of the code. Single use (``used_at``), a few tries (``attempts``), and an
    expiry; issuing a new code of a purpose deletes the user's previous one."""

    PURPOSE_LOGIN = "login"
    PURPOSE_PHONE = "phone"
    PURPOSES: ClassVar[list[tuple[str, str]]] = [
        (PURPOSE_LOGIN, _("login")),
        (PURPOSE_PHONE, _("phone verification")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="one_time_codes",
        verbose_name=_("user"),
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=PURPOSES)
    digest = models.CharField(_("code digest"), max_length=64)
    #: For phone verification: the number the code was texted to.
    target = models.CharField(_("sent to"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "purpose"], name="authapi_otc_user_purpose"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code of {self.user_id}"


class LockoutCounter(models.Model):
    """Failed logins of one key, counted by every login endpoint: an account
    (``email:<address>``, ``user:<id>`` for an account without email, or the
    ``email:``/``username:`` typed when no account has it, so locking says nothing about
    existence) or ``ip:<address>``."""

    key = models.CharField(_("key"), max_length=320, unique=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("lockout counter")
        verbose_name_plural = _("lockout counters")

    def __str__(self) -> str:
        return str(self.key)
