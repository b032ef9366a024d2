"""``pyauth.jwt.decoder(..., cache_size=n)``: a :class:`VerifiedTokenCache` in front of
the core's decoder. A token the core verified is answered again without the core while
its time claims hold; it must never accept what the core would refuse at that moment,
never hand one caller's changes to the next, and stay bounded."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

import pyauth.jwt
from pyauth import _core, exceptions
from pyauth.jwt import VerifiedTokenCache

SECRET = "cache-secret-0123456789-abcdefghijklmnop"
NOW = 1_700_000_000.0


class Clock:
    """The time both the cache and the core read (the core through its ``now``)."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(pyauth.jwt, "time", fake)
    return fake


def _token(claims: dict[str, Any], secret: str = SECRET) -> str:
    return pyauth.jwt.encode(claims, secret, algorithm="HS256")


class Counting:
    """The core's decoder at the fake clock's time, counting its calls."""

    def __init__(self, clock: Clock, *, leeway: float = 0.0) -> None:
        self.calls = 0
        self.clock = clock
        bound = pyauth.jwt.decoder(SECRET, ["HS256"], leeway=leeway)
        assert isinstance(bound, _core.Decoder)
        self.core = bound

    def __call__(self, token: str | bytes, now: float) -> dict[str, Any]:
        assert now == self.clock.now  # the cache hands the core the time it read
        self.calls += 1
        return self.core(token, now)


def _cache(clock: Clock, *, size: int = 8, leeway: float = 0.0) -> tuple[Any, Counting]:
    core = Counting(clock, leeway=leeway)
    return VerifiedTokenCache(core, size, leeway), core


def test_cache_size_zero_is_the_plain_core_decoder() -> None:
    assert isinstance(pyauth.jwt.decoder(SECRET, ["HS256"]), _core.Decoder)
    cached = pyauth.jwt.decoder(SECRET, ["HS256"], cache_size=4)
    assert isinstance(cached, VerifiedTokenCache)


@pytest.mark.parametrize("size", [-1, True, 1.5, "8", None])
def test_cache_size_must_be_a_non_negative_int(size: Any) -> None:
    with pytest.raises(ValueError, match="cache_size"):
        pyauth.jwt.decoder(SECRET, ["HS256"], cache_size=size)


def test_a_token_seen_again_skips_the_core(clock: Clock) -> None:
    cache, core = _cache(clock)
    token = _token({"sub": "ada", "exp": int(NOW) + 300, "n": 1, "f": 1.5, "ok": True, "x": None})
    first = cache(token)
    assert core.calls == 1
    for _ in range(5):
        assert cache(token) == first
    assert core.calls == 1
    assert len(cache) == 1
    # bytes and text are two keys, each verified once
    assert cache(token.encode()) == first
    assert core.calls == 2


def test_every_hit_is_a_fresh_dict(clock: Clock) -> None:
    cache, _core_calls = _cache(clock)
    token = _token({"sub": "ada", "role": "user"})
    first = cache(token)
    first["role"] = "admin"
    del first["sub"]
    second = cache(token)
    assert second == {"sub": "ada", "role": "user"}
    second["role"] = "admin"
    assert cache(token) == {"sub": "ada", "role": "user"}


@pytest.mark.parametrize("value", [["admin"], {"team": "a"}, []])
def test_tokens_with_containers_are_never_cached(clock: Clock, value: Any) -> None:
    cache, core = _cache(clock)
    token = _token({"sub": "ada", "roles": value})
    got = cache(token)
    if isinstance(value, list):
        got["roles"].append("root")
    else:
        got["roles"]["x"] = "y"
    assert cache(token) == {"sub": "ada", "roles": value}
    assert core.calls == 2
    assert len(cache) == 0


@pytest.mark.parametrize("leeway", [0.0, 30.0])
@pytest.mark.parametrize("offset", [-1.0, -0.001, 0.0, 0.001, 1.0, 100.0])
def test_expiry_from_the_cache_is_the_cores(clock: Clock, leeway: float, offset: float) -> None:
    """Around the moment ``exp`` passes (``exp <= now - leeway``), a cached token is
    answered exactly as the core answers it then."""
    cache, core = _cache(clock, leeway=leeway)
    exp = int(NOW) + 60
    token = _token({"sub": "ada", "exp": exp})
    assert cache(token)["exp"] == exp
    clock.now = exp + leeway + offset
    try:
        expected: Any = core.core(token, clock.now)
    except exceptions.ExpiredSignatureError as exc:
        expected = type(exc)
    if expected is exceptions.ExpiredSignatureError:
        with pytest.raises(exceptions.ExpiredSignatureError):
            cache(token)
    else:
        assert cache(token) == expected


def test_an_expired_token_leaves_the_cache_for_the_core(clock: Clock) -> None:
    cache, core = _cache(clock)
    token = _token({"sub": "ada", "exp": int(NOW) + 10})
    cache(token)
    clock.now = NOW + 10
    with pytest.raises(exceptions.ExpiredSignatureError):
        cache(token)
    assert core.calls == 2


def test_a_clock_stepped_back_asks_the_core_again(clock: Clock) -> None:
    """``nbf`` held when the token was cached; before that moment the cache does not
    answer, so a clock stepped back gets the core's refusal."""
    cache, core = _cache(clock)
    token = _token({"sub": "ada", "nbf": int(NOW) - 5, "exp": int(NOW) + 300})
    cache(token)
    clock.now = NOW - 60
    with pytest.raises(exceptions.ImmatureSignatureError):
        cache(token)
    clock.now = NOW + 1
    cache(token)
    assert core.calls == 2


def test_a_token_without_exp_stays_as_the_core_accepts_it(clock: Clock) -> None:
    cache, core = _cache(clock)
    token = _token({"sub": "ada"})
    cache(token)
    clock.now = NOW + 10 * 365 * 86400
    assert cache(token) == {"sub": "ada"}
    assert core.calls == 1


def test_a_forged_twin_of_a_cached_token_is_refused(clock: Clock) -> None:
    cache, _calls = _cache(clock)
    token = _token({"sub": "ada", "exp": int(NOW) + 300})
    cache(token)
    head, payload, signature = token.split(".")
    forged_sig = ("A" if signature[0] != "A" else "B") + signature[1:]
    for forged in (
        f"{head}.{payload}.{forged_sig}",
        f"{head}.{_token({'sub': 'eve', 'exp': int(NOW) + 300}).split('.')[1]}.{signature}",
        _token({"sub": "ada", "exp": int(NOW) + 300}, secret="another-secret-0123456789-abcdef"),
        token + "A",
    ):
        with pytest.raises(exceptions.InvalidTokenError):
            cache(forged)
    assert len(cache) == 1


@pytest.mark.parametrize("token", [bytearray(b"a.b.c"), memoryview(b"a.b.c"), 12, None])
def test_other_types_go_to_the_core_uncached(clock: Clock, token: Any) -> None:
    cache, core = _cache(clock)
    with pytest.raises(Exception) as cached_error:
        cache(token)
    with pytest.raises(Exception) as core_error:
        core.core(token, clock.now)
    assert type(cached_error.value) is type(core_error.value)
    assert len(cache) == 0


def test_the_oldest_tokens_leave_first(clock: Clock) -> None:
    cache, core = _cache(clock, size=3)
    tokens = [_token({"sub": str(i)}) for i in range(5)]
    for token in tokens:
        cache(token)
    assert len(cache) == 3
    assert core.calls == 5
    for token in tokens[2:]:
        cache(token)
    assert core.calls == 5
    cache(tokens[0])
    assert core.calls == 6
    assert len(cache) == 3
    cache.clear()
    assert len(cache) == 0


def test_threads_share_one_bounded_cache(clock: Clock) -> None:
    cache, _calls = _cache(clock, size=16)
    tokens = [_token({"sub": str(i), "exp": int(NOW) + 300}) for i in range(64)]
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for round_ in range(20):
                for i in range(len(tokens)):
                    token = tokens[(i + offset + round_) % len(tokens)]
                    assert cache(token)["sub"] == token_subject[token]
        except BaseException as exc:
            errors.append(exc)

    token_subject = {t: str(i) for i, t in enumerate(tokens)}
    threads = [threading.Thread(target=work, args=(k * 7,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(cache) <= 16


def _decoders() -> list[Callable[[str], Any]]:
    return [
        pyauth.jwt.decoder(SECRET, ["HS256"], audience="api", token_type=("typ", "access")),
        pyauth.jwt.decoder(
            SECRET, ["HS256"], audience="api", token_type=("typ", "access"), cache_size=4
        ),
    ]


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "api", "typ": "access", "sub": "ada"},
        {"aud": "web", "typ": "access"},
        {"aud": "api", "typ": "refresh"},
        {"aud": "api"},
    ],
)
def test_cached_and_plain_decoders_agree(claims: dict[str, Any]) -> None:
    token = _token(claims)
    answers = []
    for decode in _decoders():
        for _ in range(2):  # the second call of the cached one is a hit, if any
            try:
                answers.append(decode(token))
            except exceptions.InvalidTokenError as exc:
                answers.append(type(exc))
    assert all(a == answers[0] for a in answers)


def test_require_is_the_require_option_of_decode() -> None:
    with_exp = _token({"sub": "ada", "exp": int(NOW) + 10**9})
    without = _token({"sub": "ada"})
    for cache_size in (0, 4):
        decode = pyauth.jwt.decoder(
            SECRET, ["HS256"], require=["exp", "sub"], cache_size=cache_size
        )
        assert decode(with_exp)["sub"] == "ada"
        with pytest.raises(exceptions.MissingRequiredClaimError) as excinfo:
            decode(without)
        assert excinfo.value.claim == "exp"
        with pytest.raises(exceptions.MissingRequiredClaimError):
            pyauth.jwt.decode(without, SECRET, algorithms=["HS256"], options={"require": ["exp"]})
    with pytest.raises(TypeError, match="require"):
        pyauth.jwt.decoder(SECRET, ["HS256"], require="exp")
