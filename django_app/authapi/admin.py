"""The admin of document 002's state: lockout counters (unlock = delete the counter,
or the "Unlock" action) and one-time codes (digests only, read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from django_app.authapi.models import LockoutCounter, OneTimeCode


@admin.register(LockoutCounter)
class LockoutCounterAdmin(admin.ModelAdmin):
    """Failed-login counters by account (of every login endpoint) and by IP;
    unlocking forgets them."""

    list_display = ("key", "failures", "last_failure_at", "locked_until")
    search_fields = ("key",)
    ordering = ("-last_failure_at",)
    readonly_fields = ("key", "failures", "last_failure_at", "locked_until")
    actions = ("unlock",)

    def has_add_permission(self, request: Any) -> bool:
        return False

    @admin.action(description=_("Unlock the selected accounts or IPs"), permissions=["delete"])
    def unlock(self, request: Any, queryset: Any) -> None:
        count, _by_model = queryset.delete()
        self.message_user(
            request,
            ngettext("%(count)d counter cleared.", "%(count)d counters cleared.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    """Issued codes, for support: who, what for, tries, expiry. The code itself is
    never stored, only its digest (not shown)."""

    list_display = ("user", "purpose", "attempts", "created_at", "expires_at", "used_at")
    list_filter = ("purpose",)
    search_fields = ("user__email",)
    exclude = ("digest",)
    readonly_fields = (
        "user",
        "purpose",
        "target",
        "attempts",
        "created_at",
        "expires_at",
        "used_at",
    )

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
