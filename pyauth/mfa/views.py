"""The enrollment endpoints of two-factor authentication, for the signed-in caller.

=============== ====== ==========================================================
status          GET    ``{enabled, pending, recovery_codes_left}``
setup           POST   a pending enrollment: ``{secret, otpauth_uri, ...}`` (again:
                       a new secret replaces the pending one; 409 once enabled)
qr              GET    the pending secret's QR code: SVG, or PNG with ``?format=png``
confirm         POST   ``{code}`` -> ``{enabled: true, recovery_codes}`` (shown once)
disable         POST   ``{code}`` (TOTP or recovery code) -> ``{enabled: false}``
recovery-codes  POST   ``{code}`` -> ``{recovery_codes}``, the old ones void
=============== ====== ==========================================================

Authentication and permissions are DRF's defaults unless the URLconf passes others
(:func:`pyauth.mfa.urls.urlpatterns_for`); unsafe requests authenticated by a cookie or
a session carry the CSRF token (the authentication classes check it), and
``csrf_on_every_unsafe_request`` checks it on every unsafe request (document 002's
rule). Answers that hold a secret or recovery codes are ``Cache-Control: no-store``.
Wrong codes are 400 ``mfa_invalid``, counted (429 ``mfa_locked`` after too many).
"""

from __future__ import annotations

import io
from typing import Any, ClassVar

import segno
from django.db import transaction
from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pyauth.authentication import enforce_csrf
from pyauth.mfa import serializers, services

__all__ = [
    "ConfirmView",
    "DisableView",
    "MFABaseView",
    "QRCodeView",
    "RecoveryCodesView",
    "SetupView",
    "StatusView",
]

_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: Pixels per QR module in the PNG, and the quiet zone in modules (ISO/IEC 18004: 4).
_PNG_SCALE = 6
_QUIET_ZONE = 4


def _no_store(response: Any) -> Any:
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


class MFABaseView(APIView):  # type: ignore[misc]
    """The caller's own two-factor settings; JSON bodies only."""

    permission_classes: ClassVar[list[Any]] = [permissions.IsAuthenticated]
    parser_classes: ClassVar[list[Any]] = [JSONParser]
    #: Check Django's CSRF token on every unsafe request, whatever authenticated it.
    csrf_on_every_unsafe_request: bool = False

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # The wrong codes counted on the way to a 400 must be committed.
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if self.csrf_on_every_unsafe_request and request.method not in _SAFE_METHODS:
            enforce_csrf(request._request)
        super().initial(request, *args, **kwargs)

    def code_of(self, request: Request) -> str:
        """The ``code`` of the body (400 when missing or malformed)."""
        serializer = serializers.CodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        code: str = serializer.validated_data["code"]
        return code


class StatusView(MFABaseView):
    """GET -> ``{enabled, pending, recovery_codes_left}``."""

    def get(self, request: Request) -> Response:
        state = services.enrollment_status(request.user)
        return Response(serializers.StatusSerializer(state).data)


class SetupView(MFABaseView):
    """POST -> a pending enrollment ``{secret, otpauth_uri, digits, period, algorithm}``;
    409 ``mfa_already_enabled`` once enabled."""

    def post(self, request: Request) -> Response:
        enrollment = services.start_enrollment(request.user)
        return _no_store(Response(serializers.SetupSerializer(enrollment).data))


class _FirstRenderer(BaseContentNegotiation):  # type: ignore[misc]
    """Always the view's first renderer (JSON, for errors) and ignores ``?format=``,
    which this view reads itself: an image is returned as a ready HttpResponse."""

    def select_parser(self, request: Any, parsers: list[Any]) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Any, renderers: list[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        renderer = renderers[0]
        return renderer, renderer.media_type


class QRCodeView(MFABaseView):
    """GET -> the pending secret's otpauth URI as a QR code: ``image/svg+xml`` by
    default, ``image/png`` with ``?format=png``; never cached. 404 with nothing pending
    (a confirmed secret is never shown again)."""

    content_negotiation_class = _FirstRenderer
    formats: ClassVar[dict[str, str]] = {"svg": "image/svg+xml", "png": "image/png"}

    def get(self, request: Request) -> HttpResponse:
        kind = request.query_params.get("format", "svg").lower()
        if kind not in self.formats:
            raise ValidationError({"format": [_("Use svg or png.")]})
        enrollment = services.pending_enrollment(request.user)
        qr = segno.make(enrollment.otpauth_uri, error="m", micro=False)
        out = io.BytesIO()
        if kind == "png":
            qr.save(out, kind="png", scale=_PNG_SCALE, border=_QUIET_ZONE)
        else:
            qr.save(
                out,
                kind="svg",
                scale=_PNG_SCALE,
                border=_QUIET_ZONE,
                xmldecl=True,
                svgns=True,
                title=str(_("Two-factor authentication QR code")),
            )
        response = HttpResponse(out.getvalue(), content_type=self.formats[kind])
        response["X-Content-Type-Options"] = "nosniff"
        return _no_store(response)


class ConfirmView(MFABaseView):
    """POST ``{code}`` -> ``{enabled: true, recovery_codes: [10 codes]}``, shown this
    once. 400 ``mfa_invalid`` for a wrong code, 404 with nothing pending."""

    def post(self, request: Request) -> Response:
        code = self.code_of(request)
        codes = services.confirm(request.user, code)
        body = {"enabled": True, "recovery_codes": codes}
        return _no_store(Response(serializers.ConfirmSerializer(body).data))


class DisableView(MFABaseView):
    """POST ``{code}`` (a TOTP or recovery code) -> ``{enabled: false}``. 409
    ``mfa_not_enabled`` when it is not enabled."""

    def post(self, request: Request) -> Response:
        code = self.code_of(request)
        services.disable(request.user, code)
        return Response(serializers.DisableSerializer({"enabled": False}).data)


class RecoveryCodesView(MFABaseView):
    """POST ``{code}`` -> ``{recovery_codes: [10 new codes]}``; the old ones are void."""

    def post(self, request: Request) -> Response:
        code = self.code_of(request)
        codes = services.regenerate_recovery_codes(request.user, code)
        body = {"recovery_codes": codes}
        return _no_store(Response(serializers.RecoveryCodesSerializer(body).data))
