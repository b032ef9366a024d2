"""django_app's error views (``handler400``, ``handler404``, ``handler500`` in urls.py):
JSON for API clients, Django's HTML pages for the admin.

Django answers with these when no view did: a request it refuses before routing (a Host
outside ALLOWED_HOSTS, a body too big for a non-API view), a path that matches nothing,
or an exception that escaped everything else. The API's clients read JSON; an HTML page
(or, with DEBUG on, a traceback) is useless to them and says more than it should.

``server_error`` turns an unreachable database (the exceptions of
:data:`django_app.middleware.DATABASE_UNAVAILABLE`, raised outside a view, e.g. by a
middleware) into the same 503 the middleware gives views.
"""

from __future__ import annotations

import sys
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from django_app.middleware import DATABASE_UNAVAILABLE, service_unavailable

__all__ = ["bad_request", "page_not_found", "server_error"]

#: Paths that keep Django's HTML error pages.
HTML_PREFIXES = ("/admin/",)


def _html(request: HttpRequest) -> bool:
    return request.path.startswith(HTML_PREFIXES)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400 for a request Django refused before any view (SuspiciousOperation)."""
    if _html(request):
        return defaults.bad_request(request, exception)
    return JsonResponse({"detail": _("Bad request."), "code": "bad_request"}, status=400)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a path no URL pattern matches."""
    if _html(request):
        return defaults.page_not_found(request, exception)
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """500 for an unhandled exception (its details only in the server's log), or 503 when
    the exception being handled says the database is unreachable."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return service_unavailable(exception, request)
    if _html(request):
        return defaults.server_error(request)
    return JsonResponse(
        {"detail": _("A server error occurred."), "code": "server_error"}, status=500
    )
