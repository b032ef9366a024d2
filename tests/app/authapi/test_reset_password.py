"""reset-password/: POST mails a link with uid and token (same answer for unknown
accounts), GET checks it, PATCH sets the password once and ends every session."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.core import mail

from django_app.authapi.services import reset_uid
from pyauth.lifecycle.models import TokenFamily

RESET = "/auth-api/reset-password/"
NEW_PASSWORD = "Another-quiet-harbour-93"

pytestmark = pytest.mark.django_db


def test_post_mails_a_link_with_uid_and_token(browser: Any, make_user: Any, h: Any) -> None:
    user = make_user()
    known = browser.post(RESET, {"email": user.email})
    unknown = browser.post(RESET, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    params = h.query_of(h.link_in(mail.outbox[0].body))
    assert params["uid"] == reset_uid(user)
    assert default_token_generator.check_token(user, params["token"])


def test_inactive_accounts_get_no_mail(browser: Any, make_user: Any) -> None:
    make_user(is_active=False)
    assert browser.post(RESET, {"email": "alice@example.com"}).status_code == 200
    assert mail.outbox == []


def test_get_checks_the_link(browser: Any, make_user: Any) -> None:
    user = make_user()
    uid, token = reset_uid(user), default_token_generator.make_token(user)
    assert browser.get(RESET, {"uid": uid, "token": token}).json() == {"valid": True}
    for bad in (
        {"uid": uid, "token": "x-y"},
        {"uid": "!!", "token": token},
        {"uid": "MTIzNDU", "token": token},
    ):
        response = browser.get(RESET, bad)
        assert response.status_code == 400
        assert response.json()["valid"] is False
    assert browser.get(RESET).status_code == 400


def test_patch_sets_once_and_revokes_everything(
    browser: Any, make_user: Any, sign_in: Any, password: str, make_browser: Any
) -> None:
    user = make_user()
    sign_in(browser, user)
    session_client = make_browser()
    session_client.force_login(user)
    assert Session.objects.count() == 1
    uid, token = reset_uid(user), default_token_generator.make_token(user)

    other = make_browser()
    response = other.patch(RESET, {"uid": uid, "token": token, "password": NEW_PASSWORD})
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert TokenFamily.objects.filter(user=user, revoked_at__isnull=True).count() == 0
    assert Session.objects.count() == 0
    # the old cookies are dead
    assert browser.post("/auth-api/token/refresh/").status_code == 401
    assert browser.post("/auth-api/verify-email/").status_code == 401
    # the link works once
    again = other.patch(RESET, {"uid": uid, "token": token, "password": "Yet-another-harbour-11"})
    assert again.status_code == 400
    assert other.get(RESET, {"uid": uid, "token": token}).status_code == 400
    # the old password is gone, the new one signs in
    assert (
        other.post("/auth-api/login/", {"email": user.email, "password": password}).status_code
        == 401
    )
    assert (
        other.post("/auth-api/login/", {"email": user.email, "password": NEW_PASSWORD}).status_code
        == 200
    )


@pytest.mark.parametrize("weak", ["short", "password123", "12345678901", "alice@example.com"])
def test_patch_applies_password_validators(browser: Any, make_user: Any, weak: str) -> None:
    user = make_user()
    uid, token = reset_uid(user), default_token_generator.make_token(user)
    response = browser.patch(RESET, {"uid": uid, "token": token, "password": weak})
    assert response.status_code == 400
    assert "password" in response.json()
    user.refresh_from_db()
    assert not user.check_password(weak)
    assert browser.get(RESET, {"uid": uid, "token": token}).status_code == 200  # still usable


def test_patch_with_a_bad_token(browser: Any, make_user: Any) -> None:
    user = make_user()
    response = browser.patch(
        RESET, {"uid": reset_uid(user), "token": "abc-def", "password": NEW_PASSWORD}
    )
    assert response.status_code == 400
