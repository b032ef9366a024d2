"""pyauth.mfa on its own (``--ds=tests.django.settings``): TOTP enrollment checked with
pyotp's codes (interop), the QR code decoded back to its otpauth URI, the window and
replay rules, recovery codes stored as keyed digests, secrets sealed at rest, the
wrong-code limits, login challenges, pyauth's own token views gated, and the admin.

The TOTP clock of :mod:`pyauth.mfa.services` is replaced by :class:`Clock` so that a
test can step through time: each accepted code burns its 30-second step for good.
"""

from __future__ import annotations

import base64
import io
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pyotp
import pytest
import zxingcpp
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from pyauth import mfa
from pyauth.lifecycle.models import TokenFamily
from pyauth.mfa import crypto, services
from pyauth.mfa.exceptions import (
    MFACodeRejected,
    MFAInvalid,
    MFALocked,
    MFANoPendingEnrollment,
    MFARequired,
    MFAStateConflict,
)
from pyauth.mfa.models import MFAChallenge, RecoveryCode, TOTPDevice
from pyauth.tokens import AccessToken

PASSWORD = "correct horse battery"
TOKEN_URL = "/api/token/"
COOKIE_LOGIN_URL = "/api/cookie/login/"
MFA = "/api/2fa/"


class Clock:
    """The TOTP clock of pyauth.mfa.services, stepped by hand (middle of a step)."""

    def __init__(self) -> None:
        self.now = float((int(time.time()) // 30) * 30 + 15)

    def __call__(self) -> float:
        return self.now

    def advance(self, steps: int = 1) -> None:
        self.now += 30 * steps

    def code(self, secret: str, offset: int = 0) -> str:
        """pyotp's code for the current step + ``offset``."""
        return str(pyotp.TOTP(secret).at(self.now + 30 * offset))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(services, "_clock", fake)
    return fake


@pytest.fixture
def enroll(clock: Clock) -> Callable[[Any], tuple[str, list[str]]]:
    """``enroll(user)`` -> (secret, recovery codes); the confirming step is then past."""

    def run(user: Any) -> tuple[str, list[str]]:
        enrollment = services.start_enrollment(user)
        codes = services.confirm(user, clock.code(enrollment.secret))
        clock.advance()
        return enrollment.secret, codes

    return run


def mfa_rows() -> list[str]:
    """Every row of pyauth_mfa's tables as text."""
    out: list[str] = []
    with connection.cursor() as cursor:
        for table in (
            "pyauth_mfa_totpdevice",
            "pyauth_mfa_recoverycode",
            "pyauth_mfa_mfachallenge",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            out.extend(" | ".join(str(v) for v in row) for row in cursor.fetchall())
    return out


def bearer(user: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


# --- secrets at rest --------------------------------------------------------------------


def test_sealed_secret_opens_only_for_its_user(settings: Any) -> None:
    secret = pyotp.random_base32()
    blob = crypto.seal_secret(secret, 7)
    assert secret not in blob and blob.startswith("v1.")
    assert crypto.seal_secret(secret, 7) != blob  # a fresh nonce each time
    assert crypto.open_secret(blob, 7) == secret
    with pytest.raises(crypto.SecretUnreadable):
        crypto.open_secret(blob, 8)  # copied into another user's row
    raw = bytearray(base64.urlsafe_b64decode(blob[3:] + "=" * (-len(blob[3:]) % 4)))
    raw[-1] ^= 1
    tampered = "v1." + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(crypto.SecretUnreadable):
        crypto.open_secret(tampered, 7)
    for junk in ("", "v0.abc", "v1.!!!", "v1.AAAA"):
        with pytest.raises(crypto.SecretUnreadable):
            crypto.open_secret(junk, 7)


def test_sealed_secret_survives_a_secret_key_rotation(settings: Any) -> None:
    old_key = settings.SECRET_KEY
    blob = crypto.seal_secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", 1)
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert crypto.open_secret(blob, 1) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert crypto.needs_reseal(blob, 1)
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(crypto.SecretUnreadable):
        crypto.open_secret(blob, 1)


def test_device_refuses_an_unsealed_secret(user: Any) -> None:
    with pytest.raises(ValueError, match="sealed"):
        TOTPDevice.objects.create(user=user, encrypted_secret="JBSWY3DPEHPK3PXP")
    with pytest.raises(ValueError, match="digest"):
        RecoveryCode.objects.create(user=user, digest="ABCD-EFGH-IJKL-MNOP")


# --- enrollment -------------------------------------------------------------------------


def test_enrollment_secret_and_uri_interoperate_with_pyotp(user: Any, clock: Clock) -> None:
    enrollment = services.start_enrollment(user)
    assert len(base64.b32decode(enrollment.secret)) == 20  # 160 bits
    parsed = pyotp.parse_uri(enrollment.otpauth_uri)
    assert parsed.secret == enrollment.secret
    assert parsed.issuer == "pyauth"
    assert parsed.name == "alice@example.com"
    assert (parsed.digits, parsed.interval) == (6, 30)
    assert enrollment.secret not in " ".join(mfa_rows())  # sealed in the table

    assert not services.is_enabled(user)
    codes = services.confirm(user, clock.code(enrollment.secret))
    assert services.is_enabled(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)
    state = services.enrollment_status(user)
    assert (state.enabled, state.pending, state.recovery_codes_left) == (True, False, 10)


def test_setup_again_replaces_the_pending_secret(user: Any, clock: Clock) -> None:
    first = services.start_enrollment(user)
    second = services.start_enrollment(user)
    assert first.secret != second.secret
    assert TOTPDevice.objects.filter(user=user).count() == 1
    with pytest.raises(MFACodeRejected):
        services.confirm(user, clock.code(first.secret))
    services.confirm(user, clock.code(second.secret))
    with pytest.raises(MFAStateConflict):
        services.start_enrollment(user)  # enabled: disable first
    with pytest.raises(MFANoPendingEnrollment):
        services.pending_enrollment(user)  # the confirmed secret is never shown again


def test_confirm_needs_a_pending_enrollment(user: Any, clock: Clock) -> None:
    with pytest.raises(MFANoPendingEnrollment):
        services.confirm(user, "123456")
    with pytest.raises(MFAStateConflict):
        services.disable(user, "123456")


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_window_accepts_one_step_either_side(user: Any, clock: Clock, offset: int) -> None:
    enrollment = services.start_enrollment(user)
    services.confirm(user, clock.code(enrollment.secret, offset))


@pytest.mark.parametrize("offset", [-3, -2, 2, 3])
def test_window_refuses_two_steps_away(user: Any, clock: Clock, offset: int) -> None:
    enrollment = services.start_enrollment(user)
    with pytest.raises(MFACodeRejected):
        services.confirm(user, clock.code(enrollment.secret, offset))


def test_a_step_is_accepted_once(user: Any, enroll: Any, clock: Clock) -> None:
    secret, _codes = enroll(user)
    code = clock.code(secret)
    assert services.verify(user, code) == "totp"
    with pytest.raises(MFAInvalid):
        services.verify(user, code)  # replayed
    # An older step is refused too once a newer one was accepted.
    clock.advance()
    assert services.verify(user, clock.code(secret, 1)) == "totp"
    with pytest.raises(MFAInvalid):
        services.verify(user, clock.code(secret))
    # The confirming code is burned as well.
    other = get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)
    enrollment = services.start_enrollment(other)
    confirming = clock.code(enrollment.secret)
    services.confirm(other, confirming)
    with pytest.raises(MFAInvalid):
        services.verify(other, confirming)


@pytest.mark.parametrize("junk", ["", "12345", "1234567", "abcdef", "12 34 5x", "٠١٢٣٤٥", "9" * 60])
def test_malformed_codes_are_refused(user: Any, enroll: Any, junk: str) -> None:
    enroll(user)
    with pytest.raises(MFAInvalid):
        services.verify(user, junk)


def test_codes_typed_with_spaces_are_accepted(user: Any, enroll: Any, clock: Clock) -> None:
    secret, codes = enroll(user)
    code = clock.code(secret)
    assert services.verify(user, f" {code[:3]} {code[3:]} ") == "totp"
    assert services.verify(user, codes[0].lower().replace("-", " ")) == "recovery_code"


# --- recovery codes ---------------------------------------------------------------------


def test_recovery_codes_are_single_use_digests(user: Any, enroll: Any) -> None:
    _secret, codes = enroll(user)
    rows = " ".join(mfa_rows())
    for code in codes:
        assert code not in rows and code.replace("-", "") not in rows
    digests = set(RecoveryCode.objects.filter(user=user).values_list("digest", flat=True))
    assert digests == {services.recovery_code_digest(code, user.pk) for code in codes}
    # Keyed and bound to the user: the same code digests differently for another user.
    assert services.recovery_code_digest(codes[0], user.pk + 1) not in digests

    assert services.verify(user, codes[0]) == "recovery_code"
    with pytest.raises(MFAInvalid):
        services.verify(user, codes[0])
    assert services.enrollment_status(user).recovery_codes_left == 9


def test_regenerating_voids_the_old_codes(user: Any, enroll: Any) -> None:
    _secret, codes = enroll(user)
    new = services.regenerate_recovery_codes(user, codes[0])
    assert not set(new) & set(codes)
    with pytest.raises(MFAInvalid):
        services.verify(user, codes[1])
    assert services.verify(user, new[0]) == "recovery_code"
    with pytest.raises(MFACodeRejected):
        services.regenerate_recovery_codes(user, "000000")


def test_recovery_codes_survive_a_secret_key_rotation(
    user: Any, enroll: Any, settings: Any
) -> None:
    _secret, codes = enroll(user)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "y" * 50
    assert services.verify(user, codes[0]) == "recovery_code"


def test_disable_with_a_code(user: Any, enroll: Any, clock: Clock) -> None:
    secret, _codes = enroll(user)
    with pytest.raises(MFACodeRejected):
        services.disable(user, "000000")
    assert services.is_enabled(user)
    services.disable(user, clock.code(secret))
    assert not services.is_enabled(user)
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert mfa_rows() == []


# --- wrong-code limits ------------------------------------------------------------------


def test_wrong_codes_lock_the_user(user: Any, enroll: Any, clock: Clock) -> None:
    secret, _codes = enroll(user)
    for _ in range(4):
        with pytest.raises(MFAInvalid):
            services.verify(user, "000000")
    with pytest.raises(MFAInvalid):
        services.verify(user, "000000")  # the fifth: locked from now on
    with pytest.raises(MFALocked) as locked:
        services.verify(user, clock.code(secret))  # even the right code
    assert 1 <= locked.value.wait <= 60
    assert locked.value.status_code == 429

    # The lock passes; the next wrong code doubles it.
    TOTPDevice.objects.filter(user=user).update(locked_until=timezone.now())
    with pytest.raises(MFAInvalid):
        services.verify(user, "000000")
    with pytest.raises(MFALocked) as locked:
        services.verify(user, clock.code(secret))
    assert 60 < locked.value.wait <= 120

    TOTPDevice.objects.filter(user=user).update(locked_until=None)
    assert services.verify(user, clock.code(secret)) == "totp"  # and the count clears
    assert TOTPDevice.objects.get(user=user).failures == 0


def test_the_lock_is_capped(user: Any, enroll: Any) -> None:
    enroll(user)
    TOTPDevice.objects.filter(user=user).update(failures=40)
    with pytest.raises(MFAInvalid):
        services.verify(user, "000000")
    device = TOTPDevice.objects.get(user=user)
    assert device.locked_until is not None
    assert device.locked_until - timezone.now() <= timedelta(minutes=15)


# --- login challenges -------------------------------------------------------------------


def test_challenge_is_stored_as_a_digest_and_used_once(
    user: Any, enroll: Any, clock: Clock
) -> None:
    secret, _codes = enroll(user)
    token = services.create_challenge(user, "/login")
    assert len(token) >= 43
    assert token not in " ".join(mfa_rows())
    assert services.redeem_challenge(token, clock.code(secret), "/login") == user
    clock.advance()
    with pytest.raises(MFAInvalid):
        services.redeem_challenge(token, clock.code(secret), "/login")


def test_challenge_is_bound_to_its_login_path(user: Any, enroll: Any, clock: Clock) -> None:
    secret, _codes = enroll(user)
    token = services.create_challenge(user, "/login")
    with pytest.raises(MFAInvalid):
        services.redeem_challenge(token, clock.code(secret), "/other-login")
    # Refused without using a try or the code: it still works where it was issued.
    assert services.redeem_challenge(token, clock.code(secret), "/login") == user


def test_challenge_expires(user: Any, enroll: Any, clock: Clock) -> None:
    secret, _codes = enroll(user)
    token = services.create_challenge(user, "/login")
    MFAChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(MFAInvalid):
        services.redeem_challenge(token, clock.code(secret), "/login")


def test_challenge_dies_after_five_wrong_codes(user: Any, enroll: Any, clock: Clock) -> None:
    secret, _codes = enroll(user)
    token = services.create_challenge(user, "/login")
    for _ in range(5):
        with pytest.raises(MFAInvalid):
            services.redeem_challenge(token, "000000", "/login")
    TOTPDevice.objects.filter(user=user).update(locked_until=None)  # the user lock aside
    with pytest.raises(MFAInvalid):
        services.redeem_challenge(token, clock.code(secret), "/login")
    # The dead one is swept when the next login starts.
    services.create_challenge(user, "/login")
    assert MFAChallenge.objects.filter(user=user).count() == 1


def test_live_challenges_are_bounded(user: Any, enroll: Any, clock: Clock) -> None:
    secret, _codes = enroll(user)
    tokens = [services.create_challenge(user, "/login") for _ in range(12)]
    assert MFAChallenge.objects.filter(user=user).count() == 10
    with pytest.raises(MFAInvalid):
        services.redeem_challenge(tokens[0], clock.code(secret), "/login")  # dropped
    assert services.redeem_challenge(tokens[-1], clock.code(secret), "/login") == user


def test_expired_challenges_of_everyone_are_swept(make_user: Any, user: Any, enroll: Any) -> None:
    enroll(user)
    bob = make_user("bob")
    services.create_challenge(bob, "/login")
    MFAChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    services.create_challenge(user, "/login")
    assert list(MFAChallenge.objects.values_list("user_id", flat=True)) == [user.pk]


@pytest.mark.parametrize("token", ["", "x" * 500, "not-a-token"])
def test_unknown_challenges_are_refused(user: Any, enroll: Any, token: str) -> None:
    enroll(user)
    with pytest.raises(MFAInvalid):
        services.redeem_challenge(token, "123456", "/login")


def test_challenge_of_a_deactivated_user_is_refused(user: Any, enroll: Any, clock: Clock) -> None:
    secret, _codes = enroll(user)
    token = services.create_challenge(user, "/login")
    user.is_active = False
    user.save()
    with pytest.raises(MFAInvalid):
        services.redeem_challenge(token, clock.code(secret), "/login")


def test_gate_leaves_users_without_2fa_alone(user: Any) -> None:
    assert mfa.gate(None, user) is None
    assert mfa.pending_user(None, data={"username": "alice"}) is None
    assert MFAChallenge.objects.count() == 0


def test_gate_does_nothing_without_the_app(user: Any, enroll: Any) -> None:
    enroll(user)
    with pytest.raises(MFARequired):
        mfa.gate(None, user, flow="/login")
    apps_without = [app for app in _installed_apps() if app != "pyauth.mfa"]
    with override_settings(INSTALLED_APPS=apps_without):
        assert mfa.gate(None, user, flow="/login") is None
        assert not mfa.is_completion({"mfa_token": "x"})


def _installed_apps() -> list[str]:
    from django.conf import settings

    return list(settings.INSTALLED_APPS)


# --- pyauth's token views ---------------------------------------------------------------


def test_token_view_asks_for_the_second_factor(
    api: APIClient, user: Any, enroll: Any, clock: Clock
) -> None:
    secret, _codes = enroll(user)
    response = api.post(TOKEN_URL, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403, response.content
    body = response.json()
    assert set(body) == {"detail", "code", "mfa_token", "methods"}
    assert body["code"] == "mfa_required"
    assert body["methods"] == ["totp", "recovery_code"]
    assert TokenFamily.objects.count() == 0  # nothing issued

    response = api.post(TOKEN_URL, {"mfa_token": body["mfa_token"], "mfa_code": "000000"})
    assert response.status_code == 401
    assert response.json()["code"] == "mfa_invalid"

    response = api.post(TOKEN_URL, {"mfa_token": body["mfa_token"], "mfa_code": clock.code(secret)})
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"refresh", "access"}
    assert AccessToken(response.json()["access"])["user_id"] == str(user.pk)

    clock.advance()
    response = api.post(TOKEN_URL, {"mfa_token": body["mfa_token"], "mfa_code": clock.code(secret)})
    assert response.status_code == 401  # used up


def test_token_view_one_step_and_wrong_password(
    api: APIClient, user: Any, enroll: Any, clock: Clock
) -> None:
    secret, codes = enroll(user)
    response = api.post(
        TOKEN_URL, {"username": "alice", "password": PASSWORD, "mfa_code": clock.code(secret)}
    )
    assert response.status_code == 200, response.content
    response = api.post(TOKEN_URL, {"username": "alice", "password": PASSWORD, "mfa_code": "1"})
    assert response.status_code == 401 and response.json()["code"] == "mfa_invalid"
    response = api.post(
        TOKEN_URL, {"username": "alice", "password": PASSWORD, "mfa_code": codes[0]}
    )
    assert response.status_code == 200  # a recovery code, once
    # A wrong password never reaches the second factor.
    response = api.post(TOKEN_URL, {"username": "alice", "password": "nope", "mfa_code": codes[1]})
    assert response.status_code == 401
    assert response.json() == {"detail": "No active account found with the given credentials"}
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 9


def test_token_view_second_step_needs_both_fields(api: APIClient, user: Any, enroll: Any) -> None:
    enroll(user)
    response = api.post(TOKEN_URL, {"mfa_token": "abc"})
    assert response.status_code == 400
    assert "mfa_code" in response.json()
    response = api.post(TOKEN_URL, {"mfa_token": ["a"], "mfa_code": {"x": 1}})
    assert response.status_code == 400


def test_cookie_login_is_gated_and_refuses_foreign_tokens(
    api: APIClient, user: Any, enroll: Any, clock: Clock
) -> None:
    secret, _codes = enroll(user)
    response = api.post(COOKIE_LOGIN_URL, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "access_token" not in response.cookies and "refresh_token" not in response.cookies
    cookie_token = response.json()["mfa_token"]

    other = api.post(TOKEN_URL, {"username": "alice", "password": PASSWORD}).json()["mfa_token"]
    response = api.post(COOKIE_LOGIN_URL, {"mfa_token": other, "mfa_code": clock.code(secret)})
    assert response.status_code == 401  # issued by /api/token/

    response = api.post(
        COOKIE_LOGIN_URL, {"mfa_token": cookie_token, "mfa_code": clock.code(secret)}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"detail": "Login successful"}
    assert response.cookies["access_token"]["httponly"]


def test_users_without_2fa_log_in_as_before(api: APIClient, user: Any) -> None:
    response = api.post(TOKEN_URL, {"username": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assert MFAChallenge.objects.count() == 0


# --- the enrollment endpoints -----------------------------------------------------------


def test_enrollment_endpoints(user: Any, clock: Clock) -> None:
    client = bearer(user)
    assert client.get(f"{MFA}status/").json() == {
        "enabled": False,
        "pending": False,
        "recovery_codes_left": 0,
    }
    assert client.get(f"{MFA}qr/").status_code == 404

    response = client.post(f"{MFA}setup/")
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    setup = response.json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    assert (setup["digits"], setup["period"], setup["algorithm"]) == (6, 30, "SHA1")
    assert client.get(f"{MFA}status/").json()["pending"] is True

    response = client.post(f"{MFA}confirm/", {"code": clock.code(setup["secret"], 2)})
    assert response.status_code == 400
    assert response.json()["code"] == "mfa_invalid"
    response = client.post(f"{MFA}confirm/", {})
    assert response.status_code == 400 and "code" in response.json()

    response = client.post(f"{MFA}confirm/", {"code": clock.code(setup["secret"])})
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    codes = response.json()["recovery_codes"]
    assert response.json()["enabled"] is True and len(codes) == 10
    assert client.get(f"{MFA}status/").json() == {
        "enabled": True,
        "pending": False,
        "recovery_codes_left": 10,
    }
    assert client.get(f"{MFA}qr/").status_code == 404  # never shown again
    assert client.post(f"{MFA}setup/").status_code == 409
    assert client.post(f"{MFA}confirm/", {"code": "123456"}).status_code == 409

    clock.advance()
    response = client.post(f"{MFA}recovery-codes/", {"code": clock.code(setup["secret"])})
    assert response.status_code == 200
    new_codes = response.json()["recovery_codes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)

    response = client.post(f"{MFA}disable/", {"code": codes[0]})
    assert response.status_code == 400  # the old codes are void
    response = client.post(f"{MFA}disable/", {"code": new_codes[0]})
    assert response.status_code == 200 and response.json() == {"enabled": False}
    assert client.post(f"{MFA}disable/", {"code": new_codes[1]}).status_code == 409


def test_enrollment_endpoints_need_a_login(api: APIClient, db: Any) -> None:
    for name in ("status/", "qr/"):
        assert api.get(f"{MFA}{name}").status_code == 401
    for name in ("setup/", "confirm/", "disable/", "recovery-codes/"):
        assert api.post(f"{MFA}{name}", {"code": "123456"}).status_code == 401


def test_qr_code_svg_and_png_decode_to_the_uri(user: Any, clock: Clock) -> None:
    client = bearer(user)
    uri = client.post(f"{MFA}setup/").json()["otpauth_uri"]

    response = client.get(f"{MFA}qr/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "no-store" in response["Cache-Control"]
    root = ET.fromstring(response.content)  # noqa: S314 - our own server's output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    paths = root.findall(".//{http://www.w3.org/2000/svg}path")
    assert paths and paths[0].get("d")

    response = client.get(f"{MFA}qr/", {"format": "png"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    decoded = zxingcpp.read_barcodes(image.convert("L"))
    assert [barcode.text for barcode in decoded] == [uri]

    response = client.get(f"{MFA}qr/", {"format": "gif"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


# --- admin ------------------------------------------------------------------------------


def test_admin_shows_state_and_resets(make_user: Any, user: Any, enroll: Any, clock: Clock) -> None:
    secret, _codes = enroll(user)
    admin_user = make_user("root", is_staff=True, is_superuser=True)
    client = APIClient()
    client.force_login(admin_user)
    response = client.get("/admin/pyauth_mfa/totpdevice/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "alice" in page
    assert secret not in page
    device = TOTPDevice.objects.get(user=user)
    assert (
        secret
        not in client.get(f"/admin/pyauth_mfa/totpdevice/{device.pk}/change/").content.decode()
    )

    TOTPDevice.objects.filter(user=user).update(
        failures=9, locked_until=timezone.now() + timedelta(minutes=5)
    )
    response = client.post(
        "/admin/pyauth_mfa/totpdevice/",
        {"action": "unlock", "_selected_action": [device.pk]},
        format="multipart",
    )
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=user).locked_until is None

    response = client.post(
        "/admin/pyauth_mfa/totpdevice/",
        {"action": "reset_two_factor", "_selected_action": [device.pk]},
        format="multipart",
    )
    assert response.status_code == 302
    assert not services.is_enabled(user)
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_migrations_are_complete(db: Any) -> None:
    call_command("makemigrations", "pyauth_mfa", "--check", "--dry-run", stdout=io.StringIO())


def test_a_secret_no_key_opens_fails_closed(
    user: Any, enroll: Any, clock: Clock, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    secret, _codes = enroll(user)
    settings.SECRET_KEY = "a-new-secret-key-" + "z" * 50  # the old one not kept
    with pytest.raises(MFAInvalid):
        services.verify(user, clock.code(secret))
    assert "cannot be opened" in caplog.text
    assert secret not in caplog.text
    other = get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)
    services.start_enrollment(other)
    settings.SECRET_KEY = "yet-another-secret-key-" + "w" * 50
    with pytest.raises(MFANoPendingEnrollment):
        services.pending_enrollment(other)


# --- races --------------------------------------------------------------------------------

THREADS = 6


def race(work: Callable[[], Any]) -> dict[str, int]:
    """Run ``work`` in THREADS threads released at once; count "ok", "refused"
    (MFAInvalid) and "error" (anything else) outcomes."""
    barrier = threading.Barrier(THREADS)
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            work()
            kind = "ok"
        except MFAInvalid:
            kind = "refused"
        except Exception as exc:  # reported through the counts
            kind = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            counts[kind] = counts.get(kind, 0) + 1

    pool = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    return counts


@pytest.mark.django_db(transaction=True)
def test_one_code_wins_a_race(user: Any, enroll: Any, clock: Clock) -> None:
    secret, codes = enroll(user)
    code = clock.code(secret)
    assert race(lambda: services.verify(user, code)) == {"ok": 1, "refused": THREADS - 1}
    TOTPDevice.objects.update(failures=0, locked_until=None)  # the losers locked the user
    assert race(lambda: services.verify(user, codes[0])) == {"ok": 1, "refused": THREADS - 1}


@pytest.mark.django_db(transaction=True)
def test_one_login_wins_a_race_for_a_challenge(user: Any, enroll: Any, clock: Clock) -> None:
    _secret, codes = enroll(user)
    token = services.create_challenge(user, "/login")
    outcome = race(lambda: services.redeem_challenge(token, codes[0], "/login"))
    assert outcome == {"ok": 1, "refused": THREADS - 1}
