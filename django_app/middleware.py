"""Hostile input and outages, answered at the edge with JSON, never a 500 or a traceback.

:class:`RequestLimitsMiddleware` (first in MIDDLEWARE, so nothing has read the body yet):

- a body larger than the server ever needs is refused with 413 before a byte of it is
  read: above ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for anything but a multipart upload, above
  ``REQUEST_BODY_MAX_BYTES`` for an upload (its files included; Django would otherwise
  stream any size of upload to disk before a view can look at it);
- a JSON body nested deeper than ``JSON_MAX_DEPTH`` is refused with 400 before a parser
  recurses into it (Python's decoder raises RecursionError around depth 1,000, which
  would reach the client as a 500);
- the exceptions views raise for requests Django judged too big (``RequestDataTooBig``,
  ``TooManyFieldsSent``) become the same 413/400 JSON answers instead of an HTML page;
- a view that finds the database unavailable (``django.db.OperationalError`` or
  ``InterfaceError``: refused, reset, closed connections) answers 503 with
  ``Retry-After`` and ``{"detail": ..., "code": "service_unavailable"}``. Nothing was
  accepted: every view that signs someone in or accepts a token needs the database
  before it can say yes, so an outage can only ever turn a yes into this 503.

Failures outside any view (a middleware's own queries, such as a session saved in
``process_response``) reach Django's ``handler500``, which :mod:`django_app.errors` makes
the same 503 for the same exceptions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

__all__ = [
    "DATABASE_UNAVAILABLE",
    "RequestLimitsMiddleware",
    "json_depth_exceeds",
    "service_unavailable",
]

logger = logging.getLogger("django_app.middleware")

#: The exceptions that mean "the database cannot be reached right now".
DATABASE_UNAVAILABLE: Final = (OperationalError, InterfaceError)
#: Seconds a client should wait before retrying after a 503.
RETRY_AFTER_SECONDS: Final = 5
#: Defaults when the settings do not say.
DEFAULT_JSON_MAX_DEPTH: Final = 32

# A JSON string (escapes included): removed before brackets are counted, so that a "["
# inside a string does not count. Linear: the two alternatives never match the same text.
_JSON_STRING: Final = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS: Final = re.compile(rb"[\[\]{}]")


def _error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def service_unavailable(exc: BaseException, request: HttpRequest | None = None) -> JsonResponse:
    """The 503 for a database that cannot be reached, logged as one warning line (the
    exception's type and first line: a driver's message names a host, never a password)."""
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    logger.warning(
        "database unavailable (%s: %s) on %s %s",
        type(exc).__name__,
        first_line[:200],
        getattr(request, "method", "-"),
        getattr(request, "path", "-"),
    )
    response = _error(
        503,
        _("The service is temporarily unavailable. Try again shortly."),
        "service_unavailable",
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def json_depth_exceeds(body: bytes, limit: int) -> bool:
    """True when the JSON text ``body`` nests arrays and objects deeper than ``limit``.

    Counts brackets outside strings, without parsing; stops at the first level past the
    limit. A body with no more opening brackets than ``limit`` cannot exceed it and costs
    two C-level scans."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub(b"", body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except (TypeError, ValueError):
        return 0


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class RequestLimitsMiddleware:
    """Size and depth limits on request bodies, and JSON answers for the requests that
    break them or find the database down (see the module docstring). First in
    MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self.refuse(request)
        if refused is not None:
            return refused
        return self.get_response(request)

    def refuse(self, request: HttpRequest) -> JsonResponse | None:
        """413 or 400 for a body over the limits; None for an acceptable request."""
        length = _content_length(request)
        if length == 0:
            return None
        content_type = request.META.get("CONTENT_TYPE", "")
        multipart = content_type.lower().startswith("multipart/")
        # Django's own setting for everything it reads into memory; ours for uploads,
        # whose files Django streams to disk (None: no limit, as Django's).
        limit: int | None = (
            getattr(settings, "REQUEST_BODY_MAX_BYTES", None)
            if multipart
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if limit is not None and length > limit:
            return self.too_large(limit)
        if _is_json(content_type):
            depth = int(getattr(settings, "JSON_MAX_DEPTH", DEFAULT_JSON_MAX_DEPTH))
            # Within the size limit: reading it is bounded, and Django keeps it for the
            # parser (request.body), so it is read once.
            if json_depth_exceeds(request.body, depth):
                return _error(
                    400,
                    _("JSON parse error - nested deeper than %(depth)d levels.") % {"depth": depth},
                    "parse_error",
                )
        return None

    @staticmethod
    def too_large(limit: int | None) -> JsonResponse:
        detail = (
            _("The request body is larger than %(limit)d bytes.") % {"limit": limit}
            if limit is not None
            else _("The request body is too large.")
        )
        return _error(413, detail, "request_too_large")

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        """JSON answers for a view's oversize request or unreachable database; None
        (Django's usual handling) for anything else."""
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return service_unavailable(exception, request)
        if isinstance(exception, RequestDataTooBig):
            return self.too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if isinstance(exception, TooManyFieldsSent):
            return _error(400, _("The request has too many fields."), "parse_error")
        return None
