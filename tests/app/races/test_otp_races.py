"""Simultaneous submissions of one one-time code (document 002's mailed sign-in code and
texted phone code, pyauth.mfa's TOTP and recovery codes) succeed once.

django_app.authapi.services.check_code takes one try with a conditional UPDATE
(``attempts < 5``), compares digests, then claims the code with another (``used_at IS
NULL``): however many requests carry the right code at once, one claim wins, and no
more than five tries are ever spent on a code. pyauth.mfa claims a TOTP step with a
conditional UPDATE (``last_used_step < step``) and a recovery code with another
(``used_at IS NULL``).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from rest_framework.test import APIClient

from django_app.authapi import services, sms
from django_app.authapi.models import OneTimeCode
from pyauth.lifecycle.models import TokenFamily
from pyauth.mfa import services as mfa
from pyauth.mfa.exceptions import MFAError
from pyauth.otp import TOTP

THREADS = 20
#: A fixed moment for the TOTP tests (pyauth.mfa.services reads its clock from _clock).
T0 = 1_800_000_000.0
LOGIN = "/auth-api/login/"
TOKEN = "/auth-api/token/"


def test_one_login_code_submitted_at_once_signs_in_once(
    race_db: None, race: Any, make_user: Any, password: str, mailed_code: Any
) -> None:
    user = make_user()
    response = APIClient().post(LOGIN, {"email": user.email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    code = mailed_code(user.email)

    results = race(
        lambda client: client.post(TOKEN, {"email": user.email, "otp": code}, format="json"),
        [APIClient() for _ in range(THREADS)],
    )

    assert Counter(r.status_code for r in results) == {200: 1, 401: THREADS - 1}
    for refused in (r for r in results if r.status_code == 401):
        assert refused.json()["detail"] == "Invalid or expired code"
        assert "refresh_token" not in refused.cookies
    assert TokenFamily.objects.filter(user=user).count() == 1  # one session, not twenty
    record = OneTimeCode.objects.get(user=user, purpose=OneTimeCode.PURPOSE_LOGIN)
    assert record.used_at is not None
    assert 1 <= record.attempts <= services.code_max_attempts()
    # used: the code never works again
    again = APIClient().post(TOKEN, {"email": user.email, "otp": code}, format="json")
    assert again.status_code == 401


def test_one_phone_code_submitted_at_once_verifies_once(
    race_db: None, race: Any, make_user: Any, sign_in_002: Any, settings: Any
) -> None:
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    user = make_user()
    client = sign_in_002(user)
    response = client.post("/auth-api/verify-phone/", {"phone": "+44 20 7946 0000"})
    assert response.status_code == 200, response.content
    (message,) = sms.outbox
    code = re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]
    access = client.cookies["access_token"].value

    def tab(_: int) -> Any:
        other = type(client)()
        other.cookies["access_token"] = access
        return other

    results = race(
        lambda other: other.patch("/auth-api/verify-phone/", {"otp": code}),
        [tab(i) for i in range(THREADS)],
    )

    assert Counter(r.status_code for r in results) == {200: 1, 400: THREADS - 1}
    user.refresh_from_db()
    assert user.phone_verified
    assert user.profile.phone == "+44 20 7946 0000"
    record = OneTimeCode.objects.get(user=user, purpose=OneTimeCode.PURPOSE_PHONE)
    assert record.used_at is not None
    assert record.attempts <= services.code_max_attempts()


def test_fifty_simultaneous_checks_of_the_right_code_succeed_once(
    race_db: None, race: Any, make_user: Any
) -> None:
    """The service itself: 50 checks of the right code at once, one winner, and never
    more than the five tries a code allows."""
    user = make_user()
    code = services.issue_code(user, OneTimeCode.PURPOSE_LOGIN)

    results = race(
        lambda _: services.check_code(user, OneTimeCode.PURPOSE_LOGIN, code), list(range(50))
    )

    winners = [record for record in results if record is not None]
    assert len(winners) == 1
    record = OneTimeCode.objects.get(pk=winners[0].pk)
    assert record.used_at is not None
    assert 1 <= record.attempts <= services.code_max_attempts()  # never more than 5


# --- pyauth.mfa: a TOTP code and a recovery code ----------------------------------


@pytest.fixture
def enrolled(make_user: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str, list[str]]:
    """A user with two-factor authentication confirmed at a pinned clock (T0), the clock
    then moved one step on: ``(user, the TOTP code of that step, recovery codes)``."""
    user = make_user()
    monkeypatch.setattr(mfa, "_clock", lambda: T0)
    secret = mfa.start_enrollment(user).secret
    recovery_codes = mfa.confirm(user, TOTP(secret).at(T0))
    monkeypatch.setattr(mfa, "_clock", lambda: T0 + 30)
    return user, TOTP(secret).at(T0 + 30), recovery_codes


def second_factor(user: Any, code: str) -> str:
    """The method that accepted ``code``, or the name of the refusal."""
    try:
        return mfa.verify(user, code)
    except MFAError as exc:
        return type(exc).__name__


def test_one_totp_code_submitted_at_once_is_accepted_once(
    race_db: None, race: Any, enrolled: tuple[Any, str, list[str]]
) -> None:
    user, code, _ = enrolled

    results = race(lambda _: second_factor(user, code), list(range(THREADS)))

    assert results.count("totp") == 1, results
    assert set(results) - {"totp"} <= {"MFAInvalid", "MFALocked"}, results
    assert second_factor(user, code) != "totp"  # its step is used up


def test_one_recovery_code_submitted_at_once_is_used_once(
    race_db: None, race: Any, enrolled: tuple[Any, str, list[str]]
) -> None:
    user, _, recovery_codes = enrolled

    results = race(lambda _: second_factor(user, recovery_codes[0]), list(range(THREADS)))

    assert results.count("recovery_code") == 1, results
    assert set(results) - {"recovery_code"} <= {"MFAInvalid", "MFALocked"}, results
    assert second_factor(user, recovery_codes[0]) != "recovery_code"
