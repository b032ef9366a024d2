"""A read-only admin of the signing keys: kids, algorithms and dates, never the sealed
private half. Keys are made and rotated by ``manage.py rotate_signing_key`` only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from pyauth.keys.models import SigningKey


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):  # type: ignore[misc]
    """List and inspect keys; no adding, changing or deleting from the admin."""

    list_display = ("kid", "algorithm", "state", "created_at", "activated_at", "retire_after")
    list_filter = ("algorithm", "is_signer")
    fields = ("kid", "algorithm", "public_jwk", "created_at", "activated_at", "retire_after")
    readonly_fields = fields
    ordering = ("-created_at",)

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
