"""Admin pages of the token lifecycle: families (token logins and Django sessions) and
their records, read-only, with actions that revoke the selected sessions or log their
users out everywhere (their tokens are refused within REVOCATION_MEMO_SECONDS, a Django
session is signed out at its next request). Deleting a family revokes it first.

For a project's own user admin: :class:`LiveSessionInline` lists a user's live
sessions on their page, and the action :func:`revoke_all_sessions` logs the selected
users out everywhere::

    from pyauth.lifecycle.admin import LiveSessionInline, revoke_all_sessions

    class UserAdmin(DjangoUserAdmin):
        inlines = [LiveSessionInline]
        actions = [revoke_all_sessions]
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pyauth.lifecycle import revocation, services
from pyauth.lifecycle.devices import describe
from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily

__all__ = [
    "LiveSessionInline",
    "RefreshTokenRecordAdmin",
    "TokenFamilyAdmin",
    "revoke_all_sessions",
]


def _revoked_message(request: Any, admin_site: Any, count: int) -> None:
    admin_site.message_user(
        request,
        ngettext("%(count)d session revoked.", "%(count)d sessions revoked.", count)
        % {"count": count},
        messages.SUCCESS,
    )


@admin.action(  # type: ignore[untyped-decorator]
    description=_("Log the selected users out everywhere"), permissions=("change",)
)
def revoke_all_sessions(modeladmin: Any, request: Any, queryset: Any) -> None:
    """A user admin action: every session of each selected user revoked and their
    access tokens issued so far refused (:func:`services.revoke_user`)."""
    count = sum(services.revoke_user(user, services.REASON_ADMIN) for user in queryset)
    _revoked_message(request, modeladmin, count)


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


class LiveSessionInline(_ReadOnly, admin.TabularInline):  # type: ignore[misc]
    """A user's live sessions (neither revoked nor expired), on the user's page; revoke
    them from the token families' page or with :func:`revoke_all_sessions`."""

    model = TokenFamily
    extra = 0
    can_delete = False
    verbose_name = _("live session")
    verbose_name_plural = _("live sessions")
    fields = ("id", "kind", "device", "ip", "created_at", "last_used_at")
    readonly_fields = fields
    ordering = ("-last_used_at",)

    def get_queryset(self, request: Any) -> Any:
        return (
            super()
            .get_queryset(request)
            .filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
        )

    @admin.display(description=_("device"))  # type: ignore[untyped-decorator]
    def device(self, family: TokenFamily) -> str:
        return describe(family.user_agent)


@admin.register(TokenFamily)
class TokenFamilyAdmin(_ReadOnly, admin.ModelAdmin):  # type: ignore[misc]
    """Sessions: who, from where, since when, and whether revoked."""

    list_display = (
        "id",
        "user",
        "kind",
        "created_at",
        "last_used_at",
        "expires_at",
        "ip",
        "revoked_at",
        "revoke_reason",
    )
    list_filter = ("kind", "revoked_at", "created_at")
    search_fields = ("id", "ip", "user_agent", "user__id")
    list_select_related = ("user",)
    readonly_fields = (
        "id",
        "user",
        "kind",
        "device",
        "created_at",
        "last_used_at",
        "expires_at",
        "user_agent",
        "ip",
        "revoked_at",
        "revoke_reason",
    )
    inlines = (RefreshTokenRecordInline,)
    actions = ("revoke_families", "revoke_users")

    @admin.display(description=_("device"))  # type: ignore[untyped-decorator]
    def device(self, family: TokenFamily) -> str:
        return describe(family.user_agent)

    def delete_model(self, request: Any, obj: TokenFamily) -> None:
        """Revoke, then delete: an unknown family is refused, but processes may hold a
        cached "live" answer for it until the revocation mark replaces it."""
        services.revoke_family(obj.pk, services.REASON_ADMIN)
        super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        """As :meth:`delete_model`, for the bulk delete action."""
        sids = list(queryset.values_list("id", flat=True))
        queryset.filter(revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoke_reason=services.REASON_ADMIN
        )
        revocation.mark_families(sids)
        super().delete_queryset(request, queryset)

    @admin.action(  # type: ignore[untyped-decorator]
        description=_("Revoke the selected sessions"), permissions=("delete",)
    )
    def revoke_families(self, request: Any, queryset: Any) -> None:
        """Revoke every selected family that is still live."""
        count = sum(
            services.revoke_family(sid, services.REASON_ADMIN)
            for sid in queryset.values_list("id", flat=True)
        )
        _revoked_message(request, self, count)

    @admin.action(  # type: ignore[untyped-decorator]
        description=_("Log the users of the selected sessions out everywhere"),
        permissions=("delete",),
    )
    def revoke_users(self, request: Any, queryset: Any) -> None:
        """Every session of each selected session's user revoked, and their access
        tokens issued so far refused."""
        user_model = TokenFamily._meta.get_field("user").related_model
        users = user_model._default_manager.filter(
            pk__in=queryset.values_list("user_id", flat=True).distinct()
        )
        count = sum(services.revoke_user(user, services.REASON_ADMIN) for user in users)
        _revoked_message(request, self, count)


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
