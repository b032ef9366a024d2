"""pyauth.tokens: simplejwt's Token API on the core, and interop with simplejwt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt as pyjwt
import pytest
from django.conf import settings as django_settings

from pyauth.settings import api_settings
from pyauth.tokens import (
    AccessToken,
    ExpiredTokenError,
    RefreshToken,
    TokenError,
    UntypedToken,
)

pytestmark = pytest.mark.django_db


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_for_user_claims(user: Any) -> None:
    token = AccessToken.for_user(user)
    assert token["user_id"] == str(user.pk)
    assert token["token_type"] == "access"
    assert token["exp"] - token["iat"] == 300
    assert isinstance(token["jti"], str) and len(token["jti"]) == 32
    assert "user_id" in token and "sid" not in token
    assert token.get("missing", "default") == "default"
    assert token.payload["user_id"] == str(user.pk)
    token["scope"] = "read"
    assert token["scope"] == "read"
    del token["scope"]
    assert "scope" not in token


def test_str_is_a_jwt_signed_with_the_secret_key(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "HS256"}  # with pyauth.keys installed, the default is EdDSA
    raw = str(RefreshToken.for_user(user))
    claims = pyjwt.decode(raw, django_settings.SECRET_KEY, algorithms=["HS256"])
    assert claims["token_type"] == "refresh"
    assert claims["exp"] - claims["iat"] == 86400
    assert pyjwt.get_unverified_header(raw) == {"alg": "HS256", "typ": "JWT"}


def test_round_trip(user: Any) -> None:
    access = AccessToken.for_user(user)
    again = AccessToken(str(access))
    assert again.payload == access.payload
    assert AccessToken(str(access).encode()).payload == access.payload


def test_access_is_never_a_refresh_token_and_back(user: Any) -> None:
    refresh = RefreshToken.for_user(user)
    access = refresh.access_token
    with pytest.raises(TokenError) as excinfo:
        RefreshToken(str(access))
    assert excinfo.value.code == "token_wrong_type"
    with pytest.raises(TokenError):
        AccessToken(str(refresh))
    # both are valid tokens of this service, whatever their type
    UntypedToken(str(access))
    UntypedToken(str(refresh))


def test_type_is_checked_even_when_a_subclass_skips_verify(user: Any) -> None:
    """simplejwt users override verify() to add checks; forgetting super() must not
    make refresh tokens pass as access tokens (the core checks the type at decode)."""

    class LenientAccess(AccessToken):
        def verify(self) -> None:
            pass

    with pytest.raises(TokenError):
        LenientAccess(str(RefreshToken.for_user(user)))
    LenientAccess(str(AccessToken.for_user(user)))


@pytest.mark.parametrize(
    ("claim", "message"), [("exp", "Token has no 'exp' claim"), ("jti", "Token has no id")]
)
def test_exp_and_jti_are_required(user: Any, claim: str, message: str) -> None:
    """What verify() demands, the core demands first for classes that keep pyauth's
    verify(), with verify()'s messages."""
    token = AccessToken.for_user(user)
    del token[claim]
    for cls in (AccessToken, RefreshToken.access_token_class):
        with pytest.raises(TokenError) as excinfo:
            cls(str(token))
        assert str(excinfo.value.args[0]) == message
        assert excinfo.value.code == "token_not_valid"


def test_no_jti_claim_setting_accepts_tokens_without_one(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"JTI_CLAIM": None}
    token = AccessToken.for_user(user)
    token.payload.pop("jti", None)
    assert "jti" not in AccessToken(str(token))


def test_a_subclass_that_changes_a_check_still_gets_it_called(user: Any) -> None:
    """The core's answer stands in for verify() only while the class keeps pyauth's
    checks; a subclass's own verify(), check_exp() or verify_token_type() runs."""
    calls: list[str] = []

    class Audited(AccessToken):
        def verify(self) -> None:
            calls.append("verify")
            super().verify()
            if self.get("scope") != "api":
                raise TokenError("no scope", code="scope")

    class ExpAudited(AccessToken):
        def check_exp(self, claim: str = "exp", current_time: Any = None) -> None:
            calls.append(f"check_exp {claim}")
            super().check_exp(claim, current_time)

    class TypeAudited(AccessToken):
        def verify_token_type(self) -> None:
            calls.append("verify_token_type")
            super().verify_token_type()

    token = AccessToken.for_user(user)
    raw = str(token)
    with pytest.raises(TokenError) as excinfo:
        Audited(raw)
    assert excinfo.value.code == "scope"
    token["scope"] = "api"
    Audited(str(token))
    ExpAudited(raw)
    TypeAudited(raw)
    AccessToken(raw)  # pyauth's own checks: the core's answer, nothing more
    assert calls == ["verify", "verify", "check_exp exp", "verify_token_type"]


def test_token_without_type_is_refused(user: Any) -> None:
    token = AccessToken.for_user(user)
    del token["token_type"]
    with pytest.raises(TokenError):
        AccessToken(str(token))


def test_expired(user: Any) -> None:
    token = AccessToken.for_user(user)
    token.set_exp(from_time=datetime.now(tz=UTC) - timedelta(minutes=10))
    with pytest.raises(ExpiredTokenError) as excinfo:
        AccessToken(str(token))
    assert excinfo.value.code == "token_expired"
    assert str(excinfo.value.args[0]) == "Token is expired"


def test_leeway_accepts_a_just_expired_token(user: Any, settings: Any) -> None:
    token = AccessToken.for_user(user)
    token.set_exp(from_time=datetime.now(tz=UTC) - timedelta(minutes=5, seconds=10))
    raw = str(token)
    with pytest.raises(ExpiredTokenError):
        AccessToken(raw)
    settings.PYAUTH = {"LEEWAY": 60}
    AccessToken(raw)


def test_check_exp_on_other_claims(user: Any) -> None:
    token = AccessToken.for_user(user)
    token.set_exp("refresh_exp", from_time=datetime.now(tz=UTC), lifetime=timedelta(seconds=-1))
    with pytest.raises(ExpiredTokenError):
        token.check_exp("refresh_exp")
    with pytest.raises(TokenError):
        token.check_exp("no_such_claim")
    token.check_exp()


def test_check_exp_boundaries_in_seconds(user: Any, settings: Any) -> None:
    token = AccessToken.for_user(user)
    now = token.current_time.timestamp()
    token["exp"] = now  # exactly now: expired (exp is the first instant not accepted)
    with pytest.raises(ExpiredTokenError):
        token.check_exp()
    token["exp"] = now + 0.5
    token.check_exp()
    settings.PYAUTH = {"LEEWAY": 30}
    token["exp"] = now - 29
    token.check_exp()
    token["exp"] = now - 30
    with pytest.raises(ExpiredTokenError):
        token.check_exp()
    token["exp"] = 1e20  # beyond datetime's year 9999: still only a number to compare
    token.check_exp()


@pytest.mark.parametrize("part", [0, 1, 2])
def test_tampered(user: Any, part: int) -> None:
    raw = str(AccessToken.for_user(user))
    pieces = raw.split(".")
    if part == 1:
        claims = json.loads(base64.urlsafe_b64decode(pieces[1] + "=="))
        claims["user_id"] = "999"
        pieces[1] = _b64(claims)
    elif part == 0:
        pieces[0] = _b64({"alg": "HS256", "typ": "JWT", "kid": "x"})
    else:
        pieces[2] = pieces[2][:-2] + ("AA" if pieces[2][-2:] != "AA" else "BA")
    with pytest.raises(TokenError):
        AccessToken(".".join(pieces))


def test_alg_none_is_refused(user: Any) -> None:
    claims = AccessToken.for_user(user).payload
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    with pytest.raises(TokenError):
        AccessToken(unsigned)


def test_other_key_and_other_algorithm_are_refused(user: Any, settings: Any) -> None:
    claims = AccessToken.for_user(user).payload
    with pytest.raises(TokenError):
        AccessToken(pyjwt.encode(claims, "another key of a good length, 32+ bytes"))
    # the right key but an algorithm outside the allow-list [ALGORITHM]
    hs512 = pyjwt.encode(claims, settings.SECRET_KEY, algorithm="HS512")
    with pytest.raises(TokenError):
        AccessToken(hs512)
    settings.PYAUTH = {"ALGORITHM": "HS512"}
    AccessToken(hs512)


def test_garbage_and_oversized(user: Any, settings: Any) -> None:
    for raw in ("", "abc", "a.b.c", "é.é.é", b"\xff\xfe.a.b"):
        with pytest.raises(TokenError):
            AccessToken(raw)
    token = AccessToken.for_user(user)
    token["padding"] = "x" * 600
    raw = str(token)
    AccessToken(raw)
    settings.PYAUTH = {"MAX_TOKEN_BYTES": 512}
    with pytest.raises(TokenError):
        AccessToken(raw)


def test_verify_false_skips_every_check(user: Any) -> None:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=-60))
    raw = str(token)[:-4] + "AAAA"
    assert AccessToken(raw, verify=False)["user_id"] == str(user.pk)


def test_refresh_access_token_copies_claims(user: Any) -> None:
    refresh = RefreshToken.for_user(user)
    refresh["sid"] = "family-id"
    refresh["custom"] = 1
    access = refresh.access_token
    assert access["token_type"] == "access"
    assert access["sid"] == "family-id" and access["custom"] == 1
    assert access["user_id"] == refresh["user_id"]
    assert access["jti"] != refresh["jti"]
    assert access["exp"] - access["iat"] == 300


def test_extra_access_claims(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"EXTRA_ACCESS_CLAIMS": "tests.django.claims.profile_claims"}
    access = RefreshToken.for_user(user).access_token
    assert access["username"] == "alice" and access["email"] == "alice@example.com"


def test_lifetime_read_at_call_time(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"ACCESS_TOKEN_LIFETIME": timedelta(minutes=1)}
    token = AccessToken.for_user(user)
    assert token["exp"] - token["iat"] == 60


def test_audience_and_issuer(user: Any, settings: Any) -> None:
    settings.PYAUTH = {"ALGORITHM": "HS256", "AUDIENCE": "api", "ISSUER": "https://auth.example"}
    raw = str(AccessToken.for_user(user))
    claims = pyjwt.decode(
        raw,
        settings.SECRET_KEY,
        algorithms=["HS256"],
        audience="api",
        issuer="https://auth.example",
    )
    assert claims["aud"] == "api"
    AccessToken(raw)
    settings.PYAUTH = {"ALGORITHM": "HS256", "AUDIENCE": "other", "ISSUER": "https://auth.example"}
    with pytest.raises(TokenError):
        AccessToken(raw)
    settings.PYAUTH = {"ALGORITHM": "HS256", "AUDIENCE": "api", "ISSUER": "https://evil.example"}
    with pytest.raises(TokenError):
        AccessToken(raw)


def test_asymmetric_algorithm(user: Any, settings: Any, jwt_keys: Any) -> None:
    material = jwt_keys["RS256"]
    settings.PYAUTH = {
        "ALGORITHM": "RS256",
        "SIGNING_KEY": material.signing,
        "VERIFYING_KEY": material.verifying,
    }
    raw = str(AccessToken.for_user(user))
    assert pyjwt.get_unverified_header(raw)["alg"] == "RS256"
    pyjwt.decode(raw, material.verifying, algorithms=["RS256"])
    AccessToken(raw)
    # the HS-with-public-key confusion: HS256 keyed with the public PEM
    signing_input = (
        f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(AccessToken.for_user(user).payload)}"
    )
    mac = hmac.new(material.verifying, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    with pytest.raises(TokenError):
        AccessToken(forged)


def test_only_the_configured_algorithm_verifies(user: Any, settings: Any, jwt_keys: Any) -> None:
    """A JWK Set that also holds an HMAC key: tokens of that algorithm stay refused."""
    secret = b"s" * 64
    rsa = pyjwt.algorithms.RSAAlgorithm(pyjwt.algorithms.RSAAlgorithm.SHA256)
    rsa_jwk = json.loads(rsa.to_jwk(rsa.prepare_key(jwt_keys["RS256"].verifying)))
    oct_jwk = {
        "kty": "oct",
        "alg": "HS512",
        "k": base64.urlsafe_b64encode(secret).rstrip(b"=").decode(),
    }
    settings.PYAUTH = {
        "ALGORITHM": "RS256",
        "SIGNING_KEY": jwt_keys["RS256"].signing,
        "VERIFYING_KEY": {"keys": [{**rsa_jwk, "alg": "RS256"}, oct_jwk]},
    }
    AccessToken(str(AccessToken.for_user(user)))
    hs512 = pyjwt.encode(AccessToken.for_user(user).payload, secret, algorithm="HS512")
    with pytest.raises(TokenError):
        AccessToken(hs512)


# --- interop with djangorestframework-simplejwt --------------------------------------

SHARED_KEY = "a shared signing key, long enough for HS256 and then some: 0123456789"


@pytest.fixture
def simplejwt(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """simplejwt configured by SIMPLE_JWT with the key pyauth uses (PYAUTH absent, so
    pyauth reads SIMPLE_JWT too)."""
    from rest_framework_simplejwt import settings as simple_settings
    from rest_framework_simplejwt import state
    from rest_framework_simplejwt.backends import TokenBackend

    settings.SIMPLE_JWT = {"SIGNING_KEY": SHARED_KEY, "ALGORITHM": "HS256"}
    simple = simple_settings.api_settings  # rebound by simplejwt on setting_changed
    assert simple.SIGNING_KEY == SHARED_KEY
    assert api_settings.SIGNING_KEY == SHARED_KEY
    # simplejwt builds its backend once, at import: build it again from SIMPLE_JWT
    backend = TokenBackend(simple.ALGORITHM, simple.SIGNING_KEY, simple.VERIFYING_KEY)
    monkeypatch.setattr(state, "token_backend", backend)
    from rest_framework_simplejwt import tokens

    return tokens


def test_simplejwt_tokens_verify_with_pyauth(user: Any, simplejwt: Any) -> None:
    theirs = simplejwt.AccessToken.for_user(user)
    ours = AccessToken(str(theirs))
    assert ours["user_id"] == str(user.pk)
    assert ours["jti"] == theirs["jti"]
    their_refresh = simplejwt.RefreshToken.for_user(user)
    assert RefreshToken(str(their_refresh))["user_id"] == str(user.pk)
    with pytest.raises(TokenError):
        RefreshToken(str(theirs))


def test_pyauth_tokens_verify_with_simplejwt(user: Any, simplejwt: Any) -> None:
    from rest_framework_simplejwt.exceptions import TokenError as SimpleTokenError

    ours = AccessToken.for_user(user)
    theirs = simplejwt.AccessToken(str(ours))
    assert theirs["user_id"] == str(user.pk)
    with pytest.raises(SimpleTokenError):
        simplejwt.AccessToken(str(RefreshToken.for_user(user)))
