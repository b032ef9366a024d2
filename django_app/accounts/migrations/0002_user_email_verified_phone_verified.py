"""Document 002's verification flags on the user; email_verified starts from the
profile's "verified" (what document 003 called a verified account)."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models


def copy_profile_verified(apps: Any, schema_editor: Any) -> None:
    user_model = apps.get_model("accounts", "User")
    user_model.objects.filter(profile__verified=True).update(email_verified=True)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified",
            field=models.BooleanField(default=False, verbose_name="email verified"),
        ),
        migrations.AddField(
            model_name="user",
            name="phone_verified",
            field=models.BooleanField(default=False, verbose_name="phone verified"),
        ),
        migrations.RunPython(copy_profile_verified, migrations.RunPython.noop),
    ]
