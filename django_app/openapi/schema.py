"""django_app's AutoSchema (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) and the security
schemes of its API.

On top of drf-spectacular's introspection every operation gets:

- **tags** naming the documents it serves (``/api/register/`` serves 001, 003 and 004);
- **security** as the server enforces it: Bearer, the HttpOnly token cookies
  (``access_token``, ``refresh_token``, ``jwt``) and the session cookie as apiKey-in-cookie,
  each cookie or session requirement joined by the CSRF header (``X-CSRFToken``) on unsafe
  methods, and on every unsafe request of document 002 (``/auth-api/`` checks CSRF
  whoever calls);
- the **errors** it can answer, unless the view documents them itself: 400 field errors
  when it takes a body, 401 when it authenticates, 403 when CSRF or a role applies, 404
  for a path with an id, 429 with ``Retry-After`` when it is throttled.

Security scheme names are fixed (:data:`BEARER`, :data:`SESSION`, :data:`CSRF`, and
``<cookie in camelCase>Cookie`` for token cookies: ``accessTokenCookie``...); their
definitions (cookie and header names) are read from the settings when the schema is
generated.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.drainage import warn
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer
from rest_framework import permissions

__all__ = [
    "BEARER",
    "CSRF",
    "FINGERPRINT",
    "SESSION",
    "AutoSchema",
    "access_cookie",
    "cookie_scheme",
    "csrf_cookie",
    "csrf_header_name",
    "fingerprint_cookie",
    "known_security_schemes",
    "refresh_cookie",
    "refresh_cookies",
    "retry_after",
    "session_cookie",
    "set_cookie_header",
    "tags_for_path",
]

#: ``Authorization: Bearer <access token>`` (pyauth's JWTAuthentication).
BEARER = "bearerAuth"
#: Django's session cookie (document 004; DRF's SessionAuthentication).
SESSION = "sessionCookie"
#: Django's CSRF token in its header; the ``csrftoken`` cookie must hold the same secret.
CSRF = "csrfHeader"
#: The device fingerprint cookie a refresh token is bound to (PYAUTH REFRESH_FINGERPRINT).
FINGERPRINT = "refreshFingerprintCookie"

_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PLAIN_PERMISSIONS = (
    permissions.AllowAny,
    permissions.IsAuthenticated,
    permissions.IsAuthenticatedOrReadOnly,
)


# --- security schemes --------------------------------------------------------------------


def cookie_scheme(cookie: str) -> str:
    """The security scheme name of a token cookie: ``access_token`` -> ``accessTokenCookie``."""
    head, *rest = re.split(r"[^0-9A-Za-z]+", cookie)
    return head.lower() + "".join(part.capitalize() for part in rest) + "Cookie"


def csrf_header_name() -> str:
    """CSRF_HEADER_NAME as a client writes it (``HTTP_X_CSRFTOKEN`` -> ``X-CSRFToken``)."""
    name = settings.CSRF_HEADER_NAME
    name = name.removeprefix("HTTP_").replace("_", "-")
    return "X-CSRFToken" if name.upper() == "X-CSRFTOKEN" else name


def _cookie_descriptions() -> dict[str, str]:
    """What each token cookie django_app sets is for, by cookie name."""
    from django_app.accounts.authentication import JWT_COOKIE
    from pyauth.settings import api_settings

    return {
        api_settings.AUTH_COOKIE_ACCESS: str(
            _(
                "HttpOnly cookie holding the access token (documents 000 and 002), set by "
                "their login. Unsafe requests authenticated by it also need the CSRF header."
            )
        ),
        api_settings.AUTH_COOKIE_REFRESH: str(
            _(
                "HttpOnly cookie holding the refresh token, sent only to the token refresh "
                "and logout endpoints (its path is /api/auth/ for 000, /auth-api/ for 002)."
            )
        ),
        JWT_COOKIE: str(
            _(
                "HttpOnly cookie of document 001 holding a 60-minute access token (claims "
                "id, exp, iat), set by /api/login/. Unsafe requests also need the CSRF header."
            )
        ),
    }


def _cookie_definition(cookie: str, description: str | None = None) -> dict[str, Any]:
    if description is None:
        description = _cookie_descriptions().get(
            cookie, str(_("HttpOnly cookie holding an access token."))
        )
    return {"type": "apiKey", "in": "cookie", "name": cookie, "description": description}


def known_security_schemes() -> dict[str, dict[str, Any]]:
    """Every security scheme django_app uses, by name, as the settings now define them."""
    schemes: dict[str, dict[str, Any]] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": str(
                _(
                    "A pyauth access token in Authorization: Bearer <token> (document 003's "
                    "/api/token/ issues them; they also work on every signed-in endpoint). "
                    "No CSRF token is needed with it, except under /auth-api/."
                )
            ),
        },
        SESSION: {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": str(
                _(
                    "Django's session cookie (document 004), set by /api/login/. Unsafe "
                    "requests authenticated by it also need the CSRF header."
                )
            ),
        },
        CSRF: {
            "type": "apiKey",
            "in": "header",
            "name": csrf_header_name(),
            "description": str(
                _(
                    "Django's CSRF token: the value of the %(cookie)s cookie, or the "
                    "csrf_token / csrfToken member of /api/login/ and "
                    "/auth-api/get-csrf-token/. The cookie must be sent as well; both "
                    "change at every login."
                )
                % {"cookie": settings.CSRF_COOKIE_NAME}
            ),
        },
    }
    for cookie, description in _cookie_descriptions().items():
        schemes[cookie_scheme(cookie)] = _cookie_definition(cookie, description)
    schemes[FINGERPRINT] = _cookie_definition(
        fingerprint_cookie(),
        str(
            _(
                "HttpOnly cookie holding the random device fingerprint the refresh token is "
                "bound to (its digest is a claim); a refresh token presented without it is "
                "refused. __Host- prefixed when cookies are Secure."
            )
        ),
    )
    return schemes


def set_cookie_header(*cookies: str | Callable[[], str], status: int = 200) -> OpenApiParameter:
    """A ``Set-Cookie`` response header naming the cookies an answer sets. A cookie may be
    given as a callable (``session_cookie``...) read when the schema is generated."""

    def describe() -> str:
        names = ", ".join(cookie() if callable(cookie) else cookie for cookie in cookies)
        return str(_("Sets the cookies %(names)s (token cookies are HttpOnly).")) % {"names": names}

    return OpenApiParameter(
        "Set-Cookie",
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        response=[status],
        description=lazy(describe, str)(),
    )


def session_cookie() -> str:
    """SESSION_COOKIE_NAME, when the schema is generated."""
    return str(settings.SESSION_COOKIE_NAME)


def fingerprint_cookie() -> str:
    """The refresh token's fingerprint cookie, when the schema is generated."""
    from pyauth.views import fingerprint_cookie_name

    return str(fingerprint_cookie_name())


def refresh_cookies() -> str:
    """The refresh cookie, and its fingerprint cookie when REFRESH_FINGERPRINT is on."""
    from pyauth.settings import api_settings

    if getattr(api_settings, "REFRESH_FINGERPRINT", False):
        return f"{refresh_cookie()}, {fingerprint_cookie()}"
    return refresh_cookie()


def csrf_cookie() -> str:
    """CSRF_COOKIE_NAME, when the schema is generated."""
    return str(settings.CSRF_COOKIE_NAME)


def access_cookie() -> str:
    """PYAUTH's AUTH_COOKIE_ACCESS, when the schema is generated."""
    from pyauth.settings import api_settings

    return str(api_settings.AUTH_COOKIE_ACCESS)


def refresh_cookie() -> str:
    """PYAUTH's AUTH_COOKIE_REFRESH, when the schema is generated."""
    from pyauth.settings import api_settings

    return str(api_settings.AUTH_COOKIE_REFRESH)


def retry_after() -> OpenApiParameter:
    """The ``Retry-After`` header of a 429 answer."""
    return OpenApiParameter(
        "Retry-After",
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        response=[429],
        description=str(_("Seconds to wait before trying again.")),
    )


# --- tags ----------------------------------------------------------------------------------

#: Tags by path, first match wins: (regular expression on the path, tags).
_PATH_TAGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (r"^/api/auth/2fa/|^/auth-api/2fa/", ("Two-factor",)),
    (r"^/api/auth/sessions|^/auth-api/sessions|^/api/sessions", ("Sessions",)),
    (r"^/api/auth/", ("Document 000",)),
    (r"^/api/register/$", ("Document 001", "Document 003", "Document 004")),
    (r"^/api/(login|user|logout)/$", ("Document 001", "Document 004")),
    (r"^/api/protected/$", ("Document 004",)),
    (r"^/api/(token|token/refresh|dashboard)/$", ("Document 003",)),
    (r"^/api/profile/", ("Profile",)),
    (r"^/auth-api/", ("Document 002",)),
    (r"^/\.well-known/", ("Keys",)),
)


def tags_for_path(path: str) -> list[str]:
    """The tags of an operation on ``path``: the documents it serves, else the first
    path segment after ``/api/`` (so a new family of endpoints gets a tag of its own)."""
    for pattern, tags in _PATH_TAGS:
        if re.search(pattern, path):
            return list(tags)
    segments = [s for s in path.split("/") if s and not s.startswith("{")]
    if segments and segments[0] in ("api", "auth-api"):
        segments = segments[1:]
    return [segments[0].replace("-", " ").capitalize()] if segments else ["API"]


# --- the AutoSchema ------------------------------------------------------------------------

#: Component name prefixes by serializer module: the documents reuse names (two
#: ``LoginSerializer``: 001/004's and 002's), and a component name must be unique.
_COMPONENT_PREFIXES = {
    "django_app.authapi.serializers": "AuthApi",
    "django_app.authapi_users.serializers": "AuthApi",
    "pyauth.mfa.serializers": "MFA",
}


class AutoSchema(SpectacularAutoSchema):  # type: ignore[misc]
    """drf-spectacular's AutoSchema with django_app's tags, security and error answers."""

    def get_tags(self) -> list[str]:
        return tags_for_path(self.path)

    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        name: str = super().get_serializer_name(serializer, direction)
        prefix = _COMPONENT_PREFIXES.get(type(serializer).__module__, "")
        return name if name.startswith(prefix) else prefix + name

    def get_override_parameters(self) -> list[Any]:
        parameters: list[Any] = list(super().get_override_parameters())
        if self._throttled():
            parameters.append(retry_after())
        return parameters

    def get_auth(self) -> list[dict[str, list[Any]]]:
        """Requirements from the view's authenticators (extensions in
        :mod:`django_app.openapi.extensions`), ``{}`` when anonymous callers are let in.

        Unlike drf-spectacular's, the schemes are registered under their name alone, so
        two classes reading the same cookie share one scheme."""
        requirements: list[dict[str, list[Any]]] = []
        for authenticator in self.view.get_authenticators():
            scheme = OpenApiAuthenticationExtension.get_match(authenticator)
            if scheme is None:
                warn(f"no OpenApiAuthenticationExtension for {authenticator.__class__}")
                continue
            requirement = scheme.get_security_requirement(self)
            requirements.extend([requirement] if isinstance(requirement, dict) else requirement)
            names = [scheme.name] if isinstance(scheme.name, str) else scheme.name
            definitions = scheme.get_security_definition(self)
            if isinstance(definitions, dict):
                definitions = [definitions]
            for name, definition in zip(names, definitions, strict=True):
                self._register_scheme(name, definition)
        if self._anonymous_allowed():
            requirements.append({})
        return requirements

    def get_operation(
        self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any
    ) -> dict[str, Any] | None:
        operation: dict[str, Any] | None = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        security = operation.get("security") or []
        if self.method in _UNSAFE and self._csrf_on_every_unsafe_request():
            security = [{**requirement, CSRF: []} for requirement in security or [{}]]
        if security:
            operation["security"] = security
        self._register_referenced_schemes(security)
        self._add_error_responses(operation)
        return operation

    # --- helpers ------------------------------------------------------------------------

    def _register_scheme(self, name: str, definition: dict[str, Any]) -> None:
        self.registry.register_on_missing(
            ResolvedComponent(
                name=name, type=ResolvedComponent.SECURITY_SCHEMA, object=name, schema=definition
            )
        )

    def _register_referenced_schemes(self, security: list[dict[str, Any]]) -> None:
        known = known_security_schemes()
        for requirement in security:
            for name in requirement:
                probe = ResolvedComponent(
                    name=name, type=ResolvedComponent.SECURITY_SCHEMA, object=name
                )
                if probe in self.registry:
                    continue
                if name not in known:
                    warn(f"{self.method} {self.path}: unknown security scheme {name!r}")
                    continue
                self._register_scheme(name, known[name])

    def _anonymous_allowed(self) -> bool:
        """Whether the view's permissions let an anonymous caller in, asked of the
        permission classes themselves (so ``users/`` create follows
        AUTH_API_OPEN_REGISTRATION). A permission that fails without a real request
        counts as a refusal."""
        request = self.view.request
        try:
            request.user = AnonymousUser()
            return all(p.has_permission(request, self.view) for p in self.view.get_permissions())
        except Exception:
            return False

    def _csrf_on_every_unsafe_request(self) -> bool:
        """Whether the view checks CSRF on every unsafe request, signed in or not:
        document 002's views, and pyauth's mfa and session views mounted with
        ``csrf_on_every_unsafe_request`` (under /auth-api/)."""
        from django_app.authapi.views import CsrfProtectedViewSetMixin

        if getattr(self.view, "csrf_on_every_unsafe_request", False):  # pyauth.mfa's views
            return True
        return isinstance(self.view, CsrfProtectedViewSetMixin)

    def _throttled(self) -> bool:
        try:
            return bool(self.view.get_throttles())
        except Exception:  # a view whose throttles need a real request
            return bool(getattr(self.view, "throttle_classes", None))

    def _has_request_body(self) -> bool:
        if self.method not in ("POST", "PUT", "PATCH"):
            return False
        serializer = self.get_request_serializer()
        if serializer is None:
            return False
        if isinstance(serializer, PolymorphicProxySerializer):
            return True
        if isinstance(serializer, dict):
            return bool(serializer)
        fields = getattr(serializer, "fields", None)
        if fields is None and isinstance(serializer, type):
            fields = getattr(serializer(), "fields", None)
        return fields is None or bool(fields)

    def _add_error_responses(self, operation: dict[str, Any]) -> None:
        from django_app.openapi import serializers as docs

        responses: dict[str, Any] = operation["responses"]
        security = operation.get("security") or []
        perms = [type(p) for p in self.view.get_permissions()]
        defaults: list[tuple[str, Any, str]] = []
        if self._has_request_body():
            defaults.append(
                ("400", docs.ValidationErrorSerializer, str(_("Refused fields, with messages.")))
            )
        if self.view.get_authenticators():
            defaults.append(
                (
                    "401",
                    docs.AuthErrorSerializer,
                    str(_("Missing, invalid or revoked credentials.")),
                )
            )
        if any(CSRF in requirement for requirement in security) or any(
            not issubclass(p, _PLAIN_PERMISSIONS) for p in perms
        ):
            defaults.append(
                (
                    "403",
                    docs.ErrorSerializer,
                    str(_("CSRF Failed: ... (no or a stale CSRF token), or not allowed.")),
                )
            )
        if "{" in self.path:
            defaults.append(("404", docs.ErrorSerializer, str(_("No such object."))))
        if self._throttled():
            defaults.append(
                ("429", docs.ErrorSerializer, str(_("Too many requests; see Retry-After.")))
            )
        for code, serializer, description in defaults:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(serializer, description=description), code
                )
        operation["responses"] = dict(sorted(responses.items()))
