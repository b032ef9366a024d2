"""Revocation marks: what lets an access token be accepted without a database query and
still be refused within a second of its user or its family being revoked.

Two kinds of mark, each kept in the database (the truth) and copied in Django's cache
``REVOCATION_CACHE`` (Redis in production, shared by every worker and node):

- a *user mark*, the second at which all of a user's tokens were revoked
  (:class:`~pyauth.lifecycle.models.UserRevocation`; written when the user is
  deactivated or deleted, and by ``revoke_user``, which a password change calls). An
  access token whose ``iat`` is not after it is refused. ``iat`` counts whole seconds,
  so a token issued in the mark's own second may be older or newer than the mark: it
  is refused, except when it carries a family and the mark is not *strict* —
  ``revoke_user`` revokes every family of the user along with its mark, which refuses
  the older tokens of that second, while a login right after a password change (same
  second, new family) keeps working;
- a *family mark*: the family (``sid``) is revoked or unknown
  (:class:`~pyauth.lifecycle.models.TokenFamily`, written by ``revoke_family`` and
  ``revoke_user``).

Reads go through a process-local memo that keeps an answer for
``REVOCATION_MEMO_SECONDS`` (0.5 s), then the cache (one ``get_many``), then, for keys
the cache does not hold, the database, whose answer is put in the cache with ``add`` for
``REVOCATION_CACHE_TTL`` seconds (``add`` never overwrites a mark a revocation wrote
meanwhile with ``set``). Any exception from the cache makes the read ask the database:
never accept because the cache is down.

Any change of Django settings (``override_settings``, pytest-django's ``settings``; never
in production) empties the memo: its answers may belong to another configuration or to
a test database that was rolled back.

Writes go to the database first, then the cache (``set``) and this process's memo, so
the next request in this process is refused and every other process within the memo's
lifetime. A cache that fails while a revocation is written is logged: processes that
hold a cached "not revoked" answer may accept the revoked tokens until that entry
expires (REVOCATION_CACHE_TTL).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

from django.core.cache import caches
from django.core.signals import setting_changed
from django.utils.translation import gettext_lazy as _

from pyauth.lifecycle.models import TokenFamily, UserRevocation
from pyauth.settings import api_settings
from pyauth.tokens import Token, TokenError

__all__ = [
    "check_token",
    "clear_memo",
    "family_revoked",
    "mark_families",
    "mark_user",
    "seed",
    "user_key",
    "user_mark",
]

logger = logging.getLogger("pyauth.lifecycle")

_USER: Final = "pyauth:rev:u:"
_FAMILY: Final = "pyauth:rev:f:"
_MEMO_MAX: Final = 50_000

# key -> (monotonic deadline, value). Families: 1 revoked, 0 live. Users: 0 no mark,
# else second * 2 + strict.
_memo: dict[str, tuple[float, int]] = {}
_memo_lock = threading.Lock()


def user_key(user: Any) -> str:
    """The string a user's marks are stored under: their USER_ID_FIELD, as the
    USER_ID_CLAIM of their tokens carries it."""
    return str(getattr(user, api_settings.USER_ID_FIELD))


def clear_memo() -> None:
    """Forget every memoised answer of this process."""
    with _memo_lock:
        _memo.clear()


def _cache() -> Any:
    return caches[api_settings.REVOCATION_CACHE]


def _remember(values: dict[str, int], lifetime: float) -> None:
    deadline = time.monotonic() + lifetime
    with _memo_lock:
        if len(_memo) > _MEMO_MAX:
            now = time.monotonic()
            for key in [k for k, (d, _v) in _memo.items() if d <= now]:
                del _memo[key]
            if len(_memo) > _MEMO_MAX:
                _memo.clear()
        for key, value in values.items():
            _memo[key] = (deadline, value)


# --- reading ------------------------------------------------------------------------


def _from_db(key: str) -> int:
    if key.startswith(_USER):
        row = (
            UserRevocation.objects.filter(pk=key[len(_USER) :])
            .values_list("revoked_at", "strict")
            .first()
        )
        return 0 if row is None else _encode(row[0], row[1])
    sid = key[len(_FAMILY) :]
    live = TokenFamily.objects.filter(pk=sid, revoked_at__isnull=True).exists()
    return 0 if live else 1


def _read(keys: list[str]) -> dict[str, int]:
    """The value of each key: memo, then cache, then database (see the module)."""
    now = time.monotonic()
    out: dict[str, int] = {}
    missing: list[str] = []
    for key in keys:
        memo = _memo.get(key)
        if memo is not None and memo[0] > now:
            out[key] = memo[1]
        else:
            missing.append(key)
    if not missing:
        return out
    fresh: dict[str, int] = {}
    cache: Any = None
    try:
        cache = _cache()
        cached = cache.get_many(missing)
    except Exception:  # any cache failure means: ask the database
        logger.warning("pyauth revocation cache unreachable; reading the database", exc_info=True)
        cache, cached = None, {}
    for key in missing:
        value = cached.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            fresh[key] = value
            continue
        value = _from_db(key)
        fresh[key] = value
        if cache is not None:
            try:
                cache.add(key, value, timeout=api_settings.REVOCATION_CACHE_TTL)
            except Exception:  # the answer stands; the next read retries
                logger.warning("pyauth revocation cache unreachable on add", exc_info=True)
                cache = None
    _remember(fresh, float(api_settings.REVOCATION_MEMO_SECONDS))
    out.update(fresh)
    return out


def _encode(revoked_at: datetime, strict: bool) -> int:
    return int(revoked_at.timestamp()) * 2 + int(strict)


def user_mark(key: str) -> tuple[int, bool]:
    """The user mark of ``key`` (see :func:`user_key`): (second, strict); (0, True) when
    there is none."""
    value = _read([_USER + key])[_USER + key]
    return value >> 1, bool(value & 1) or not value


def family_revoked(sid: str) -> bool:
    """True if the family ``sid`` is revoked or unknown."""
    return bool(_read([_FAMILY + sid])[_FAMILY + sid])


def check_token(token: Token) -> None:
    """Raise TokenError (code "token_revoked") if ``token``'s family is revoked, or it
    was issued up to its user's mark (see the module docstring)."""
    payload = token.payload
    sid = payload.get(api_settings.FAMILY_CLAIM)
    uid = payload.get(api_settings.USER_ID_CLAIM)
    if sid is None:
        if uid is None:
            return
    elif not isinstance(sid, str):
        raise TokenError(_("Token is blacklisted"), code="token_revoked")
    user = None if uid is None else _USER + str(uid)
    family = None if sid is None else _FAMILY + sid
    # The memo first, key by key, as the hot path has it; the rest in one read.
    now = time.monotonic()
    revoked = mark = None
    if family is not None:
        memo = _memo.get(family)
        if memo is not None and memo[0] > now:
            revoked = memo[1]
    if user is not None:
        memo = _memo.get(user)
        if memo is not None and memo[0] > now:
            mark = memo[1]
    if (family is not None and revoked is None) or (user is not None and mark is None):
        values = _read([key for key in (user, family) if key is not None])
        revoked = values.get(family, 0) if family is not None else 0
        mark = values.get(user, 0) if user is not None else 0
    if revoked:
        raise TokenError(_("Token is blacklisted"), code="token_revoked")
    if mark:
        second, strict = mark >> 1, bool(mark & 1)
        iat = payload.get("iat")
        if isinstance(iat, bool) or not isinstance(iat, (int, float)):
            raise TokenError(_("Token is blacklisted"), code="token_revoked")
        issued = math.floor(iat)
        if issued < second or (issued == second and (strict or sid is None)):
            raise TokenError(_("Token is blacklisted"), code="token_revoked")


# --- writing ------------------------------------------------------------------------


def _write(values: dict[str, int]) -> None:
    _remember(values, float(api_settings.REVOCATION_MEMO_SECONDS))
    try:
        _cache().set_many(values, timeout=api_settings.REVOCATION_CACHE_TTL)
    except Exception:  # the database holds the mark; say so loudly
        logger.error(
            "pyauth could not write %d revocation mark(s) to the cache: other processes "
            "may accept the revoked tokens for up to REVOCATION_CACHE_TTL seconds",
            len(values),
            exc_info=True,
        )


def mark_user(key: str, at: datetime | None = None, *, strict: bool = True) -> int:
    """Refuse every token of the user ``key`` issued up to now (or ``at``): the mark in
    the database and the cache. ``strict=False`` only when every family of the user was
    revoked with it (see the module docstring). Returns the mark in seconds."""
    moment = at or datetime.now(tz=UTC)
    second = int(moment.timestamp())
    previous = UserRevocation.objects.filter(pk=key).first()
    if previous is not None and int(previous.revoked_at.timestamp()) == second:
        strict = strict or previous.strict  # two marks in one second: the stricter
    UserRevocation.objects.update_or_create(
        pk=key, defaults={"revoked_at": moment, "strict": strict}
    )
    _write({_USER + key: _encode(moment, strict)})
    return second


def mark_families(sids: Iterable[str]) -> None:
    """Copy the revocation of the families ``sids`` (already written to the database)
    to the cache and the memo."""
    values = {_FAMILY + sid: 1 for sid in sids}
    if values:
        _write(values)


def seed(user: Any, sid: str | None) -> None:
    """Put a new session's answers in the cache, so its first request needs no query:
    the family ``sid`` (just created) is live, and the user's mark as the database has
    it (``add``: a mark a revocation wrote meanwhile stays)."""
    try:
        cache = _cache()
        if sid is not None:
            cache.set(_FAMILY + sid, 0, timeout=api_settings.REVOCATION_CACHE_TTL)
        key = _USER + user_key(user)
        if cache.get(key) is None:
            cache.add(key, _from_db(key), timeout=api_settings.REVOCATION_CACHE_TTL)
    except Exception:  # seeding is an optimisation; reads fall back
        logger.warning("pyauth revocation cache unreachable while seeding", exc_info=True)


def _forget_on_setting_change(**kwargs: Any) -> None:
    clear_memo()


setting_changed.connect(_forget_on_setting_change, dispatch_uid="pyauth.lifecycle.revocation")
