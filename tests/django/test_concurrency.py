"""Simultaneous refreshes of one refresh token: exactly one succeeds and the family
never forks (SQLite here; PostgreSQL with PYAUTH_TEST_POSTGRES=1)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from pyauth.lifecycle import services
from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily
from pyauth.tokens import RefreshToken, TokenError

THREADS = 8


def race(work: Callable[[], Any], threads: int = THREADS) -> list[tuple[str, Any]]:
    """Run ``work`` in ``threads`` threads released at once; each outcome is
    ("ok", result), ("refused", TokenError.code) or ("error", repr)."""
    barrier = threading.Barrier(threads)
    results: list[tuple[str, Any]] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            outcome: tuple[str, Any] = ("ok", work())
        except TokenError as exc:
            outcome = ("refused", exc.code)
        except Exception as exc:  # the test reports every failure
            outcome = ("error", repr(exc))
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=60)
    assert len(results) == threads
    return results


def outcomes(results: list[tuple[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind, _value in results:
        counts[kind] = counts.get(kind, 0) + 1
    return counts


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("grace", [0, 30])
def test_one_refresh_wins(user: Any, settings: Any, grace: int) -> None:
    settings.PYAUTH = {"REUSE_GRACE_SECONDS": grace}
    first, _access = services.issue(user)
    raw = str(first)
    results = race(lambda: services.refresh(raw))
    assert outcomes(results) == {"ok": 1, "refused": THREADS - 1}, results
    assert {v for k, v in results if k == "refused"} <= {"token_reused", "token_revoked"}
    winner = next(v for k, v in results if k == "ok")[0]
    # the family did not fork: the original record and exactly one successor
    records = RefreshTokenRecord.objects.filter(family_id=first["sid"])
    assert records.count() == 2
    assert records.filter(used_at__isnull=True).count() == 1
    family = TokenFamily.objects.get(pk=first["sid"])
    if grace:
        # racing tabs: the losers were refused and the winner's token lives on
        assert family.revoked_at is None
        assert services.refresh(str(winner))[0] is not None
    else:
        # indistinguishable from a replay: the family is revoked
        assert family.revoked_at is not None
        with pytest.raises(TokenError):
            services.refresh(str(winner))


@pytest.mark.django_db(transaction=True)
def test_adoption_race(user: Any) -> None:
    legacy = str(RefreshToken.for_user(user))
    results = race(lambda: services.refresh(legacy), threads=4)
    assert outcomes(results) == {"ok": 1, "refused": 3}, results
    assert TokenFamily.objects.count() == 1
    assert RefreshTokenRecord.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_database_is_shared_between_threads(user: Any) -> None:
    """The precondition of the tests above (the test would pass vacuously if every
    thread had a database of its own)."""
    services.issue(user)
    results = race(lambda: TokenFamily.objects.count(), threads=2)
    assert results == [("ok", 1), ("ok", 1)], (results, connection.settings_dict["NAME"])
