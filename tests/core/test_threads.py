"""pyauth releases the GIL around expensive core calls, and its calls are correct when
made from several threads at once.

How the GIL tests prove it without timing anything
--------------------------------------------------
A worker thread makes ONE expensive call into the core (an Argon2id hash at 256 MiB,
t=3; a 1,000,000-iteration PBKDF2 verification; an RSA-2048 key generation), raising a
flag just before the call and lowering it just after. Meanwhile the main thread runs a
pure-Python loop and counts the iterations it completes while the flag is up.

The GIL switch interval is raised to 10 s for the test, so the interpreter never forces
a thread to hand the GIL over: it changes hands only when its holder gives it up (a
C call that releases it, or the main loop's periodic ``time.sleep(0)``).

- If the call held the GIL, the worker would keep it from raising the flag until after
  lowering it: the main thread could not run a single iteration with the flag up, and
  counts exactly 0 (``test_the_method_detects_a_gil_holder`` shows this with ``sum()``
  over a large range, one C call that never releases the GIL).
- If the call releases the GIL, the main thread runs for the whole call, which lasts
  hundreds of milliseconds: hundreds of thousands of iterations.

The threshold (10,000) sits orders of magnitude from both outcomes, so a slow or loaded
machine changes the margins, not the verdict: what is asserted is *whether* Python code
ran during the call, not how fast anything was.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jwt as pyjwt
import pytest

import pyauth.jwt
from pyauth import otp, passwords
from pyauth.passwords import Argon2Params

FAST = Argon2Params(memory_kib=256, iterations=1)
THRESHOLD = 10_000


@pytest.fixture
def no_forced_switching() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def iterations_during(call: Callable[[], Any], repeat: int = 1) -> tuple[int, list[Any]]:
    """Run ``call`` ``repeat`` times in a worker thread; count the main thread's loop
    iterations while a call is in progress. Returns (count, results)."""
    in_call = threading.Event()
    finished = threading.Event()
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(repeat):
                in_call.set()
                result = call()
                in_call.clear()
                results.append(result)
        except BaseException as e:  # reported in the main thread
            errors.append(e)
        finally:
            in_call.clear()
            finished.set()

    thread = threading.Thread(target=worker)
    count = 0
    n = 0
    thread.start()
    while not finished.is_set():
        if in_call.is_set():
            count += 1
        n += 1
        if n % 64 == 0:
            time.sleep(0)  # gives the GIL up, so a worker back from C can take it
    thread.join()
    if errors:
        raise errors[0]
    assert len(results) == repeat
    return count, results


def test_argon2id_hash_releases_the_gil(no_forced_switching: None) -> None:
    params = Argon2Params(memory_kib=262144, iterations=3)
    count, (encoded,) = iterations_during(lambda: passwords.hash("correct horse", params))
    assert count > THRESHOLD, count
    assert passwords.identify(encoded).memory_kib == 262144


def test_argon2_verify_releases_the_gil(no_forced_switching: None) -> None:
    encoded = passwords.hash("pw", Argon2Params(memory_kib=131072, iterations=3))
    count, results = iterations_during(lambda: passwords.verify("pw", encoded))
    assert count > THRESHOLD, count
    assert results == [True]


def test_pbkdf2_verify_releases_the_gil(no_forced_switching: None) -> None:
    encoded = passwords.hash_pbkdf2_sha256("pw", 1_000_000, salt="saltsalt")
    count, results = iterations_during(lambda: passwords.verify("pw", encoded))
    assert count > THRESHOLD, count
    assert results == [True]


def test_rsa_key_generation_releases_the_gil(no_forced_switching: None) -> None:
    count, keys = iterations_during(lambda: pyauth.jwt.generate_key("RS256"), repeat=3)
    assert count > THRESHOLD, count
    assert all(k.algorithm == "RS256" and k.is_private for k in keys)


def test_the_method_detects_a_gil_holder(no_forced_switching: None) -> None:
    """The counter itself: ``sum()`` over a large range is one long C call that never
    releases the GIL (it takes about as long as the hashes above); the main thread counts
    nothing while it runs."""
    big = range(30_000_000)
    count, results = iterations_during(lambda: sum(big))
    assert results == [30_000_000 * 29_999_999 // 2]
    assert count < THRESHOLD, count


# --- correctness under concurrency -----------------------------------------------------------


def test_concurrent_hash_and_verify_are_correct() -> None:
    def job(i: int) -> bool:
        password = f"password-{i}-ü"
        encoded = passwords.hash(password, FAST)
        pb = passwords.hash_pbkdf2_sha256(password, 2000)
        return (
            passwords.verify(password, encoded)
            and not passwords.verify(password + "x", encoded)
            and passwords.verify(password, pb)
            and not passwords.verify(f"password-{i + 1}-ü", pb)
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(job, range(48)))


def test_concurrent_jwt_encode_decode_are_correct(jwt_keys: Any) -> None:
    """Each thread has its own decoder buffers; results must never mix across threads."""
    algs = ["HS256", "RS256", "PS256", "ES256", "ES384", "EdDSA"]

    def job(i: int) -> bool:
        alg = algs[i % len(algs)]
        km = jwt_keys[alg]
        claims = {"i": i, "pad": "x" * (i * 7 % 300), "nested": {"i": [i] * (i % 5)}}
        token = pyauth.jwt.encode(claims, km.signing, algorithm=alg)
        ok = pyauth.jwt.decode(token, km.verifying, algorithms=[alg]) == claims
        ok = ok and pyjwt.decode(token, km.verifying, algorithms=[alg]) == claims
        try:
            pyauth.jwt.decode(token[:-4] + "AAAA", km.verifying, algorithms=[alg])
            ok = False
        except pyauth.jwt.InvalidTokenError:
            pass
        return ok

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(job, range(240)))


def test_concurrent_otp_is_correct() -> None:
    import pyotp

    secret = otp.random_base32()
    totp = otp.TOTP(secret)
    reference = pyotp.TOTP(secret)
    now = int(time.time())

    def job(i: int) -> bool:
        t = now + 30 * i
        code = totp.at(t)
        return code == reference.at(t) and totp.verify(code, for_time=t)

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert all(pool.map(job, range(400)))
