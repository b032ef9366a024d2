"""A project's own subclass of pyauth's hasher, for the W001 check test."""

from __future__ import annotations

from pyauth.hashers import Argon2idPasswordHasher


class FasterArgon2id(Argon2idPasswordHasher):
    """OWASP's equivalent 46 MiB / t = 1 setting."""

    memory_cost = 47104
    time_cost = 1
