"""Sessions and devices: the caller's signed-in sessions, and any user's for staff.

Every token login (a family: the refresh tokens rotated from one sign-in and their
access tokens) and every signed-in Django session is one item::

    {"id": "...", "kind": "token" | "session", "device": "Firefox 128.0 on Ubuntu",
     "user_agent": "...", "ip": "203.0.113.7", "created_at": "...Z",
     "last_used_at": "...Z", "current": true}

``id`` is opaque (a family id, or the id a session keeps in its own data: never a
session key or a token). ``current`` marks what authenticated this request: the family
of its access token and its Django session.

- :class:`SessionListView`: GET -> ``{"count": n, "sessions": [...]}`` (the
  :data:`MAX_LISTED` most recently used);
- :class:`SessionDetailView`: DELETE ``<id>`` -> 204, the session revoked (its tokens
  refused within REVOCATION_MEMO_SECONDS, a Django session signed out at its next
  request); 404 for an id the caller has no live session under, whoever owns it;
- :class:`SessionRevokeOthersView`: POST -> ``{"revoked": n}``, every other session
  of the caller revoked, the current ones kept;
- :class:`UserSessionListView`, :class:`UserSessionDetailView`,
  :class:`UserSessionRevokeAllView`: the same for a user named by id, for staff
  (``is_staff``; a superuser's sessions only for a superuser); "revoke all" logs the user
  out everywhere (:func:`pyauth.lifecycle.services.revoke_user`).

Authentication is the project's DEFAULT_AUTHENTICATION_CLASSES unless the URLconf says
otherwise (:func:`pyauth.lifecycle.urls.session_urlpatterns` passes options to every
view). Cookie-authenticated unsafe requests need the CSRF token as everywhere
(pyauth's cookie authentication and DRF's session authentication demand it);
``csrf_on_every_unsafe_request = True`` demands it of every caller.
"""

from __future__ import annotations

from typing import Any, ClassVar, Final

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from pyauth.authentication import enforce_csrf
from pyauth.lifecycle import services
from pyauth.lifecycle.devices import describe
from pyauth.lifecycle.models import TokenFamily
from pyauth.settings import api_settings
from pyauth.tokens import Token

__all__ = [
    "MAX_LISTED",
    "SessionDetailView",
    "SessionListView",
    "SessionRevokeOthersView",
    "SessionSerializer",
    "UserSessionDetailView",
    "UserSessionListView",
    "UserSessionRevokeAllView",
    "current_session_ids",
]

#: The most sessions one list shows (the most recently used); ``count`` has them all.
MAX_LISTED: Final = 100
_MAX_ID_LENGTH: Final = TokenFamily._meta.get_field("id").max_length
_SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def current_session_ids(request: Request) -> set[str]:
    """The ids of the sessions this request comes from: the family of the token that
    authenticated it, and the family of its Django session."""
    ids: set[str] = set()
    auth = request.auth
    if isinstance(auth, Token):
        sid = auth.get(api_settings.FAMILY_CLAIM)
        if isinstance(sid, str):
            ids.add(sid)
    session = getattr(request._request, "session", None)
    if session is not None and session.session_key is not None:
        sid = session.get(services.SESSION_FAMILY_KEY)
        if isinstance(sid, str):
            ids.add(sid)
    return ids


class SessionSerializer(serializers.ModelSerializer):  # type: ignore[misc]
    """One session as the list shows it (read-only)."""

    device = serializers.SerializerMethodField(help_text=_("Parsed from the user agent."))
    current = serializers.SerializerMethodField(
        help_text=_("True for the sessions this request comes from.")
    )

    class Meta:
        model = TokenFamily
        fields = (
            "id",
            "kind",
            "device",
            "user_agent",
            "ip",
            "created_at",
            "last_used_at",
            "current",
        )
        read_only_fields = fields

    def get_device(self, family: TokenFamily) -> str:
        return describe(family.user_agent)

    def get_current(self, family: TokenFamily) -> bool:
        return family.id in self.context.get("current", ())


class SessionListSerializer(serializers.Serializer):  # type: ignore[misc]
    """``{"count", "sessions"}``: the schema of a list answer."""

    count = serializers.IntegerField()
    sessions = SessionSerializer(many=True)


class RevokedSerializer(serializers.Serializer):  # type: ignore[misc]
    """``{"revoked"}``: how many sessions were revoked."""

    revoked = serializers.IntegerField()


# --- the caller's own sessions ------------------------------------------------------


class SessionViewBase(GenericAPIView):  # type: ignore[misc]
    """What the session views share: authenticated callers, JSON, an optional CSRF
    check on every unsafe request, and the list answer."""

    permission_classes: ClassVar[tuple[Any, ...]] = (permissions.IsAuthenticated,)
    serializer_class: Any = SessionListSerializer
    #: Demand the CSRF token on every unsafe request, whatever authenticated it (e.g.
    #: document 002's API, which demands it of Bearer callers too).
    csrf_on_every_unsafe_request: bool = False

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if self.csrf_on_every_unsafe_request and request.method not in _SAFE_METHODS:
            enforce_csrf(request._request)
        super().initial(request, *args, **kwargs)

    def list_response(self, user: Any) -> Response:
        """``{"count", "sessions"}`` for ``user``'s live sessions."""
        live = services.live_sessions(user)
        context = {"request": self.request, "current": current_session_ids(self.request)}
        items = SessionSerializer(live[:MAX_LISTED], many=True, context=context).data
        return Response({"count": live.count(), "sessions": items})

    @staticmethod
    def check_session_id(session_id: str) -> None:
        """404 for an id no session can have, before any query."""
        if not session_id or len(session_id) > _MAX_ID_LENGTH:
            raise exceptions.NotFound(_("No such session."))


class SessionListView(SessionViewBase):
    """GET -> the caller's live sessions."""

    def get(self, request: Request) -> Response:
        return self.list_response(request.user)


class SessionDetailView(SessionViewBase):
    """DELETE -> 204, the caller's session ``session_id`` revoked; 404 if the caller
    has no live session of that id (another user's id included: nothing tells it
    exists)."""

    def delete(self, request: Request, session_id: str) -> Response:
        self.check_session_id(session_id)
        if not services.revoke_session(request.user, session_id, services.REASON_USER):
            raise exceptions.NotFound(_("No such session."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionRevokeOthersView(SessionViewBase):
    """POST -> ``{"revoked": n}``: every session of the caller revoked except the ones
    this request comes from."""

    serializer_class = RevokedSerializer

    def post(self, request: Request) -> Response:
        count = services.revoke_other_sessions(
            request.user, current_session_ids(request), services.REASON_USER
        )
        return Response({"revoked": count})


# --- staff: any user's sessions -----------------------------------------------------


class UserSessionViewBase(SessionViewBase):
    """Staff only. The user comes from the URL (``user_id``): 404 when there is none,
    403 when a staff member who is not a superuser names a superuser."""

    permission_classes: ClassVar[tuple[Any, ...]] = (
        permissions.IsAuthenticated,
        permissions.IsAdminUser,
    )

    def get_target(self, user_id: str) -> Any:
        """The user ``user_id`` names, if the caller may manage their sessions."""
        model: Any = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except (ValidationError, ValueError, TypeError):
            pk = None
        target = model._default_manager.filter(pk=pk).first() if pk is not None else None
        if target is None:
            raise exceptions.NotFound(_("No such user."))
        actor = self.request.user
        if getattr(target, "is_superuser", False) and not getattr(actor, "is_superuser", False):
            raise exceptions.PermissionDenied(_("Only a superuser manages a superuser's sessions."))
        return target


class UserSessionListView(UserSessionViewBase):
    """GET -> ``user_id``'s live sessions (``current`` marks the caller's own)."""

    def get(self, request: Request, user_id: str) -> Response:
        return self.list_response(self.get_target(user_id))


class UserSessionDetailView(UserSessionViewBase):
    """DELETE -> 204, ``user_id``'s session ``session_id`` revoked; 404 if they have no
    live session of that id."""

    def delete(self, request: Request, user_id: str, session_id: str) -> Response:
        target = self.get_target(user_id)
        self.check_session_id(session_id)
        if not services.revoke_session(target, session_id, services.REASON_ADMIN):
            raise exceptions.NotFound(_("No such session."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserSessionRevokeAllView(UserSessionViewBase):
    """POST -> ``{"revoked": n}``: ``user_id`` logged out everywhere (every session
    revoked, and every access token issued to them so far refused)."""

    serializer_class = RevokedSerializer

    def post(self, request: Request, user_id: str) -> Response:
        target = self.get_target(user_id)
        return Response({"revoked": services.revoke_user(target, services.REASON_ADMIN)})
