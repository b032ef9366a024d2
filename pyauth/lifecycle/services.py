"""The token lifecycle: issue, refresh (rotate), revoke, and ask whether a session is
revoked. Views call these; nothing else writes the lifecycle tables.

- :func:`issue` starts a family (one login on one device) and records its first
  refresh token; the access token carries the same family id ("sid").
- :func:`refresh` trades a refresh token for a new access token and, when rotating, a
  new refresh token in the same family. A refresh token is traded once: presented
  again after its rotation (or after a logout blacklisted it) it revokes its whole
  family, so a stolen copy and the legitimate one cannot both live on (RFC 9700
  §4.14). REUSE_GRACE_SECONDS > 0 answers a second presentation within that many
  seconds of the rotation with a refusal that spares the family (racing browser tabs).
- :func:`revoke_family`, :func:`revoke_token` (logout), :func:`revoke_user`.
- :func:`is_revoked`: the database's answer (authentication reads the cached copy,
  :mod:`pyauth.lifecycle.revocation`, which every revocation here writes).
- Sessions and devices: :func:`track_session` / :func:`end_session` (Django sessions,
  from the ``user_logged_in`` / ``user_logged_out`` signals), :func:`touch_session`,
  :func:`live_sessions`, :func:`revoke_session`, :func:`revoke_other_sessions`.

Device-bound refresh tokens: :func:`refresh` takes the fingerprint presented with the
token and checks it (:mod:`pyauth.lifecycle.fingerprints`) before it touches the
database, so a refusal for a missing or wrong fingerprint burns nothing.

Concurrency: a rotation claims its record with one conditional UPDATE
(``... WHERE jti_digest = %s AND used_at IS NULL AND blacklisted_at IS NULL``) as the
first statement of its transaction. The database runs such an UPDATE atomically —
SQLite by its write lock, PostgreSQL by the row lock, re-checking the condition once
the competing transaction commits — so of any number of simultaneous refreshes of one
token exactly one sees a row updated; the others are treated as a replay.

Refresh tokens without a family (signed before pyauth.lifecycle was installed, or by
simplejwt with the same key) are adopted on first use: a family is opened for them and
their digest recorded, so from then on they rotate and are refused on replay like any
other.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from django.contrib.auth import get_user_model
from django.contrib.auth.models import update_last_login
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pyauth import signing
from pyauth.exceptions import InvalidTokenError
from pyauth.lifecycle import fingerprints, revocation
from pyauth.lifecycle.models import (
    RefreshTokenRecord,
    TokenFamily,
    UserRevocation,
    jti_digest,
    new_family_id,
)
from pyauth.settings import api_settings
from pyauth.tokens import AccessToken, RefreshToken, Token, TokenError

__all__ = [
    "REASON_ADMIN",
    "REASON_LOGOUT",
    "REASON_REUSE",
    "REASON_USER",
    "SESSION_FAMILY_KEY",
    "end_session",
    "is_revoked",
    "is_token_revoked",
    "issue",
    "live_sessions",
    "new_session_access",
    "refresh",
    "revoke_family",
    "revoke_other_sessions",
    "revoke_session",
    "revoke_token",
    "revoke_user",
    "touch_session",
    "track_session",
]

#: revoke_reason values pyauth writes.
REASON_LOGOUT: Final = "logout"
REASON_REUSE: Final = "refresh token reused"
REASON_ADMIN: Final = "revoked by an administrator"
REASON_USER: Final = "revoked by the user"

#: The key of a Django session's data that holds the id of its family.
SESSION_FAMILY_KEY: Final = "_pyauth_sid"

_USER_AGENT_MAX: Final = 256


# --- helpers ------------------------------------------------------------------------


def _device(request: Any) -> dict[str, Any]:
    """The user agent (truncated) and the client address of ``request`` (REMOTE_ADDR
    only: a forwarded-for header is the client's word, not a fact)."""
    if request is None:
        return {"user_agent": "", "ip": None}
    meta = getattr(request, "META", {})
    agent = str(meta.get("HTTP_USER_AGENT", ""))[:_USER_AGENT_MAX]
    ip: str | None = None
    remote = meta.get("REMOTE_ADDR")
    if remote:
        try:
            ip = str(ipaddress.ip_address(str(remote)))
        except ValueError:
            ip = None
    return {"user_agent": agent, "ip": ip}


def _digest_of(token: Token) -> str:
    jti = token.get(api_settings.JTI_CLAIM)
    if not isinstance(jti, str) or not jti:
        raise TokenError(_("Token has no id"))
    return jti_digest(jti)


def _user_matches(user: Any, token: Token) -> bool:
    claimed = token.get(api_settings.USER_ID_CLAIM)
    return claimed is not None and str(claimed) == str(getattr(user, api_settings.USER_ID_FIELD))


def _check_active(user: Any) -> None:
    if user is None or not getattr(user, "is_active", True):
        raise TokenError(
            _("No active account found for the given token."), code="no_active_account"
        )


def _user_of(token: Token) -> Any:
    """The user a token names, or None."""
    user_id = token.get(api_settings.USER_ID_CLAIM)
    if user_id is None:
        return None
    user_model: Any = get_user_model()
    try:
        return user_model.objects.get(**{api_settings.USER_ID_FIELD: user_id})
    except (user_model.DoesNotExist, ValueError, TypeError):
        return None


def _successor(token: RefreshToken, user: Any, sid: str) -> RefreshToken:
    """A new refresh token with ``token``'s claims (simplejwt keeps custom claims on
    rotation), a new jti, exp and iat, fresh EXTRA_ACCESS_CLAIMS and the family id."""
    new = RefreshToken()
    no_copy = new.no_copy_claims
    for claim, value in token.payload.items():
        if claim not in no_copy and claim not in ("aud", "iss"):
            new[claim] = value
    for claim, value in api_settings.extra_claims(user).items():
        new[claim] = value
    for claim, value in api_settings.user_claims(user).items():
        new[claim] = value
    new[api_settings.FAMILY_CLAIM] = sid
    return new


def _access_from(token: RefreshToken, user: Any, sid: str) -> AccessToken:
    access = token.access_token
    # The device binding is the refresh token's: access tokens are not presented with it.
    for claim in ("aud", "iss", fingerprints.FINGERPRINT_CLAIM):
        if claim in access:
            del access[claim]
    for claim, value in api_settings.extra_claims(user).items():
        access[claim] = value
    for claim, value in api_settings.user_claims(user).items():
        access[claim] = value
    access[api_settings.FAMILY_CLAIM] = sid
    return access


# --- issuing ------------------------------------------------------------------------


def issue(
    user: Any, request: Any = None, *, token: RefreshToken | None = None
) -> tuple[RefreshToken, AccessToken]:
    """Start a session for ``user``: a new family (device from ``request``), its first
    refresh token recorded, and an access token with the same "sid".

    ``token`` is a refresh token prepared by the caller (a serializer's ``get_token``
    that adds claims); by default ``RefreshToken.for_user(user)``."""
    refresh_token = token if token is not None else RefreshToken.for_user(user)
    sid = new_family_id()
    refresh_token[api_settings.FAMILY_CLAIM] = sid
    access = refresh_token.access_token
    digest = _digest_of(refresh_token)
    with transaction.atomic():
        family = TokenFamily.objects.create(
            id=sid,
            user=user,
            expires_at=max(refresh_token.expires_at, access.expires_at),
            **_device(request),
        )
        RefreshTokenRecord.objects.create(
            jti_digest=digest, family=family, expires_at=refresh_token.expires_at
        )
    revocation.seed(user, sid)
    if api_settings.UPDATE_LAST_LOGIN:
        update_last_login(None, user)
    return refresh_token, access


def new_session_access(
    user: Any, request: Any = None, lifetime: timedelta | None = None
) -> AccessToken:
    """An access token in a family of its own with no refresh token, for sessions that
    live in one token (document 001's ``jwt`` cookie): revoking the family (logout)
    refuses it. ``lifetime`` defaults to ACCESS_TOKEN_LIFETIME."""
    access = AccessToken.for_user(user)
    if lifetime is not None:
        access.lifetime = lifetime
        access.set_exp(lifetime=lifetime)
    sid = new_family_id()
    access[api_settings.FAMILY_CLAIM] = sid
    TokenFamily.objects.create(id=sid, user=user, expires_at=access.expires_at, **_device(request))
    revocation.seed(user, sid)
    if api_settings.UPDATE_LAST_LOGIN:
        update_last_login(None, user)
    return access


# --- refreshing ---------------------------------------------------------------------


def refresh(
    raw_refresh: str | bytes | RefreshToken,
    request: Any = None,
    rotate: bool | None = None,
    *,
    fingerprint: str | None = None,
    require_fingerprint: bool = False,
) -> tuple[RefreshToken | None, AccessToken]:
    """Trade a refresh token for ``(new refresh token or None, new access token)``.

    Raises :class:`~pyauth.tokens.TokenError` when the token is invalid or expired, its
    family revoked, its account inactive (code "no_active_account"), or when it was
    already rotated or blacklisted, which also revokes its family (see the module
    docstring for the grace window). ``rotate`` defaults to ROTATE_REFRESH_TOKENS.

    ``fingerprint`` is the device fingerprint presented with the token (its cookie): a
    token bound to one is refused without it, and a token bound to none is refused when
    ``require_fingerprint`` (:func:`pyauth.lifecycle.fingerprints.check`). Such a
    refusal of a live token changes nothing (the token keeps working with its
    fingerprint); a token already rotated or blacklisted still revokes its family, with
    or without the right fingerprint. A rotated token copies the binding;
    :func:`pyauth.views.set_auth_cookies` binds it to a fresh one."""
    token = raw_refresh if isinstance(raw_refresh, RefreshToken) else RefreshToken(raw_refresh)
    try:
        fingerprints.check(token, fingerprint, required=require_fingerprint)
    except TokenError:
        _refuse_if_replayed(token)
        raise
    if rotate is None:
        rotate = bool(api_settings.ROTATE_REFRESH_TOKENS)
    digest = _digest_of(token)
    sid = token.get(api_settings.FAMILY_CLAIM)
    if sid is not None and not isinstance(sid, str):
        raise TokenError(_("Token is invalid"))
    single_use = rotate and bool(api_settings.BLACKLIST_AFTER_ROTATION)
    ip = _device(request)["ip"]
    for attempt in range(2):
        if single_use:
            result = _rotate_once(token, digest, sid, ip)
        else:
            result = _trade(token, digest, sid, rotate, ip)
        if result is not None:
            return result
        if attempt == 0 and sid is None:
            _adopt(token, digest, request)
            continue
        break
    raise TokenError(_("Token is invalid"))


def _rotate_once(
    token: RefreshToken, digest: str, sid: str | None, ip: str | None
) -> tuple[RefreshToken | None, AccessToken] | None:
    """The single-use rotation. None when no record has this digest."""
    now = timezone.now()
    with transaction.atomic():
        # The claim comes first: on SQLite it takes the write lock before anything is
        # read, so the transaction never has to upgrade a read lock.
        claimed = RefreshTokenRecord.objects.filter(
            jti_digest=digest, used_at__isnull=True, blacklisted_at__isnull=True
        ).update(used_at=now)
        if claimed:
            record = RefreshTokenRecord.objects.select_related("family__user").get(
                jti_digest=digest
            )
            family = record.family
            # Any refusal below raises inside the transaction and so undoes the claim.
            _check_family(family, sid, token)
            user = family.user
            _check_active(user)
            new = _successor(token, user, family.id)
            access = _access_from(new, user, family.id)
            RefreshTokenRecord.objects.create(
                jti_digest=_digest_of(new), family=family, expires_at=new.expires_at
            )
            _touch(family, now, new, access, ip)
            return new, access
    record = (
        RefreshTokenRecord.objects.select_related("family__user").filter(jti_digest=digest).first()
    )
    if record is None:
        return None
    _check_family(record.family, sid, token)
    _refuse_dead(record)
    # The record was live when read again: it was claimed by a transaction that rolled
    # back (an inactive user, say). Refuse this attempt; the token stays usable.
    raise TokenError(_("Token is invalid"))


def _trade(
    token: RefreshToken, digest: str, sid: str | None, rotate: bool, ip: str | None
) -> tuple[RefreshToken | None, AccessToken] | None:
    """Refresh without single use: no rotation, or rotation with
    BLACKLIST_AFTER_ROTATION off (a rotated token stays valid until it expires, as in
    simplejwt). None when no record has this digest."""
    record = (
        RefreshTokenRecord.objects.select_related("family__user").filter(jti_digest=digest).first()
    )
    if record is None:
        return None
    family = record.family
    _check_family(family, sid, token)
    if record.blacklisted_at is not None or (
        record.used_at is not None and api_settings.BLACKLIST_AFTER_ROTATION
    ):
        _refuse_dead(record)
    user = family.user
    _check_active(user)
    now = timezone.now()
    new: RefreshToken | None = None
    if rotate:
        new = _successor(token, user, family.id)
        access = _access_from(new, user, family.id)
    else:
        access = _access_from(token, user, family.id)
    with transaction.atomic():
        if new is not None:
            RefreshTokenRecord.objects.filter(pk=record.pk, used_at__isnull=True).update(
                used_at=now
            )
            RefreshTokenRecord.objects.create(
                jti_digest=_digest_of(new), family=family, expires_at=new.expires_at
            )
        _touch(family, now, new, access, ip)
    return new, access


def _refuse_if_replayed(token: RefreshToken) -> None:
    """Reuse detection for a token refused for its fingerprint: one that was already
    rotated or blacklisted revokes its family as it would have with the right one (a
    copy of an old refresh cookie is out there, whatever came with it)."""
    jti = token.get(api_settings.JTI_CLAIM)
    if not isinstance(jti, str) or not jti:
        return
    record = (
        RefreshTokenRecord.objects.select_related("family__user")
        .filter(jti_digest=jti_digest(jti))
        .first()
    )
    if record is None:
        return
    dead = record.blacklisted_at is not None or (
        record.used_at is not None and bool(api_settings.BLACKLIST_AFTER_ROTATION)
    )
    if not dead:
        return
    sid = token.get(api_settings.FAMILY_CLAIM)
    _check_family(record.family, sid if isinstance(sid, str) else None, token)
    _refuse_dead(record)


def _check_family(family: TokenFamily, sid: str | None, token: Token) -> None:
    if sid is not None and family.id != sid:
        raise TokenError(_("Token is invalid"))
    if family.revoked_at is not None:
        raise TokenError(_("Token is blacklisted"), code="token_revoked")
    if not _user_matches(family.user, token):
        raise TokenError(_("Token is invalid"))


def _refuse_dead(record: RefreshTokenRecord) -> None:
    """A rotated or blacklisted token came back: refuse it, revoking its family unless
    it was rotated within REUSE_GRACE_SECONDS."""
    if record.blacklisted_at is None and record.used_at is None:
        return
    if record.blacklisted_at is None:
        grace = float(api_settings.REUSE_GRACE_SECONDS or 0)
        if grace > 0 and timezone.now() - record.used_at <= timedelta(seconds=grace):
            raise TokenError(_("Token has already been used"), code="token_reused")
    revoke_family(record.family_id, REASON_REUSE)
    code = "token_reused" if record.blacklisted_at is None else "token_revoked"
    raise TokenError(_("Token is blacklisted"), code=code)


def _touch(
    family: TokenFamily,
    now: datetime,
    refresh: RefreshToken | None,
    access: AccessToken,
    ip: str | None,
) -> None:
    """Record a refresh: when and from where the family was last used, and its new
    expiry (the sessions list shows the first two). A refresh without a known address
    keeps the last one."""
    expiry = max(
        family.expires_at, access.expires_at, refresh.expires_at if refresh else family.expires_at
    )
    changes: dict[str, Any] = {"last_used_at": now, "expires_at": expiry}
    if ip is not None:
        changes["ip"] = ip
    TokenFamily.objects.filter(pk=family.pk).update(**changes)


def _adopt(token: RefreshToken, digest: str, request: Any) -> None:
    """Open a family for a valid refresh token that has none (see the module docstring).
    Concurrent adoptions of one token leave one record: the others' inserts fail on
    the unique digest and are dropped. A token issued before its user's last
    revocation (password change, logout everywhere) is refused: it had no family to
    revoke then."""
    user = _user_of(token)
    _check_active(user)
    mark = (
        UserRevocation.objects.filter(pk=revocation.user_key(user))
        .values_list("revoked_at", flat=True)
        .first()
    )
    iat = token.get("iat")
    if mark is not None and (
        isinstance(iat, bool)
        or not isinstance(iat, (int, float))
        or math.floor(iat) <= int(mark.timestamp())
    ):
        raise TokenError(_("Token is blacklisted"), code="token_revoked")
    try:
        with transaction.atomic():
            family = TokenFamily.objects.create(
                id=new_family_id(), user=user, expires_at=token.expires_at, **_device(request)
            )
            RefreshTokenRecord.objects.create(
                jti_digest=digest, family=family, expires_at=token.expires_at
            )
    except IntegrityError:
        pass


# --- revoking -----------------------------------------------------------------------


def revoke_family(sid: str, reason: str = REASON_LOGOUT) -> bool:
    """Revoke the family ``sid``: every refresh and access token carrying it is refused
    from now on. False if it was already revoked or does not exist."""
    updated = TokenFamily.objects.filter(pk=sid, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=str(reason)[:64]
    )
    revocation.mark_families([sid])
    return bool(updated)


def _claims_for_revocation(raw: str | bytes) -> dict[str, Any]:
    """The claims of one of our tokens, its signature, audience and issuer verified but
    not its expiry (logging out with an expired access token still ends the session)."""
    if len(raw) > api_settings.MAX_TOKEN_BYTES:
        raise TokenError(_("Token is invalid"))
    try:
        return signing.decode(raw, options={"verify_exp": False})
    except (InvalidTokenError, UnicodeError) as exc:
        raise TokenError(_("Token is invalid")) from exc


def revoke_token(token: str | bytes | Token, reason: str = REASON_LOGOUT) -> bool:
    """Logout: revoke the family ``token`` (a refresh or access token, raw or parsed)
    belongs to, and blacklist it if it is a refresh token. A raw token must carry a
    valid signature (it may have expired). Raises TokenError for a token that is not
    ours; returns False when there was nothing left to revoke."""
    if isinstance(token, Token):
        claims = dict(token.payload)
    else:
        claims = _claims_for_revocation(token)
    sid = claims.get(api_settings.FAMILY_CLAIM)
    if sid is not None and not isinstance(sid, str):
        raise TokenError(_("Token is invalid"))
    jti = claims.get(api_settings.JTI_CLAIM)
    type_claim = api_settings.TOKEN_TYPE_CLAIM
    is_refresh = type_claim is not None and claims.get(type_claim) == RefreshToken.token_type
    changed = False
    if is_refresh and isinstance(jti, str) and jti:
        digest = jti_digest(jti)
        now = timezone.now()
        changed = bool(
            RefreshTokenRecord.objects.filter(
                jti_digest=digest, blacklisted_at__isnull=True
            ).update(blacklisted_at=now)
        )
        if sid is None:
            sid = (
                RefreshTokenRecord.objects.filter(jti_digest=digest)
                .values_list("family_id", flat=True)
                .first()
            )
        if sid is None:
            changed = _record_revoked(claims, digest, reason) or changed
    if sid is not None:
        changed = revoke_family(sid, reason) or changed
    return changed


def _record_revoked(claims: dict[str, Any], digest: str, reason: str) -> bool:
    """Record a family-less refresh token as blacklisted, so it cannot be adopted."""
    user_id = claims.get(api_settings.USER_ID_CLAIM)
    exp = claims.get("exp")
    if user_id is None or not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return False
    user_model: Any = get_user_model()
    try:
        user = user_model.objects.get(**{api_settings.USER_ID_FIELD: user_id})
    except (user_model.DoesNotExist, ValueError, TypeError):
        return False
    expires_at = datetime.fromtimestamp(exp, tz=UTC)
    now = timezone.now()
    try:
        with transaction.atomic():
            family = TokenFamily.objects.create(
                id=new_family_id(),
                user=user,
                expires_at=expires_at,
                revoked_at=now,
                revoke_reason=str(reason)[:64],
            )
            RefreshTokenRecord.objects.create(
                jti_digest=digest, family=family, expires_at=expires_at, blacklisted_at=now
            )
    except IntegrityError:
        return False
    return True


def revoke_user(user: Any, reason: str = REASON_ADMIN) -> int:
    """Log ``user`` out everywhere: every live family revoked (all their token logins
    and tracked Django sessions) and a user mark that refuses every access token issued
    to them until now, families or not. Returns the number of families revoked."""
    now = timezone.now()
    sids = list(
        TokenFamily.objects.filter(user=user, revoked_at__isnull=True).values_list("id", flat=True)
    )
    updated: int = 0
    if sids:
        updated = TokenFamily.objects.filter(pk__in=sids, revoked_at__isnull=True).update(
            revoked_at=now, revoke_reason=str(reason)[:64]
        )
    revocation.mark_user(revocation.user_key(user), now, strict=False)
    revocation.mark_families(sids)
    return updated


def is_revoked(sid: str) -> bool:
    """True unless ``sid`` names a family that exists and is not revoked (a family is
    deleted only after every token issued in it has expired)."""
    return not TokenFamily.objects.filter(pk=sid, revoked_at__isnull=True).exists()


def is_token_revoked(token: Token) -> bool:
    """True if ``token`` (already verified) may no longer be used: its family is
    revoked, or it is a refresh token that was blacklisted or (with
    BLACKLIST_AFTER_ROTATION) already rotated."""
    sid = token.get(api_settings.FAMILY_CLAIM)
    if sid is not None and (not isinstance(sid, str) or is_revoked(sid)):
        return True
    type_claim = api_settings.TOKEN_TYPE_CLAIM
    jti = token.get(api_settings.JTI_CLAIM)
    if type_claim is None or token.get(type_claim) != RefreshToken.token_type:
        return False
    if not isinstance(jti, str) or not jti:
        return sid is not None
    record = RefreshTokenRecord.objects.filter(jti_digest=jti_digest(jti)).first()
    if record is None:
        return sid is not None
    if record.blacklisted_at is not None:
        return True
    return record.used_at is not None and bool(api_settings.BLACKLIST_AFTER_ROTATION)


# --- Django sessions and the sessions list ------------------------------------------

_TOUCH_PREFIX: Final = "pyauth:seen:"
_TOUCH_MEMO_MAX: Final = 50_000
# sid -> monotonic time before which this process writes no last use for it.
_touched: dict[str, float] = {}
_touched_lock = threading.Lock()


def _session_of(request: Any) -> Any:
    return getattr(getattr(request, "_request", request), "session", None)


def track_session(request: Any, user: Any) -> str | None:
    """Record the Django session ``user`` just signed in to as a family of kind
    "session" (device and address from ``request``, expiring with the session) and keep
    its id in the session's data under :data:`SESSION_FAMILY_KEY` (the session key is
    stored nowhere). Connected to ``user_logged_in``.

    A session that already names a live session family of ``user`` keeps it (Django
    keeps the session when the same user signs in again). Returns the family id, or
    None when the request has no session."""
    session = _session_of(request)
    if session is None:
        return None
    current = session.get(SESSION_FAMILY_KEY)
    if (
        isinstance(current, str)
        and TokenFamily.objects.filter(
            pk=current, user=user, kind=TokenFamily.KIND_SESSION, revoked_at__isnull=True
        ).exists()
    ):
        return current
    sid = new_family_id()
    TokenFamily.objects.create(
        id=sid,
        user=user,
        kind=TokenFamily.KIND_SESSION,
        expires_at=session.get_expiry_date(),
        **_device(request),
    )
    session[SESSION_FAMILY_KEY] = sid
    revocation.seed(user, sid)
    return sid


def end_session(request: Any, reason: str = REASON_LOGOUT) -> bool:
    """Revoke the family of the Django session of ``request`` (logout). Connected to
    ``user_logged_out``. False when the session names none or it was already revoked."""
    session = _session_of(request)
    sid = session.get(SESSION_FAMILY_KEY) if session is not None else None
    if not isinstance(sid, str):
        return False
    return revoke_family(sid, reason)


def _touch_due(sid: str, interval: float) -> bool:
    """True when this call should write session ``sid``'s last use: not within
    ``interval`` seconds of the previous write, in this process (a memo) or in any
    (one ``cache.add``, which only one process wins per interval)."""
    if interval <= 0:
        return True
    now = time.monotonic()
    deadline = _touched.get(sid)
    if deadline is not None and deadline > now:
        return False
    with _touched_lock:
        if len(_touched) >= _TOUCH_MEMO_MAX:
            for key in [k for k, d in _touched.items() if d <= now]:
                del _touched[key]
            if len(_touched) >= _TOUCH_MEMO_MAX:
                _touched.clear()
        _touched[sid] = now + interval
    try:
        added: bool = caches[api_settings.REVOCATION_CACHE].add(
            _TOUCH_PREFIX + sid, 1, timeout=max(1, math.ceil(interval))
        )
    except Exception:  # the memo still throttles this process; the write is harmless
        return True
    return added


def touch_session(sid: str, request: Any) -> bool:
    """Record that the session family ``sid`` was used now, from ``request``'s address,
    and push its expiry to the session's (never earlier): at most once per
    SESSION_TOUCH_SECONDS per session, so a busy session does not write on every
    request. Returns True when it wrote."""
    if not _touch_due(sid, float(api_settings.SESSION_TOUCH_SECONDS)):
        return False
    changes: dict[str, Any] = {"last_used_at": timezone.now()}
    session = _session_of(request)
    if session is not None:
        changes["expires_at"] = Greatest("expires_at", Value(session.get_expiry_date()))
    ip = _device(request)["ip"]
    if ip is not None:
        changes["ip"] = ip
    TokenFamily.objects.filter(pk=sid, revoked_at__isnull=True).update(**changes)
    return True


def live_sessions(user: Any) -> QuerySet:
    """``user``'s live families, token logins and Django sessions alike (neither
    revoked nor expired), most recently used first: one query on the index
    ``pyauth_family_live_by_user``."""
    return TokenFamily.objects.filter(
        user_id=user.pk, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-last_used_at")


def revoke_session(user: Any, sid: str, reason: str = REASON_USER) -> bool:
    """Revoke the live family ``sid`` if it belongs to ``user``: its tokens are refused
    within REVOCATION_MEMO_SECONDS, a Django session is signed out at its next request.
    False when ``user`` has no such live family (whoever else may have one)."""
    updated = TokenFamily.objects.filter(
        pk=sid, user_id=user.pk, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).update(revoked_at=timezone.now(), revoke_reason=str(reason)[:64])
    if updated:
        revocation.mark_families([sid])
    return bool(updated)


def revoke_other_sessions(user: Any, keep: Iterable[str], reason: str = REASON_USER) -> int:
    """Revoke every family of ``user`` not yet revoked except those in ``keep`` (the
    caller's current ones). Returns how many were revoked."""
    kept = [sid for sid in keep if isinstance(sid, str)]
    sids = list(
        TokenFamily.objects.filter(user_id=user.pk, revoked_at__isnull=True)
        .exclude(pk__in=kept)
        .values_list("id", flat=True)
    )
    if not sids:
        return 0
    updated: int = TokenFamily.objects.filter(pk__in=sids, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=str(reason)[:64]
    )
    revocation.mark_families(sids)
    return updated
