"""The signing-key table.

One row per key pyauth has generated. A key is, in order of its life:

- the **signer** (``is_signer``; at most one row, enforced by a partial unique index so
  two processes that race to create the first key, or two rotations, can never leave two
  signers behind): it signs every new token and verifies;
- **verifying** (``retire_after`` set by a rotation): it signs nothing new and verifies
  until ``retire_after``, the moment every token it signed has expired;
- **retired** (``retire_after`` past): it verifies nothing and is left out of the JWK
  Set at once, whether or not ``retired_at`` is written yet; writing ``retired_at``
  (the next rotation, or ``rotate_signing_key --retire-expired``) also erases its
  sealed private half, which nothing needs any more.

The private half is only ever stored sealed (:func:`pyauth._core.seal_private_key`,
bound to the kid and algorithm); the row's ``repr`` and the admin never show it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["STORE_ALGORITHMS", "SigningKey", "SigningKeyQuerySet"]

#: The algorithms the store generates keys for (EdDSA first: the default).
STORE_ALGORITHMS: tuple[str, ...] = ("EdDSA", "ES256", "RS256")


class SigningKeyQuerySet(models.QuerySet):  # type: ignore[misc]
    """Queries by the life stage of a key (see the module docstring)."""

    def live(self, now: datetime | None = None) -> SigningKeyQuerySet:
        """Keys that may verify at ``now`` (default: now): the signer and every key whose
        grace has not run out."""
        now = now or timezone.now()
        live: SigningKeyQuerySet = self.filter(retired_at__isnull=True).filter(
            Q(retire_after__isnull=True) | Q(retire_after__gt=now)
        )
        return live

    def expired(self, now: datetime | None = None) -> SigningKeyQuerySet:
        """Keys whose grace has run out but that are not marked retired yet."""
        now = now or timezone.now()
        expired: SigningKeyQuerySet = self.filter(retired_at__isnull=True, retire_after__lte=now)
        return expired


class SigningKey(models.Model):  # type: ignore[misc]
    """An asymmetric signing key: its public JWK in the clear, its private half sealed."""

    kid = models.CharField(
        _("key id"),
        max_length=64,
        primary_key=True,
        editable=False,
        help_text=_("The RFC 7638 thumbprint of the public key, the tokens' kid."),
    )
    algorithm = models.CharField(
        _("algorithm"), max_length=8, choices=[(a, a) for a in STORE_ALGORITHMS], editable=False
    )
    public_jwk = models.JSONField(_("public JWK"), editable=False)
    #: version byte || nonce || XChaCha20-Poly1305 ciphertext || tag; empty once retired.
    sealed_private = models.BinaryField(_("sealed private key"), editable=False)
    is_signer = models.BooleanField(_("signs new tokens"), default=False, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    activated_at = models.DateTimeField(_("signer since"), null=True, editable=False)
    retire_after = models.DateTimeField(
        _("verifies until"), null=True, db_index=True, editable=False
    )
    retired_at = models.DateTimeField(_("retired"), null=True, editable=False)

    objects: ClassVar[Any] = SigningKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering: ClassVar[list[str]] = ["-created_at"]
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["is_signer"],
                condition=Q(is_signer=True),
                name="pyauth_keys_one_signer",
            ),
            # The signer is live: activated, with no end date.
            models.CheckConstraint(
                condition=Q(is_signer=False)
                | Q(activated_at__isnull=False, retire_after__isnull=True, retired_at__isnull=True),
                name="pyauth_keys_signer_is_live",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.algorithm} {self.kid}"

    def __repr__(self) -> str:
        return f"<SigningKey {self.kid} {self.algorithm} {self.state}>"

    @property
    def state(self) -> str:
        """ "signer", "verifying" (within its grace), or "retired"."""
        if self.is_signer:
            return "signer"
        if self.retired_at is not None or (
            self.retire_after is not None and self.retire_after <= timezone.now()
        ):
            return "retired"
        return "verifying"

    @property
    def aad(self) -> bytes:
        """The associated data the private half is sealed under: a blob moved to another
        row, or a row whose algorithm was altered, does not open."""
        return f"pyauth.keys/v1|{self.kid}|{self.algorithm}".encode()
