"""The user model (login by email or by username) and its profile.

A user has an email address, a username, or both; whichever is set is unique (emails
are stored lowercased, usernames compared case-insensitively) and either one logs in.
Usernames cannot contain "@", so a login identifier with an "@" is always an email.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

#: Letters, digits and . + - _ (Django's default set without "@", which marks emails).
username_validator = RegexValidator(
    regex=r"^[\w.+-]+\Z",
    message=_("Enter a valid username: letters, digits and ./+/-/_ only."),
)

phone_validator = RegexValidator(
    regex=r"^\+?[0-9][0-9 ()-]{3,30}\Z",
    message=_("Enter a valid phone number: digits, spaces, ( ) and -, optionally after +."),
)


def normalize_email(email: str | None) -> str | None:
    """The stored form of an email address: stripped and lowercased; None when empty."""
    if email is None:
        return None
    email = email.strip().lower()
    return email or None


def normalize_username(username: str | None) -> str | None:
    """The stored form of a username: stripped (NFKC as Django does); None when empty."""
    if username is None:
        return None
    username = AbstractUser.normalize_username(username.strip())
    return username or None


class UserManager(BaseUserManager):
    """Creates users identified by an email, a username, or both."""

    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """Django's hook, returning "" for no email as Django's forms expect."""
        return normalize_email(email) or ""

    def get_by_natural_key(self, username: str | None) -> Any:
        """The user whose email (USERNAME_FIELD) is ``username``, case-insensitively."""
        return self.get(email=normalize_email(username))

    def _create_user(
        self,
        email: str | None,
        password: str | None,
        username: str | None = None,
        **extra_fields: Any,
    ) -> Any:
        email = normalize_email(email)
        username = normalize_username(username)
        if email is None and username is None:
            raise ValueError("A user needs an email address or a username.")
        user = self.model(email=email, username=username, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(
        self, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> Any:
        """A regular user; ``username`` may be passed among ``extra_fields``."""
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> Any:
        """A staff superuser (what ``createsuperuser`` calls)."""
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if extra_fields["is_staff"] is not True or extra_fields["is_superuser"] is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who logs in with their email address or their username."""

    username = models.CharField(
        _("username"),
        max_length=150,
        null=True,
        blank=True,
        validators=[username_validator],
        help_text=_("Optional. 150 characters or fewer. Letters, digits and ./+/-/_ only."),
    )
    email = models.EmailField(
        _("email address"),
        unique=True,
        null=True,
        blank=True,
        error_messages={"unique": _("A user with that email already exists.")},
    )
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    # Document 002: set by its verification flows (the profile's "verified" follows
    # email_verified, see django_app.authapi.services.mark_email_verified).
    email_verified = models.BooleanField(_("email verified"), default=False)
    phone_verified = models.BooleanField(_("phone verified"), default=False)
    # One name field instead of Django's two (the documents send "name" / "full_name").
    first_name = None
    last_name = None

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message=_("A user with that username already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(email__isnull=False) | models.Q(username__isnull=False),
                name="accounts_user_email_or_username",
                violation_error_message=_("Set an email address or a username."),
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.username or f"user {self.pk}"

    def clean(self) -> None:
        """Normalise the identifiers the way :meth:`save` stores them."""
        super().clean()
        self.email = normalize_email(self.email)
        self.username = normalize_username(self.username)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Store empty identifiers as NULL (so uniqueness ignores them), emails lowercased."""
        self.email = normalize_email(self.email)
        self.username = normalize_username(self.username)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return str(self.full_name).strip()

    def get_short_name(self) -> str:
        return self.get_full_name() or self.display_name

    @property
    def display_name(self) -> str:
        """How the API greets this user: the username, else the email."""
        return str(self.username or self.email or "")


class Profile(models.Model):
    """What a user says about themselves; created with every user (see signals)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    bio = models.TextField(_("bio"), max_length=1000, blank=True)
    image = models.ImageField(_("image"), upload_to="user_images/", default="default.jpg")
    verified = models.BooleanField(_("verified"), default=False)
    phone = models.CharField(_("phone"), max_length=32, blank=True, validators=[phone_validator])

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)
