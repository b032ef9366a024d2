"""A typed user of pyauth's public API, checked by ``mypy --strict`` (``make lint``: the
``files`` of ``[tool.mypy]`` in pyproject.toml) and run by
tests/django/test_typed_usage.py.

``assert_type`` pins what each public name gives a typed caller: a signature that
loosened to ``Any`` or changed its return type fails the lint, not a user's build. The
Django-side names (settings, tokens, hashers, authentication) are typed as far as
pyauth's own code goes; Django and DRF themselves are untyped here (no django-stubs).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any, assert_type

import pyauth
from pyauth import jwt, otp, passwords
from pyauth.authentication import JWTAuthentication, TokenUser
from pyauth.exceptions import InvalidAudienceError, PyAuthError
from pyauth.hashers import Argon2idPasswordHasher, PBKDF2SHA256PasswordHasher
from pyauth.settings import PyAuthSettings, api_settings
from pyauth.tokens import AccessToken, RefreshToken, Token, TokenError, UntypedToken

SECRET = b"k" * 32


def jwt_usage() -> dict[str, Any]:
    """PyJWT's calls, a prepared Key, a KeySet from JWKS, and a typed refusal."""
    now = int(time.time())
    token = jwt.encode({"sub": "42", "exp": now + 60, "aud": "api"}, SECRET, algorithm="HS256")
    assert_type(token, str)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="api", leeway=10)
    assert_type(claims, dict[str, Any])
    complete = jwt.decode_complete(token, SECRET, algorithms=["HS256"], audience="api")
    assert_type(complete, dict[str, Any])
    assert_type(jwt.get_unverified_header(token), dict[str, Any])

    key = jwt.generate_key("EdDSA", kid="2026-11")
    assert_type(key, jwt.Key)
    assert_type(key.algorithm, str)
    assert_type(key.kid, str | None)
    public = jwt.load_key(key.public_pem(), "EdDSA", kid="2026-11")
    assert_type(public, jwt.Key)
    keyset = jwt.load_jwks({"keys": [_jwk(key)]})
    assert_type(keyset, jwt.KeySet)
    assert_type(len(keyset), int)
    signed = jwt.encode({"sub": "42"}, key)
    assert jwt.decode(signed, keyset, algorithms=["EdDSA"])["sub"] == "42"
    assert jwt.decode(signed, jwt.KeySet([public]), algorithms=["EdDSA"])["sub"] == "42"
    try:
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="other")
    except InvalidAudienceError as exc:
        assert_type(exc, InvalidAudienceError)
        assert isinstance(exc, PyAuthError)
    else:
        raise AssertionError("a foreign audience was accepted")
    assert_type(jwt.ALGORITHMS, tuple[str, ...])
    return claims


def _jwk(key: jwt.Key) -> dict[str, Any]:
    import json

    jwk: dict[str, Any] = json.loads(key.public_jwk())
    return jwk


def passwords_usage() -> bool:
    """Hash, verify, identify and the rehash decision."""
    cheap = passwords.Argon2Params(memory_kib=8, iterations=1)
    encoded = passwords.hash("correct horse", cheap)
    assert_type(encoded, str)
    assert_type(passwords.verify("correct horse", encoded), bool)
    info = passwords.identify(encoded)
    assert_type(info, passwords.HashInfo)
    assert_type(info.memory_kib, int)
    assert_type(passwords.needs_rehash(encoded), bool)
    assert_type(passwords.max_concurrency(), int)
    return passwords.needs_rehash(encoded) and not passwords.needs_rehash(encoded, cheap)


def otp_usage() -> int | None:
    """pyotp's TOTP, with the step a caller stores to refuse a code used twice."""
    secret = otp.random_base32()
    assert_type(secret, str)
    totp = otp.TOTP(secret)
    code = totp.now()
    assert_type(code, str)
    step = totp.verify_step(code)
    assert_type(step, int | None)
    assert_type(totp.verify(code), bool)
    uri = totp.provisioning_uri("ada@example.com", issuer_name="Shop")
    assert_type(uri, str)
    parsed = otp.parse_uri(uri)
    assert_type(parsed, otp.TOTP | otp.HOTP)
    hotp = otp.HOTP(secret)
    assert_type(hotp.match(hotp.at(3), 0, look_ahead=5), int | None)
    return step


def settings_usage(settings: PyAuthSettings = api_settings) -> timedelta:
    """Reading pyauth's settings (Django must be configured)."""
    assert_type(settings.leeway_seconds(), float)
    assert_type(settings.signing_key_object(), jwt.Key)
    assert_type(settings.verifying_keyset(), jwt.KeySet)
    lifetime: timedelta = settings.ACCESS_TOKEN_LIFETIME
    return lifetime


def tokens_usage(user: Any) -> str:
    """simplejwt's token classes: issue, read back, refuse the wrong type."""
    refresh = RefreshToken.for_user(user)
    assert_type(refresh, RefreshToken)
    access = refresh.access_token
    assert_type(access, AccessToken)
    assert_type(access.expires_at, datetime)
    assert access.expires_at > datetime.now(UTC)
    again = AccessToken(str(access))
    assert_type(again, AccessToken)
    assert_type(UntypedToken(str(refresh)), UntypedToken)
    try:
        AccessToken(str(refresh))
    except TokenError as exc:
        assert_type(exc, TokenError)
    else:
        raise AssertionError("a refresh token was accepted as an access token")
    token: Token = again
    return str(token)


def hashers_usage() -> str:
    """The Django hashers' typed parts."""
    hasher = Argon2idPasswordHasher()
    assert_type(hasher.params(), passwords.Argon2Params)
    assert_type(hasher.must_update("pbkdf2_sha256$1000$salt$hash"), bool)
    legacy = PBKDF2SHA256PasswordHasher()
    encoded = legacy.encode("correct horse", "saltsaltsaltsaltsaltsa", iterations=1000)
    assert_type(encoded, str)
    assert_type(legacy.verify("correct horse", encoded), bool)
    return encoded


def authentication_usage(raw_access: str) -> TokenUser | Any:
    """JWTAuthentication outside a request: validate a raw token, get its user."""
    auth = JWTAuthentication()
    validated = auth.get_validated_token(raw_access)
    assert_type(validated, Token)
    assert_type(auth.get_raw_token(f"Bearer {raw_access}".encode()), bytes | None)
    user: TokenUser | Any = auth.get_user(validated)
    return user


def version() -> str:
    assert_type(pyauth.__version__, str)
    return pyauth.__version__
