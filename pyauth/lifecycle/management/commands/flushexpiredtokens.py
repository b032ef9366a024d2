"""``manage.py flushexpiredtokens`` (simplejwt's name): delete the refresh-token records
and token families whose tokens have all expired. Run it daily from cron.

It deletes in batches of ``--batch-size`` rows (default 1000), each in its own short
transaction, so a table of millions of rows is never loaded into memory and never held
locked for the whole run; with verbosity >= 1 it writes one progress line per batch to
stderr and a summary to stdout, with ``-v 0`` nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone

from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily
from pyauth.management.arguments import positive_int
from pyauth.settings import api_settings

DEFAULT_BATCH_SIZE = 1000


class Command(BaseCommand):  # type: ignore[misc]
    """Delete expired records, then the families no live token belongs to."""

    help = "Delete expired refresh-token records and token families with no live token."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows deleted per transaction (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A token is accepted until exp + LEEWAY: keep its rows that long.
        cutoff = timezone.now() - timedelta(seconds=api_settings.leeway_seconds())
        batch_size: int = options["batch_size"]
        self._verbose = options.get("verbosity", 1) >= 1
        records = self._purge(RefreshTokenRecord, cutoff, batch_size, "refresh-token records")
        # expires_at of a family is the latest expiry of any token issued in it, so its
        # records went in the first pass.
        families = self._purge(TokenFamily, cutoff, batch_size, "token families")
        if self._verbose:
            self.stdout.write(
                f"Deleted {records} expired refresh-token records and {families} token families."
            )

    def _purge(
        self, model: type[models.Model], cutoff: datetime, batch_size: int, label: str
    ) -> int:
        """Delete ``model``'s rows with ``expires_at < cutoff``, ``batch_size`` primary
        keys at a time; returns how many rows of ``model`` went."""
        expired = model._default_manager.filter(expires_at__lt=cutoff).order_by()
        estimate = expired.count() if self._verbose else 0
        done = 0
        while True:
            with transaction.atomic():
                pks = list(expired.values_list("pk", flat=True)[:batch_size])
                if not pks:
                    break
                _total, per_model = model._default_manager.filter(pk__in=pks).delete()
            done += per_model.get(model._meta.label, 0)
            if self._verbose:
                # Plain text: stderr's default style is the red of errors.
                self.stderr.write(f"{label}: deleted {done} of {max(estimate, done)}", str)
        return done
