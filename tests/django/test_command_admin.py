"""flushexpiredtokens, the lifecycle admin, and the committed migrations."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from pyauth.lifecycle import services
from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily, jti_digest

pytestmark = pytest.mark.django_db


def age(token: Any, by: timedelta) -> None:
    """Move a session's expiry (family and records) ``by`` into the past."""
    TokenFamily.objects.filter(pk=token["sid"]).update(expires_at=timezone.now() - by)
    RefreshTokenRecord.objects.filter(family_id=token["sid"]).update(expires_at=timezone.now() - by)


def test_flushexpiredtokens(user: Any, settings: Any) -> None:
    live, _ = services.issue(user)
    rotated, _ = services.issue(user)
    newer, _ = services.refresh(str(rotated))
    assert newer is not None
    expired, _ = services.issue(user)
    age(expired, timedelta(seconds=5))
    session = services.new_session_access(user)
    TokenFamily.objects.filter(pk=session["sid"]).update(
        expires_at=timezone.now() - timedelta(seconds=5)
    )
    # an expired record in a family that still has a live token
    RefreshTokenRecord.objects.filter(jti_digest=jti_digest(rotated["jti"])).update(
        expires_at=timezone.now() - timedelta(seconds=5)
    )
    out = StringIO()
    call_command("flushexpiredtokens", stdout=out)
    assert "Deleted 2 expired refresh-token records and 2 token families" in out.getvalue()
    assert set(TokenFamily.objects.values_list("id", flat=True)) == {live["sid"], rotated["sid"]}
    assert set(RefreshTokenRecord.objects.values_list("jti_digest", flat=True)) == {
        jti_digest(live["jti"]),
        jti_digest(newer["jti"]),
    }
    assert services.refresh(str(newer))[0] is not None


def test_flush_keeps_rows_within_the_leeway(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"LEEWAY": 60}
    token, _ = services.issue(user)
    age(token, timedelta(seconds=30))
    call_command("flushexpiredtokens", stdout=StringIO())
    assert TokenFamily.objects.filter(pk=token["sid"]).exists()
    age(token, timedelta(seconds=90))
    call_command("flushexpiredtokens", stdout=StringIO())
    assert not TokenFamily.objects.exists() and not RefreshTokenRecord.objects.exists()


def test_family_expiry_covers_its_latest_token(user: Any, settings: Any) -> None:
    first, _ = services.issue(user)
    TokenFamily.objects.filter(pk=first["sid"]).update(
        expires_at=timezone.now() + timedelta(seconds=1)
    )
    second, _ = services.refresh(str(first))
    assert second is not None
    assert TokenFamily.objects.get(pk=first["sid"]).expires_at == second.expires_at


def test_admin_lists_and_revokes(admin_client: Any, user: Any) -> None:
    refresh, _ = services.issue(user)
    page = admin_client.get("/admin/pyauth_lifecycle/tokenfamily/")
    assert page.status_code == 200 and refresh["sid"] in page.content.decode()
    records = admin_client.get("/admin/pyauth_lifecycle/refreshtokenrecord/")
    assert jti_digest(refresh["jti"]) in records.content.decode()
    assert refresh["jti"] not in records.content.decode()
    assert admin_client.get("/admin/pyauth_lifecycle/tokenfamily/add/").status_code == 403
    response = admin_client.post(
        "/admin/pyauth_lifecycle/tokenfamily/",
        {"action": "revoke_families", "_selected_action": [refresh["sid"]]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 session revoked." in response.content.decode()
    family = TokenFamily.objects.get(pk=refresh["sid"])
    assert family.revoked_at is not None
    assert family.revoke_reason == services.REASON_ADMIN


def test_migrations_are_committed() -> None:
    call_command("makemigrations", "pyauth_lifecycle", "--check", "--dry-run", stdout=StringIO())
