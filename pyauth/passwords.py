"""Password hashing on pyauth's C++ core, in Django's encoded formats.

New hashes are Argon2id at OWASP's first setting (m = 19 MiB, t = 2, p = 1) through
libsodium, stored as Django stores Argon2 (``argon2$argon2id$v=19$m=...``), so
Django's own ``Argon2PasswordHasher`` and pyauth verify each other's hashes. Django's
``pbkdf2_sha256$...`` hashes verify too, and :func:`needs_rehash` says when a stored
hash should be replaced at the next login.

Every hash and verification releases the GIL, so threads hash in parallel — at most
:func:`max_concurrency` at once (default ``os.cpu_count()``; see
:func:`set_max_concurrency`): each Argon2id hash holds 19 MiB, so a login storm waits
for a slot instead of exhausting memory.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, TypeVar

from pyauth import _core
from pyauth.exceptions import InvalidPasswordError

__all__ = [
    "DEFAULT_PARAMS",
    "MAX_PASSWORD_BYTES",
    "OWASP_ARGON2ID_FIRST",
    "Argon2Params",
    "HashInfo",
    "hash",
    "hash_pbkdf2_sha256",
    "identify",
    "max_concurrency",
    "needs_rehash",
    "set_max_concurrency",
    "verify",
]

_R = TypeVar("_R")


def _default_concurrency() -> int:
    return max(1, os.cpu_count() or 1)


class _Limiter:
    """A counting semaphore whose size may change: callers that hold a slot of the old
    semaphore release that one, new callers take slots of the new one."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.semaphore = threading.BoundedSemaphore(size)
        self.lock = threading.Lock()

    def resize(self, size: int) -> None:
        with self.lock:
            if size != self.size:
                self.size = size
                self.semaphore = threading.BoundedSemaphore(size)

    def run(self, func: Callable[..., _R], *args: object) -> _R:
        semaphore = self.semaphore
        with semaphore:
            return func(*args)


_limiter: Final = _Limiter(_default_concurrency())


def set_max_concurrency(limit: int | None) -> None:
    """Allow at most ``limit`` hashes and verifications at once in this process (None:
    ``os.cpu_count()``). ValueError unless ``limit`` is None or at least 1."""
    if limit is None:
        limit = _default_concurrency()
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"the hash concurrency must be an integer >= 1, not {limit!r}")
    _limiter.resize(limit)


def max_concurrency() -> int:
    """How many hashes and verifications may run at once in this process."""
    return _limiter.size


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """Argon2id cost: memory in KiB, iterations (t) and parallelism (p; pyauth creates
    p = 1 only, and verifies any p)."""

    memory_kib: int
    iterations: int
    parallelism: int = 1


#: OWASP Password Storage Cheat Sheet, first Argon2id option: m = 19 MiB, t = 2, p = 1.
OWASP_ARGON2ID_FIRST: Final = Argon2Params(
    memory_kib=_core.ARGON2_DEFAULT_MEMORY_KIB,
    iterations=_core.ARGON2_DEFAULT_ITERATIONS,
    parallelism=_core.ARGON2_DEFAULT_PARALLELISM,
)
DEFAULT_PARAMS: Final = OWASP_ARGON2ID_FIRST
MAX_PASSWORD_BYTES: Final[int] = _core.MAX_PASSWORD_BYTES


@dataclass(frozen=True, slots=True)
class HashInfo:
    """What an encoded hash says about itself."""

    algorithm: Literal["argon2id", "argon2i", "pbkdf2_sha256"]
    memory_kib: int
    iterations: int
    parallelism: int
    salt_bytes: int
    hash_bytes: int


def _password_bytes(password: str | bytes) -> bytes:
    if isinstance(password, bytes):
        return password
    if isinstance(password, str):
        try:
            return password.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidPasswordError("password is not encodable as UTF-8") from None
    raise TypeError(f"password must be str or bytes, not {type(password).__name__}")


def hash(password: str | bytes, params: Argon2Params = DEFAULT_PARAMS) -> str:
    """Argon2id hash of ``password`` with a fresh 16-byte salt, in Django's format."""
    return _limiter.run(
        _core.hash_argon2id,
        _password_bytes(password),
        params.memory_kib,
        params.iterations,
        params.parallelism,
    )


def hash_pbkdf2_sha256(
    password: str | bytes,
    iterations: int = _core.PBKDF2_DEFAULT_ITERATIONS,
    salt: str | None = None,
) -> str:
    """PBKDF2-HMAC-SHA256 in Django's ``pbkdf2_sha256$iterations$salt$hash`` format.

    For compatibility with existing user tables; new hashes should be :func:`hash`'s."""
    return _limiter.run(_core.hash_pbkdf2_sha256, _password_bytes(password), iterations, salt or "")


def verify(password: str | bytes, encoded: str) -> bool:
    """True if ``password`` matches ``encoded`` (any format :func:`identify` knows).

    A wrong password returns False; a malformed or out-of-bounds ``encoded`` raises
    :class:`~pyauth.exceptions.InvalidHashError`."""
    if not isinstance(encoded, str):
        raise TypeError(f"encoded hash must be str, not {type(encoded).__name__}")
    return _limiter.run(_core.verify_password, _password_bytes(password), encoded)


def needs_rehash(encoded: str, params: Argon2Params = DEFAULT_PARAMS) -> bool:
    """True unless ``encoded`` is Argon2id at exactly ``params``: re-hash at login."""
    return _core.needs_rehash(encoded, params.memory_kib, params.iterations, params.parallelism)


def identify(encoded: str) -> HashInfo:
    """Parse an encoded hash (bounds included) without verifying anything."""
    algorithm, memory_kib, iterations, parallelism, salt_bytes, hash_bytes = _core.parse_hash(
        encoded
    )
    return HashInfo(algorithm, memory_kib, iterations, parallelism, salt_bytes, hash_bytes)
