"""Admin pages of two-factor authentication: who has it, since when, whether their codes
are locked, and actions that reset a user's two-factor authentication (for a user who
lost both their authenticator and their recovery codes) or lift a lock. Secrets and
digests are never shown; nothing is edited by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pyauth.mfa import services
from pyauth.mfa.models import TOTPDevice


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(admin.ModelAdmin):  # type: ignore[misc]
    """Enrollments: enabled or pending, last use, failures, lock, recovery codes left."""

    list_display = (
        "user",
        "enabled",
        "confirmed_at",
        "last_used_at",
        "recovery_codes_left",
        "failures",
        "locked_until",
    )
    list_filter = (("confirmed_at", admin.EmptyFieldListFilter), "locked_until")
    search_fields = ("user__email", "user__username")
    fields = (
        "user",
        "created_at",
        "confirmed_at",
        "last_used_at",
        "last_used_step",
        "failures",
        "locked_until",
    )
    readonly_fields = fields
    actions = ("reset_two_factor", "unlock")
    list_select_related = ("user",)

    def get_queryset(self, request: Any) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)
        return queryset.annotate(
            _codes_left=Count(
                "user__pyauth_recovery_codes",
                filter=Q(user__pyauth_recovery_codes__used_at__isnull=True),
            )
        )

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    @admin.display(boolean=True, description=_("enabled"))  # type: ignore[untyped-decorator]
    def enabled(self, obj: TOTPDevice) -> bool:
        return obj.is_confirmed

    @admin.display(description=_("recovery codes left"))  # type: ignore[untyped-decorator]
    def recovery_codes_left(self, obj: TOTPDevice) -> int:
        return int(getattr(obj, "_codes_left", 0))

    @admin.action(  # type: ignore[untyped-decorator]
        description=_("Reset two-factor authentication of the selected users")
    )
    def reset_two_factor(self, request: Any, queryset: QuerySet[TOTPDevice]) -> None:
        count = 0
        for device in queryset.select_related("user"):
            services.reset(device.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication was reset for %(count)d user.",
                "Two-factor authentication was reset for %(count)d users.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(  # type: ignore[untyped-decorator]
        description=_("Lift the wrong-code lock of the selected users")
    )
    def unlock(self, request: Any, queryset: QuerySet[TOTPDevice]) -> None:
        count = queryset.update(failures=0, locked_until=None)
        self.message_user(
            request,
            ngettext("%(count)d user unlocked.", "%(count)d users unlocked.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        # Deleting a device row would leave recovery codes behind: use the reset action.
        return False

    def get_actions(self, request: Any) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)
        if not request.user.has_perm("pyauth_mfa.delete_totpdevice"):
            actions.pop("reset_two_factor", None)
        if not request.user.has_perm("pyauth_mfa.change_totpdevice"):
            actions.pop("unlock", None)
        return actions
