"""50 simultaneous refreshes of one refresh token, through each document's refresh
endpoint: the family never forks.

pyauth.lifecycle claims a refresh token with one conditional UPDATE (``... WHERE
jti_digest = %s AND used_at IS NULL AND blacklisted_at IS NULL``); PostgreSQL's row lock
makes every other claimant wait for the winner's commit and then see no row, SQLite's
write lock serialises them. So of 50 simultaneous presentations exactly one gets a
successor and the other 49 are replays of a rotated token, which, as documented
(services module, README), revoke the whole family -- or, with REUSE_GRACE_SECONDS > 0
(racing browser tabs), are refused while the family and the winner's tokens live on.
Document 003's refresh does not rotate: 50 simultaneous ones all succeed and nothing
is recorded twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily, jti_digest
from pyauth.lifecycle.services import REASON_REUSE

THREADS = 50

#: What a refused refresh says (simplejwt's code); the detail names the reason.
REFUSED_DETAILS = {
    0: {"Token is blacklisted"},
    30: {"Token has already been used"},
}


def share_cookies(source: Any, target: Any) -> Any:
    """Give ``target`` the cookies of ``source`` (a client or a response), as tabs of one
    browser share its cookie jar: the refresh cookie and whatever the server set with
    it. Each client keeps its own CSRF cookie; deleted cookies (empty) are not copied."""
    for name, morsel in source.cookies.items():
        if name != "csrftoken" and morsel.value:
            target.cookies[name] = morsel.value
    return target


def digest(raw: str, jwt_claims: Callable[[str], dict[str, Any]]) -> str:
    return jti_digest(jwt_claims(raw)["jti"])


def assert_one_successor(
    results: list[Any],
    *,
    original: str,
    successor_of: Callable[[Any], str],
    grace: int,
    jwt_claims: Callable[[str], dict[str, Any]],
) -> tuple[Any, str]:
    """Exactly one 200, every other answer a clean 401; the family holds the original
    (rotated) record and exactly one successor. Returns the winning response and the
    successor."""
    statuses = Counter(response.status_code for response in results)
    assert statuses == {200: 1, 401: THREADS - 1}, statuses
    for response in results:
        if response.status_code == 401:
            body = response.json()
            assert body["code"] == "token_not_valid", body
            assert body["detail"] in REFUSED_DETAILS[grace], body
    winner = next(response for response in results if response.status_code == 200)
    successor = successor_of(winner)
    sid = jwt_claims(original)["sid"]
    assert jwt_claims(successor)["sid"] == sid
    records = RefreshTokenRecord.objects.filter(family_id=sid)
    assert sorted(records.values_list("jti_digest", flat=True)) == sorted(
        [digest(original, jwt_claims), digest(successor, jwt_claims)]
    )
    assert records.get(jti_digest=digest(original, jwt_claims)).used_at is not None
    live = records.get(jti_digest=digest(successor, jwt_claims))
    assert live.used_at is None and live.blacklisted_at is None
    assert TokenFamily.objects.filter(user__email="alice@example.com").count() == 1
    return winner, successor


def assert_reuse_detection(sid: str, grace: int) -> None:
    """Grace 0: the losers were replays and revoked the family (RFC 9700 §4.14).
    Grace 30: they were racing tabs, refused while the family lives on."""
    family = TokenFamily.objects.get(pk=sid)
    if grace:
        assert family.revoked_at is None
    else:
        assert family.revoked_at is not None
        assert family.revoke_reason == REASON_REUSE


@pytest.fixture(params=[0, 30], ids=["grace-0", "grace-30"])
def grace(request: pytest.FixtureRequest, settings: Any) -> int:
    """REUSE_GRACE_SECONDS: 0 (the default) and 30."""
    seconds: int = request.param
    settings.PYAUTH = {**settings.PYAUTH, "REUSE_GRACE_SECONDS": seconds}
    return seconds


# --- document 000: the refresh cookie, /api/auth/token/refresh -----------------------


def test_doc000_cookie_refreshes_never_fork(
    race_db: None,
    race: Any,
    make_user: Any,
    password: str,
    grace: int,
    jwt_claims: Callable[[str], dict[str, Any]],
) -> None:
    make_user()
    browser = APIClient()
    login = browser.post("/api/auth/login", {"email": "alice@example.com", "password": password})
    assert login.status_code == 200, login.content
    original = browser.cookies["refresh_token"].value

    tabs = [share_cookies(browser, APIClient()) for _ in range(THREADS)]
    results = race(lambda tab: tab.post("/api/auth/token/refresh"), tabs)

    winner, successor = assert_one_successor(
        results,
        original=original,
        successor_of=lambda response: response.cookies["refresh_token"].value,
        grace=grace,
        jwt_claims=jwt_claims,
    )
    assert_reuse_detection(jwt_claims(original)["sid"], grace)

    after = share_cookies(winner, share_cookies(browser, APIClient()))
    assert after.cookies["refresh_token"].value == successor
    expected = 200 if grace else 401  # the winner's tokens share the family's fate
    assert after.get("/api/auth/me").status_code == expected
    assert after.post("/api/auth/token/refresh").status_code == expected


# --- document 002: the /auth-api/ refresh cookie, with X-CSRFToken ---------------------


def test_doc002_cookie_refreshes_never_fork(
    race_db: None,
    race: Any,
    make_user: Any,
    sign_in_002: Any,
    csrf_client: Any,
    grace: int,
    jwt_claims: Callable[[str], dict[str, Any]],
) -> None:
    user = make_user()
    browser = sign_in_002(user)
    original = browser.cookies["refresh_token"].value

    tabs = [share_cookies(browser, csrf_client()) for _ in range(THREADS)]
    results = race(lambda tab: tab.post("/auth-api/token/refresh/"), tabs)

    winner, successor = assert_one_successor(
        results,
        original=original,
        successor_of=lambda response: response.cookies["refresh_token"].value,
        grace=grace,
        jwt_claims=jwt_claims,
    )
    assert_reuse_detection(jwt_claims(original)["sid"], grace)

    after = share_cookies(winner, share_cookies(browser, csrf_client()))
    assert after.cookies["refresh_token"].value == successor
    expected = 200 if grace else 401
    assert after.get(f"/auth-api/users/{user.pk}/").status_code == expected
    assert after.post("/auth-api/token/refresh/").status_code == expected


# --- document 003: {refresh} in the body, /api/token/refresh/ (no rotation) ------------


def test_doc003_body_refreshes_all_succeed_without_copies(
    race_db: None,
    race: Any,
    make_user: Any,
    password: str,
    jwt_claims: Callable[[str], dict[str, Any]],
) -> None:
    make_user(username="alice")
    tokens = APIClient().post("/api/token/", {"username": "alice", "password": password})
    assert tokens.status_code == 200, tokens.content
    refresh = tokens.json()["refresh"]
    sid = jwt_claims(refresh)["sid"]

    results = race(
        lambda client: client.post("/api/token/refresh/", {"refresh": refresh}, format="json"),
        [APIClient() for _ in range(THREADS)],
    )

    assert Counter(response.status_code for response in results) == {200: THREADS}
    accesses = [response.json() for response in results]
    assert all(set(body) == {"access"} for body in accesses)  # no successor, ever
    assert {jwt_claims(body["access"])["sid"] for body in accesses} == {sid}
    record = RefreshTokenRecord.objects.get(family_id=sid)
    assert record.jti_digest == digest(refresh, jwt_claims)
    assert record.used_at is None and record.blacklisted_at is None
    assert TokenFamily.objects.get(pk=sid).revoked_at is None
    dashboard = APIClient()
    dashboard.credentials(HTTP_AUTHORIZATION=f"Bearer {accesses[-1]['access']}")
    assert dashboard.get("/api/dashboard/").status_code == 200


# --- logout racing refresh: never a live successor in a revoked family --------------


def test_doc000_logout_racing_refreshes_leaves_nothing_alive(
    race_db: None,
    race: Any,
    make_user: Any,
    password: str,
    jwt_claims: Callable[[str], dict[str, Any]],
) -> None:
    """A logout sent while 49 refreshes of the same token race: whatever order the
    database picks, the family ends revoked and no token of it refreshes any more."""
    make_user()
    browser = APIClient()
    login = browser.post("/api/auth/login", {"email": "alice@example.com", "password": password})
    assert login.status_code == 200, login.content
    original = browser.cookies["refresh_token"].value

    jobs = [
        (
            "/api/auth/logout" if i == 0 else "/api/auth/token/refresh",
            share_cookies(browser, APIClient()),
        )
        for i in range(THREADS)
    ]
    results = race(lambda job: job[1].post(job[0]), jobs)

    assert results[0].status_code == 200  # logging out always succeeds
    refreshed = [response for response in results[1:] if response.status_code == 200]
    assert len(refreshed) <= 1
    assert all(response.status_code in (200, 401) for response in results[1:])
    sid = jwt_claims(original)["sid"]
    assert TokenFamily.objects.get(pk=sid).revoked_at is not None
    assert RefreshTokenRecord.objects.filter(family_id=sid).count() == 1 + len(refreshed)
    for response in refreshed:
        late = share_cookies(response, share_cookies(browser, APIClient()))
        assert late.post("/api/auth/token/refresh").status_code == 401
