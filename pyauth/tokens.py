"""JWT access and refresh tokens with djangorestframework-simplejwt's API, on pyauth's core.

::

    from pyauth.tokens import AccessToken, RefreshToken, TokenError

    refresh = RefreshToken.for_user(user)
    str(refresh), str(refresh.access_token)
    AccessToken(raw)["user_id"]          # raises TokenError unless valid

A simplejwt project changes ``rest_framework_simplejwt.tokens`` to ``pyauth.tokens``:
tokens either library signs with the same key and claims verify in the other.

Decoding is stricter than simplejwt's: an allow-list of exactly ``ALGORITHM`` (with the
key store of :mod:`pyauth.keys`, the algorithms of its live keys, each key picked by the
token's ``kid``; see :mod:`pyauth.signing`), the audience and issuer checked, and the
token type demanded by the core itself, so an access token is never accepted as a
refresh token, nor the other way round. Every setting is read from
:data:`pyauth.settings.api_settings` when a token is made or read.

These classes only sign and verify; recording refresh tokens, rotating them and
revoking their families is :mod:`pyauth.lifecycle.services`' work.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar

from django.utils.translation import gettext_lazy as _

from pyauth import jwt, signing
from pyauth.exceptions import (
    ExpiredSignatureError,
    InvalidTokenError,
    InvalidTokenTypeError,
    MissingRequiredClaimError,
)
from pyauth.settings import api_settings

__all__ = [
    "AccessToken",
    "ExpiredTokenError",
    "RefreshToken",
    "Token",
    "TokenError",
    "UntypedToken",
]

T = TypeVar("T", bound="Token")


class TokenError(Exception):
    """A token was refused (simplejwt's name). ``args[0]`` is a message for users and
    ``code`` a stable machine-readable reason."""

    code: str = "token_not_valid"

    def __init__(self, message: Any = None, code: str | None = None) -> None:
        super().__init__(message if message is not None else _("Token is invalid"))
        if code is not None:
            self.code = code


class ExpiredTokenError(TokenError):
    """The token's ``exp`` has passed (simplejwt's name)."""

    code = "token_expired"


class _Lifetime:
    """``Token.lifetime``: the setting ``lifetime_setting`` names, read when asked for
    (a token that is only verified never needs it); None without one."""

    def __get__(self, token: Token | None, owner: type[Token]) -> Any:
        if token is None or owner.lifetime_setting is None:
            return None
        return getattr(api_settings, owner.lifetime_setting)


class _CurrentTime:
    """``Token.current_time``: the moment the token was made or presented, as simplejwt
    has it (an aware UTC datetime), built on first read and then kept."""

    def __get__(self, token: Token | None, owner: type[Token]) -> Any:
        if token is None:
            return self
        moment = token.__dict__["current_time"] = datetime.fromtimestamp(token._timestamp, UTC)
        return moment


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class Token:
    """A JWT being built (``Token()``) or one that was presented (``Token(raw)``).

    Subclasses set ``token_type`` and the setting that gives their ``lifetime``
    (or a fixed ``lifetime``). A presented token is verified on construction unless
    ``verify=False`` (which skips every check, signature included: use it only on a
    token you will not trust)."""

    token_type: ClassVar[str | None] = None
    #: The api_settings name of this kind of token's lifetime.
    lifetime_setting: ClassVar[str | None] = None
    # Read from ``lifetime_setting`` when first asked for; a subclass may fix it as a
    # class attribute and a token may be given its own (``token.lifetime = ...``).
    lifetime: timedelta | None = _Lifetime()  # type: ignore[assignment]
    # When the token was made or presented, as an aware datetime built when first asked
    # for: a presented token is checked against ``_timestamp`` and never needs one.
    current_time: datetime = _CurrentTime()  # type: ignore[assignment]

    def __init__(self, token: str | bytes | Token | None = None, verify: bool = True) -> None:
        if self.token_type is None or (self.lifetime_setting is None and self.lifetime is None):
            raise TokenError(_("Cannot create token with no type or lifetime"))
        self._timestamp = time.time()
        self.token: str | bytes | None
        if isinstance(token, Token):
            token = str(token)
        self.token = token
        if token is None:
            self.payload: dict[str, Any] = {}
            if api_settings.TOKEN_TYPE_CLAIM is not None:
                self.payload[api_settings.TOKEN_TYPE_CLAIM] = self.token_type
            self.set_exp(from_time=self.current_time, lifetime=self.lifetime)
            self.set_iat(at_time=self.current_time)
            self.set_jti()
        else:
            self.payload = self._decode(token, verify)
            # The core's answer is already the whole of pyauth's own verify(): the decoder
            # of PyAuthSettings.token_decoder checks exp with LEEWAY, demands JTI_CLAIM
            # and the type claim. A subclass that changes verify(), check_exp(),
            # verify_token_type() or _expected_type() gets its verify() called after it.
            cls = type(self)
            if verify and not (
                cls.verify is Token.verify
                and cls.check_exp is Token.check_exp
                and cls.verify_token_type is Token.verify_token_type
                and cls._expected_type is Token._expected_type
            ):
                self.verify()

    def _default_lifetime(self) -> timedelta:
        if self.lifetime_setting is None:
            raise TokenError(_("Cannot create token with no type or lifetime"))
        lifetime: timedelta = getattr(api_settings, self.lifetime_setting)
        return lifetime

    # --- decoding ---------------------------------------------------------------------

    def _expected_type(self) -> tuple[str, str] | None:
        claim = api_settings.TOKEN_TYPE_CLAIM
        if claim is None or self.token_type is None:
            return None
        return (claim, self.token_type)

    def _decode(self, token: str | bytes, verify: bool) -> dict[str, Any]:
        if not isinstance(token, (str, bytes)):
            raise TokenError(_("Token is invalid"), code="token_not_valid")
        if len(token) > api_settings.MAX_TOKEN_BYTES:
            raise TokenError(_("Token is invalid"), code="token_not_valid")
        try:
            if not verify:
                return jwt.decode(token, options={"verify_signature": False})
            return signing.decode(token, token_type=self._expected_type())
        except ExpiredSignatureError as exc:
            raise ExpiredTokenError(_("Token is expired")) from exc
        except MissingRequiredClaimError as exc:  # exp and JTI_CLAIM, as verify() says
            if exc.claim == "exp":
                raise TokenError(_("Token has no '%(claim)s' claim") % {"claim": "exp"}) from exc
            raise TokenError(_("Token has no id")) from exc
        except InvalidTokenTypeError as exc:
            raise TokenError(_("Token has wrong type"), code="token_wrong_type") from exc
        except InvalidTokenError as exc:
            raise TokenError(_("Token is invalid")) from exc
        except UnicodeError as exc:
            raise TokenError(_("Token is invalid")) from exc

    # --- checks (simplejwt's, for subclasses that extend them) --------------------------

    def verify(self) -> None:
        """The checks made after the signature: an ``exp`` claim that has not passed, an
        id claim, and the token type. Subclasses may add their own."""
        self.check_exp()
        jti_claim = api_settings.JTI_CLAIM
        if jti_claim is not None and jti_claim not in self.payload:
            raise TokenError(_("Token has no id"))
        if api_settings.TOKEN_TYPE_CLAIM is not None:
            self.verify_token_type()

    def verify_token_type(self) -> None:
        """Demand the token-type claim with this class's type."""
        try:
            token_type = self.payload[api_settings.TOKEN_TYPE_CLAIM]
        except KeyError as exc:
            raise TokenError(_("Token has no type"), code="token_wrong_type") from exc
        if token_type != self.token_type:
            raise TokenError(_("Token has wrong type"), code="token_wrong_type")

    def check_exp(self, claim: str = "exp", current_time: datetime | None = None) -> None:
        """Raise ExpiredTokenError if ``claim`` (a NumericDate) is past, after LEEWAY."""
        if current_time is not None:
            now = current_time.timestamp()
        elif "current_time" in self.__dict__:  # set by the caller or already built
            now = self.__dict__["current_time"].timestamp()
        else:
            now = self._timestamp
        try:
            value = self.payload[claim]
        except KeyError as exc:
            raise TokenError(_("Token has no '%(claim)s' claim") % {"claim": claim}) from exc
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TokenError(_("Token is invalid"))
        # In seconds, as the claim is: no datetime per request, and no overflow for a
        # NumericDate beyond datetime's year 9999.
        if value <= now - api_settings.leeway_seconds():
            raise ExpiredTokenError(_("Token '%(claim)s' claim has expired") % {"claim": claim})

    # --- building -----------------------------------------------------------------------

    def set_jti(self) -> None:
        """A fresh random id (128 bits, hex, as simplejwt's uuid4().hex is 32 hex digits);
        none when JTI_CLAIM is None."""
        if api_settings.JTI_CLAIM is not None:
            self.payload[api_settings.JTI_CLAIM] = secrets.token_hex(16)

    def set_exp(
        self,
        claim: str = "exp",
        from_time: datetime | None = None,
        lifetime: timedelta | None = None,
    ) -> None:
        """Set ``claim`` to ``from_time + lifetime`` (defaults: now, this token's lifetime)."""
        if from_time is None:
            from_time = self.current_time
        if lifetime is None:
            lifetime = self.lifetime or self._default_lifetime()
        self.payload[claim] = _epoch(from_time + lifetime)

    def set_iat(self, claim: str = "iat", at_time: datetime | None = None) -> None:
        """Set ``claim`` to ``at_time`` (default: now)."""
        if at_time is None:
            at_time = self.current_time
        self.payload[claim] = _epoch(at_time)

    @classmethod
    def for_user(cls: type[T], user: Any) -> T:
        """A new token naming ``user`` (USER_ID_CLAIM = str(user's USER_ID_FIELD), as
        simplejwt 5.5 does) with the claims EXTRA_ACCESS_CLAIMS gives for the user, then
        the user's USER_CLAIM_FIELDS (which views read without a query, so they win)."""
        token = cls()
        token[api_settings.USER_ID_CLAIM] = str(getattr(user, api_settings.USER_ID_FIELD))
        for claim, value in api_settings.extra_claims(user).items():
            token[claim] = value
        for claim, value in api_settings.user_claims(user).items():
            token[claim] = value
        return token

    # --- mapping and string faces -----------------------------------------------------

    def __str__(self) -> str:
        """The signed token (audience and issuer added from the settings)."""
        payload = self.payload
        if api_settings.AUDIENCE is not None or api_settings.ISSUER is not None:
            payload = dict(payload)
            if api_settings.AUDIENCE is not None:
                payload["aud"] = api_settings.AUDIENCE
            if api_settings.ISSUER is not None:
                payload["iss"] = api_settings.ISSUER
        return jwt.encode(payload, signing.signing_key())

    def __repr__(self) -> str:
        return repr(self.payload)

    def __getitem__(self, key: str) -> Any:
        return self.payload[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.payload[key] = value

    def __delitem__(self, key: str) -> None:
        del self.payload[key]

    def __contains__(self, key: object) -> bool:
        return key in self.payload

    def __iter__(self) -> Iterator[str]:
        return iter(self.payload)

    def get(self, key: str, default: Any = None) -> Any:
        """The claim ``key``, or ``default``."""
        return self.payload.get(key, default)

    @property
    def expires_at(self) -> datetime:
        """The ``exp`` claim as an aware datetime."""
        return datetime.fromtimestamp(self.payload["exp"], tz=UTC)


class AccessToken(Token):
    """A short-lived token that authenticates requests (token_type "access")."""

    token_type = "access"  # noqa: S105 - a token type, not a password
    lifetime_setting = "ACCESS_TOKEN_LIFETIME"


class RefreshToken(Token):
    """A longer-lived token traded for new access tokens (token_type "refresh")."""

    token_type = "refresh"  # noqa: S105 - a token type, not a password
    lifetime_setting = "REFRESH_TOKEN_LIFETIME"
    access_token_class: ClassVar[type[AccessToken]] = AccessToken

    @property
    def no_copy_claims(self) -> tuple[str, ...]:
        """Claims of the refresh token that its access tokens do not inherit."""
        return tuple(
            c
            for c in (api_settings.TOKEN_TYPE_CLAIM, "exp", api_settings.JTI_CLAIM, "jti", "iat")
            if c is not None
        )

    @property
    def access_token(self) -> AccessToken:
        """A new access token with this token's claims but its own type, exp, iat and
        jti; it expires relative to this token's creation, as simplejwt's does."""
        access = self.access_token_class()
        access.set_exp(from_time=self.current_time)
        no_copy = self.no_copy_claims
        for claim, value in self.payload.items():
            if claim not in no_copy:
                access[claim] = value
        return access


class UntypedToken(Token):
    """Any token of this service, whatever its type (TokenVerifyView uses it)."""

    token_type = "untyped"  # noqa: S105 - a token type, not a password
    lifetime = timedelta(seconds=0)

    def _expected_type(self) -> tuple[str, str] | None:
        return None

    def verify_token_type(self) -> None:
        """Untyped tokens accept every token type."""
