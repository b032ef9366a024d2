"""Fixtures of document 002's flow tests.

- ``browser``: a client that behaves like the frontend: it fetches the CSRF token from
  get-csrf-token/ and sends the current ``csrftoken`` cookie back as X-CSRFToken on
  every unsafe request (Django's checks enforced);
- ``sms_outbox``: the in-memory SMS backend, emptied;
- ``code_in(mail)``: the 6-digit code of a mailed or texted message;
- ``signed_in``: a user who went through login/ and token/ in ``browser``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail

from django_app.authapi import sms
from tests.app.clients import CsrfBrowser as Browser

CODE_RE = re.compile(r"\b(\d{6})\b")
LINK_RE = re.compile(r"(https?://\S+)")


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def make_browser() -> Callable[..., Browser]:
    return lambda **kwargs: Browser(**kwargs)


@pytest.fixture
def sms_outbox(settings: Any) -> Iterator[list[sms.SmsMessage]]:
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture(autouse=True)
def _no_recaptcha(settings: Any) -> None:
    settings.RECAPTCHA_SECRET = ""


def code_in(text: str) -> str:
    match = CODE_RE.search(text)
    assert match, text
    return match.group(1)


def link_in(text: str) -> str:
    match = LINK_RE.search(text)
    assert match, text
    return match.group(1)


def query_of(link: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def last_code(to: str) -> str:
    """The code of the newest mail to ``to``."""
    for message in reversed(mail.outbox):
        if to in message.to:
            return code_in(message.body)
    raise AssertionError(f"no mail to {to}")


@pytest.fixture
def sign_in(password: str) -> Callable[[Browser, Any], Any]:
    """``sign_in(browser, user)``: login/ then token/ with the mailed code."""

    def run(client: Browser, user: Any, pw: str = password) -> Any:
        response = client.post("/auth-api/login/", {"email": user.email, "password": pw})
        assert response.status_code == 200, response.content
        response = client.post(
            "/auth-api/token/", {"email": user.email, "otp": last_code(user.email)}
        )
        assert response.status_code == 200, response.content
        return response

    return run


class Helpers:
    """Readers of mailed and texted messages (a fixture: importlib mode has no imports
    between test modules)."""

    code_in = staticmethod(code_in)
    link_in = staticmethod(link_in)
    query_of = staticmethod(query_of)
    last_code = staticmethod(last_code)


@pytest.fixture
def h() -> type[Helpers]:
    return Helpers


@pytest.fixture
def threaded_db(transactional_db: None, tmp_path: Any) -> Iterator[None]:
    """A database the threads of a concurrency test really share and wait on.

    On PostgreSQL the test database already is one. SQLite's in-memory test database
    uses a shared cache, whose table locks fail at once ("database table is locked")
    instead of waiting as a file database does in production; so for SQLite the test
    runs on a migrated temporary file instead, and the in-memory one is restored after.
    """
    from django.core.management import call_command
    from django.db import connection, connections

    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        yield
        return
    # The in-memory database lives only while a connection to it is open: keep the
    # main thread's open (set aside), and give every thread a connection to the file.
    settings_dict = connections.settings["default"]
    original_name = settings_dict["NAME"]
    memory_connection = connections["default"]
    settings_dict["NAME"] = str(tmp_path / "threads.sqlite3")
    connections["default"] = connections.create_connection("default")
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield
    finally:
        connections["default"].close()
        settings_dict["NAME"] = original_name
        connections["default"] = memory_connection


def race(work: Callable[[int], Any], threads: int) -> list[tuple[str, Any]]:
    """Run ``work(i)`` in ``threads`` threads released at once; each outcome is
    ("ok", result) or ("error", repr)."""
    import threading

    from django.db import connections

    barrier = threading.Barrier(threads)
    results: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            outcome: tuple[str, Any] = ("ok", work(i))
        except Exception as exc:  # the test reports every failure
            outcome = ("error", repr(exc))
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert len(results) == threads
    return results


Helpers.race = staticmethod(race)  # type: ignore[attr-defined]
