"""``manage.py flushexpiredtokens`` (simplejwt's name): delete the refresh-token records
and token families whose tokens have all expired. Run it daily from cron."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily
from pyauth.settings import api_settings


class Command(BaseCommand):  # type: ignore[misc]
    """Delete expired records, then the families no live token belongs to."""

    help = "Delete expired refresh-token records and token families with no live token."

    def handle(self, *args: Any, **options: Any) -> None:
        # A token is accepted until exp + LEEWAY: keep its rows that long.
        cutoff = timezone.now() - timedelta(seconds=api_settings.leeway_seconds())
        with transaction.atomic():
            records, _ = RefreshTokenRecord.objects.filter(expires_at__lt=cutoff).delete()
            # expires_at of a family is the latest expiry of any token issued in it.
            families = TokenFamily.objects.filter(expires_at__lt=cutoff)
            family_count = families.count()
            families.delete()
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(
                f"Deleted {records} expired refresh-token records and {family_count} "
                "token families."
            )
