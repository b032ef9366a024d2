"""The tables of the token lifecycle: token families and their refresh-token records.

A *family* is one login on one device. Every refresh token rotated from that login
and every access token issued along the way carries the family's id in the
FAMILY_CLAIM ("sid"), so revoking the family (logout, a replayed refresh token)
refuses all of them at once (RFC 9700 §4.14).

A Django session that a user logged in to is a family too, of kind "session": its id
is kept in the session's own data (never the session key), so the user's sessions and
token logins are listed by one indexed query and revoked the same way
(:mod:`pyauth.lifecycle.middleware` signs a revoked session out at its next request).

A *user revocation* records when a user's tokens were last revoked all at once
(deactivation, password change, logout everywhere, deletion): every access token issued
up to that second is refused. The cache holds a copy (:mod:`pyauth.lifecycle.revocation`).

Nothing here can be replayed: a refresh token is recorded by the SHA-256 digest of its
``jti``, never by the token or the raw ``jti``.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["RefreshTokenRecord", "TokenFamily", "UserRevocation", "jti_digest", "new_family_id"]


def new_family_id() -> str:
    """A fresh family id: 128 random bits, base64url (22 characters)."""
    return secrets.token_urlsafe(16)


def jti_digest(jti: str) -> str:
    """The SHA-256 hex digest under which a token id is stored."""
    return hashlib.sha256(jti.encode("utf-8")).hexdigest()


class TokenFamily(models.Model):  # type: ignore[misc]
    """One login session: the refresh tokens rotated from one sign-in and the access
    tokens issued with them, revoked together (kind "token"), or one signed-in Django
    session (kind "session")."""

    KIND_TOKEN = "token"  # noqa: S105 - a kind of session, not a password
    KIND_SESSION = "session"
    KIND_CHOICES = ((KIND_TOKEN, _("token")), (KIND_SESSION, _("Django session")))

    id = models.CharField(
        _("session id"), primary_key=True, max_length=32, default=new_family_id, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="token_families",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), default=timezone.now)
    #: When the last token issued in the family expires; the family may go after that.
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    user_agent = models.CharField(_("user agent"), max_length=256, blank=True, default="")
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.CharField(_("revocation reason"), max_length=64, blank=True)
    kind = models.CharField(
        _("kind"), max_length=8, choices=KIND_CHOICES, default=KIND_TOKEN, editable=False
    )

    class Meta:
        verbose_name = _("token family")
        verbose_name_plural = _("token families")
        ordering = ("-created_at",)
        indexes = (
            # A user's live sessions, most recently used first: the sessions list and
            # "revoke the others" read only this index.
            models.Index(
                fields=("user", "-last_used_at"),
                condition=models.Q(revoked_at__isnull=True),
                name="pyauth_family_live_by_user",
            ),
        )

    def __str__(self) -> str:
        return f"{self.id} ({self.user_id})"

    @property
    def is_revoked(self) -> bool:
        """True once the family has been revoked (its tokens are all refused)."""
        return self.revoked_at is not None

    @property
    def is_session(self) -> bool:
        """True for a Django session, False for a token login."""
        return bool(self.kind == self.KIND_SESSION)


class RefreshTokenRecord(models.Model):  # type: ignore[misc]
    """One refresh token of a family, by the digest of its jti: when it was issued,
    when it expires, and whether it was rotated (used) or blacklisted."""

    jti_digest = models.CharField(_("jti digest (SHA-256)"), max_length=64, unique=True)
    family = models.ForeignKey(
        TokenFamily,
        on_delete=models.CASCADE,
        related_name="tokens",
        verbose_name=_("family"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    used_at = models.DateTimeField(_("rotated at"), null=True, blank=True)
    blacklisted_at = models.DateTimeField(_("blacklisted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refresh token record")
        verbose_name_plural = _("refresh token records")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.jti_digest[:12]}… ({self.family_id})"

    @property
    def is_live(self) -> bool:
        """True while the token may still be traded: neither rotated nor blacklisted."""
        return self.used_at is None and self.blacklisted_at is None

    def save(self, *args: Any, **kwargs: Any) -> None:
        if len(self.jti_digest) != 64:
            raise ValueError("jti_digest must be a SHA-256 hex digest, never a raw jti")
        super().save(*args, **kwargs)


class UserRevocation(models.Model):  # type: ignore[misc]
    """When the tokens of one user were last revoked: access tokens whose ``iat`` is not
    after ``revoked_at`` are refused (see :mod:`pyauth.lifecycle.revocation`). Keyed by
    the user's USER_ID_CLAIM value (not a foreign key: the mark outlives a deleted user,
    whose tokens stay refused)."""

    user_key = models.CharField(_("user id claim"), primary_key=True, max_length=255)
    revoked_at = models.DateTimeField(_("revoked at"))
    #: Refuse tokens with a family issued in revoked_at's second too. False when the
    #: user's families were revoked with the mark, which refuses the older ones.
    strict = models.BooleanField(_("strict"), default=True)

    class Meta:
        verbose_name = _("user revocation")
        verbose_name_plural = _("user revocations")

    def __str__(self) -> str:
        return f"{self.user_key} @ {self.revoked_at.isoformat()}"
