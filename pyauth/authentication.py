"""DRF authentication classes for pyauth's access tokens.

- :class:`JWTAuthentication` reads ``Authorization: Bearer <token>`` (simplejwt's
  class of the same name, with its error shapes and codes);
- :class:`JWTCookieAuthentication` reads the token from an HttpOnly cookie and, on
  unsafe methods, demands Django's CSRF token exactly as DRF's SessionAuthentication
  does.

Both return ``(user, AccessToken)`` so views find the token in ``request.auth``, refuse
inactive users and tokens whose family (the ``sid`` claim) was revoked, and answer 401
with ``WWW-Authenticate: Bearer realm="api"``. A token without a family (one simplejwt
issued, say) is accepted when it is otherwise valid.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import HTTP_HEADER_ENCODING, exceptions, status
from rest_framework.authentication import BaseAuthentication, CSRFCheck

from pyauth.settings import api_settings
from pyauth.tokens import AccessToken, Token, TokenError

__all__ = [
    "AuthenticationFailed",
    "InvalidToken",
    "JWTAuthentication",
    "JWTCookieAuthentication",
]


class _DetailDictMixin:
    """Gives an APIException the body ``{"detail": ..., "code": ...}`` (plus any other
    members passed in a dict), as simplejwt's exceptions do."""

    default_detail: Any
    default_code: str

    def __init__(self, detail: dict[str, Any] | str | None = None, code: str | None = None):
        body: dict[str, Any] = {"detail": self.default_detail, "code": self.default_code}
        if isinstance(detail, dict):
            body.update(detail)
        elif detail is not None:
            body["detail"] = detail
        if code is not None:
            body["code"] = code
        super().__init__(body)  # type: ignore[call-arg]


class AuthenticationFailed(_DetailDictMixin, exceptions.AuthenticationFailed):  # type: ignore[misc]
    """401 with ``{"detail": ..., "code": ...}``."""


class InvalidToken(AuthenticationFailed):
    """401 ``token_not_valid``: the token was refused (malformed, expired, revoked...)."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("Token is invalid or expired")
    default_code = "token_not_valid"


class JWTAuthentication(BaseAuthentication):  # type: ignore[misc]
    """Authenticates ``Authorization: <AUTH_HEADER_TYPES[i]> <access token>``.

    No header, or a header of another scheme (``Basic ...``), gives ``None`` so the next
    authentication class gets a try; a malformed header or a refused token raises 401."""

    www_authenticate_realm = "api"
    token_class: type[AccessToken] = AccessToken

    def authenticate(self, request: Any) -> tuple[Any, Token] | None:
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        validated = self.get_validated_token(raw_token)
        return self.get_user(validated), validated

    def authenticate_header(self, request: Any) -> str:
        return f'{api_settings.AUTH_HEADER_TYPES[0]} realm="{self.www_authenticate_realm}"'

    def get_header(self, request: Any) -> bytes | None:
        """The raw header AUTH_HEADER_NAME names, as bytes."""
        header = request.META.get(api_settings.AUTH_HEADER_NAME)
        if isinstance(header, str):
            header = header.encode(HTTP_HEADER_ENCODING)
        return header if isinstance(header, bytes) else None

    def get_raw_token(self, header: bytes) -> bytes | None:
        """The token of a ``<type> <token>`` header; None for other schemes."""
        parts = header.split()
        if not parts:
            return None
        types = {t.encode(HTTP_HEADER_ENCODING) for t in api_settings.AUTH_HEADER_TYPES}
        if parts[0] not in types:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(
                _("Authorization header must contain two space-delimited values"),
                code="bad_authorization_header",
            )
        return parts[1]

    def get_validated_token(self, raw_token: str | bytes) -> Token:
        """The verified access token, its family not revoked; InvalidToken otherwise."""
        try:
            token = self.token_class(raw_token)
            self.check_family(token)
        except TokenError as exc:
            raise InvalidToken(
                {
                    "detail": _("Given token not valid for any token type"),
                    "messages": [
                        {
                            "token_class": self.token_class.__name__,
                            "token_type": self.token_class.token_type,
                            "message": exc.args[0],
                            "code": exc.code,
                        }
                    ],
                }
            ) from exc
        return token

    def check_family(self, token: Token) -> None:
        """Refuse a token whose family (FAMILY_CLAIM) was revoked (logout, replay)."""
        sid = token.get(api_settings.FAMILY_CLAIM)
        if sid is None or not apps.is_installed("pyauth.lifecycle"):
            return
        from pyauth.lifecycle.services import is_revoked  # needs the app registry

        if not isinstance(sid, str) or is_revoked(sid):
            raise TokenError(_("Token is blacklisted"), code="token_revoked")

    def get_user(self, validated_token: Token) -> Any:
        """The active user the token names."""
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        user_model: Any = get_user_model()
        try:
            user = user_model.objects.get(**{api_settings.USER_ID_FIELD: user_id})
        except (user_model.DoesNotExist, ValueError, TypeError) as exc:
            raise AuthenticationFailed(_("User not found"), code="user_not_found") from exc
        if not getattr(user, "is_active", True):
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return user


class JWTCookieAuthentication(JWTAuthentication):
    """Authenticates with the access token in the cookie ``cookie_name`` (default
    AUTH_COOKIE_ACCESS), enforcing Django's CSRF check on unsafe methods.

    A browser sends cookies with cross-site requests, so a cookie alone does not show
    the request is the user's; the CSRF token does. A view that only ends or rotates
    the caller's own credentials may use a subclass with ``csrf_exempt = True``."""

    cookie_name: str | None = None
    csrf_exempt: bool = False

    def get_cookie_name(self) -> str:
        """The cookie holding the access token."""
        return self.cookie_name or api_settings.AUTH_COOKIE_ACCESS

    def authenticate(self, request: Any) -> tuple[Any, Token] | None:
        raw_token = request.COOKIES.get(self.get_cookie_name())
        if not raw_token:
            return None
        validated = self.get_validated_token(raw_token)
        user = self.get_user(validated)
        if not self.csrf_exempt:
            self.enforce_csrf(request)
        return user, validated

    def enforce_csrf(self, request: Any) -> None:
        """DRF's SessionAuthentication.enforce_csrf: 403 "CSRF Failed: <reason>"."""

        def dummy_get_response(request: Any) -> None:  # pragma: no cover - never called
            return None

        check = CSRFCheck(dummy_get_response)
        check.process_request(request)
        reason = check.process_view(request, None, (), {})
        if reason:
            raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")
