"""pyauth.passwords: Django's vectors, interop both ways with Django 5.2's own hashers and
with argon2-cffi, needs_rehash / identify, and every refusal.

Most hashes here use small Argon2 costs (FAST) so the suite stays quick; the OWASP
default and Django's defaults are each exercised once."""

from __future__ import annotations

import os
import re
from typing import Any

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st

from pyauth import exceptions as exc
from pyauth import passwords
from pyauth.passwords import Argon2Params

VECTORS = "django-password-hashes.json"
FAST = Argon2Params(memory_kib=256, iterations=1)
ARGON2_RE = re.compile(
    r"^argon2\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$"
)
PBKDF2_RE = re.compile(r"^pbkdf2_sha256\$(\d+)\$([A-Za-z0-9]{22})\$([A-Za-z0-9+/]{43}=)$")


def small_django_argon2(memory_cost: int, time_cost: int, parallelism: int) -> Argon2PasswordHasher:
    """Django's own Argon2 hasher with other costs (as a project would subclass it)."""
    cls = type(
        "SmallArgon2",
        (Argon2PasswordHasher,),
        {"memory_cost": memory_cost, "time_cost": time_cost, "parallelism": parallelism},
    )
    return cls()


@pytest.fixture(scope="module")
def django_settings() -> Any:
    """Django's check_password reads PASSWORD_HASHERS. Configure settings only if nobody
    has (another suite may use DJANGO_SETTINGS_MODULE; then leave it alone) and override
    the hashers for the duration of a test only."""
    from django.conf import settings as dj_settings

    if not dj_settings.configured and "DJANGO_SETTINGS_MODULE" not in os.environ:
        dj_settings.configure(
            PASSWORD_HASHERS=[
                "django.contrib.auth.hashers.Argon2PasswordHasher",
                "django.contrib.auth.hashers.PBKDF2PasswordHasher",
            ]
        )
    return dj_settings


# --- vectors ---------------------------------------------------------------------------


@pytest.mark.vectors(VECTORS, "hashes")
def test_vector_hash_verifies_as_expected(vector: dict[str, Any]) -> None:
    assert passwords.verify(vector["password"], vector["encoded"]) is vector["valid"]
    assert (
        passwords.verify(vector["password"].encode("utf-8"), vector["encoded"]) is vector["valid"]
    )
    assert passwords.identify(vector["encoded"]).algorithm == vector["algorithm"]


@pytest.mark.vectors(VECTORS, "invalid")
def test_vector_invalid_hash_is_refused(vector: dict[str, Any]) -> None:
    encoded = vector["encoded"]
    with pytest.raises(exc.InvalidHashError) as info:
        passwords.verify("password", encoded)
    assert vector["message"] in str(info.value)
    with pytest.raises(exc.InvalidHashError):
        passwords.identify(encoded)
    with pytest.raises(exc.InvalidHashError):
        passwords.needs_rehash(encoded)
    assert isinstance(info.value, ValueError)  # as argon2-cffi's InvalidHashError


# --- pyauth's own hashes -------------------------------------------------------------------


def test_default_hash_is_owasp_argon2id() -> None:
    encoded = passwords.hash("correct horse battery staple")
    m = ARGON2_RE.match(encoded)
    assert m, encoded
    assert (int(m[1]), int(m[2]), int(m[3])) == (19456, 2, 1)
    assert passwords.DEFAULT_PARAMS == Argon2Params(19456, 2, 1)
    assert passwords.verify("correct horse battery staple", encoded)
    assert not passwords.verify("correct horse battery stapl", encoded)
    assert not passwords.needs_rehash(encoded)
    info = passwords.identify(encoded)
    assert info == passwords.HashInfo("argon2id", 19456, 2, 1, 16, 32)


def test_salts_are_fresh() -> None:
    a, b = passwords.hash("same", FAST), passwords.hash("same", FAST)
    assert a != b
    assert ARGON2_RE.match(a)[4] != ARGON2_RE.match(b)[4]  # type: ignore[index]
    p, q = passwords.hash_pbkdf2_sha256("same", 1000), passwords.hash_pbkdf2_sha256("same", 1000)
    assert PBKDF2_RE.match(p) and PBKDF2_RE.match(q)
    assert p != q


@pytest.mark.parametrize(
    "password",
    [
        "",
        " ",
        "a",
        "pässwörd",
        "пароль 🔑 密码",
        "\u0000",
        "a\u0000b",
        "x" * 4096,
        "é" * 2048,
        "\U0001f510" * 1024,
    ],
)
def test_round_trip_edge_passwords(password: str) -> None:
    wrong = password[:-1] + "y"  # same length or shorter: stays within 4096 bytes
    encoded = passwords.hash(password, FAST)
    assert passwords.verify(password, encoded)
    assert passwords.verify(password.encode("utf-8"), encoded)
    assert not passwords.verify(wrong, encoded)
    if password:
        assert not passwords.verify(password[:-1], encoded)
    pb = passwords.hash_pbkdf2_sha256(password, 100)
    assert passwords.verify(password, pb)
    assert not passwords.verify(wrong, pb)


def test_empty_and_nul_passwords_are_distinct_for_argon2() -> None:
    encoded = passwords.hash("", FAST)
    assert not passwords.verify("\u0000", encoded)
    assert not passwords.verify(" ", encoded)


def test_bytes_passwords_need_not_be_utf8() -> None:
    encoded = passwords.hash(b"\xff\xfe\x00", FAST)
    assert passwords.verify(b"\xff\xfe\x00", encoded)
    assert not passwords.verify(b"\xff\xfe", encoded)


def test_over_long_password_is_refused() -> None:
    assert passwords.MAX_PASSWORD_BYTES == 4096
    for too_long in ("x" * 4097, b"x" * 4097, "é" * 2049, "x" * 100_000):
        with pytest.raises(exc.InvalidPasswordError):
            passwords.hash(too_long, FAST)
        with pytest.raises(exc.InvalidPasswordError):
            passwords.hash_pbkdf2_sha256(too_long, 1)
        with pytest.raises(exc.InvalidPasswordError):
            passwords.verify(too_long, passwords.hash("x", FAST))
        with pytest.raises(exc.InvalidPasswordError):
            passwords.verify(too_long, "pbkdf2_sha256$1$salt$" + "A" * 43 + "=")
    assert issubclass(exc.InvalidPasswordError, ValueError)


def test_password_not_encodable_as_utf8() -> None:
    with pytest.raises(exc.InvalidPasswordError):
        passwords.hash("\ud800", FAST)
    with pytest.raises(exc.InvalidPasswordError):
        passwords.verify("a\udfffb", passwords.hash("x", FAST))


def test_argument_types() -> None:
    encoded = passwords.hash("x", FAST)
    for bad_password in (None, 1, ["x"], bytearray(b"x")):
        with pytest.raises(TypeError):
            passwords.hash(bad_password, FAST)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            passwords.verify(bad_password, encoded)  # type: ignore[arg-type]
    for bad_encoded in (None, encoded.encode(), 1):
        with pytest.raises(TypeError):
            passwords.verify("x", bad_encoded)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "params",
    [
        Argon2Params(memory_kib=256, iterations=1, parallelism=2),  # libsodium creates p=1 only
        Argon2Params(memory_kib=256, iterations=1, parallelism=0),
        Argon2Params(memory_kib=256, iterations=0),
        Argon2Params(memory_kib=256, iterations=65),
        Argon2Params(memory_kib=7, iterations=1),
        Argon2Params(memory_kib=0, iterations=1),
        Argon2Params(memory_kib=(1 << 20) + 1, iterations=1),
    ],
)
def test_out_of_range_parameters(params: Argon2Params) -> None:
    with pytest.raises(exc.InvalidHashParametersError):
        passwords.hash("x", params)


def test_out_of_range_pbkdf2_parameters() -> None:
    for iterations in (0, 10_000_001):
        with pytest.raises(exc.InvalidHashParametersError):
            passwords.hash_pbkdf2_sha256("x", iterations)
    with pytest.raises(exc.InvalidHashParametersError):
        passwords.hash_pbkdf2_sha256("x", 1, salt="has$dollar")
    for iterations in (-1, 2**32):
        with pytest.raises((exc.InvalidHashParametersError, OverflowError, TypeError)):
            passwords.hash_pbkdf2_sha256("x", iterations)


@pytest.mark.parametrize(
    "encoded",
    [
        # memory far over the 1 GiB cap: refused before any allocation
        "argon2$argon2id$v=19$m=1048577,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
        "argon2$argon2id$v=19$m=4294967295,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
        "argon2$argon2id$v=19$m=18446744073709551616,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
        "argon2$argon2i$v=19$m=65536,t=100000,p=1$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
        "argon2$argon2id$v=19$m=65536,t=1,p=1000$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43,
        # PBKDF2 with iterations that would take minutes
        "pbkdf2_sha256$10000001$salt$" + "A" * 43 + "=",
        "pbkdf2_sha256$4294967296$salt$" + "A" * 43 + "=",
        "pbkdf2_sha256$" + "9" * 400 + "$salt$" + "A" * 43 + "=",
    ],
)
def test_hostile_hashes_are_refused(encoded: str) -> None:
    with pytest.raises(exc.InvalidHashError):
        passwords.verify("x", encoded)
    with pytest.raises(exc.InvalidHashError):
        passwords.identify(encoded)
    with pytest.raises(exc.InvalidHashError):
        passwords.needs_rehash(encoded)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "x",
        "argon2$",
        "pbkdf2_sha256$1$s$x",
        "bcrypt$x",
        "\u0000",
        "argon2$argon2id$v=19$m=256,t=1,p=1$\u00e9$\u00e9",
        " " * 10_000,
    ],
)
def test_garbage_hashes_are_refused(encoded: str) -> None:
    with pytest.raises(exc.InvalidHashError):
        passwords.verify("x", encoded)


# --- needs_rehash and identify -------------------------------------------------------------


def test_needs_rehash_matrix() -> None:
    owasp = passwords.hash("x")
    fast = passwords.hash("x", FAST)
    pb = passwords.hash_pbkdf2_sha256("x", 1000)
    dj_argon = small_django_argon2(512, 2, 8).encode("x", Argon2PasswordHasher().salt())
    argon2i = "argon2" + argon2.PasswordHasher(
        time_cost=1, memory_cost=64, parallelism=1, type=argon2.Type.I
    ).hash("x")
    assert not passwords.needs_rehash(owasp)
    assert passwords.needs_rehash(owasp, FAST)
    assert passwords.needs_rehash(fast)
    assert not passwords.needs_rehash(fast, FAST)
    assert passwords.needs_rehash(fast, Argon2Params(256, 2))
    assert passwords.needs_rehash(fast, Argon2Params(512, 1))
    assert passwords.needs_rehash(pb)
    assert passwords.needs_rehash(pb, FAST)
    assert passwords.needs_rehash(dj_argon)
    assert passwords.needs_rehash(dj_argon, Argon2Params(512, 2, 1))
    assert not passwords.needs_rehash(dj_argon, Argon2Params(512, 2, 8))
    assert passwords.needs_rehash(argon2i)
    assert passwords.needs_rehash(argon2i, Argon2Params(64, 1, 1))  # wrong variant


def test_identify() -> None:
    pb = passwords.hash_pbkdf2_sha256("x", 1234, salt="abcdef")
    info = passwords.identify(pb)
    assert info.algorithm == "pbkdf2_sha256"
    assert info.iterations == 1234
    assert info.salt_bytes == 6
    assert info.hash_bytes == 32
    fast = passwords.identify(passwords.hash("x", FAST))
    assert fast == passwords.HashInfo("argon2id", 256, 1, 1, 16, 32)
    dj = passwords.identify(small_django_argon2(512, 3, 8).encode("x", "saltsaltsaltsalt"))
    assert (dj.algorithm, dj.memory_kib, dj.iterations, dj.parallelism) == ("argon2id", 512, 3, 8)
    assert dj.salt_bytes == 16


# --- Django interop ------------------------------------------------------------------------


def test_django_verifies_pyauth_argon2id() -> None:
    django_hasher = Argon2PasswordHasher()
    for password in ("correct horse", "", "пароль 🔑", "x" * 4096):
        encoded = passwords.hash(password, FAST)
        assert django_hasher.verify(password, encoded)
        assert not django_hasher.verify(password + "!", encoded)
    decoded = django_hasher.decode(passwords.hash("x", FAST))
    assert (decoded["memory_cost"], decoded["time_cost"], decoded["parallelism"]) == (256, 1, 1)
    assert decoded["algorithm"] == "argon2"


def test_django_verifies_pyauth_argon2id_at_owasp_default(django_settings: Any) -> None:
    from django.contrib.auth.hashers import check_password, identify_hasher
    from django.test import override_settings

    encoded = passwords.hash("correct horse battery staple")
    assert Argon2PasswordHasher().verify("correct horse battery staple", encoded)
    with override_settings(
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.Argon2PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ]
    ):
        assert identify_hasher(encoded).algorithm == "argon2"
        assert check_password("correct horse battery staple", encoded)
        assert not check_password("Correct horse battery staple", encoded)
        # Django wants to upgrade ours to its own default (m=102400, p=8); we to ours.
        assert Argon2PasswordHasher().must_update(encoded)
        dj_encoded = Argon2PasswordHasher().encode(
            "correct horse battery staple", "saltsaltsaltsalt"
        )
        assert passwords.needs_rehash(dj_encoded)


def test_pyauth_verifies_django_argon2_at_django_default() -> None:
    """Django 5.2's default Argon2 is m=102400, t=2, p=8: p > 1, which libsodium verifies."""
    hasher = Argon2PasswordHasher()
    assert (hasher.memory_cost, hasher.time_cost, hasher.parallelism) == (102400, 2, 8)
    encoded = hasher.encode("correct horse battery staple", hasher.salt())
    assert passwords.verify("correct horse battery staple", encoded)
    assert not passwords.verify("correct horse battery stapl", encoded)
    info = passwords.identify(encoded)
    assert (info.memory_kib, info.iterations, info.parallelism) == (102400, 2, 8)


@pytest.mark.parametrize("m,t,p", [(64, 1, 1), (256, 1, 4), (512, 2, 8), (1024, 3, 2), (64, 1, 8)])
def test_pyauth_verifies_django_argon2_small(m: int, t: int, p: int) -> None:
    hasher = small_django_argon2(m, t, p)
    for password in ("lètmein", "", "пароль 🔑 密码"):
        encoded = hasher.encode(password, hasher.salt())
        assert passwords.verify(password, encoded)
        assert not passwords.verify(password + " ", encoded)


def test_pbkdf2_is_byte_identical_to_django() -> None:
    django_hasher = PBKDF2PasswordHasher()
    for password, salt, iterations in (
        ("lètmein", "seasalt", 1000),
        ("", "x", 1),
        ("пароль 🔑", "sël-ünïcødé", 1000),
        ("p" * 4096, "S" * 100, 10),
    ):
        ours = passwords.hash_pbkdf2_sha256(password, iterations, salt=salt)
        assert ours == django_hasher.encode(password, salt, iterations)


def test_django_verifies_pyauth_pbkdf2_random_salt() -> None:
    encoded = passwords.hash_pbkdf2_sha256("hunter2", 1000)
    assert PBKDF2_RE.match(encoded), encoded
    assert PBKDF2PasswordHasher().verify("hunter2", encoded)
    assert not PBKDF2PasswordHasher().verify("hunter3", encoded)


def test_pyauth_verifies_django_pbkdf2() -> None:
    hasher = PBKDF2PasswordHasher()
    for password in ("hunter2", "", "пароль"):
        encoded = hasher.encode(password, hasher.salt(), 1000)
        assert passwords.verify(password, encoded)
        assert not passwords.verify(password + "x", encoded)
        assert passwords.needs_rehash(encoded)


def test_pbkdf2_at_django_default_iterations() -> None:
    hasher = PBKDF2PasswordHasher()
    assert hasher.iterations == 1_000_000
    encoded = hasher.encode("correct horse", hasher.salt())
    assert passwords.verify("correct horse", encoded)
    ours = passwords.hash_pbkdf2_sha256("correct horse")
    assert passwords.identify(ours).iterations == 1_000_000
    assert hasher.verify("correct horse", ours)


# --- argon2-cffi interop -----------------------------------------------------------------


def test_argon2_cffi_verifies_pyauth() -> None:
    ph = argon2.PasswordHasher()
    for params in (FAST, passwords.DEFAULT_PARAMS):
        encoded = passwords.hash("s3cret", params)
        phc = encoded.removeprefix("argon2")
        assert phc.startswith("$argon2id$v=19$")
        assert ph.verify(phc, "s3cret")
        with pytest.raises(argon2.exceptions.VerifyMismatchError):
            ph.verify(phc, "s3cret!")
    parameters = argon2.extract_parameters(passwords.hash("x").removeprefix("argon2"))
    assert parameters == argon2.Parameters(
        type=argon2.Type.ID,
        version=19,
        salt_len=16,
        hash_len=32,
        time_cost=2,
        memory_cost=19456,
        parallelism=1,
    )
    owasp_ph = argon2.PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
    assert not owasp_ph.check_needs_rehash(passwords.hash("x").removeprefix("argon2"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"time_cost": 1, "memory_cost": 256, "parallelism": 1},
        {"time_cost": 2, "memory_cost": 512, "parallelism": 4},
        {"time_cost": 1, "memory_cost": 64, "parallelism": 8, "salt_len": 8, "hash_len": 16},
        {"time_cost": 1, "memory_cost": 256, "parallelism": 1, "salt_len": 64, "hash_len": 64},
        {"time_cost": 3, "memory_cost": 64, "parallelism": 1, "type": argon2.Type.I},
    ],
)
def test_pyauth_verifies_argon2_cffi(kwargs: dict[str, Any]) -> None:
    ph = argon2.PasswordHasher(**kwargs)
    for password in ("s3cret", "", "пароль 🔑"):
        encoded = "argon2" + ph.hash(password)
        assert passwords.verify(password, encoded)
        assert not passwords.verify(password + "x", encoded)


def test_argon2d_from_argon2_cffi_is_refused() -> None:
    encoded = "argon2" + argon2.PasswordHasher(
        time_cost=1, memory_cost=64, parallelism=1, type=argon2.Type.D
    ).hash("x")
    with pytest.raises(exc.InvalidHashError):
        passwords.verify("x", encoded)


def test_unprefixed_phc_string_is_refused() -> None:
    """argon2-cffi's own strings lack Django's 'argon2' prefix: not our format."""
    phc = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("x")
    with pytest.raises(exc.InvalidHashError):
        passwords.verify("x", phc)


# --- property test -------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        min_size=1,
        max_size=30,
    ),
    st.integers(1, 20),
)
def test_pbkdf2_matches_django_for_arbitrary_input(
    password: str, salt: str, iterations: int
) -> None:
    ours = passwords.hash_pbkdf2_sha256(password, iterations, salt=salt)
    assert ours == PBKDF2PasswordHasher().encode(password, salt, iterations)
    assert passwords.verify(password, ours)
