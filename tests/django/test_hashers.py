"""pyauth.hashers under Django's check_password / make_password."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    check_password,
    get_hasher,
    identify_hasher,
    is_password_usable,
    make_password,
)

from pyauth import passwords
from pyauth.hashers import Argon2idPasswordHasher, PBKDF2SHA256PasswordHasher

PASSWORD = "correct horse battery"
OWASP = "m=19456,t=2,p=1"


def test_settings_put_pyauth_first() -> None:
    assert isinstance(get_hasher("default"), Argon2idPasswordHasher)
    assert isinstance(get_hasher("pbkdf2_sha256"), PBKDF2SHA256PasswordHasher)


def test_make_password_is_argon2id_at_owasp_cost() -> None:
    encoded = make_password(PASSWORD)
    assert encoded.startswith(f"argon2$argon2id$v=19${OWASP}$")
    assert isinstance(identify_hasher(encoded), Argon2idPasswordHasher)
    assert check_password(PASSWORD, encoded)
    assert not check_password("wrong", encoded)
    assert not Argon2idPasswordHasher().must_update(encoded)
    assert make_password(PASSWORD) != encoded  # salted


def test_django_argon2_verifies_ours_and_ours_verifies_django_argon2() -> None:
    ours = Argon2idPasswordHasher().encode(PASSWORD, "ignored-salt")
    assert Argon2PasswordHasher().verify(PASSWORD, ours)
    assert not Argon2PasswordHasher().verify("wrong", ours)
    theirs = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert "p=8" in theirs
    assert Argon2idPasswordHasher().verify(PASSWORD, theirs)
    assert not Argon2idPasswordHasher().verify("wrong", theirs)


def _upgrade_at_login(user: Any, legacy: str) -> str:
    user.password = legacy
    user.save(update_fields=["password"])
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    user.refresh_from_db()
    assert user.password != legacy
    return str(user.password)


@pytest.mark.django_db
def test_django_pbkdf2_hash_is_upgraded_at_login(user: Any) -> None:
    legacy = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), 10_000)
    upgraded = _upgrade_at_login(user, legacy)
    assert upgraded.startswith(f"argon2$argon2id$v=19${OWASP}$")
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_django_argon2_p8_hash_is_upgraded_at_login(user: Any) -> None:
    legacy = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert "m=102400,t=2,p=8" in legacy
    upgraded = _upgrade_at_login(user, legacy)
    assert upgraded.startswith(f"argon2$argon2id$v=19${OWASP}$")


@pytest.mark.django_db
def test_wrong_password_does_not_upgrade(user: Any) -> None:
    legacy = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), 10_000)
    user.password = legacy
    user.save(update_fields=["password"])
    assert not user.check_password("wrong")
    user.refresh_from_db()
    assert user.password == legacy


def test_pbkdf2_matches_django_byte_for_byte() -> None:
    salt = "abcdefghijklmnopqrstuv"
    ours = PBKDF2SHA256PasswordHasher().encode(PASSWORD, salt, 1000)
    assert ours == PBKDF2PasswordHasher().encode(PASSWORD, salt, 1000)
    assert PBKDF2SHA256PasswordHasher.iterations == 1_000_000
    assert PBKDF2SHA256PasswordHasher().must_update(ours)
    assert not PBKDF2SHA256PasswordHasher().must_update(
        PBKDF2SHA256PasswordHasher().encode(PASSWORD, salt)
    )
    assert PBKDF2SHA256PasswordHasher().must_update(  # a salt of too little entropy
        PBKDF2SHA256PasswordHasher().encode(PASSWORD, "short")
    )
    with pytest.raises(ValueError):
        PBKDF2SHA256PasswordHasher().encode(PASSWORD, "bad$salt")


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "!",
        "!unusable-password-marker",
        "argon2$",
        "argon2$argon2id$v=19$m=19456,t=2,p=1$bad$bad",
        "argon2$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA",
        "pbkdf2_sha256$",
        "pbkdf2_sha256$abc$salt$hash",
        "pbkdf2_sha256$1$salt$hash",
        "md5$salt$hash",
        "unknown",
    ],
)
def test_bad_stored_values_verify_false(stored: str) -> None:
    for hasher in (Argon2idPasswordHasher(), PBKDF2SHA256PasswordHasher()):
        assert hasher.verify(PASSWORD, stored) is False
    assert check_password(PASSWORD, stored) is False


def test_none_password_and_unusable() -> None:
    assert Argon2idPasswordHasher().verify(None, make_password(PASSWORD)) is False
    unusable = make_password(None)
    assert not is_password_usable(unusable)
    assert check_password(PASSWORD, unusable) is False
    with pytest.raises(TypeError):
        Argon2idPasswordHasher().encode(None, "salt")


@pytest.mark.django_db
def test_unusable_password_user(make_user: Any) -> None:
    user = make_user("bob", password=None)
    assert not user.has_usable_password()
    assert user.check_password("") is False
    assert user.check_password(PASSWORD) is False


def test_safe_summary_and_decode() -> None:
    encoded = make_password(PASSWORD)
    summary = Argon2idPasswordHasher().safe_summary(encoded)
    assert summary["algorithm"] == "argon2"
    assert summary["variety"] == "argon2id"
    assert summary["memory cost"] == 19456
    assert summary["time cost"] == 2
    assert summary["parallelism"] == 1
    assert summary["hash"].endswith("*") and encoded.split("$")[-1] not in summary.values()
    decoded = Argon2idPasswordHasher().decode(encoded)
    assert decoded["version"] == 19 and len(decoded["salt"]) == 16
    pbkdf2 = PBKDF2SHA256PasswordHasher().encode(PASSWORD, "saltsaltsalt", 1000)
    summary = PBKDF2SHA256PasswordHasher().safe_summary(pbkdf2)
    assert summary["iterations"] == 1000 and summary["salt"].startswith("saltsa")


def test_decode_old_argon2_without_version() -> None:
    old = "argon2$argon2i$m=512,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$K/lgSYQ5D4kDdtIJ6g/s2Q"
    decoded = Argon2idPasswordHasher().decode(old)
    assert decoded["version"] == 16 and decoded["memory_cost"] == 512
    assert decoded["variety"] == "argon2i" and decoded["parallelism"] == 2
    assert Argon2idPasswordHasher().safe_summary(old)["time cost"] == 2
    assert Argon2idPasswordHasher().must_update(old)
    with pytest.raises(ValueError):
        Argon2idPasswordHasher().decode("pbkdf2_sha256$1$salt$hash")


def test_must_update_on_other_argon2_costs() -> None:
    hasher = Argon2idPasswordHasher()
    cheaper = passwords.hash(PASSWORD, passwords.Argon2Params(8192, 3, 1))
    assert hasher.must_update(cheaper)
    assert hasher.must_update("pbkdf2_sha256$1000$salt$hash")
    assert hasher.must_update("garbage")

    class Stronger(Argon2idPasswordHasher):
        memory_cost = 8192
        time_cost = 3

    assert not Stronger().must_update(cheaper)
    assert Stronger().encode(PASSWORD).startswith("argon2$argon2id$v=19$m=8192,t=3,p=1$")


def test_harden_runtime_runs_the_missing_iterations(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = passwords.hash_pbkdf2_sha256

    def spy(password: Any, iterations: int = 0, salt: str | None = None) -> str:
        calls.append(iterations)
        return real(password, 1000, salt)

    monkeypatch.setattr(passwords, "hash_pbkdf2_sha256", spy)
    hasher = PBKDF2SHA256PasswordHasher()
    hasher.harden_runtime("wrong", "pbkdf2_sha256$600000$salt$hash")
    assert calls == [400_000]
    hasher.harden_runtime("wrong", "pbkdf2_sha256$1000000$salt$hash")
    assert calls == [400_000]
    Argon2idPasswordHasher().harden_runtime("wrong", make_password(PASSWORD))  # no warning
