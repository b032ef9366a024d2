"""Revocable Django sessions: :class:`SessionLifecycleMiddleware`.

::

    MIDDLEWARE = [
        ...,
        "django.contrib.sessions.middleware.SessionMiddleware",
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "pyauth.lifecycle.middleware.SessionLifecycleMiddleware",   # right after it
        ...,
    ]

A signed-in Django session is a token family of kind "session" whose id lives in the
session's own data (:func:`pyauth.lifecycle.services.track_session`, on
``user_logged_in``). The middleware wraps ``request.user`` (and ``request.auser``) so
that the first time anything reads the session's user:

- a session whose family was revoked (from the sessions list, by an administrator, by
  "log out everywhere" or a password change) is flushed from the session store and the
  request is anonymous: the browser is signed out at its next request, within
  REVOCATION_MEMO_SECONDS of the revocation on every process (the check reads the
  revocation marks of :mod:`pyauth.lifecycle.revocation`: memo, cache, then database);
- a signed-in session that names no family (signed in before pyauth.lifecycle was
  installed) is adopted: a family is opened for it;
- a live session's last use, address and expiry are written, at most once per
  SESSION_TOUCH_SECONDS (:func:`pyauth.lifecycle.services.touch_session`).

Nothing is read while no one asks for ``request.user``, so requests authenticated by a
token pay nothing for a session cookie they carry along.

Session engines: the family id travels inside the session data, so every engine works,
``signed_cookies`` included — a revoked signed cookie replayed later is refused as long
as its family row exists, that is until the session's own expiry. What a revocation
cannot do is delete the data from the store before the browser's next request (no
session key is stored anywhere to find it by): until then the session is unusable, and
it disappears with the next request or the store's own expiry (``clearsessions``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import SimpleLazyObject

from pyauth.lifecycle import revocation, services

__all__ = ["SessionLifecycleMiddleware"]


class SessionLifecycleMiddleware:
    """Signs out revoked sessions and records the last use of live ones (see the
    module docstring). Must come after Django's AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        self.wrap_user(request)
        return self.get_response(request)

    def wrap_user(self, request: Any) -> None:
        """Replace ``request.user`` / ``request.auser`` with lazy versions that check the
        session first (no-op without a session or Django's AuthenticationMiddleware)."""
        if not hasattr(request, "session") or not hasattr(request, "user"):
            return
        if request.session.session_key is None:
            return  # no session cookie: nothing to check (costs nothing to know)
        original = request.user
        resolved: list[Any] = []

        def resolve() -> Any:
            if not resolved:
                resolved.append(self.checked_user(request, original))
            return resolved[0]

        async def auser() -> Any:
            return await sync_to_async(resolve)()

        request.user = SimpleLazyObject(resolve)
        request.auser = auser

    def checked_user(self, request: Any, user: Any) -> Any:
        """The user of ``request``'s session once its family was checked: anonymous
        (and the session flushed) when the family was revoked; otherwise ``user``
        (Django's lazy user, evaluated here), its session tracked and touched."""
        session = request.session
        sid = session.get(services.SESSION_FAMILY_KEY)
        if isinstance(sid, str) and revocation.family_revoked(sid):
            session.flush()
            return AnonymousUser()
        if not getattr(user, "is_authenticated", False):
            return user
        if not isinstance(sid, str):
            services.track_session(request, user)
        else:
            services.touch_session(sid, request)
        return user
