"""URLs of the sessions list (:mod:`pyauth.lifecycle.views`)::

    path("api/", include("pyauth.lifecycle.urls")),     # /api/sessions/ ...

or, to choose the trailing slash and pass options (``authentication_classes``,
``csrf_on_every_unsafe_request``...) to every view::

    from pyauth.lifecycle.urls import session_urlpatterns

    path("api/auth/", include((session_urlpatterns(trailing_slash=False), "sessions")))

Paths (``/`` after each with ``trailing_slash``):

- ``sessions`` GET the caller's sessions;
- ``sessions/revoke-others`` POST;
- ``sessions/<id>`` DELETE one;
- ``sessions/users/<user_id>`` GET, ``.../revoke-all`` POST,
  ``.../<id>`` DELETE: staff, for the user ``user_id``.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from pyauth.lifecycle import views

__all__ = ["app_name", "session_urlpatterns", "urlpatterns"]

app_name = "pyauth_sessions"


def session_urlpatterns(*, trailing_slash: bool = True, **options: Any) -> list[URLPattern]:
    """The session URLs (names: ``sessions``, ``session``, ``sessions-revoke-others``,
    ``user-sessions``, ``user-session``, ``user-sessions-revoke-all``), every view made
    with ``as_view(**options)``."""
    end = "/" if trailing_slash else ""
    return [
        path(
            f"sessions{end}",
            views.SessionListView.as_view(**options),
            name="sessions",
        ),
        path(
            f"sessions/revoke-others{end}",
            views.SessionRevokeOthersView.as_view(**options),
            name="sessions-revoke-others",
        ),
        path(
            f"sessions/users/<str:user_id>{end}",
            views.UserSessionListView.as_view(**options),
            name="user-sessions",
        ),
        path(
            f"sessions/users/<str:user_id>/revoke-all{end}",
            views.UserSessionRevokeAllView.as_view(**options),
            name="user-sessions-revoke-all",
        ),
        path(
            f"sessions/users/<str:user_id>/<str:session_id>{end}",
            views.UserSessionDetailView.as_view(**options),
            name="user-session",
        ),
        path(
            f"sessions/<str:session_id>{end}",
            views.SessionDetailView.as_view(**options),
            name="session",
        ),
    ]


urlpatterns = session_urlpatterns()
