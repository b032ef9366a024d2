"""Signal receivers: every user gets a profile when created."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from django_app.accounts.models import Profile


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_create_profile")
def create_profile(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """Create the profile of a new user (not while loading fixtures: they bring their own)."""
    if created and not raw:
        Profile.objects.get_or_create(user=instance)
