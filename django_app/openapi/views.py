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
from django.core.signals import setting_changed
from django.utils import translation
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response

from django_app.openapi.schema import csrf_header_name

__all__ = ["SchemaView", "SwaggerView"]


# Generating the schema walks every view (0.2-0.5 s of CPU on the development VM) and the
# endpoint is public: each process builds it once per language and API version and keeps
# it, a few at most (other ?lang= values are built per request). A change of settings
# (tests; never in production) forgets them, as the schema depends on some.
_schemas: dict[tuple[str | None, str | None], Any] = {}
_SCHEMAS_KEPT = 4


def _forget_schemas(**kwargs: Any) -> None:
    _schemas.clear()


setting_changed.connect(_forget_schemas, dispatch_uid="django_app.openapi.schemas")


class SchemaView(SpectacularAPIView):  # type: ignore[misc]
    """The OpenAPI 3 schema: YAML by default, JSON with ``?format=json`` (or
    ``Accept: application/vnd.oai.openapi+json``), built once per process."""

    def _get_schema_response(self, request: Request) -> Response:
        # drf-spectacular's own, with the generated schema kept (it is public: serve_public).
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version)
        schema = _schemas.get(key)
        if schema is None:
            generator = self.generator_class(
                urlconf=self.urlconf, api_version=version, patterns=self.patterns
            )
            schema = generator.get_schema(request=request, public=self.serve_public)
            if len(_schemas) < _SCHEMAS_KEPT:
                _schemas[key] = schema
        filename = self._get_filename(request, version)
        return Response(
            data=schema, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )


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
