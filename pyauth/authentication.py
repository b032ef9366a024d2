"""DRF authentication classes for pyauth's access tokens.

- :class:`JWTAuthentication` reads ``Authorization: Bearer <token>`` (simplejwt's
  class of the same name, with its error shapes and codes);
- :class:`JWTCookieAuthentication` reads the token from an HttpOnly cookie and, on
  unsafe methods, demands Django's CSRF token exactly as DRF's SessionAuthentication
  does.

Both return ``(user, AccessToken)`` so views find the token in ``request.auth``, refuse
tokens whose family (the ``sid`` claim) or whose user was revoked, and answer 401 with
``WWW-Authenticate: Bearer realm="api"``. A token without a family (one simplejwt
issued, say) is accepted when it is otherwise valid and its user was not revoked since.

The user costs no database query (USER_LOOKUP "lazy", the default, with
``pyauth.lifecycle`` installed): :class:`TokenUser` answers ``pk``, the USER_ID_FIELD
and the USER_CLAIM_FIELDS from the token, and loads the row the first time a view
reads anything else (refusing then a user that is gone or inactive). Deactivation,
password changes, logout everywhere and revocations reach it through the revocation
marks of :mod:`pyauth.lifecycle.revocation` (cached, memoised for at most
REVOCATION_MEMO_SECONDS; the database when the cache fails). USER_LOOKUP "always" loads
the user on every request and refuses an inactive one, as simplejwt does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.signals import setting_changed
from django.db.models import Model
from django.db.models.base import ModelState
from django.utils.translation import gettext_lazy as _
from rest_framework import HTTP_HEADER_ENCODING, exceptions, status
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.request import Request

from pyauth.settings import api_settings
from pyauth.tokens import AccessToken, Token, TokenError

__all__ = [
    "AuthenticationFailed",
    "InvalidToken",
    "JWTAuthentication",
    "JWTCookieAuthentication",
    "TokenUser",
    "enforce_csrf",
]


# What every request asks Django and Django answers the same until its settings change:
# whether pyauth.lifecycle is installed (apps.is_installed scans every app config), the
# revocation check it then brings, the user model and its USER_ID_FIELD. Filled on first
# use, emptied when INSTALLED_APPS or AUTH_USER_MODEL change (override_settings; never in
# production).
_django: dict[Any, Any] = {}
_DJANGO_SETTINGS = frozenset({"INSTALLED_APPS", "AUTH_USER_MODEL"})
_UNKNOWN: Any = object()  # "not asked yet"; None is an answer ("no pyauth.lifecycle")


def _revocation_check() -> Callable[[Token], None] | None:
    """pyauth.lifecycle's check_token, or None when the app is not installed. (The request
    path reads ``_django["check"]`` itself and calls this only to fill it.)"""
    try:
        check: Callable[[Token], None] | None = _django["check"]
    except KeyError:
        check = None
        if apps.is_installed("pyauth.lifecycle"):
            from pyauth.lifecycle.revocation import check_token  # needs the app registry

            check = check_token
        _django["check"] = check
    return check


def _user_model() -> Any:
    try:
        return _django["user_model"]
    except KeyError:
        model = _django["user_model"] = get_user_model()
        return model


def _id_field(user_model: Any, id_field: str) -> Any:
    """The field ``id_field`` (USER_ID_FIELD) names on ``user_model``
    (AuthenticationFailed when there is none), looked up once per model and setting."""
    try:
        return _django[("id_field", user_model, id_field)]
    except KeyError:
        meta = user_model._meta
        try:
            field = meta.pk if id_field == "pk" else meta.get_field(id_field)
        except Exception as exc:  # FieldDoesNotExist
            raise AuthenticationFailed(_("User not found"), code="user_not_found") from exc
        _django[("id_field", user_model, id_field)] = field
        return field


def _forget_django_answers(*, setting: str, **kwargs: Any) -> None:
    if setting in _DJANGO_SETTINGS:
        _django.clear()


setting_changed.connect(_forget_django_answers, dispatch_uid="pyauth.authentication.django")


def enforce_csrf(request: Any) -> None:
    """Django's CSRF check on ``request`` (a Django request) as DRF's
    SessionAuthentication runs it: 403 ``{"detail": "CSRF Failed: <reason>"}`` without a
    valid token. Safe methods pass, as CsrfViewMiddleware lets them."""

    def dummy_get_response(request: Any) -> None:  # pragma: no cover - never called
        return None

    check = CSRFCheck(dummy_get_response)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise exceptions.PermissionDenied(f"CSRF Failed: {reason}")


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


class TokenUser:
    """The user an access token names, without a query until one is needed.

    Answers from the token: ``pk`` / ``id`` (when USER_ID_FIELD is the primary key),
    the USER_ID_FIELD, the USER_CLAIM_FIELDS present in the token, ``get_username()``
    when USERNAME_FIELD is one of them, and ``is_authenticated`` (True),
    ``is_anonymous`` (False) and ``is_active`` (True: a deactivation revokes the token).
    Anything else, read or written, loads the user's row once (one query) and goes to
    it; a user that is gone or inactive by then raises AuthenticationFailed (401).

    It passes ``isinstance(user, get_user_model())`` (its ``__class__`` is the user
    model, as Django's lazy ``request.user``'s is), compares equal to the real user and
    hashes like it, so it can be assigned to foreign keys. Claim fields are as fresh as
    the token (ACCESS_TOKEN_LIFETIME at most; a refresh re-reads them)."""

    is_authenticated: ClassVar[bool] = True
    is_anonymous: ClassVar[bool] = False
    is_active: ClassVar[bool] = True

    def __init__(self, model: Any, lookup: dict[str, Any], known: dict[str, Any]) -> None:
        state = self.__dict__
        state["_model"] = model
        state["_lookup"] = lookup
        state["_user"] = None
        # What Model.__eq__ and a foreign key's descriptor read of a related instance.
        # (``_state`` is built when first read, in __getattr__.)
        state["_meta"] = model._meta
        state.update(known)

    @property  # type: ignore[misc]
    def __class__(self) -> Any:
        return self.__dict__["_model"]

    def _load(self) -> Any:
        user = self.__dict__["_user"]
        if user is None:
            model = self.__dict__["_model"]
            try:
                user = model._default_manager.get(**self.__dict__["_lookup"])
            except model.DoesNotExist as exc:
                raise AuthenticationFailed(_("User not found"), code="user_not_found") from exc
            if not getattr(user, "is_active", True):
                raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
            self.__dict__["_user"] = user
        return user

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if name == "_state":
            state = self.__dict__["_state"] = ModelState()
            state.adding = False
            return state
        return getattr(self._load(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__.pop(name, None)  # a claim no longer tells the truth
        setattr(self._load(), name, value)

    def __delattr__(self, name: str) -> None:
        self.__dict__.pop(name, None)
        delattr(self._load(), name)

    def get_username(self) -> Any:
        """USERNAME_FIELD, from the token when it carries it."""
        field = getattr(self.__dict__["_model"], "USERNAME_FIELD", "username")
        if field in self.__dict__:
            return self.__dict__[field]
        return self._load().get_username()

    def _pk(self) -> Any:
        if "pk" in self.__dict__:
            return self.__dict__["pk"]
        return self._load().pk

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TokenUser):
            other_model, other_pk = other.__dict__["_model"], other._pk()
        elif isinstance(other, Model):
            other_model, other_pk = type(other), other.pk
        else:
            return NotImplemented
        model = self.__dict__["_model"]
        if model._meta.concrete_model != other_model._meta.concrete_model:
            return False
        return bool(self._pk() == other_pk)

    def __hash__(self) -> int:
        return hash(self._pk())

    def __str__(self) -> str:
        return str(self._load())

    def __repr__(self) -> str:
        return f"<TokenUser {self.__dict__['_lookup']!r}>"


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
        # A DRF Request hands META over from its Django request through __getattr__.
        meta = request._request.META if isinstance(request, Request) else request.META
        header = meta.get(api_settings.AUTH_HEADER_NAME)
        if isinstance(header, str):
            header = header.encode(HTTP_HEADER_ENCODING)
        return header if isinstance(header, bytes) else None

    def get_raw_token(self, header: bytes) -> bytes | None:
        """The token of a ``<type> <token>`` header; None for other schemes."""
        parts = header.split()
        if not parts:
            return None
        # ISO-8859-1 maps bytes and characters one to one: comparing the decoded scheme
        # with the configured types is comparing bytes, without a set built per request.
        if parts[0].decode(HTTP_HEADER_ENCODING) not in api_settings.AUTH_HEADER_TYPES:
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
        """Refuse a token whose family (FAMILY_CLAIM) was revoked (logout, replay) or
        whose user was revoked after it was issued (:mod:`pyauth.lifecycle.revocation`)."""
        check = _django.get("check", _UNKNOWN)  # one lookup: every request asks
        if check is _UNKNOWN:
            check = _revocation_check()
        if check is not None:
            check(token)

    def get_user(self, validated_token: Token) -> Any:
        """The user the token names: a :class:`TokenUser` (USER_LOOKUP "lazy", with
        pyauth.lifecycle installed) or the active user loaded from the database."""
        try:
            user_id = validated_token.payload[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken(_("Token contained no recognizable user identification")) from exc
        user_model = _django.get("user_model") or _user_model()
        check = _django.get("check", _UNKNOWN)
        if check is _UNKNOWN:
            check = _revocation_check()
        if api_settings.USER_LOOKUP != "always" and check is not None:
            return self.token_user(user_model, user_id, validated_token)
        try:
            user = user_model.objects.get(**{api_settings.USER_ID_FIELD: user_id})
        except (user_model.DoesNotExist, ValueError, TypeError) as exc:
            raise AuthenticationFailed(_("User not found"), code="user_not_found") from exc
        if not getattr(user, "is_active", True):
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        return user

    def token_user(self, user_model: Any, user_id: Any, token: Token) -> TokenUser:
        """A :class:`TokenUser` for ``user_id`` with the token's USER_CLAIM_FIELDS."""
        id_field = api_settings.USER_ID_FIELD
        field = _django.get(("id_field", user_model, id_field)) or _id_field(user_model, id_field)
        try:
            value = field.to_python(user_id)
        except Exception as exc:  # ValidationError
            raise AuthenticationFailed(_("User not found"), code="user_not_found") from exc
        if value is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")
        known: dict[str, Any] = {field.attname: value}
        if field.primary_key:
            known["pk"] = value
        claim_fields = api_settings.USER_CLAIM_FIELDS
        if claim_fields:
            payload = token.payload
            for name in claim_fields:
                if name in payload:
                    known[name] = payload[name]
        return TokenUser(user_model, {field.name: value}, known)


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
        enforce_csrf(request)
