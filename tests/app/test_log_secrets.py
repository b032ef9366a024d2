"""No password, token, code or secret ever appears in the logs (issue 7, item 6).

One test walks every document's flows, good and bad, while every logger of the process
is captured at DEBUG, SQL statements with their parameters included (the database
backend's debug cursor forced on): register, sign in, use, refresh, replay a rotated
refresh token, log out, wrong passwords and codes, 002's mailed and texted codes,
email verification and password reset links, two-factor enrollment, a login with a TOTP
code and one with a recovery code, the sessions list, a request with the database down.
Everything secret the flows produced or sent is collected on the way, then searched for
in the captured text (messages, arguments, tracebacks): the whole value and, for a JWT,
its signature alone.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from rest_framework.test import APIClient

from django_app.authapi import sms
from pyauth.lifecycle import revocation
from pyauth.mfa import services as mfa_services
from tests.app.clients import CsrfBrowser

NEW_PASSWORD = "Another-quiet-harbour-93"
WRONG_PASSWORD = "Wrong-but-plausible-4417"
CODE_RE = re.compile(r"\b(\d{6})\b")
LINK_RE = re.compile(r"(https?://\S+)")


class Capture(logging.Handler):
    """Every record, formatted with its traceback, from every logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, f"{self.format(record)}\n{record.args!r}"))

    @property
    def text(self) -> str:
        return "\n".join(line for _name, line in self.lines)

    def text_except(self, logger: str) -> str:
        return "\n".join(line for name, line in self.lines if name != logger)


@pytest.fixture
def captured(settings: Any) -> Iterator[Capture]:
    """All loggers at DEBUG into one handler on the root logger; SQL logged with its
    parameters; SMS to the in-memory outbox (its console backend is for development)."""
    settings.SMS_BACKEND = "locmem"
    settings.RECAPTCHA_SECRET = ""
    settings.AUTH_API_OPEN_REGISTRATION = True
    # One test logs in a dozen times from 127.0.0.1: the login rate limit is not under test.
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000/min")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    handler = Capture()
    root = logging.getLogger()
    saved = {name: logger.level for name, logger in _loggers()}
    saved_root = root.level
    for _name, logger in _loggers():
        logger.setLevel(logging.DEBUG)
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    connection.force_debug_cursor = True
    sms.outbox.clear()
    try:
        yield handler
    finally:
        connection.force_debug_cursor = False
        root.removeHandler(handler)
        root.setLevel(saved_root)
        for name, logger in _loggers():
            if name in saved:
                logger.setLevel(saved[name])
        sms.outbox.clear()


def _loggers() -> list[tuple[str, logging.Logger]]:
    return [
        (name, logger)
        for name, logger in logging.Logger.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    ]


class Secrets:
    """What must never be logged, collected as the flow produces it."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def add(self, what: str, value: Any) -> None:
        if not isinstance(value, str) or not value:
            return
        if value in self.values.values():
            return
        self.values[f"{what} #{len(self.values)}"] = value
        if value.count(".") == 2 and len(value) > 40:  # a JWT: its signature alone too
            self.values[f"{what} signature #{len(self.values)}"] = value.rsplit(".", 1)[1]

    def cookies(self, client: APIClient) -> None:
        for name in ("access_token", "refresh_token", "jwt", "sessionid", "csrftoken"):
            if name in client.cookies and client.cookies[name].value:
                self.add(f"cookie {name}", client.cookies[name].value)
        for name, morsel in client.cookies.items():
            if "fgp" in name and morsel.value:
                self.add("fingerprint", morsel.value)

    def body(self, response: Any) -> None:
        try:
            data = response.json()
        except (ValueError, TypeError):
            return
        for key in ("access", "refresh", "token", "mfa_token", "secret", "otpauth_uri"):
            if isinstance(data, dict):
                self.add(f"body {key}", data.get(key))
        if isinstance(data, dict):
            for code in data.get("recovery_codes", []) or []:
                self.add("recovery code", code)

    def found_in(self, text: str) -> list[str]:
        found = []
        for what, value in self.values.items():
            if re.fullmatch(r"\d{6}", value):
                if re.search(rf"(?<!\d){value}(?!\d)", text):
                    found.append(what)
            elif value in text:
                found.append(what)
        return found


def _code(text: str) -> str:
    match = CODE_RE.search(text)
    assert match, text
    return match.group(1)


def _link_params(text: str) -> dict[str, str]:
    match = LINK_RE.search(text)
    assert match, text
    return {k: v[0] for k, v in parse_qs(urlsplit(match.group(1)).query).items()}


def flow_000(found: Secrets, password: str) -> None:
    client = APIClient()
    email = "zero@example.com"
    response = client.post(
        "/api/auth/register", {"email": email, "password": password, "confirm_password": password}
    )
    assert response.status_code == 201, response.content
    assert (
        client.post("/api/auth/login", {"email": email, "password": WRONG_PASSWORD}).status_code
        == 401
    )
    assert client.post("/api/auth/login", {"email": email, "password": password}).status_code == 200
    found.cookies(client)
    old_refresh = client.cookies["refresh_token"].value
    assert client.get("/api/auth/me").status_code == 200
    assert client.post("/api/auth/token/refresh").status_code == 200
    found.cookies(client)
    replay = APIClient()
    replay.cookies["refresh_token"] = old_refresh
    assert replay.post("/api/auth/token/refresh").status_code == 401  # reuse: family revoked
    assert client.get("/api/auth/me").status_code == 401
    assert client.post("/api/auth/logout").status_code in (200, 401)


def flow_003(found: Secrets, password: str, user: Any) -> None:
    client = APIClient()
    response = client.post("/api/token/", {"username": "alice", "password": WRONG_PASSWORD})
    assert response.status_code == 401
    response = client.post("/api/token/", {"username": "alice", "password": password})
    assert response.status_code == 200, response.content
    found.body(response)
    access, refresh = response.json()["access"], response.json()["refresh"]
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert client.get("/api/dashboard/").status_code == 200
    assert client.patch("/api/profile/", {"bio": "hi"}, format="json").status_code == 200
    response = APIClient().post("/api/token/refresh/", {"refresh": refresh})
    assert response.status_code == 200
    found.body(response)
    forged = access[:-4] + ("AAAA" if not access.endswith("AAAA") else "BBBB")
    found.add("forged token", forged)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")
    assert client.get("/api/dashboard/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert client.get("/api/sessions/").status_code == 200


def flow_001(found: Secrets, password: str) -> None:
    client = APIClient()
    email = "one@example.com"
    response = client.post(
        "/api/register/", {"email": email, "username": "one", "password": password}, format="json"
    )
    assert response.status_code in (200, 201), response.content
    response = client.post("/api/login/", {"email": email, "password": password})
    assert response.status_code == 200, response.content
    found.cookies(client)
    found.body(response)
    assert client.get("/api/user/").status_code == 200
    assert client.post("/api/logout/").status_code in (200, 204)


def flow_002(found: Secrets, password: str, user: Any) -> None:
    browser = CsrfBrowser()
    browser.csrf()
    found.cookies(browser)
    response = browser.post("/auth-api/login/", {"email": user.email, "password": WRONG_PASSWORD})
    assert response.status_code == 401
    mail.outbox.clear()
    response = browser.post("/auth-api/login/", {"email": user.email, "password": password})
    assert response.status_code == 200, response.content
    code = _code(mail.outbox[-1].body)
    found.add("mailed code", code)
    wrong = "000000" if code != "000000" else "111111"
    assert browser.post("/auth-api/token/", {"email": user.email, "otp": wrong}).status_code == 401
    response = browser.post("/auth-api/token/", {"email": user.email, "otp": code})
    assert response.status_code == 200, response.content
    found.cookies(browser)
    assert browser.post("/auth-api/token/refresh/").status_code == 200
    found.cookies(browser)

    mail.outbox.clear()
    assert browser.post("/auth-api/verify-email/").status_code == 200
    token = _link_params(mail.outbox[-1].body)["token"]
    found.add("email verification token", token)
    assert browser.get("/auth-api/verify-email/", {"token": token}).status_code == 200

    assert browser.post("/auth-api/verify-phone/", {"phone": "+44 20 7946 0958"}).status_code == 200
    phone_code = _code(sms.outbox[-1].body)
    found.add("texted code", phone_code)
    assert browser.patch("/auth-api/verify-phone/", {"otp": phone_code}).status_code == 200

    mail.outbox.clear()
    assert browser.post("/auth-api/reset-password/", {"email": user.email}).status_code == 200
    params = _link_params(mail.outbox[-1].body)
    found.add("reset token", params["token"])
    assert browser.get("/auth-api/reset-password/", params).status_code == 200
    response = browser.patch("/auth-api/reset-password/", {**params, "password": NEW_PASSWORD})
    assert response.status_code == 200, response.content
    assert browser.post("/auth-api/token/refresh/").status_code == 401  # revoked by the reset
    assert browser.post("/auth-api/logout/").status_code in (200, 401)


def flow_mfa(found: Secrets, user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [float((int(time.time()) // 30) * 30 + 15)]
    monkeypatch.setattr(mfa_services, "_clock", lambda: now[0])
    client = APIClient()
    response = client.post("/api/token/", {"username": "alice", "password": NEW_PASSWORD})
    assert response.status_code == 200, response.content
    found.body(response)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    response = client.post("/api/auth/2fa/setup")
    assert response.status_code == 200, response.content
    found.body(response)
    secret = response.json()["secret"]
    totp = pyotp.TOTP(secret)
    code = totp.at(now[0])
    found.add("totp code", code)
    response = client.post("/api/auth/2fa/confirm", {"code": code}, format="json")
    assert response.status_code == 200, response.content
    found.body(response)
    recovery = response.json()["recovery_codes"]
    now[0] += 30

    response = APIClient().post("/api/token/", {"username": "alice", "password": NEW_PASSWORD})
    assert response.status_code == 403, response.content
    found.body(response)
    mfa_token = response.json()["mfa_token"]
    code = totp.at(now[0])
    found.add("totp code", code)
    response = APIClient().post("/api/token/", {"mfa_token": mfa_token, "mfa_code": code})
    assert response.status_code == 200, response.content
    found.body(response)

    response = APIClient().post("/api/token/", {"username": "alice", "password": NEW_PASSWORD})
    mfa_token = response.json()["mfa_token"]
    found.add("mfa token", mfa_token)
    response = APIClient().post("/api/token/", {"mfa_token": mfa_token, "mfa_code": recovery[0]})
    assert response.status_code == 200, response.content
    found.body(response)


def flow_database_down(found: Secrets, password: str) -> None:
    def fail(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection to server at 127.0.0.1 failed")

    revocation.clear_memo()
    with pytest.MonkeyPatch.context() as broken:
        broken.setattr(BaseDatabaseWrapper, "cursor", fail)
        response = APIClient().post(
            "/api/token/", {"username": "alice", "password": password}, format="json"
        )
    assert response.status_code == 503


@pytest.mark.django_db(transaction=True)
def test_no_secret_reaches_the_logs(
    captured: Capture, make_user: Any, password: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = Secrets()
    for value in (password, NEW_PASSWORD, WRONG_PASSWORD, django_settings.SECRET_KEY):
        found.add("password or key", value)
    user = make_user(email="alice@example.com", username="alice")

    flow_000(found, password)
    flow_003(found, password, user)
    flow_001(found, password)
    flow_002(found, password, user)
    flow_mfa(found, user, monkeypatch)
    flow_database_down(found, NEW_PASSWORD)

    text = captured.text
    # The capture works and saw the flows: requests refused, SQL with its parameters.
    assert "Unauthorized: /api/token/" in text
    assert "database unavailable" in text
    assert re.search(r"django\.db\.backends DEBUG .*INSERT INTO", text)
    assert len(found.values) > 30, sorted(found.values)
    # Django's database session store keys its rows by the session id itself, so SQL
    # logging (DEBUG only) shows it; nothing else may appear, in SQL or anywhere else.
    session_ids = {k for k in found.values if k.startswith("cookie sessionid")}
    assert session_ids
    assert found.found_in(captured.text_except("django.db.backends")) == []
    assert set(found.found_in(text)) <= session_ids
