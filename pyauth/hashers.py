"""Django password hashers on pyauth's core (libsodium Argon2id, OpenSSL PBKDF2).

::

    PASSWORD_HASHERS = [
        "pyauth.hashers.Argon2idPasswordHasher",
        "pyauth.hashers.PBKDF2SHA256PasswordHasher",
        # other legacy hashers (Django's PBKDF2SHA1, scrypt...) may follow
    ]

Both hashers keep Django's algorithm names and formats ("argon2", "pbkdf2_sha256"),
so hashes move freely between them and Django's own hashers. Do not list Django's
Argon2PasswordHasher or PBKDF2PasswordHasher after them: Django verifies a hash with the
*last* hasher of its algorithm name, which would take over from pyauth's (pyauth.W004).
With Argon2id first, Django's ``check_password`` re-hashes every older hash (PBKDF2,
Argon2 at other costs, Django's p = 8) at the user's next successful login.

A stored value that is malformed, unusable or out of pyauth's cost bounds verifies
False: ``check_password`` never raises because of what is in the database.

PYAUTH["PASSWORD_HASH_CONCURRENCY"] (default ``os.cpu_count()``) bounds the hashes and
verifications running at once in a process (:func:`pyauth.passwords.set_max_concurrency`),
read at every call.
"""

from __future__ import annotations

import base64
from typing import Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash, must_update_salt
from django.utils.translation import gettext_noop as _

from pyauth import _core, passwords
from pyauth.exceptions import PasswordError
from pyauth.settings import api_settings

__all__ = ["Argon2idPasswordHasher", "PBKDF2SHA256PasswordHasher"]


def _as_text(password: Any) -> str | bytes:
    if password is None:
        raise TypeError("password must be provided.")
    if isinstance(password, (str, bytes)):
        return password
    raise TypeError(f"password must be str or bytes, not {type(password).__name__}")


def _bound() -> None:
    """Apply PASSWORD_HASH_CONCURRENCY (it may have changed since the last call)."""
    passwords.set_max_concurrency(api_settings.PASSWORD_HASH_CONCURRENCY)


def _verify(password: Any, encoded: Any) -> bool:
    if password is None or not isinstance(encoded, str):
        return False
    _bound()
    try:
        return passwords.verify(_as_text(password), encoded)
    except (PasswordError, ValueError, TypeError):
        return False


class Argon2idPasswordHasher(BasePasswordHasher):  # type: ignore[misc]
    """Argon2id at OWASP's first setting (m = 19 MiB, t = 2, p = 1), stored in Django's
    Argon2 format. Subclasses may change ``memory_cost`` (KiB), ``time_cost`` and
    ``parallelism`` as on Django's Argon2PasswordHasher.

    The core draws its own 16-byte salt from libsodium's CSPRNG: the ``salt`` argument
    Django passes to :meth:`encode` is not used."""

    algorithm = "argon2"
    memory_cost: int = passwords.OWASP_ARGON2ID_FIRST.memory_kib
    time_cost: int = passwords.OWASP_ARGON2ID_FIRST.iterations
    parallelism: int = passwords.OWASP_ARGON2ID_FIRST.parallelism

    def params(self) -> passwords.Argon2Params:
        """This hasher's cost as pyauth.passwords parameters."""
        return passwords.Argon2Params(self.memory_cost, self.time_cost, self.parallelism)

    def encode(self, password: Any, salt: Any = None) -> str:
        """A new hash of ``password``, ``argon2$argon2id$v=19$m=..,t=..,p=..$salt$hash``."""
        _bound()
        return passwords.hash(_as_text(password), self.params())

    def verify(self, password: Any, encoded: Any) -> bool:
        """True if ``password`` matches; False for a wrong password or a bad stored value."""
        return _verify(password, encoded)

    def decode(self, encoded: str) -> dict[str, Any]:
        """The parts of an Argon2 hash, with the keys Django's Argon2 hasher gives
        (ValueError if it is not one). Only parses: it checks nothing."""
        algorithm, _sep, rest = encoded.partition("$")
        parts = rest.split("$")
        if algorithm != self.algorithm or len(parts) not in (4, 5):
            raise ValueError("not an argon2 hash")
        variety, *middle, b64salt, hash_ = parts
        version = 0x10  # hashes from before Argon2 1.3 carry no v=
        if len(middle) == 2:
            version = int(middle[0].removeprefix("v="))
        params = dict(item.split("=", 1) for item in middle[-1].split(","))
        salt = base64.b64decode(b64salt + "=" * (-len(b64salt) % 4)).decode("latin1")
        return {
            "algorithm": algorithm,
            "hash": hash_,
            "memory_cost": int(params["m"]),
            "parallelism": int(params["p"]),
            "salt": salt,
            "time_cost": int(params["t"]),
            "variety": variety,
            "version": version,
        }

    def safe_summary(self, encoded: str) -> dict[str, Any]:
        """What the admin shows of a stored hash (salt and hash masked)."""
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("variety"): decoded["variety"],
            _("version"): decoded["version"],
            _("memory cost"): decoded["memory_cost"],
            _("time cost"): decoded["time_cost"],
            _("parallelism"): decoded["parallelism"],
            _("salt"): mask_hash(decoded["salt"]),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        """True unless ``encoded`` is Argon2id at exactly this hasher's cost."""
        try:
            return passwords.needs_rehash(encoded, self.params())
        except (PasswordError, ValueError, TypeError):
            return True

    def harden_runtime(self, password: Any, encoded: str) -> None:
        """Nothing, as Django's Argon2 hasher: Argon2's cost has no simple top-up."""


class PBKDF2SHA256PasswordHasher(BasePasswordHasher):  # type: ignore[misc]
    """PBKDF2-HMAC-SHA256 in Django's ``pbkdf2_sha256$iterations$salt$hash`` format at
    1,000,000 iterations (Django 5.2's count), for tables of existing hashes."""

    algorithm = "pbkdf2_sha256"
    iterations: int = _core.PBKDF2_DEFAULT_ITERATIONS

    def encode(self, password: Any, salt: str, iterations: int | None = None) -> str:
        """The hash of ``password`` with ``salt`` (Django's salt alphabet, no ``$``)."""
        self._check_encode_args(password, salt)
        _bound()
        return passwords.hash_pbkdf2_sha256(_as_text(password), iterations or self.iterations, salt)

    def verify(self, password: Any, encoded: Any) -> bool:
        """True if ``password`` matches; False for a wrong password or a bad stored value."""
        return _verify(password, encoded)

    def decode(self, encoded: str) -> dict[str, Any]:
        """``{"algorithm", "hash", "iterations", "salt"}`` as Django's PBKDF2 hasher."""
        algorithm, iterations, salt, hash_ = encoded.split("$", 3)
        if algorithm != self.algorithm:
            raise ValueError("not a pbkdf2_sha256 hash")
        return {
            "algorithm": algorithm,
            "hash": hash_,
            "iterations": int(iterations),
            "salt": salt,
        }

    def safe_summary(self, encoded: str) -> dict[str, Any]:
        """What the admin shows of a stored hash (salt and hash masked)."""
        decoded = self.decode(encoded)
        return {
            _("algorithm"): decoded["algorithm"],
            _("iterations"): decoded["iterations"],
            _("salt"): mask_hash(decoded["salt"]),
            _("hash"): mask_hash(decoded["hash"]),
        }

    def must_update(self, encoded: str) -> bool:
        """True when the stored iteration count is not this hasher's, or the salt is
        weaker than ``salt_entropy`` (Django's rule)."""
        try:
            decoded = self.decode(encoded)
        except (ValueError, TypeError):
            return True
        return bool(decoded["iterations"] != self.iterations) or must_update_salt(
            decoded["salt"], self.salt_entropy
        )

    def harden_runtime(self, password: Any, encoded: str) -> None:
        """Run the iterations a weaker stored hash lacks, so a failed login costs as much
        as one against a hash at the current count (Django's PBKDF2 does the same)."""
        try:
            decoded = self.decode(encoded)
        except (ValueError, TypeError):
            return
        extra = self.iterations - decoded["iterations"]
        if extra > 0:
            try:
                self.encode(password, decoded["salt"], extra)
            except (PasswordError, ValueError, TypeError):
                return
