"""Admin pages of the token lifecycle: families and their records, read-only, with an
action that revokes the selected families (their sessions end at the next request)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pyauth.lifecycle import services
from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily


class _ReadOnly:
    """Rows are written by pyauth.lifecycle.services only."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class RefreshTokenRecordInline(_ReadOnly, admin.TabularInline):  # type: ignore[misc]
    """A family's refresh tokens, by digest."""

    model = RefreshTokenRecord
    extra = 0
    can_delete = False
    fields = ("jti_digest", "created_at", "expires_at", "used_at", "blacklisted_at")
    readonly_fields = fields


@admin.register(TokenFamily)
class TokenFamilyAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[misc]
    """Sessions: who, from where, since when, and whether revoked."""

    list_display = (
        "id",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "ip",
        "revoked_at",
        "revoke_reason",
    )
    list_filter = ("revoked_at", "created_at")
    search_fields = ("id", "ip", "user_agent")
    readonly_fields = (
        "id",
        "user",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "ip",
        "revoked_at",
        "revoke_reason",
    )
    inlines = (RefreshTokenRecordInline,)
    actions = ("revoke_families",)

    @admin.action(  # type: ignore[untyped-decorator]
        description=_("Revoke the selected sessions"), permissions=("delete",)
    )
    def revoke_families(self, request: Any, queryset: Any) -> None:
        """Revoke every selected family that is still live."""
        count = sum(
            services.revoke_family(sid, services.REASON_ADMIN)
            for sid in queryset.values_list("id", flat=True)
        )
        self.message_user(
            request,
            ngettext("%(count)d session revoked.", "%(count)d sessions revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(RefreshTokenRecord)
class RefreshTokenRecordAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[misc]
    """Refresh tokens by the digest of their jti (the tokens themselves are not kept)."""

    list_display = ("jti_digest", "family", "created_at", "expires_at", "used_at", "blacklisted_at")
    list_filter = ("used_at", "blacklisted_at")
    search_fields = ("jti_digest", "family__id")
    readonly_fields = (
        "jti_digest",
        "family",
        "created_at",
        "expires_at",
        "used_at",
        "blacklisted_at",
    )
