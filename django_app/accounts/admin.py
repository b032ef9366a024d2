"""The admin of users (with their profile and live sessions inline) and profiles."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.utils.translation import gettext_lazy as _

from django_app.accounts.models import Profile, User
from pyauth.lifecycle.admin import LiveSessionInline, revoke_all_sessions


class UserCreationForm(BaseUserCreationForm):
    """Add a user by email and/or username, with a password typed twice."""

    class Meta:
        model = User
        fields = ("email", "username", "full_name")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        if not cleaned.get("email") and not cleaned.get("username"):
            raise forms.ValidationError(_("Set an email address or a username."))
        return cleaned


class UserChangeForm(DjangoUserChangeForm):
    """Edit a user; the identifiers stay optional, one of them set."""

    class Meta:
        model = User
        fields = "__all__"


class ProfileInline(admin.StackedInline):
    """The user's profile on the user's page."""

    model = Profile
    can_delete = False
    fields = ("bio", "image", "phone", "verified")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin for a user with email, optional username and one name field."""

    form = UserChangeForm
    add_form = UserCreationForm
    inlines: ClassVar[list[Any]] = [ProfileInline, LiveSessionInline]
    actions: ClassVar[list[Any]] = [revoke_all_sessions]
    list_display = ("email", "username", "full_name", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "username", "full_name")
    ordering = ("-date_joined",)
    fieldsets = (
        (None, {"fields": ("email", "username", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )

    def get_inline_instances(self, request: Any, obj: Any = None) -> list[Any]:
        # A new user's profile is created by the post_save signal, not by the add form.
        return super().get_inline_instances(request, obj) if obj is not None else []

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "username", "full_name", "password1", "password2"),
            },
        ),
    )


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    """Profiles on their own, to find unverified ones."""

    list_display = ("user", "verified", "phone")
    list_filter = ("verified",)
    search_fields = ("user__email", "user__username", "user__full_name", "phone")
    raw_id_fields = ("user",)
