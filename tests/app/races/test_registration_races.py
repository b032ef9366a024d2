"""20 simultaneous registrations of one email (or one username) make exactly one account:
one 201, every other answer a clean 400 naming the field, never a 500.

The serializers check uniqueness first (a friendly message), but simultaneous requests
all pass that check; the database's unique indexes decide (``email`` stored lowercased,
``Lower(username)``), and django_app.accounts.serializers.create_account turns the
IntegrityError of the losers into the same 400.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from django_app.accounts import serializers as accounts_serializers
from django_app.accounts.models import Profile
from django_app.authapi_users import serializers as authapi_users_serializers

THREADS = 20
EMAIL = "race@example.com"
#: The same address as different people type it: all one account.
SPELLINGS = ["race@example.com", "Race@Example.com", "RACE@EXAMPLE.COM", " race@example.COM "]


def body_000(email: str, password: str) -> dict[str, Any]:
    return {"email": email, "password": password, "confirm_password": password}


def body_001(email: str, password: str) -> dict[str, Any]:
    return {"name": "Race", "email": email, "password": password}


def body_004(email: str, password: str, i: int = 0) -> dict[str, Any]:
    return {"username": f"racer{i}", "email": email, "password": password, "password2": password}


def body_002(email: str, password: str, i: int = 0) -> dict[str, Any]:
    return {"email": email, "password": password, "full_name": "Race"}


#: (endpoint, body maker, whether the client is document 002's CSRF client)
ENDPOINTS: dict[str, tuple[str, Callable[..., dict[str, Any]], bool]] = {
    "000": ("/api/auth/register", lambda e, p, i: body_000(e, p), False),
    "001": ("/api/register/", lambda e, p, i: body_001(e, p), False),
    "004": ("/api/register/", body_004, False),
    "002": ("/auth-api/users/", body_002, True),
}


def assert_one_account(results: list[Any], field: str) -> None:
    statuses = Counter(response.status_code for response in results)
    assert statuses == {201: 1, 400: THREADS - 1}, statuses
    for response in results:
        if response.status_code == 400:
            assert response["Content-Type"] == "application/json"
            assert field in response.json(), response.json()


@pytest.mark.parametrize("document", sorted(ENDPOINTS))
def test_one_email_registered_at_once_makes_one_account(
    race_db: None, race: Any, password: str, csrf_client: Any, document: str
) -> None:
    path, body, needs_csrf = ENDPOINTS[document]

    def prepare(i: int) -> tuple[Any, dict[str, Any]]:
        client = csrf_client() if needs_csrf else APIClient()
        return client, body(SPELLINGS[i % len(SPELLINGS)], password, i)

    results = race(
        lambda job: job[0].post(path, job[1], format="json"), [prepare(i) for i in range(THREADS)]
    )

    assert_one_account(results, "email")
    users = get_user_model().objects.filter(email=EMAIL)
    assert users.count() == 1
    assert get_user_model().objects.count() == 1
    assert Profile.objects.filter(user=users.get()).count() == 1


def test_one_email_across_every_registration_endpoint(
    race_db: None, race: Any, password: str, csrf_client: Any
) -> None:
    """The four registration endpoints at once, five threads each, the address spelt
    four ways: still one account."""
    documents = sorted(ENDPOINTS)

    def prepare(i: int) -> tuple[Any, str, dict[str, Any]]:
        path, body, needs_csrf = ENDPOINTS[documents[i % len(documents)]]
        client = csrf_client() if needs_csrf else APIClient()
        return client, path, body(SPELLINGS[(i // len(documents)) % len(SPELLINGS)], password, i)

    results = race(
        lambda job: job[0].post(job[1], job[2], format="json"), [prepare(i) for i in range(THREADS)]
    )

    assert_one_account(results, "email")
    assert get_user_model().objects.filter(email=EMAIL).count() == 1
    assert get_user_model().objects.count() == 1


def test_one_username_registered_at_once_makes_one_account(
    race_db: None, race: Any, password: str
) -> None:
    """Document 003's {username, password}: usernames are unique case-insensitively."""
    spellings = ["racer", "Racer", "RACER", "rAcEr"]

    results = race(
        lambda name: APIClient().post(
            "/api/register/", {"username": name, "password": password}, format="json"
        ),
        [spellings[i % len(spellings)] for i in range(THREADS)],
    )

    statuses = Counter(response.status_code for response in results)
    assert statuses == {201: 1, 400: THREADS - 1}, statuses
    for response in results:
        if response.status_code == 400:
            assert set(response.json()) & {"username", "email"}, response.json()
    assert get_user_model().objects.filter(username__iexact="racer").count() == 1
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize("document", [*sorted(ENDPOINTS), "003-username"])
def test_registrations_that_all_passed_validation_make_one_account(
    race_db: None, race: Any, password: str, csrf_client: Any, document: str, monkeypatch: Any
) -> None:
    """The race forced: every request is held after its serializer has validated (so
    each one saw no such account) until all have, then they all insert at once. Only
    the unique index can refuse the 19 losers now, and their IntegrityError must come
    out as the same clean 400."""
    gate = threading.Barrier(THREADS, timeout=60)
    create_account = accounts_serializers.create_account

    def held(data: dict[str, Any]) -> Any:
        gate.wait()
        return create_account(data)

    monkeypatch.setattr(accounts_serializers, "create_account", held)
    monkeypatch.setattr(authapi_users_serializers, "create_account", held)
    if document == "003-username":
        path, needs_csrf = "/api/register/", False

        def body(i: int) -> dict[str, Any]:
            return {"username": ["racer", "Racer", "RACER"][i % 3], "password": password}
    else:
        path, make_body, needs_csrf = ENDPOINTS[document]

        def body(i: int) -> dict[str, Any]:
            return make_body(SPELLINGS[i % len(SPELLINGS)], password, i)

    def prepare(i: int) -> tuple[Any, dict[str, Any]]:
        return (csrf_client() if needs_csrf else APIClient()), body(i)

    results = race(
        lambda job: job[0].post(path, job[1], format="json"), [prepare(i) for i in range(THREADS)]
    )

    assert_one_account(results, "email")
    refusals = [response.json() for response in results if response.status_code == 400]
    assert refusals == [{"email": ["A user with that email or username already exists."]}] * (
        THREADS - 1
    )
    assert get_user_model().objects.count() == 1
    assert Profile.objects.count() == 1
