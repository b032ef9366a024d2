"""The OpenAPI schema (/api/schema/) and Swagger UI (/api/docs/) of django_app.

- the schema generates without a single drf-spectacular warning and is valid OpenAPI
  3.0 (openapi-spec-validator);
- every route under /api/, /auth-api/ and /.well-known/, found by walking Django's URL
  resolver, is in it with each of its methods (new endpoints are caught the day they are
  added), and nothing else is;
- security schemes and requirements are the ones the server enforces;
- what real calls answer matches what the schema documents, for a few endpoints of every
  document (bodies validated against the documented schema, field sets compared);
- Swagger UI loads from local static files only.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pyotp
import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from openapi_spec_validator import validate as validate_spec
from rest_framework.test import APIClient

from pyauth.tokens import AccessToken

SCHEMA_URL = "/api/schema/"
DOCS_URL = "/api/docs/"
API_PREFIXES = ("/api/", "/auth-api/", "/.well-known/")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")

#: What every documented operation may be called with, by scheme.
SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    "accessTokenCookie": {"type": "apiKey", "in": "cookie", "name": "access_token"},
    "refreshTokenCookie": {"type": "apiKey", "in": "cookie", "name": "refresh_token"},
    "refreshFingerprintCookie": {"type": "apiKey", "in": "cookie"},
    "jwtCookie": {"type": "apiKey", "in": "cookie", "name": "jwt"},
    "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
}


# --- fixtures and helpers ---------------------------------------------------------------


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """The schema as clients get it: GET /api/schema/?format=json."""
    response = Client().get(SCHEMA_URL, {"format": "json"})
    assert response.status_code == 200
    loaded: dict[str, Any] = json.loads(response.content)
    return loaded


def operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    """The documented operation; a KeyError names what is missing."""
    try:
        found: dict[str, Any] = spec["paths"][path][method.lower()]
    except KeyError as exc:
        raise AssertionError(f"{method} {path} is not documented") from exc
    return found


def resolve(node: Any, spec: dict[str, Any]) -> Any:
    """``node`` with every local ``$ref`` replaced by what it names."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolve(target, spec)
        return {key: resolve(value, spec) for key, value in node.items()}
    if isinstance(node, list):
        return [resolve(item, spec) for item in node]
    return node


def response_schema(spec: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    """The JSON schema documented for ``status``; fails when the status is undocumented."""
    responses = operation(spec, method, path)["responses"]
    assert str(status) in responses, f"{method} {path} does not document {status}"
    content = responses[str(status)].get("content", {})
    assert "application/json" in content, f"{method} {path} {status} has no JSON body"
    schema: dict[str, Any] = resolve(content["application/json"]["schema"], spec)
    return schema


def field_sets(schema: dict[str, Any]) -> list[tuple[set[str], set[str]] | None]:
    """(documented properties, required properties) of a schema, one pair per ``oneOf``
    choice; None for a map of field errors, whose members are the refused fields."""
    if "oneOf" in schema:
        return [pair for choice in schema["oneOf"] for pair in field_sets(choice)]
    if "properties" not in schema:
        assert "additionalProperties" in schema, schema
        return [None]
    return [(set(schema["properties"]), set(schema.get("required", [])))]


def assert_documented(spec: dict[str, Any], method: str, path: str, response: Any) -> Any:
    """The response's status is documented for the operation, its body is valid against
    the documented schema, and its members are exactly the documented fields (all the
    required ones, no undocumented one). Returns the body."""
    schema = response_schema(spec, method, path, response.status_code)
    body = response.json()
    OAS30ReadValidator(schema).validate(body)
    keys = set(body)
    # (the schema's oneOf already holds a body to exactly one choice)
    sets = field_sets(schema)
    assert any(pair is None or pair[1] <= keys <= pair[0] for pair in sets), (
        f"{method} {path} {response.status_code}: {sorted(keys)} is not one of the "
        f"documented field sets {[sorted(pair[0]) for pair in sets if pair]}"
    )
    return body


def assert_request_documented(spec: dict[str, Any], method: str, path: str, body: Any) -> None:
    """``body`` is a valid request body of the operation as documented."""
    content = operation(spec, method, path)["requestBody"]["content"]
    schema = resolve(content["application/json"]["schema"], spec)
    OAS30WriteValidator(schema).validate(body)


def _route_path(pattern: Any) -> str:
    """A URL pattern as an OpenAPI path template, every parameter as ``{}``."""
    text = str(pattern.pattern)
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", text)  # regex groups
    text = re.sub(r"<(?:\w+:)?\w+>", "{}", text)  # path converters
    return text.removeprefix("^").removesuffix("$").replace("\\.", ".").replace("\\", "")


def _walk(patterns: list[Any], prefix: str = "/") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + _route_path(entry))
        elif isinstance(entry, URLPattern):
            yield prefix + _route_path(entry), entry.callback


def _methods(callback: Any) -> set[str]:
    """The HTTP methods a view answers (OPTIONS and HEAD aside)."""
    actions = getattr(callback, "actions", None)
    if actions:  # a ViewSet's route: method -> action
        return {method.lower() for method in actions} & set(HTTP_METHODS)
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    assert view_class is not None, f"{callback} is not a class-based view"
    return {m for m in HTTP_METHODS if hasattr(view_class, m)}


def api_routes() -> dict[tuple[str, str], Any]:
    """Every (path template, method) Django routes under the API prefixes, except the
    documentation itself."""
    routes: dict[tuple[str, str], Any] = {}
    for path, callback in _walk(get_resolver().url_patterns):
        if not path.startswith(API_PREFIXES) or path in (SCHEMA_URL, DOCS_URL):
            continue
        for method in _methods(callback):
            routes[(path, method)] = callback
    return routes


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


# --- the schema itself --------------------------------------------------------------------


def test_schema_generates_without_warnings_and_validates(tmp_path: Path) -> None:
    out = tmp_path / "schema.yaml"
    # Any drf-spectacular warning or error (an unguessable serializer, a name collision,
    # an unknown authentication class) fails the command.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    document = yaml.safe_load(out.read_text())
    validate_spec(document)
    assert document["openapi"].startswith("3.0")
    assert document["paths"]


def test_yaml_by_default_json_on_request(spec: dict[str, Any]) -> None:
    client = Client()
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert "json" not in response["Content-Type"]
    as_yaml = yaml.safe_load(response.content)
    validate_spec(as_yaml)

    response = client.get(SCHEMA_URL, {"format": "json"})
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert json.loads(response.content) == as_yaml == spec


def test_schema_and_docs_need_no_credentials_and_are_not_described(spec: dict[str, Any]) -> None:
    assert Client().get(SCHEMA_URL, HTTP_AUTHORIZATION="Bearer forged").status_code == 200
    assert SCHEMA_URL not in spec["paths"] and DOCS_URL not in spec["paths"]


def test_every_api_route_is_documented_with_each_method(spec: dict[str, Any]) -> None:
    routes = {(_template(path), method) for path, method in api_routes()}
    documented = {
        (_template(path), method)
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert routes, "the resolver walk found no API route"
    assert routes - documented == set(), "routes missing from the schema"
    assert documented - routes == set(), "schema paths no route serves"


def test_route_walk_sees_the_documents() -> None:
    """The walk itself works (it is what catches new endpoints)."""
    routes = {(_template(p), m) for p, m in api_routes()}
    for expected in [
        ("/api/auth/login", "post"),
        ("/api/register/", "post"),
        ("/api/dashboard/", "get"),
        ("/auth-api/users/{}/", "patch"),
        ("/auth-api/users/{}/upload_image/", "patch"),
        ("/auth-api/reset-password/", "get"),
    ]:
        assert expected in routes


def test_operation_ids_are_unique(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


# --- tags ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "tags"),
    [
        ("post", "/api/auth/register", ["Document 000"]),
        ("post", "/api/register/", ["Document 001", "Document 003", "Document 004"]),
        ("post", "/api/login/", ["Document 001", "Document 004"]),
        ("get", "/api/protected/", ["Document 004"]),
        ("post", "/api/token/", ["Document 003"]),
        ("post", "/auth-api/login/", ["Document 002"]),
        ("get", "/api/profile/", ["Profile"]),
    ],
)
def test_tags_name_the_documents(
    spec: dict[str, Any], method: str, path: str, tags: list[str]
) -> None:
    assert operation(spec, method, path)["tags"] == tags


def test_every_tag_is_declared_and_used(spec: dict[str, Any]) -> None:
    declared = [tag["name"] for tag in spec["tags"]]
    used = {t for item in spec["paths"].values() for op in item.values() for t in op["tags"]}
    assert set(declared) == used
    assert declared[:5] == [f"Document 00{i}" for i in range(5)]
    assert all(tag.get("description") for tag in spec["tags"][:5])


# --- security ------------------------------------------------------------------------------


def test_security_schemes(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert set(schemes) == set(SECURITY_SCHEMES)
    for name, expected in SECURITY_SCHEMES.items():
        assert expected.items() <= schemes[name].items(), name
        assert schemes[name]["description"]
    assert schemes["refreshFingerprintCookie"]["name"].endswith("refresh_fgp")


def _security(spec: dict[str, Any], method: str, path: str) -> set[frozenset[str]]:
    requirements = operation(spec, method, path).get("security", [])
    return {frozenset(requirement) for requirement in requirements}


def _req(*names: str) -> frozenset[str]:
    return frozenset(names)


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        # 000: the access cookie (or Bearer) reads; refresh takes the refresh cookie and
        # its fingerprint, and no CSRF (it only rotates the caller's own credentials).
        ("get", "/api/auth/me", {_req("accessTokenCookie"), _req("bearerAuth")}),
        (
            "post",
            "/api/auth/token/refresh",
            {_req("refreshTokenCookie", "refreshFingerprintCookie")},
        ),
        (
            "post",
            "/api/auth/logout",
            {_req("refreshTokenCookie"), _req("accessTokenCookie"), _req()},
        ),
        ("post", "/api/auth/register", {_req()}),
        # 001/004
        ("get", "/api/user/", {_req("bearerAuth"), _req("jwtCookie"), _req("sessionCookie")}),
        ("post", "/api/logout/", {_req("jwtCookie"), _req("sessionCookie"), _req()}),
        # 003: Bearer only
        ("post", "/api/dashboard/", {_req("bearerAuth")}),
        # cookie or session + CSRF on unsafe methods; Bearer alone
        (
            "patch",
            "/api/profile/",
            {
                _req("bearerAuth"),
                _req("accessTokenCookie", "csrfHeader"),
                _req("jwtCookie", "csrfHeader"),
                _req("sessionCookie", "csrfHeader"),
            },
        ),
        # 002: CSRF on every unsafe request, signed in or not
        ("post", "/auth-api/login/", {_req("csrfHeader")}),
        ("get", "/auth-api/get-csrf-token/", {_req()}),
        (
            "patch",
            "/auth-api/users/{id}/",
            {_req("accessTokenCookie", "csrfHeader"), _req("bearerAuth", "csrfHeader")},
        ),
        (
            "post",
            "/auth-api/users/",  # open registration: anyone, with CSRF
            {
                _req("accessTokenCookie", "csrfHeader"),
                _req("bearerAuth", "csrfHeader"),
                _req("csrfHeader"),
            },
        ),
        (
            "post",
            "/auth-api/token/refresh/",
            {_req("refreshTokenCookie", "refreshFingerprintCookie", "csrfHeader")},
        ),
    ],
)
def test_security_requirements(
    spec: dict[str, Any], method: str, path: str, expected: set[frozenset[str]]
) -> None:
    assert _security(spec, method, path) == expected


def test_the_schema_is_built_once_per_process(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Building it costs a fraction of a second of CPU and the endpoint is public: a
    second GET, in either format, is served from what the first built; a settings
    change builds it again."""
    from drf_spectacular.generators import SchemaGenerator

    built: list[int] = []
    real = SchemaGenerator.get_schema

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)
    settings.AUTH_API_OPEN_REGISTRATION = True  # a settings change: starts empty
    client = Client()
    first = json.loads(client.get(SCHEMA_URL, {"format": "json"}).content)
    assert json.loads(client.get(SCHEMA_URL, {"format": "json"}).content) == first
    assert yaml.safe_load(client.get(SCHEMA_URL).content) == first
    assert len(built) == 1
    settings.AUTH_API_OPEN_REGISTRATION = False
    closed = json.loads(client.get(SCHEMA_URL, {"format": "json"}).content)
    assert len(built) == 2 and closed != first


def test_closed_registration_is_documented_as_signed_in_only(settings: Any) -> None:
    settings.AUTH_API_OPEN_REGISTRATION = False
    closed = json.loads(Client().get(SCHEMA_URL, {"format": "json"}).content)
    assert frozenset({"csrfHeader"}) not in _security(closed, "post", "/auth-api/users/")


def test_documented_csrf_requirement_is_enforced(
    spec: dict[str, Any], make_user: Any, password: str
) -> None:
    """A session may PATCH its profile only with the CSRF header, as documented."""
    assert _req("sessionCookie", "csrfHeader") in _security(spec, "patch", "/api/profile/")
    make_user(email="ada@example.com")
    client = APIClient(enforce_csrf_checks=True)
    login = client.post("/api/login/", {"email": "ada@example.com", "password": password})
    assert login.status_code == 200
    client.cookies.pop("jwt")  # the session alone
    refused = client.patch("/api/profile/", {"bio": "hi"}, format="json")
    assert refused.status_code == 403
    assert_documented(spec, "patch", "/api/profile/", refused)
    token = client.cookies["csrftoken"].value
    accepted = client.patch("/api/profile/", {"bio": "hi"}, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert_documented(spec, "patch", "/api/profile/", accepted)


# --- error answers -------------------------------------------------------------------------


def test_error_answers_are_documented_everywhere(spec: dict[str, Any]) -> None:
    for path, item in spec["paths"].items():
        for method, op in item.items():
            codes = set(op["responses"])
            names = {name for requirement in op.get("security", []) for name in requirement}
            where = f"{method.upper()} {path}"
            assert any(code.startswith("2") for code in codes), where
            content = op.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                assert "400" in codes, where
            security = op.get("security", [])
            if security and not any(set(r) <= {"csrfHeader"} for r in security):
                assert "401" in codes, where  # credentials demanded: they may be refused
            if "csrfHeader" in names:
                assert "403" in codes, where
            if "{" in path:
                assert "404" in codes, where
            if "429" in codes:
                headers = op["responses"]["429"].get("headers", {})
                assert "Retry-After" in headers, where


def test_throttled_endpoints_document_429(spec: dict[str, Any]) -> None:
    for method, path in [
        ("post", "/auth-api/login/"),
        ("post", "/auth-api/resend-otp/"),
        ("post", "/auth-api/token/"),
        ("post", "/auth-api/reset-password/"),
        ("post", "/auth-api/users/"),
        ("post", "/auth-api/social-auth/"),
    ]:
        assert "429" in operation(spec, method, path)["responses"], path


def test_real_429_matches_the_schema(
    spec: dict[str, Any], settings: Any, make_user: Any, password: str
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth_otp": "1/min",
        },
    }
    client = APIClient()
    client.post("/auth-api/resend-otp/", {"email": "x@example.com"}, format="json")
    response = client.post("/auth-api/resend-otp/", {"email": "x@example.com"}, format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert_documented(spec, "post", "/auth-api/resend-otp/", response)


# --- reality: documented bodies are what the server answers ----------------------------


@pytest.mark.django_db
def test_document_000_matches_the_schema(spec: dict[str, Any], password: str) -> None:
    api = APIClient()
    body = {"email": "zoe@example.com", "password": password, "confirm_password": password}
    assert_request_documented(spec, "post", "/api/auth/register", body)
    created = api.post("/api/auth/register", body, format="json")
    assert created.status_code == 201
    assert set(assert_documented(spec, "post", "/api/auth/register", created)) == {"id", "email"}

    refused = api.post("/api/auth/register", {**body, "confirm_password": "x"}, format="json")
    assert refused.status_code == 400
    assert_documented(spec, "post", "/api/auth/register", refused)

    assert api.get("/api/auth/me").status_code == 401
    assert_documented(spec, "get", "/api/auth/me", api.get("/api/auth/me"))

    credentials = {"email": "zoe@example.com", "password": password}
    assert_request_documented(spec, "post", "/api/auth/login", credentials)
    wrong = api.post("/api/auth/login", {**credentials, "password": "nope"}, format="json")
    assert wrong.status_code == 401
    assert_documented(spec, "post", "/api/auth/login", wrong)
    login = api.post("/api/auth/login", credentials, format="json")
    assert login.status_code == 200
    assert_documented(spec, "post", "/api/auth/login", login)
    me = api.get("/api/auth/me")
    assert set(assert_documented(spec, "get", "/api/auth/me", me)) == {"id", "email"}
    refreshed = api.post("/api/auth/token/refresh")
    assert refreshed.status_code == 200
    assert_documented(spec, "post", "/api/auth/token/refresh", refreshed)
    out = api.post("/api/auth/logout")
    assert_documented(spec, "post", "/api/auth/logout", out)
    replay = api.post("/api/auth/token/refresh")
    assert replay.status_code == 401
    assert_documented(spec, "post", "/api/auth/token/refresh", replay)


@pytest.mark.django_db
def test_documents_001_and_004_match_the_schema(spec: dict[str, Any], password: str) -> None:
    api = APIClient()
    body = {"username": "ben", "email": "ben@example.com", "password": password}
    body["password2"] = password
    assert_request_documented(spec, "post", "/api/register/", body)
    created = api.post("/api/register/", body, format="json")
    assert created.status_code == 201
    user = assert_documented(spec, "post", "/api/register/", created)
    assert set(user) == {"id", "username", "email", "name"}

    login = api.post("/api/login/", {"username": "ben", "password": password}, format="json")
    assert login.status_code == 200
    assert set(assert_documented(spec, "post", "/api/login/", login)) == {
        "message",
        "user",
        "csrf_token",
    }
    assert_documented(spec, "get", "/api/user/", api.get("/api/user/"))
    assert_documented(spec, "get", "/api/protected/", api.get("/api/protected/"))
    out = api.post("/api/logout/")
    assert set(assert_documented(spec, "post", "/api/logout/", out)) == {"message"}
    anonymous = api.get("/api/user/")
    assert anonymous.status_code == 401
    assert_documented(spec, "get", "/api/user/", anonymous)


@pytest.mark.django_db
def test_document_003_matches_the_schema(
    spec: dict[str, Any], make_user: Any, password: str
) -> None:
    make_user(email=None, username="cy")
    api = APIClient()
    credentials = {"username": "cy", "password": password}
    assert_request_documented(spec, "post", "/api/token/", credentials)
    pair = api.post("/api/token/", credentials, format="json")
    assert pair.status_code == 200
    tokens = assert_documented(spec, "post", "/api/token/", pair)
    assert set(tokens) == {"refresh", "access"}

    refreshed = api.post("/api/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert set(assert_documented(spec, "post", "/api/token/refresh/", refreshed)) == {"access"}
    forged = api.post("/api/token/refresh/", {"refresh": "not.a.token"}, format="json")
    assert forged.status_code == 401
    assert_documented(spec, "post", "/api/token/refresh/", forged)

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert_documented(spec, "get", "/api/dashboard/", api.get("/api/dashboard/"))
    posted = api.post("/api/dashboard/", {"text": "hello"}, format="json")
    assert set(assert_documented(spec, "post", "/api/dashboard/", posted)) == {"response"}
    api.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    refused = api.get("/api/dashboard/")
    assert refused.status_code == 401
    assert set(assert_documented(spec, "get", "/api/dashboard/", refused)) >= {"detail", "code"}


@pytest.mark.django_db
def test_document_002_matches_the_schema(
    spec: dict[str, Any], make_user: Any, password: str, settings: Any
) -> None:
    settings.RECAPTCHA_SECRET = ""
    user = make_user(email="dee@example.com")
    client = APIClient(enforce_csrf_checks=True)

    no_csrf = client.post("/auth-api/login/", {"email": user.email, "password": password})
    assert no_csrf.status_code == 403
    assert_documented(spec, "post", "/auth-api/login/", no_csrf)

    csrf = client.get("/auth-api/get-csrf-token/")
    assert set(assert_documented(spec, "get", "/auth-api/get-csrf-token/", csrf)) == {"csrfToken"}

    def post(path: str, data: Any) -> Any:
        token = client.cookies["csrftoken"].value
        return client.post(path, data, format="json", HTTP_X_CSRFTOKEN=token)

    invalid = post("/auth-api/login/", {"password": password})
    assert invalid.status_code == 400
    assert_documented(spec, "post", "/auth-api/login/", invalid)
    started = post("/auth-api/login/", {"email": user.email, "password": password})
    assert set(assert_documented(spec, "post", "/auth-api/login/", started)) == {
        "otp_required",
        "detail",
        "email",
    }
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert code is not None
    signed_in = post("/auth-api/token/", {"email": user.email, "otp": code.group(1)})
    assert signed_in.status_code == 200
    body = assert_documented(spec, "post", "/auth-api/token/", signed_in)
    assert set(body["user"]) == set(
        resolve({"$ref": "#/components/schemas/AuthApiUser"}, spec)["properties"]
    )

    detail = client.get(f"/auth-api/users/{user.pk}/")
    assert_documented(spec, "get", "/auth-api/users/{id}/", detail)
    others = client.get("/auth-api/users/")
    assert others.status_code == 403
    assert_documented(spec, "get", "/auth-api/users/", others)
    missing = client.get("/auth-api/users/999999/")
    assert missing.status_code == 404
    assert_documented(spec, "get", "/auth-api/users/{id}/", missing)

    link = client.get("/auth-api/reset-password/", {"uid": "x", "token": "y"})
    assert link.status_code == 400
    assert_documented(spec, "get", "/auth-api/reset-password/", link)
    recaptcha = post("/auth-api/recaptcha-verify/", {"token": "t"})
    assert recaptcha.status_code == 503  # no secret configured
    assert_documented(spec, "post", "/auth-api/recaptcha-verify/", recaptcha)

    out = post("/auth-api/logout/", {})
    assert_documented(spec, "post", "/auth-api/logout/", out)


@pytest.mark.django_db
def test_admin_listing_is_paginated_as_documented(
    spec: dict[str, Any], make_user: Any, password: str
) -> None:
    admin = make_user(email="root@example.com", is_staff=True)
    make_user(email="eve@example.com")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(admin)}")
    listing = api.get("/auth-api/users/")
    assert listing.status_code == 200
    page = assert_documented(spec, "get", "/auth-api/users/", listing)
    assert set(page) == {"count", "next", "previous", "results"}


@pytest.mark.django_db
def test_two_factor_and_sessions_match_the_schema(
    spec: dict[str, Any], make_user: Any, password: str
) -> None:
    user = make_user(email="fay@example.com", username="fay")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")

    status = api.get("/api/auth/2fa/status")
    assert set(assert_documented(spec, "get", "/api/auth/2fa/status", status)) == {
        "enabled",
        "pending",
        "recovery_codes_left",
    }
    setup = api.post("/api/auth/2fa/setup")
    enrollment = assert_documented(spec, "post", "/api/auth/2fa/setup", setup)
    qr_content = operation(spec, "get", "/api/auth/2fa/qr")["responses"]["200"]["content"]
    for query, kind in [({}, "image/svg+xml"), ({"format": "png"}, "image/png")]:
        picture = api.get("/api/auth/2fa/qr", query)
        assert picture.status_code == 200 and picture["Content-Type"] == kind
        assert kind in qr_content
    wrong = api.post("/api/auth/2fa/confirm", {"code": "12345x"}, format="json")
    assert wrong.status_code == 400
    assert_documented(spec, "post", "/api/auth/2fa/confirm", wrong)
    code = pyotp.TOTP(enrollment["secret"]).now()
    confirmed = api.post("/api/auth/2fa/confirm", {"code": code}, format="json")
    assert confirmed.status_code == 200
    assert_documented(spec, "post", "/api/auth/2fa/confirm", confirmed)

    # every login path now stops at the second factor, as documented; a code outside
    # the window of the enrolled secret is refused
    totp = pyotp.TOTP(enrollment["secret"])
    live = {totp.at(time.time() + 30 * offset) for offset in (-2, -1, 0, 1, 2)}
    wrong_code = next(c for c in (f"{n:06d}" for n in range(0, 10**6, 7919)) if c not in live)
    for path, credentials in [
        ("/api/login/", {"username": "fay", "password": password}),
        ("/api/token/", {"username": "fay", "password": password}),
        ("/api/auth/login", {"email": "fay@example.com", "password": password}),
    ]:
        assert_request_documented(spec, "post", path, credentials)
        challenge = APIClient().post(path, credentials, format="json")
        assert challenge.status_code == 403, path
        body = assert_documented(spec, "post", path, challenge)
        second = {"mfa_token": body["mfa_token"], "mfa_code": wrong_code}
        assert_request_documented(spec, "post", path, second)
        refused = APIClient().post(path, second, format="json")
        assert refused.status_code == 401, path
        assert_documented(spec, "post", path, refused)

    sessions = api.get("/api/sessions/")
    assert set(assert_documented(spec, "get", "/api/sessions/", sessions)) == {
        "count",
        "sessions",
    }
    revoked = api.post("/api/sessions/revoke-others/")
    assert "requestBody" not in operation(spec, "post", "/api/sessions/revoke-others/")
    assert_documented(spec, "post", "/api/sessions/revoke-others/", revoked)


@pytest.mark.django_db
def test_jwks_matches_the_schema(spec: dict[str, Any]) -> None:
    response = Client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = assert_documented(spec, "get", "/.well-known/jwks.json", response)["keys"]
    assert keys and all("d" not in key for key in keys)


# --- Swagger UI, offline ---------------------------------------------------------------------


class _Assets(HTMLParser):
    """Every URL a page loads (src of scripts and images, href of links)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            if values.get("src"):
                self.urls.append(str(values["src"]))
        elif tag in ("link", "img") and (values.get("href") or values.get("src")):
            self.urls.append(str(values.get("href") or values.get("src")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_scripts += 1


def test_swagger_ui_loads_from_local_static_files(settings: Any) -> None:
    client = Client()
    page = client.get(DOCS_URL)
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    parser = _Assets()
    parser.feed(html)
    assert parser.inline_scripts == 0  # the init script is a separate local response
    assert parser.urls
    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    scripts = []
    for url in parser.urls:
        assert not re.match(r"^(https?:)?//", url), f"{url} is not local"
        if url.startswith(static_prefix):
            found = finders.find(url.removeprefix(static_prefix))
            assert found, f"{url} is not among the static files"
            assert Path(found).stat().st_size > 0
            if url.endswith(".js"):
                scripts.append(url)
        else:
            assert url.startswith(DOCS_URL), url
            script = client.get(url)
            assert script.status_code == 200
            assert script["Content-Type"].startswith("application/javascript")
            init = script.content.decode()
            assert f'url: "{SCHEMA_URL}"' in init
            assert not re.search(r"https?://", init)
    assert any(url.endswith("swagger-ui-bundle.js") for url in scripts)
    assert any(url.endswith("swagger-ui.css") for url in parser.urls)


def test_swagger_ui_sends_the_current_csrf_cookie() -> None:
    """Django rotates the CSRF token at login: the page reads it from the cookie at each
    unsafe request instead of using the one rendered at load."""
    client = Client()
    page = client.get(DOCS_URL)
    parser = _Assets()
    parser.feed(page.content.decode())
    (script_url,) = [u for u in parser.urls if u.startswith(DOCS_URL)]
    assert "csrftoken" in page.cookies  # set for the script to read
    script = client.get(script_url)
    init = script.content.decode()

    def js_string(name: str) -> str:
        match = re.search(rf"const {name} = (\"[^\"]*\");", init)
        assert match, name
        value: str = json.loads(match.group(1))
        return value

    assert js_string("csrfCookieName") == "csrftoken"
    assert js_string("csrfHeaderName") == "X-CSRFToken"
    assert "readCookie(csrfCookieName)" in init
    # no token in a script another origin could include as <script src>
    assert not re.search(r"[A-Za-z0-9]{32,}", init)
