"""PASSWORD_HASH_CONCURRENCY: never more than N hashes at once, whatever the number of
threads asking (the core call is replaced by an instrumented one; nothing is timed)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import pytest

from pyauth import passwords
from pyauth.hashers import Argon2idPasswordHasher, PBKDF2SHA256PasswordHasher

LIMIT = 2


class Gate:
    """Stands in for a core function: counts the calls inside it and holds them until
    released, so the limiter's queue can be seen."""

    def __init__(self, result: Any) -> None:
        self.result = result
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0
        self.calls = 0
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()

    def __call__(self, *args: Any) -> Any:
        with self.lock:
            self.inside += 1
            self.calls += 1
            self.most = max(self.most, self.inside)
        self.entered.release()
        self.release.wait(timeout=30)
        with self.lock:
            self.inside -= 1
        return self.result


def run_storm(gate: Gate, call: Callable[[], Any], threads: int) -> None:
    workers = [threading.Thread(target=call) for _ in range(threads)]
    for w in workers:
        w.start()
    for _ in range(LIMIT):
        assert gate.entered.acquire(timeout=30)
    # The limit is reached; the others must be queued, not inside.
    assert not gate.entered.acquire(timeout=0.3)
    assert gate.inside == LIMIT
    gate.release.set()
    for w in workers:
        w.join(timeout=30)
    assert gate.calls == threads
    assert gate.most == LIMIT


@pytest.fixture
def limited(settings: Any) -> Any:
    settings.PYAUTH = {"PASSWORD_HASH_CONCURRENCY": LIMIT}
    yield
    passwords.set_max_concurrency(None)


@pytest.mark.usefixtures("limited")
def test_hashes_beyond_the_limit_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate("argon2$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
    monkeypatch.setattr(passwords._core, "hash_argon2id", gate)
    run_storm(gate, lambda: Argon2idPasswordHasher().encode("pw", "salt"), LIMIT + 1)


@pytest.mark.usefixtures("limited")
def test_verifications_beyond_the_limit_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    gate = Gate(True)
    monkeypatch.setattr(passwords._core, "verify_password", gate)
    encoded = "pbkdf2_sha256$1000000$salt$aGFzaA=="
    run_storm(gate, lambda: PBKDF2SHA256PasswordHasher().verify("pw", encoded), LIMIT + 3)


def test_default_is_the_cpu_count(settings: Any) -> None:
    settings.PYAUTH = {}
    Argon2idPasswordHasher().verify("pw", "argon2$nonsense")
    assert passwords.max_concurrency() == (os.cpu_count() or 1)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_limits_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="hash concurrency"):
        passwords.set_max_concurrency(bad)


def test_real_hashes_under_the_limit_still_verify(limited: Any) -> None:
    hasher = Argon2idPasswordHasher()
    results: list[bool] = []

    def login() -> None:
        results.append(hasher.verify("pw", encoded))

    encoded = hasher.encode("pw", "")
    threads = [threading.Thread(target=login) for _ in range(LIMIT + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * (LIMIT + 1)
