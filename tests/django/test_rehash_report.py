"""manage.py pyauth_rehash_report: counts by hasher and cost, upgrades due, never a hash."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2SHA1PasswordHasher
from django.core.management import call_command
from django.core.management.base import CommandError

from pyauth.hashers import PBKDF2SHA256PasswordHasher

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
OWASP = {
    "variety": "argon2id",
    "version": 19,
    "memory_cost": 19456,
    "time_cost": 2,
    "parallelism": 1,
}


def store(username: str, encoded: str) -> Any:
    """A user whose password column holds ``encoded`` as it is."""
    user_model: Any = get_user_model()
    return user_model.objects.create(username=username, password=encoded)


@pytest.fixture
def mix(make_user: Any) -> dict[str, Any]:
    """2 current Argon2id, 1 Django Argon2 (p=8), 3 PBKDF2 at 260,000 iterations, 1 at the
    current count, 1 PBKDF2-SHA1, 2 unusable, 1 of a hasher that is not configured and
    1 malformed."""
    old = PBKDF2SHA256PasswordHasher()
    users: dict[str, Any] = {
        "argon_a": make_user("argon_a"),
        "argon_b": make_user("argon_b"),
        "django_argon": store("django_argon", Argon2PasswordHasher().encode(PASSWORD, "s" * 22)),
        "current_pbkdf2": store("current_pbkdf2", old.encode(PASSWORD, "s" * 22)),
        "sha1": store("sha1", PBKDF2SHA1PasswordHasher().encode(PASSWORD, "t" * 22)),
        "unusable_a": make_user("unusable_a", password=None),
        "unusable_b": make_user("unusable_b", password=None),
        "bcrypt": store("bcrypt", "bcrypt_sha256$$2b$12$" + "x" * 53),
        "malformed": store("malformed", "pbkdf2_sha256$notanumber$salt$hash"),
    }
    for n in range(3):
        users[f"old{n}"] = store(
            f"old{n}", old.encode(PASSWORD, f"salt{n}" * 4 + "ab", iterations=260_000)
        )
    return users


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("pyauth_rehash_report", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def secrets_of(users: dict[str, Any]) -> list[str]:
    """The salt and hash fields of every stored value (what must never be printed)."""
    parts: list[str] = []
    for user in users.values():
        user.refresh_from_db()
        fields = user.password.split("$")
        parts.extend(p for p in fields[-2:] if len(p) >= 8)
    return parts


def test_json_counts_a_mix(mix: dict[str, Any]) -> None:
    out, _ = run("--format", "json", "--list-ids", "-v", "0")
    data = json.loads(out)
    groups = {
        (g["algorithm"], json.dumps(g["parameters"], sort_keys=True)): (
            g["users"],
            g["needs_upgrade"],
        )
        for g in data["groups"]
    }
    assert groups == {
        ("argon2", json.dumps(OWASP, sort_keys=True)): (2, 0),
        (
            "argon2",
            json.dumps({**OWASP, "memory_cost": 102400, "parallelism": 8}, sort_keys=True),
        ): (
            1,
            1,
        ),
        ("pbkdf2_sha256", '{"iterations": 1000000}'): (1, 1),  # upgraded: another algorithm
        ("pbkdf2_sha256", '{"iterations": 260000}'): (3, 3),
        ("pbkdf2_sha1", '{"iterations": 1000000}'): (1, 1),
    }
    assert data["users"] == len(mix) == 12
    assert data["needs_upgrade"] == 6
    assert data["unusable"] == 2
    assert data["unrecognised"] == 2  # bcrypt (not configured) and the malformed one
    assert data["preferred_hasher"] == "argon2"
    due = {"django_argon", "current_pbkdf2", "sha1", "old0", "old1", "old2"}
    assert sorted(data["upgrade_ids"]) == sorted(mix[name].pk for name in due)


def test_text_report(mix: dict[str, Any]) -> None:
    out, err = run()
    lines = out.splitlines()
    assert lines[0] == "users  upgrade at login  hasher and parameters"
    assert lines[1] == (
        "    2                 0  argon2 (variety=argon2id, version=19, memory_cost=19456, "
        "time_cost=2, parallelism=1)"
    )
    assert "    3                 3  pbkdf2_sha256 (iterations=260000)" in lines
    assert "    2                 -  unusable password (no password login)" in lines
    assert any(line.startswith("    2                 -  unrecognised") for line in lines)
    assert (
        lines[-1]
        == "6 of 12 users will be re-hashed at their next login (preferred hasher: argon2)."
    )
    assert err == "scanned 12 of 12 users\n"
    for secret in secrets_of(mix):
        assert secret not in out and secret not in err


def test_list_ids_in_text(mix: dict[str, Any]) -> None:
    out, _ = run("--list-ids", "-v", "0")
    assert out.splitlines()[-7] == (
        "Users whose hash will be upgraded at their next login (primary keys):"
    )
    tail = out.splitlines()[-6:]
    assert sorted(int(line) for line in tail) == sorted(
        mix[n].pk for n in ("django_argon", "current_pbkdf2", "sha1", "old0", "old1", "old2")
    )


def test_progress_per_batch_and_silence_at_v0(make_user: Any) -> None:
    hasher = PBKDF2SHA256PasswordHasher()
    encoded = hasher.encode(PASSWORD, "s" * 22, iterations=1000)
    user_model: Any = get_user_model()
    user_model.objects.bulk_create(
        [user_model(username=f"u{n}", password=encoded) for n in range(2500)]
    )
    out, err = run("--batch-size", "1000")
    assert err.splitlines() == [
        "scanned 1000 of 2500 users",
        "scanned 2000 of 2500 users",
        "scanned 2500 of 2500 users",
    ]
    assert out.splitlines()[-1].startswith("2500 of 2500 users will be re-hashed")
    out, err = run("--batch-size", "1000", "-v", "0")
    assert err == ""
    assert "2500 of 2500" in out
    assert "primary keys" not in out  # no ids without --list-ids
    data = json.loads(run("--format", "json", "-v", "0")[0])
    assert "upgrade_ids" not in data and data["needs_upgrade"] == 2500


def test_no_users() -> None:
    out, err = run()
    assert out.splitlines() == [
        "users  upgrade at login  hasher and parameters",
        "0 of 0 users will be re-hashed at their next login (preferred hasher: argon2).",
    ]
    assert err == ""


def test_preferred_hasher_follows_settings(mix: dict[str, Any], settings: Any) -> None:
    settings.PASSWORD_HASHERS = [
        "pyauth.hashers.PBKDF2SHA256PasswordHasher",
        "pyauth.hashers.Argon2idPasswordHasher",
    ]
    data = json.loads(run("--format", "json", "-v", "0")[0])
    assert data["preferred_hasher"] == "pbkdf2_sha256"
    # every argon2 hash, and the old PBKDF2 ones; the SHA1 one is now unrecognised
    assert data["needs_upgrade"] == 3 + 3
    assert data["unrecognised"] == 3


@pytest.mark.parametrize("args", [["--batch-size", "0"], ["--format", "xml"]])
def test_bad_arguments(args: list[str]) -> None:
    with pytest.raises(CommandError):
        run(*args)
