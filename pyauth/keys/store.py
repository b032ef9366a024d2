"""What this process signs and verifies with, read from the key store.

::

    from pyauth.keys.store import key_store

    key_store.signing_key()        # the signer (private), generated on first use
    key_store.verifying_keyset()   # every live key (public halves)
    key_store.algorithms()         # their algorithms: the verification allow-list

**Freshness across processes and nodes.** Each process keeps a snapshot of the live keys
and re-reads the table when the snapshot is older than ``KEY_STORE_REFRESH_SECONDS``
(default 30) or when a key in it reaches its ``retire_after``. A token signed by a key
this process has not seen yet (rotated on another node a moment ago) carries an unknown
``kid``: :func:`pyauth.signing.decode` then asks :meth:`KeyStore.reload_for_unknown_kid`
for one re-read, at most once per :data:`UNKNOWN_KID_RELOAD_INTERVAL` seconds per
process, so forged kids cannot turn into a query per request. So a rotation is honoured
everywhere for verification at once, and every process signs with the new key within
``KEY_STORE_REFRESH_SECONDS`` (the old key keeps verifying meanwhile, so that lag is
harmless).

**The first key.** With an empty table, the first process that needs a key generates
one and inserts it as the signer; the partial unique index on ``is_signer`` makes a
second process's insert fail, and that process then uses the winner's key. No two
processes ever sign with different "active" keys.

**Sealing.** Private halves are sealed by the C++ core under a key derived from
``SECRET_KEY`` (context ``pyauthky``), bound to the kid and algorithm. When
``SECRET_KEY`` is rotated, keys sealed under one of ``SECRET_KEY_FALLBACKS`` still open
(a warning is logged); ``rotate_signing_key --reseal`` seals them under the new secret.
A blob that no secret opens raises :class:`pyauth.exceptions.UnsealError`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import orjson
from django.core.signals import setting_changed
from django.db import IntegrityError, transaction
from django.utils import timezone

from pyauth import _core, jwt
from pyauth.exceptions import UnsealError
from pyauth.keys.models import STORE_ALGORITHMS, SigningKey
from pyauth.sealing import seal_keys
from pyauth.settings import api_settings

__all__ = [
    "SEAL_CONTEXT",
    "UNKNOWN_KID_RELOAD_INTERVAL",
    "KeyStore",
    "RotationResult",
    "ensure_signer",
    "grace_period",
    "key_store",
    "new_key",
    "reseal_all",
    "retire_expired",
    "rotate",
]

logger = logging.getLogger("pyauth.keys")

#: The purpose label of the sealing key derived from SECRET_KEY (8 bytes, crypto_kdf's).
SEAL_CONTEXT: Final = b"pyauthky"
#: Seconds between two re-reads forced by tokens with an unknown kid, per process.
UNKNOWN_KID_RELOAD_INTERVAL: Final = 1.0


# --- sealing ------------------------------------------------------------------------


def _seal_keys() -> list[_core.SealKey]:
    """Sealing keys from SECRET_KEY, then each of SECRET_KEY_FALLBACKS."""
    return seal_keys(SEAL_CONTEXT)


def _seal(key: jwt.Key, row: SigningKey) -> bytes:
    return _core.seal_private_key(key, _seal_keys()[0], row.aad)


def _open(row: SigningKey) -> tuple[jwt.Key, bool]:
    """The row's private key, and whether only a fallback secret opened it."""
    blob = bytes(row.sealed_private)
    last: UnsealError | None = None
    for index, seal_key in enumerate(_seal_keys()):
        try:
            key = _core.open_private_key(row.algorithm, blob, seal_key, row.aad, row.kid)
        except UnsealError as exc:
            last = exc
            continue
        return key, index > 0
    assert last is not None  # noqa: S101 - _seal_keys() is never empty
    raise UnsealError(
        f"the private half of signing key {row.kid} does not open with SECRET_KEY or any "
        "of SECRET_KEY_FALLBACKS (another secret sealed it, or it was modified)"
    ) from last


# --- writing keys -------------------------------------------------------------------


def _check_algorithm(algorithm: str) -> str:
    if algorithm not in STORE_ALGORITHMS:
        raise ValueError(
            f"the key store makes {', '.join(STORE_ALGORITHMS)} keys, not {algorithm!r}"
        )
    return algorithm


def default_algorithm() -> str:
    """The algorithm of newly generated keys: ALGORITHM when the store makes it, else
    EdDSA."""
    algorithm: str = api_settings.ALGORITHM
    return algorithm if algorithm in STORE_ALGORITHMS else STORE_ALGORITHMS[0]


def new_key(algorithm: str) -> SigningKey:
    """A freshly generated key as an unsaved row: kid = RFC 7638 thumbprint, public JWK
    with kid, alg and use, the private half sealed. The plaintext private key never
    leaves the C++ core."""
    generated = jwt.generate_key(_check_algorithm(algorithm))
    kid = generated.thumbprint()
    public = orjson.loads(generated.public_jwk())
    public["kid"] = kid
    row = SigningKey(kid=kid, algorithm=algorithm, public_jwk=public)
    row.sealed_private = _seal(generated, row)
    return row


def ensure_signer(algorithm: str | None = None) -> SigningKey:
    """The signer, generating and inserting one (for ``algorithm``, default
    :func:`default_algorithm`) when there is none. Safe against other processes doing
    the same at the same moment: exactly one insert wins and everybody returns it."""
    existing: SigningKey | None = SigningKey.objects.filter(is_signer=True).first()
    if existing is not None:
        return existing
    row = new_key(algorithm or default_algorithm())
    row.is_signer = True
    row.activated_at = timezone.now()
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # Another process inserted its signer first: use that one.
        winner: SigningKey = SigningKey.objects.get(is_signer=True)
        return winner
    logger.info("generated the first signing key %s (%s)", row.kid, row.algorithm)
    return row


def grace_period() -> timedelta:
    """How long a replaced signer keeps verifying: SIGNING_KEY_GRACE, or by default the
    longest token lifetime (access or refresh) plus LEEWAY, so every token it signed
    expires before it retires."""
    grace = api_settings.SIGNING_KEY_GRACE
    if grace is not None:
        if isinstance(grace, timedelta):
            return grace
        return timedelta(seconds=float(grace))
    longest: timedelta = max(
        api_settings.ACCESS_TOKEN_LIFETIME, api_settings.REFRESH_TOKEN_LIFETIME
    )
    return longest + timedelta(seconds=api_settings.leeway_seconds())


def retire_expired(now: datetime | None = None) -> list[str]:
    """Mark the keys whose grace has run out retired and erase their sealed private
    halves. Returns their kids. (They stopped verifying at ``retire_after`` already.)"""
    now = now or timezone.now()
    kids = list(SigningKey.objects.expired(now).values_list("kid", flat=True))
    if kids:
        SigningKey.objects.filter(kid__in=kids, retired_at__isnull=True).update(
            retired_at=now, sealed_private=b""
        )
        logger.info("retired signing keys %s", ", ".join(kids))
    return kids


@dataclass(frozen=True)
class RotationResult:
    """What :func:`rotate` did (kids and dates only: nothing secret)."""

    new: SigningKey
    previous: SigningKey | None
    retired: list[str]


def rotate(algorithm: str | None = None, *, now: datetime | None = None) -> RotationResult:
    """Make a new key (``algorithm``, default the current signer's) the signer; the old
    signer verifies until ``now + grace_period()``; expired keys are retired. One
    transaction: a concurrent rotation makes this one fail with IntegrityError, never a
    second signer."""
    now = now or timezone.now()
    with transaction.atomic():
        previous = SigningKey.objects.select_for_update().filter(is_signer=True).first()
        algorithm = _check_algorithm(
            algorithm or (previous.algorithm if previous else default_algorithm())
        )
        row = new_key(algorithm)
        if previous is not None:
            previous.is_signer = False
            previous.retire_after = now + grace_period()
            previous.save(update_fields=["is_signer", "retire_after"])
        row.is_signer = True
        row.activated_at = now
        row.save(force_insert=True)
        retired = retire_expired(now)
    key_store.reset()
    logger.info("signing key %s (%s) is now the signer", row.kid, row.algorithm)
    return RotationResult(new=row, previous=previous, retired=retired)


def reseal_all() -> int:
    """Seal every live private half under the current SECRET_KEY (after a SECRET_KEY
    rotation, while the old one is still in SECRET_KEY_FALLBACKS). Returns the count."""
    count = 0
    with transaction.atomic():
        for row in SigningKey.objects.live().select_for_update():
            key, _fallback = _open(row)
            row.sealed_private = _seal(key, row)
            row.save(update_fields=["sealed_private"])
            count += 1
    key_store.reset()
    return count


# --- reading keys -------------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    signer: SigningKey  # the row; its private half is opened on first signature
    keyset: jwt.KeySet
    algorithms: list[str]
    kids: frozenset[str]
    fresh_until: float  # on the store's clock


class KeyStore:
    """A process's view of the key store (see the module docstring). Thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None
        self._last_forced = -float("inf")
        # Parsed public keys by (kid, JWK as stored), so a re-read parses only new or
        # changed keys; the opened signer by (kid, sealed blob), so a re-sealed or
        # replaced signer is opened again.
        self._public: dict[tuple[str, bytes], jwt.Key] = {}
        self._private: dict[tuple[str, bytes], jwt.Key] = {}

    def signing_key(self) -> jwt.Key:
        """The signer's private key (a kid in every token it signs). Opened from its
        sealed form on first use and kept while it stays the signer; a process that only
        verifies never opens a private half."""
        row = self._current().signer
        blob = bytes(row.sealed_private)
        key = self._private.get((row.kid, blob))
        if key is None:
            key, fallback = _open(row)
            if fallback:
                logger.warning(
                    "signing key %s is sealed under a SECRET_KEY_FALLBACKS secret; run "
                    "manage.py rotate_signing_key --reseal",
                    row.kid,
                )
            with self._lock:
                self._private.clear()
                self._private[(row.kid, blob)] = key
        return key

    def verifying_keyset(self) -> jwt.KeySet:
        """The public halves of every live key."""
        return self._current().keyset

    def algorithms(self) -> list[str]:
        """The algorithms of the live keys (the allow-list of verification)."""
        return self._current().algorithms

    def reload_for_unknown_kid(self) -> bool:
        """Re-read the table because a token named a key this process does not know.
        At most once per UNKNOWN_KID_RELOAD_INTERVAL; True when the live keys changed."""
        with self._lock:
            now = self._clock()
            if now - self._last_forced < UNKNOWN_KID_RELOAD_INTERVAL:
                return False
            self._last_forced = now
            before = self._snapshot
            self._snapshot = self._load()
            return before is None or before.kids != self._snapshot.kids

    def public_jwks(self) -> dict[str, Any]:
        """The JWK Set of the live keys, read from the table now (not from the
        snapshot), so a node publishes a key rotated elsewhere at once."""
        rows = list(SigningKey.objects.live().defer("sealed_private").order_by("-created_at"))
        if not rows:
            rows = [ensure_signer()]
        return {"keys": [row.public_jwk for row in rows]}

    def reset(self) -> None:
        """Forget the snapshot (the next use re-reads the table)."""
        with self._lock:
            self._snapshot = None
            self._private.clear()

    # --- internals ------------------------------------------------------------------

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._clock() < snapshot.fresh_until:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or self._clock() >= snapshot.fresh_until:
                snapshot = self._snapshot = self._load()
            return snapshot

    def _load(self) -> _Snapshot:
        for _attempt in range(3):
            now = timezone.now()
            rows = list(SigningKey.objects.live(now).order_by("-created_at"))
            signer_row = next((row for row in rows if row.is_signer), None)
            if signer_row is not None:
                break
            ensure_signer()
        else:  # pragma: no cover - a rotation ran between every insert and read
            raise RuntimeError("the key store has no signer after three attempts")
        rows = [row for row in rows if self._consistent(row)]
        keys = [self._public_key(row) for row in rows]
        algorithms = sorted({row.algorithm for row in rows})
        refresh = float(api_settings.KEY_STORE_REFRESH_SECONDS)
        ends = [row.retire_after for row in rows if row.retire_after is not None]
        if ends:
            refresh = min(refresh, max((min(ends) - now).total_seconds(), 0.0))
        return _Snapshot(
            signer=signer_row,
            keyset=jwt.KeySet(keys),
            algorithms=algorithms,
            kids=frozenset(row.kid for row in rows),
            fresh_until=self._clock() + refresh,
        )

    def _consistent(self, row: SigningKey) -> bool:
        """Is the row's kid the thumbprint of its public JWK? A row altered in the table
        (a swapped public key under a trusted kid) is left out, with an error logged."""
        try:
            ok = bool(self._public_key(row).thumbprint() == row.kid)
        except jwt.PyJWTError:
            ok = False
        if not ok:
            logger.error("signing key %s: its public JWK does not match its kid; ignored", row.kid)
        return ok

    def _public_key(self, row: SigningKey) -> jwt.Key:
        cache_key = (
            row.kid,
            orjson.dumps([row.algorithm, row.public_jwk], option=orjson.OPT_SORT_KEYS),
        )
        key = self._public.get(cache_key)
        if key is None:
            key = jwt.load_key(row.public_jwk, row.algorithm)
            if len(self._public) > 64:
                self._public.clear()
            self._public[cache_key] = key
        return key


#: The key store every pyauth module reads.
key_store = KeyStore()

_WATCHED: Final = frozenset({"PYAUTH", "SIMPLE_JWT", "SECRET_KEY", "SECRET_KEY_FALLBACKS"})


def _reset_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting in _WATCHED:
        key_store.reset()


setting_changed.connect(_reset_on_setting_change, dispatch_uid="pyauth.keys.store.reset")
