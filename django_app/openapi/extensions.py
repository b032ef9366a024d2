"""drf-spectacular extensions for pyauth's and django_app's classes.

pyauth does not depend on drf-spectacular, so its authentication classes, token views and
token serializers are described here, from the outside:

- authentication: :class:`BearerScheme` (``JWTAuthentication``), :class:`TokenCookieScheme`
  (``JWTCookieAuthentication`` and its subclasses, one scheme per cookie name, with the CSRF
  header on unsafe methods), :class:`SessionScheme` (DRF's session, with CSRF);
- views: :class:`TokenViewsExtension` / :class:`CookieLogoutExtension` give pyauth's token
  views (and django_app's subclasses of them) their bodies, answers and cookies (with the
  two-factor step when ``pyauth.mfa`` is installed); :class:`MFAViewsExtension` and
  :class:`SessionViewsExtension` do the same for ``pyauth.mfa``'s enrollment views and
  ``pyauth.lifecycle``'s session views. A subclass's own method-level ``@extend_schema``
  still wins;
- serializers: simplejwt-compatible shapes of pyauth's token serializers (their fields are
  built in ``__init__`` or depend on the view), and 400 field errors.

Registered by importing this module (``django_app.openapi``'s ``ready()``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerExtension,
    OpenApiViewExtension,
)
from drf_spectacular.plumbing import build_bearer_security_scheme_object, force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import permissions, serializers
from rest_framework.serializers import Serializer

from django_app.openapi.schema import (
    BEARER,
    CSRF,
    FINGERPRINT,
    SESSION,
    AutoSchema,
    access_cookie,
    cookie_scheme,
    csrf_cookie,
    known_security_schemes,
    refresh_cookies,
    retry_after,
    set_cookie_header,
)

# --- authentication ----------------------------------------------------------------------


def _with_csrf(requirement: dict[str, list[Any]], auto_schema: AutoSchema) -> dict[str, Any]:
    """``requirement`` plus the CSRF header when the operation's method is unsafe."""
    if auto_schema.method not in permissions.SAFE_METHODS:
        return {**requirement, CSRF: []}
    return requirement


class BearerScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """``Authorization: Bearer <access token>``: pyauth's JWTAuthentication."""

    target_class = "pyauth.authentication.JWTAuthentication"
    match_subclasses = True
    name = BEARER

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        from pyauth.settings import api_settings

        definition = dict(known_security_schemes()[BEARER])
        custom = build_bearer_security_scheme_object(
            header_name=api_settings.AUTH_HEADER_NAME,
            token_prefix=api_settings.AUTH_HEADER_TYPES[0],
            bearer_format="JWT",
        )
        if custom.get("type") != "http":  # another header or prefix: an apiKey header
            definition = {**custom, "description": definition["description"]}
        return definition


class TokenCookieScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """An access token in an HttpOnly cookie (pyauth's JWTCookieAuthentication: 000's
    and 002's ``access_token``, 001's ``jwt``); unsafe methods need the CSRF header
    unless the class is ``csrf_exempt``."""

    target_class = "pyauth.authentication.JWTCookieAuthentication"
    match_subclasses = True
    priority = 1  # before BearerScheme, which matches this subclass of JWTAuthentication

    @property
    def name(self) -> str:  # type: ignore[override]
        return cookie_scheme(self.target.get_cookie_name())

    def get_security_requirement(self, auto_schema: AutoSchema) -> dict[str, Any]:
        requirement: dict[str, list[Any]] = {self.name: []}
        if getattr(self.target, "csrf_exempt", False):
            return requirement
        return _with_csrf(requirement, auto_schema)

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        known = known_security_schemes()
        cookie = self.target.get_cookie_name()
        return known.get(
            self.name,
            {"type": "apiKey", "in": "cookie", "name": cookie},
        )


class SessionScheme(OpenApiAuthenticationExtension):  # type: ignore[misc]
    """Django's session (DRF's SessionAuthentication), which enforces CSRF on unsafe
    methods. Replaces drf-spectacular's own, which leaves CSRF out."""

    target_class = "rest_framework.authentication.SessionAuthentication"
    match_subclasses = True
    priority = 1
    name = SESSION

    def get_security_requirement(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return _with_csrf({SESSION: []}, auto_schema)

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return known_security_schemes()[SESSION]


# --- pyauth's serializers ------------------------------------------------------------------


class TokenObtainPairSerializerExtension(OpenApiSerializerExtension):  # type: ignore[misc]
    """Credentials in (the login field, ``password``), ``{refresh, access}`` out."""

    target_class = "pyauth.serializers.TokenObtainPairSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        login_field = force_instance(self.target).get_username_field()
        fixed = inline_serializer(
            "TokenObtainPairFields",
            fields={
                login_field: serializers.CharField(write_only=True),
                "password": serializers.CharField(
                    write_only=True, style={"input_type": "password"}
                ),
                "refresh": serializers.CharField(read_only=True),
                "access": serializers.CharField(read_only=True),
            },
        )
        schema: dict[str, Any] = auto_schema._map_serializer(fixed, direction)
        return schema


class TokenRefreshSerializerExtension(OpenApiSerializerExtension):  # type: ignore[misc]
    """``{refresh}`` in; ``{access}`` out, plus ``refresh`` when the view rotates."""

    target_class = "pyauth.serializers.TokenRefreshSerializer"
    match_subclasses = True

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        from pyauth.settings import api_settings

        rotate = getattr(auto_schema.view, "rotate", None)
        if rotate is None:
            rotate = api_settings.ROTATE_REFRESH_TOKENS
        fields: dict[str, Any] = {"access": serializers.CharField(read_only=True)}
        if rotate:
            fields["refresh"] = serializers.CharField(
                help_text=_("A new refresh token: the one sent is used up.")
            )
        else:
            fields["refresh"] = serializers.CharField(write_only=True)
        schema: dict[str, Any] = auto_schema._map_serializer(
            inline_serializer("TokenRefreshFields", fields=fields), direction
        )
        return schema


class ValidationErrorExtension(OpenApiSerializerExtension):  # type: ignore[misc]
    """400: one member per refused field, each an array of messages."""

    target_class = "django_app.openapi.serializers.ValidationErrorSerializer"

    def map_serializer(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        return {
            "type": "object",
            "description": str(
                _("Field name (or non_field_errors) -> the messages saying why it was refused.")
            ),
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }


# --- pyauth's views ------------------------------------------------------------------------

_EMPTY_OBJECT: dict[str, Any] = {
    "type": "object",
    "maxProperties": 0,
    "description": _("An empty object."),
}


def _login_request(serializer_class: Any) -> Any:
    """A token view's body: its serializer's, or pyauth.mfa's second step when installed."""
    from django.apps import apps

    if not apps.is_installed("pyauth.mfa"):
        return serializer_class
    from django_app.openapi import serializers as docs

    name = serializer_class.__name__.removesuffix("Serializer") + "Step"
    return docs.login_request(name, serializer_class)


def _token_view_annotations(view: Any) -> dict[str, dict[str, Any]]:
    """extend_schema arguments for each pyauth view class, by dotted name, for ``view``."""
    from django.apps import apps

    from django_app.openapi import serializers as docs
    from pyauth.settings import api_settings

    access = api_settings.AUTH_COOKIE_ACCESS
    refresh: dict[str, list[Any]] = {cookie_scheme(api_settings.AUTH_COOKIE_REFRESH): []}
    if getattr(api_settings, "REFRESH_FINGERPRINT", False):
        refresh[FINGERPRINT] = []
    issued = set_cookie_header(access_cookie, refresh_cookies, csrf_cookie)
    refused = OpenApiResponse(
        docs.AuthErrorSerializer, description=_("token_not_valid: refused or revoked.")
    )
    wrong_credentials = OpenApiResponse(
        docs.AuthErrorSerializer, description=_("no_active_account: wrong credentials.")
    )
    mfa = docs.mfa_responses() if apps.is_installed("pyauth.mfa") else {}
    login_request = _login_request(getattr(view, "serializer_class", None) or Serializer)
    return {
        "pyauth.views.CookieLogoutView": {
            "request": None,
            "responses": {200: docs.DetailSerializer},
            "auth": [
                {cookie_scheme(api_settings.AUTH_COOKIE_REFRESH): []},
                {cookie_scheme(access): []},
                {},
            ],
            "parameters": [set_cookie_header(access_cookie, refresh_cookies)],
        },
        "pyauth.views.CookieTokenRefreshView": {
            "request": None,
            "responses": {200: docs.DetailSerializer, 401: refused},
            "auth": [refresh],
            "parameters": [issued],
        },
        "pyauth.views.CookieTokenObtainView": {
            "request": login_request,
            "responses": {200: docs.DetailSerializer, 401: wrong_credentials, **mfa},
            "parameters": [issued, retry_after()],
        },
        "pyauth.views.TokenVerifyView": {"responses": {200: _EMPTY_OBJECT, 401: refused}},
        "pyauth.views.TokenBlacklistView": {"responses": {200: _EMPTY_OBJECT, 401: refused}},
        "pyauth.views.TokenRefreshView": {"responses": {200: None, 401: refused}},
        "pyauth.views.TokenObtainPairView": {
            "request": login_request,
            "responses": {200: None, 401: wrong_credentials, **mfa},
            "parameters": [retry_after()],
        },
    }


class _AnnotatedViewsExtension(OpenApiViewExtension):  # type: ignore[misc]
    """Replaces a view by a subclass carrying the class-level ``@extend_schema`` of the
    nearest class of its MRO found in :meth:`annotations` (so a subclass's method-level
    ``@extend_schema`` still takes precedence)."""

    match_subclasses = True

    def annotations(self) -> dict[str, dict[str, Any]]:
        """extend_schema arguments by the dotted name of the class they describe."""
        raise NotImplementedError

    def view_replacement(self) -> Any:
        view = self.target
        annotations = self.annotations()
        for klass in view.__mro__:
            kwargs = annotations.get(f"{klass.__module__}.{klass.__qualname__}")
            if kwargs is not None:
                break
        else:  # a base class never routed by itself
            return view
        kwargs = dict(kwargs)
        responses = kwargs.get("responses")
        if isinstance(responses, dict) and responses.get(200, ...) is None:
            # the view's own serializer, as the serializer extensions above map it
            kwargs["responses"] = {**responses, 200: view.serializer_class}
        replacement = type(
            view.__name__,
            (view,),
            {"__doc__": view.__doc__, "__module__": view.__module__},
        )
        return extend_schema(**kwargs)(replacement)


class TokenViewsExtension(_AnnotatedViewsExtension):
    """pyauth's token views and django_app's subclasses of them."""

    target_class: ClassVar[Any] = "pyauth.views.TokenViewBase"

    def annotations(self) -> dict[str, dict[str, Any]]:
        return _token_view_annotations(self.target)


class CookieLogoutExtension(TokenViewsExtension):
    """pyauth's CookieLogoutView (an APIView, not a TokenViewBase) and its subclasses."""

    target_class: ClassVar[Any] = "pyauth.views.CookieLogoutView"


def _mfa_view_annotations() -> dict[str, dict[str, Any]]:
    """extend_schema arguments of pyauth.mfa's enrollment views, by dotted name."""
    from django_app.openapi import serializers as docs
    from pyauth.mfa import serializers as mfa

    coded = docs.CodedErrorSerializer
    wrong_code = docs.either("MFACodeRefused", docs.ValidationErrorSerializer, coded)
    locked = OpenApiResponse(coded, description=_("mfa_locked: too many wrong codes."))
    code_views: dict[str, Any] = {"request": mfa.CodeSerializer, "parameters": [retry_after()]}
    return {
        "pyauth.mfa.views.StatusView": {"responses": mfa.StatusSerializer},
        "pyauth.mfa.views.SetupView": {
            "request": None,
            "responses": {
                200: mfa.SetupSerializer,
                409: OpenApiResponse(coded, description=_("mfa_already_enabled")),
            },
        },
        "pyauth.mfa.views.QRCodeView": {
            "parameters": [
                OpenApiParameter(
                    "format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["svg", "png"]
                )
            ],
            "responses": {
                (200, "image/svg+xml"): {"type": "string"},
                (200, "image/png"): {"type": "string", "format": "binary"},
                400: docs.ValidationErrorSerializer,
                404: OpenApiResponse(coded, description=_("No enrollment is pending.")),
            },
        },
        "pyauth.mfa.views.ConfirmView": {
            **code_views,
            "responses": {
                200: mfa.ConfirmSerializer,
                400: wrong_code,
                404: OpenApiResponse(coded, description=_("No enrollment is pending.")),
                429: locked,
            },
        },
        "pyauth.mfa.views.DisableView": {
            **code_views,
            "responses": {
                200: mfa.DisableSerializer,
                400: wrong_code,
                409: OpenApiResponse(coded, description=_("mfa_not_enabled")),
                429: locked,
            },
        },
        "pyauth.mfa.views.RecoveryCodesView": {
            **code_views,
            "responses": {
                200: mfa.RecoveryCodesSerializer,
                400: wrong_code,
                409: OpenApiResponse(coded, description=_("mfa_not_enabled")),
                429: locked,
            },
        },
    }


class MFAViewsExtension(_AnnotatedViewsExtension):
    """pyauth.mfa's enrollment views (``/api/auth/2fa/``, ``/auth-api/2fa/``)."""

    target_class: ClassVar[Any] = "pyauth.mfa.views.MFABaseView"
    optional = True  # pyauth.mfa may be left out of INSTALLED_APPS

    def annotations(self) -> dict[str, dict[str, Any]]:
        return _mfa_view_annotations()


def _session_view_annotations() -> dict[str, dict[str, Any]]:
    """extend_schema arguments of pyauth.lifecycle's session views, by dotted name: the
    revoking POSTs take no body (the views' serializer_class describes their answer)."""
    from pyauth.lifecycle import views as sessions

    revoked = {"request": None, "responses": sessions.RevokedSerializer}
    return {
        "pyauth.lifecycle.views.SessionRevokeOthersView": revoked,
        "pyauth.lifecycle.views.UserSessionRevokeAllView": revoked,
        "pyauth.lifecycle.views.SessionDetailView": {"responses": {204: None}},
        "pyauth.lifecycle.views.UserSessionDetailView": {"responses": {204: None}},
    }


class SessionViewsExtension(_AnnotatedViewsExtension):
    """pyauth.lifecycle's session and device views (``sessions/`` under each prefix)."""

    target_class: ClassVar[Any] = "pyauth.lifecycle.views.SessionViewBase"
    optional = True

    def annotations(self) -> dict[str, dict[str, Any]]:
        return _session_view_annotations()
