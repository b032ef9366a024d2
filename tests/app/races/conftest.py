"""Fixtures of the race tests: many threads, each with its own database connection,
released at once by a barrier against one account, one token or one code.

- ``race_db``: a database the threads really share and wait on. On PostgreSQL (CI,
  ``DATABASE_URL=postgres://...``) the test database is one: every thread opens its own
  connection, and the row locks, unique indexes and conditional UPDATEs under test are
  the server's. That run is the real proof. SQLite's in-memory test database uses a
  shared cache whose table locks fail at once ("database table is locked") instead of
  waiting as a file database does in production, so on SQLite each test gets a copy of
  a migrated file database instead (one ``migrate`` per session), with SQLite's own
  locking: writers serialised, readers never blocked for long.
- ``race(act, states)``: ``act(state)`` for every state, each in its own thread, all
  released together by a :class:`threading.Barrier`; the results in order. Anything a
  thread raises (the test client re-raises a view's exception, so a 500 is one) fails
  the test with every thread's traceback, never passes silently.
- ``csrf_client()``: a client of document 002 (CSRF enforced), its ``csrftoken``
  cookie fetched from get-csrf-token/ and sent back as X-CSRFToken on unsafe requests.
- ``sign_in_002(user)``: login/ then token/ with the mailed code.
- every test here gets throttle rates no race reaches: the races are about the
  database, and one client IP (127.0.0.1) sends every request.
"""

from __future__ import annotations

import re
import shutil
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections

from tests.app.clients import CsrfBrowser

S = TypeVar("S")
R = TypeVar("R")

#: Seconds a race may take before the test fails rather than hangs.
RACE_TIMEOUT = 120.0

_CODE_RE = re.compile(r"\b(\d{6})\b")


# --- the shared database --------------------------------------------------------------


def _uses_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and bool(connection.is_in_memory_db())


def _swap_default_database(name: str) -> tuple[Any, str]:
    """Point the alias "default" at the SQLite file ``name`` for this thread and every
    thread started from now on. Returns the connection set aside (the in-memory test
    database lives only while a connection to it is open, so it must stay open) and the
    name to restore (the connections share one settings dictionary)."""
    set_aside = connections["default"]
    original_name = str(connections.settings["default"]["NAME"])
    connections.settings["default"]["NAME"] = name
    connections["default"] = connections.create_connection("default")
    return set_aside, original_name


def _restore_default_database(swapped: tuple[Any, str]) -> None:
    set_aside, original_name = swapped
    connections["default"].close()
    connections.settings["default"]["NAME"] = original_name
    connections["default"] = set_aside


@pytest.fixture(scope="session")
def _migrated_sqlite_file(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Path | None:
    """A SQLite file with every migration applied, copied by each race test (None when
    the tests do not run on in-memory SQLite)."""
    with django_db_blocker.unblock():
        if not _uses_memory_sqlite():
            return None
        path = tmp_path_factory.mktemp("races") / "template.sqlite3"
        swapped = _swap_default_database(str(path))
        try:
            call_command("migrate", verbosity=0, interactive=False)
        finally:
            _restore_default_database(swapped)
    return path


@pytest.fixture
def race_db(
    transactional_db: None, _migrated_sqlite_file: Path | None, tmp_path: Path
) -> Iterator[None]:
    """A database every thread of the test shares (see the module docstring)."""
    if _migrated_sqlite_file is None:
        yield
        return
    copy = tmp_path / "races.sqlite3"
    shutil.copyfile(_migrated_sqlite_file, copy)
    swapped = _swap_default_database(str(copy))
    try:
        yield
    finally:
        _restore_default_database(swapped)


# --- the race ---------------------------------------------------------------------------


def _race(act: Callable[[S], R], states: Sequence[S]) -> list[R]:
    count = len(states)
    barrier = threading.Barrier(count, timeout=RACE_TIMEOUT)
    results: list[Any] = [None] * count
    failures: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = act(states[index])
        except BaseException:  # reported below, with the others
            with lock:
                failures.append(f"thread {index}:\n{traceback.format_exc()}")
        finally:
            connections.close_all()  # this thread's own connections

    threads = [threading.Thread(target=run, args=(i,), name=f"race-{i}") for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RACE_TIMEOUT)
    alive = [thread.name for thread in threads if thread.is_alive()]
    assert not alive, f"threads still running after {RACE_TIMEOUT} s: {alive}"
    if failures:
        pytest.fail(f"{len(failures)} of {count} threads raised:\n" + "\n".join(failures))
    return results


@pytest.fixture
def race() -> Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]:
    """``race(act, states) -> [act(state) for state in states]``, simultaneously."""
    return _race


# --- document 002's clients ----------------------------------------------------------


@pytest.fixture
def csrf_client() -> Callable[[], CsrfBrowser]:
    """A new document-002 client (makes one GET for its CSRF cookie)."""

    def make() -> CsrfBrowser:
        client = CsrfBrowser()
        client.csrf()
        return client

    return make


def last_code(to: str) -> str:
    """The 6-digit code of the newest mail to ``to``."""
    for message in reversed(mail.outbox):
        if to in message.to:
            match = _CODE_RE.search(message.body)
            assert match, message.body
            return match.group(1)
    raise AssertionError(f"no mail to {to}")


@pytest.fixture
def mailed_code() -> Callable[[str], str]:
    """``mailed_code(address)``: the code of the newest mail to it."""
    return last_code


@pytest.fixture
def sign_in_002(password: str) -> Callable[[Any], CsrfBrowser]:
    """``sign_in_002(user)``: a client signed in through login/ and token/ (document
    002's access and refresh cookies set)."""

    def sign_in(user: Any) -> CsrfBrowser:
        client = CsrfBrowser()
        response = client.post("/auth-api/login/", {"email": user.email, "password": password})
        assert response.status_code == 200, response.content
        response = client.post(
            "/auth-api/token/", {"email": user.email, "otp": last_code(user.email)}
        )
        assert response.status_code == 200, response.content
        return client

    return sign_in


# --- settings -----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _roomy_limits(settings: Any) -> None:
    """Throttles no race reaches, and no reCAPTCHA demand (a secret may be in the
    environment): what is under test is the database, not the rate limits."""
    rates = dict(settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES") or {})
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(rates, "100000/min"),
    }
    settings.RECAPTCHA_SECRET = ""
