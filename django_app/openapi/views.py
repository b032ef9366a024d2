"""The schema view (``/api/schema/``: YAML, ``?format=json`` for JSON) and Swagger UI
(``/api/docs/``), served offline from drf-spectacular-sidecar's static files.

Swagger UI is drf-spectacular's split view (the HTML and its script are two responses,
so the page needs no inline script) with django_app's own script: it reads the CSRF
token from its cookie at each unsafe request, because Django rotates the token at every
login and a token rendered into the page would go stale after "Try it out" on a login.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

from django_app.openapi.schema import csrf_header_name

__all__ = ["SchemaView", "SwaggerView"]


class SchemaView(SpectacularAPIView):  # type: ignore[misc]
    """The OpenAPI 3 schema: YAML by default, JSON with ``?format=json`` (or
    ``Accept: application/vnd.oai.openapi+json``)."""


class SwaggerView(SpectacularSwaggerSplitView):  # type: ignore[misc]
    """Swagger UI on the schema, its assets from ``STATIC_URL`` (no CDN)."""

    url_name = "schema"
    template_name_js = "openapi/swagger_ui.js"

    @method_decorator(ensure_csrf_cookie)  # the page's script reads the cookie
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().get(request, *args, **kwargs)
        if isinstance(response.data, dict):
            response.data["csrf_cookie_name"] = settings.CSRF_COOKIE_NAME
            response.data["csrf_header_name"] = csrf_header_name()
        return response
