"""verify-email/ (a signed link) and verify-phone/ (a texted code through the SMS
backends)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail, signing

from django_app.accounts.models import Profile
from django_app.authapi import services, sms
from django_app.authapi.models import OneTimeCode

EMAIL = "/auth-api/verify-email/"
PHONE = "/auth-api/verify-phone/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(make_user: Any) -> Any:
    return make_user()


@pytest.fixture
def signed_in(browser: Any, user: Any, sign_in: Any) -> Any:
    sign_in(browser, user)
    mail.outbox.clear()
    return browser


def test_verify_email_needs_sign_in(browser: Any) -> None:
    assert browser.post(EMAIL).status_code == 401


def test_verify_email_link_round_trip(signed_in: Any, user: Any, h: Any) -> None:
    response = signed_in.post(EMAIL)
    assert response.status_code == 200
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    link = h.link_in(mail.outbox[0].body)
    assert "/auth-api/verify-email/?token=" in link
    token = h.query_of(link)["token"]

    anonymous = type(signed_in)()  # the link works in any browser
    response = anonymous.get(EMAIL, {"token": token})
    assert response.status_code == 200, response.content
    assert response.json()["email_verified"] is True
    user.refresh_from_db()
    assert user.email_verified is True
    assert Profile.objects.get(user=user).verified is True
    assert services.user_representation(user)["email_verified"] is True
    assert anonymous.get(EMAIL, {"token": token}).status_code == 200  # idempotent
    assert signed_in.post(EMAIL).json()["detail"] == "Your email address is already verified."


def test_frontend_url_links(signed_in: Any, settings: Any, h: Any) -> None:
    settings.FRONTEND_URL = "https://app.example.com/"
    signed_in.post(EMAIL)
    assert h.link_in(mail.outbox[0].body).startswith("https://app.example.com/verify-email/?token=")


@pytest.mark.parametrize("mangle", ["tamper", "garbage", "empty"])
def test_bad_email_tokens_are_refused(signed_in: Any, user: Any, h: Any, mangle: str) -> None:
    signed_in.post(EMAIL)
    token = h.query_of(h.link_in(mail.outbox[0].body))["token"]
    bad = {"tamper": token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "garbage": "x.y.z"}
    response = signed_in.get(EMAIL, {"token": bad.get(mangle, "")})
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_verified is False


def test_expired_email_token_is_refused(signed_in: Any, user: Any, h: Any, settings: Any) -> None:
    signed_in.post(EMAIL)
    token = h.query_of(h.link_in(mail.outbox[0].body))["token"]
    settings.EMAIL_VERIFICATION_MAX_AGE = timedelta(seconds=-1)
    assert signed_in.get(EMAIL, {"token": token}).status_code == 400


def test_link_for_an_old_address_does_not_verify_a_new_one(
    signed_in: Any, user: Any, h: Any
) -> None:
    signed_in.post(EMAIL)
    token = h.query_of(h.link_in(mail.outbox[0].body))["token"]
    user.email = "changed@example.com"
    user.save()
    assert signed_in.get(EMAIL, {"token": token}).status_code == 400
    user.refresh_from_db()
    assert user.email_verified is False


def test_email_token_of_another_purpose_is_refused(signed_in: Any, user: Any) -> None:
    forged = signing.dumps({"uid": str(user.pk), "email": user.email})  # no/other salt
    assert signed_in.get(EMAIL, {"token": forged}).status_code == 400


def test_send_email_verification_service(user: Any, h: Any, rf: Any) -> None:
    services.send_email_verification(user, rf.get("/auth-api/users/"))
    link = h.link_in(mail.outbox[0].body)
    assert link.startswith("http://testserver/auth-api/verify-email/?token=")


# --- phone --------------------------------------------------------------------------


def test_verify_phone_round_trip(signed_in: Any, user: Any, sms_outbox: Any, h: Any) -> None:
    response = signed_in.post(PHONE, {"phone": "+44 20 7946 0958"})
    assert response.status_code == 200, response.content
    assert len(sms_outbox) == 1 and sms_outbox[0].phone == "+44 20 7946 0958"
    code = h.code_in(sms_outbox[0].body)
    record = OneTimeCode.objects.get(user=user, purpose="phone")
    assert record.digest == services.code_digest(code, user, "phone")

    response = signed_in.patch(PHONE, {"otp": code})
    assert response.status_code == 200, response.content
    assert response.json()["user"]["phone_verified"] is True
    assert response.json()["user"]["phone"] == "+44 20 7946 0958"
    user.refresh_from_db()
    assert user.phone_verified is True
    assert signed_in.patch(PHONE, {"otp": code}).status_code == 400  # once


def test_verify_phone_wrong_and_exhausted(
    signed_in: Any, user: Any, sms_outbox: Any, h: Any
) -> None:
    signed_in.post(PHONE, {"phone": "+1 555 0100"})
    code = h.code_in(sms_outbox[0].body)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert signed_in.patch(PHONE, {"otp": wrong}).status_code == 400
    assert signed_in.patch(PHONE, {"otp": code}).status_code == 400
    user.refresh_from_db()
    assert user.phone_verified is False


def test_verify_phone_validates_number(signed_in: Any, sms_outbox: Any) -> None:
    response = signed_in.post(PHONE, {"phone": "call me"})
    assert response.status_code == 400
    assert "phone" in response.json()
    assert sms_outbox == []


def test_verify_phone_needs_sign_in(browser: Any, sms_outbox: Any) -> None:
    assert browser.post(PHONE, {"phone": "+1 555 0100"}).status_code == 401
    assert browser.patch(PHONE, {"otp": "123456"}).status_code == 401


def test_verify_phone_without_backend_is_503(signed_in: Any, user: Any, settings: Any) -> None:
    settings.SMS_BACKEND = "disabled"
    response = signed_in.post(PHONE, {"phone": "+1 555 0100"})
    assert response.status_code == 503
    assert not OneTimeCode.objects.filter(user=user, purpose="phone").exists()


def test_file_sms_backend_writes_one_file_per_message(
    signed_in: Any, settings: Any, tmp_path: Path, h: Any
) -> None:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    signed_in.post(PHONE, {"phone": "+1 555 0100"})
    signed_in.post(PHONE, {"phone": "+1 555 0101"})
    files = sorted((tmp_path / "sms").iterdir())
    assert len(files) == 2
    texts = [f.read_text() for f in files]
    assert {t.splitlines()[0] for t in texts} == {"To: +1 555 0100", "To: +1 555 0101"}
    h.code_in(texts[0])


def test_console_sms_backend(capsys: Any, settings: Any) -> None:
    settings.SMS_BACKEND = "console"
    sms.send_sms("+1 555 0100", "hello 123456")
    out = capsys.readouterr().out
    assert "+1 555 0100" in out and "hello 123456" in out


def test_custom_sms_backend_by_dotted_path(settings: Any) -> None:
    settings.SMS_BACKEND = "django_app.authapi.sms.LocmemSmsBackend"
    sms.outbox.clear()
    sms.send_sms("+1 555 0100", "hi")
    assert sms.outbox[-1].body == "hi"
    settings.SMS_BACKEND = "django_app.authapi.models.OneTimeCode"
    with pytest.raises(Exception, match="not an SMS backend"):
        sms.get_sms_backend()
    sms.outbox.clear()
