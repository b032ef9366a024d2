"""drf-spectacular hooks (SPECTACULAR_SETTINGS): which endpoints the schema describes,
and the tags' descriptions."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular import plumbing
from rest_framework.test import APIRequestFactory

#: URL prefixes whose DRF views the schema describes.
API_PREFIXES = ("/api/", "/auth-api/", "/.well-known/")
#: The documentation itself is not part of the API it documents.
DOCS_PATHS = ("/api/schema/", "/api/docs/")

#: The tags of the documents, in the order Swagger UI lists them.
TAGS: list[dict[str, Any]] = [
    {
        "name": "Document 000",
        "description": _(
            "/api/auth/ (no trailing slashes): HttpOnly access_token and refresh_token "
            "cookies; refresh rotates, logout blacklists."
        ),
    },
    {
        "name": "Document 001",
        "description": _("/api/: one HttpOnly jwt cookie (60 minutes; claims id, exp, iat)."),
    },
    {
        "name": "Document 002",
        "description": _(
            "/auth-api/: emailed sign-in codes, HttpOnly cookies, users and roles; every "
            "unsafe request carries X-CSRFToken (from GET get-csrf-token/)."
        ),
    },
    {
        "name": "Document 003",
        "description": _("/api/: Bearer access tokens from token/; refresh does not rotate."),
    },
    {
        "name": "Document 004",
        "description": _("/api/: Django session; unsafe requests carry X-CSRFToken."),
    },
    {
        "name": "Profile",
        "description": _("/api/profile/: the caller's profile, with any kind of login."),
    },
    {
        "name": "Two-factor",
        "description": _(
            "TOTP enrollment (QR code as SVG or PNG, recovery codes); once enabled, every "
            "login answers 403 mfa_required until {mfa_token, mfa_code} is sent."
        ),
    },
    {
        "name": "Sessions",
        "description": _(
            "The caller's refresh-token families and Django sessions (device, IP, last "
            "use); revoke one or all others; admins do the same for a user."
        ),
    },
    {
        "name": "Keys",
        "description": _("The public keys (JWK Set) that verify this service's tokens."),
    },
]


def api_endpoints_only(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """Preprocessing hook: the endpoints under :data:`API_PREFIXES`, without the schema
    and Swagger UI themselves."""
    return [
        endpoint
        for endpoint in endpoints
        if endpoint[0].startswith(API_PREFIXES) and not endpoint[0].startswith(DOCS_PATHS)
    ]


def declare_tags(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the documents' tags with their descriptions, then every
    other tag an operation uses (new endpoint families), so none is left undeclared."""
    declared = [{key: str(value) for key, value in tag.items()} for tag in TAGS]
    names = {tag["name"] for tag in declared}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for name in operation.get("tags", []):
                if name not in names:
                    names.add(name)
                    declared.append({"name": name})
    used = {
        name
        for path_item in result.get("paths", {}).values()
        for operation in path_item.values()
        for name in operation.get("tags", [])
    }
    result["tags"] = [tag for tag in declared if tag["name"] in used]
    return result


def build_mock_request(
    method: str, path: str, view: Any, original_request: Any, **kwargs: Any
) -> Any:
    """drf-spectacular's mock request, with ``view.request`` first set to a plain Django
    request as Django's ``View.setup()`` does before DRF wraps it: views whose
    ``get_authenticators()`` depends on the method (verify-email/) read it there."""
    view.request = getattr(APIRequestFactory(), method.lower())(path=path)
    return plumbing.build_mock_request(method, path, view, original_request, **kwargs)


# --- plain Django views (drf-spectacular sees DRF views only) -----------------------------

#: RFC 7517 §4 / §5: a public JWK and a JWK Set, as /.well-known/jwks.json publishes them.
_JWK_SCHEMAS: dict[str, Any] = {
    "JWK": {
        "type": "object",
        "description": "A public key (RFC 7517 §4); never a private member, never an HMAC key.",
        "properties": {
            "kty": {"type": "string", "enum": ["OKP", "EC", "RSA"]},
            "kid": {"type": "string"},
            "alg": {"type": "string", "enum": ["EdDSA", "ES256", "RS256"]},
            "use": {"type": "string", "enum": ["sig"]},
            "crv": {"type": "string", "description": "OKP and EC keys: Ed25519, P-256."},
            "x": {"type": "string", "description": "OKP and EC keys, base64url."},
            "y": {"type": "string", "description": "EC keys, base64url."},
            "n": {"type": "string", "description": "RSA keys: the modulus, base64url."},
            "e": {"type": "string", "description": "RSA keys: the exponent, base64url."},
        },
        "required": ["kty", "kid", "alg"],
    },
    "JWKSet": {
        "type": "object",
        "description": "RFC 7517 §5: the keys that may verify this service's tokens now.",
        "properties": {"keys": {"type": "array", "items": {"$ref": "#/components/schemas/JWK"}}},
        "required": ["keys"],
    },
}


def _jwks_operation(view_class: type) -> dict[str, Any]:
    return {
        "operationId": "well_known_jwks_retrieve",
        "description": (view_class.__doc__ or "").strip(),
        "responses": {
            "200": {
                "description": str(_("The JWK Set; cacheable, readable from any origin.")),
                "headers": {
                    "Cache-Control": {
                        "schema": {"type": "string"},
                        "description": str(_("public, max-age=JWKS_MAX_AGE")),
                    }
                },
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/JWKSet"}}
                },
            }
        },
    }


#: Plain Django views under the API prefixes: dotted class name -> (method, operation
#: builder, component schemas the operation refers to).
PLAIN_VIEWS: dict[str, tuple[str, Any, dict[str, Any]]] = {
    "pyauth.keys.views.JWKSView": ("get", _jwks_operation, _JWK_SCHEMAS),
}


def _plain_routes(patterns: list[Any], prefix: str = "/") -> list[tuple[str, type]]:
    """(OpenAPI path, view class) of every routed view listed in :data:`PLAIN_VIEWS`."""
    from django.urls import URLPattern, URLResolver

    found: list[tuple[str, type]] = []
    for entry in patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += _plain_routes(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern):
            view_class = getattr(entry.callback, "view_class", None)
            name = f"{view_class.__module__}.{view_class.__qualname__}" if view_class else ""
            if name in PLAIN_VIEWS and "<" not in route:
                found.append((prefix + route, view_class))
    return found


def document_plain_views(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the plain Django views of :data:`PLAIN_VIEWS` wherever the
    URLconf routes them under :data:`API_PREFIXES` (``/.well-known/jwks.json``)."""
    from django.urls import get_resolver

    from django_app.openapi.schema import tags_for_path

    urlconf = getattr(generator, "urlconf", None)
    resolver = get_resolver(urlconf if isinstance(urlconf, str) else None)
    for path, view_class in _plain_routes(resolver.url_patterns):
        if not path.startswith(API_PREFIXES):
            continue
        method, build, schemas = PLAIN_VIEWS[f"{view_class.__module__}.{view_class.__qualname__}"]
        operation = {**build(view_class), "tags": tags_for_path(path)}
        result.setdefault("paths", {}).setdefault(path, {})[method] = operation
        components = result.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in schemas.items():
            components.setdefault(name, schema)
    result["paths"] = dict(sorted(result.get("paths", {}).items()))
    return result
